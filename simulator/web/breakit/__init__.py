"""Break it: one-click failures, each leaving a trace that explains it."""

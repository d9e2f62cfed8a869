"""The trace view: every request as an animated, step-through story (design §4)."""

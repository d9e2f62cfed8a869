"""Sandboxes, the bucket builder, uploads and downloads."""

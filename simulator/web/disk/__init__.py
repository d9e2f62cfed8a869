"""The disk inspector: what S3 actually keeps for each object."""

"""Client-side encryption in the Amazon S3 Encryption Client format (placeholder)."""

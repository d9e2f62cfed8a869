"""Client-side encryption in the browser: the data-key endpoints and the WebCrypto glue."""

"""Evidence store: content-addressed files (SHA-256) with owner, dates and requirement IDs."""

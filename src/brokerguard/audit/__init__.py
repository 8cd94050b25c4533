"""A9.9 personal-data audit trail (稽核軌跡): append-only, Merkle-sealed, kept 5 years."""

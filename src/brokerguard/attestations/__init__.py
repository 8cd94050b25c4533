"""Referenced rules (A3.1, A3.2, A4.1, A11.1): attestations and additional rulebooks."""

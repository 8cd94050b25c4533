"""Electronic-trading login service (Art. 9): factors, login policy, lockout, lifecycle."""

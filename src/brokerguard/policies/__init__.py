"""Policy register: which approved, in-date policy document covers which requirement."""

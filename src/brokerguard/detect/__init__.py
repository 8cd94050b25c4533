"""A9.3 login monitoring: Sigma-style YAML rules over the login events in the audit trail."""

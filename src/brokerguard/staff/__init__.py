"""Staff accounts of the web UI and their roles (customers are in auth/)."""

"""Web UI (server-rendered Jinja2 + HTMX) and JSON API (FastAPI)."""

"""ASGI entry point for uvicorn workers: ``brokerguard.web.asgi:app``."""

from brokerguard.web.app import create_app

app = create_app()

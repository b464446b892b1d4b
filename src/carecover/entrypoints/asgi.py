"""`uvicorn carecover.entrypoints.asgi:app` — the app built from environment settings."""

from carecover.entrypoints.app import create_app

app = create_app()

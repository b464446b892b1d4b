"""The ASGI application: API, web faces, static files, middleware, error handling, worker."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from carecover import __version__
from carecover.accounts import web as accounts_web
from carecover.bookings import web as bookings_web
from carecover.charging import web as charging_web
from carecover.claims import web as claims_web
from carecover.entrypoints import registry
from carecover.entrypoints.api import FORM_PATHS, UPLOAD_PATHS, api_router, health
from carecover.entrypoints.errors import install_error_handlers
from carecover.entrypoints.web import customers as customer_pages
from carecover.entrypoints.web import faces
from carecover.evidence import web as evidence_web
from carecover.operations import web as operations_web
from carecover.orders import web as orders_web
from carecover.partners import web as partners_web
from carecover.parts import web as parts_web
from carecover.platform.config import Settings, get_settings
from carecover.platform.db.session import Database
from carecover.platform.http.middleware import (
    BodyGuardMiddleware,
    RequestContextMiddleware,
    SecurityHeadersMiddleware,
)
from carecover.platform.logging import configure_logging
from carecover.platform.web.templating import STATIC_DIR
from carecover.platform.worker import make_worker_id, run_forever
from carecover.telematics import web as telematics_web


def origin_of(url: str | None) -> str | None:
    """scheme://host[:port] of a URL template such as https://tiles.example/{z}/{x}/{y}.png."""
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def create_app(
    settings: Settings | None = None,
    database: Database | None = None,
    *,
    embedded_worker: bool | None = None,
) -> FastAPI:
    """Build the app. ``embedded_worker`` runs the worker loop in a thread (the `make run` mode)."""
    settings = settings or get_settings()
    database = database or Database(settings.database_url, echo=settings.database_echo)
    run_worker = settings.embedded_worker if embedded_worker is None else embedded_worker
    configure_logging(settings.log_level, json=settings.log_json)
    registry.load_all()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = threading.Event()
        thread = None
        if run_worker:
            thread = threading.Thread(
                target=run_forever,
                args=(database, settings, stop, make_worker_id(":embedded")),
                name="carecover-worker",
                daemon=True,
            )
            thread.start()
        try:
            yield
        finally:
            stop.set()
            if thread is not None:
                thread.join(timeout=10)

    app = FastAPI(
        title="CareCover API",
        version=__version__,
        description="Insurance + services ecosystem platform (保险+服务). Errors are RFC 9457 "
        "problem documents with a stable `code`.",
        openapi_url="/openapi.json",
        docs_url=None,  # served below with the locally installed Swagger UI (no CDN)
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.database = database
    install_error_handlers(app)
    app.add_middleware(
        BodyGuardMiddleware,
        max_body_bytes=settings.max_body_bytes,
        form_paths=FORM_PATHS,
        upload_paths=UPLOAD_PATHS,
        max_upload_bytes=settings.max_upload_bytes,
        binary_paths=("/api/v1/telematics/readings",),
    )
    app.add_middleware(RequestContextMiddleware)
    app.add_middleware(
        SecurityHeadersMiddleware,
        hsts=settings.is_production,
        image_origins=tuple(o for o in [origin_of(settings.map_tile_url)] if o),
    )
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="CareCover API",
            swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/vendor/swagger-ui/favicon-32x32.png",
        )

    app.include_router(health)
    app.include_router(api_router())
    app.include_router(accounts_web.router)
    app.include_router(faces.router)
    app.include_router(customer_pages.router)
    app.include_router(operations_web.router)
    app.include_router(partners_web.router)
    app.include_router(evidence_web.router)
    app.include_router(parts_web.router)
    app.include_router(claims_web.router)
    app.include_router(telematics_web.router)
    app.include_router(charging_web.router)
    app.include_router(bookings_web.router)
    app.include_router(orders_web.router)
    return app

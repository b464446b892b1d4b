"""Health, readiness, request ids, OpenAPI and problem documents for unknown routes."""

from __future__ import annotations

from fastapi.testclient import TestClient

from carecover.entrypoints.app import create_app
from carecover.platform.config import Settings
from carecover.platform.db.session import Database


def test_healthz_and_readyz(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["database"] in ("sqlite", "postgresql")


def test_readyz_reports_an_unreachable_database(settings: Settings) -> None:
    broken = Database("postgresql+psycopg://nobody@127.0.0.1:1/none")
    with TestClient(create_app(settings, broken, embedded_worker=False)) as c:
        response = c.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "database_unavailable"
    assert c.get("/healthz").status_code == 200


def test_request_ids_are_echoed_or_made(client: TestClient) -> None:
    given = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    made = client.get("/healthz", headers={"X-Request-ID": "bad id;" * 20})
    assert made.headers["x-request-id"] != "bad id"
    assert len(made.headers["x-request-id"]) == 16


def test_unknown_api_route_and_wrong_method_are_problems(client: TestClient) -> None:
    missing = client.get("/api/v1/nothing-here", headers={"Accept-Language": "en"})
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["code"] == "not_found"
    assert missing.json()["detail"] == "The requested resource was not found."
    wrong = client.delete("/api/v1/me")
    assert wrong.status_code == 405
    assert wrong.json()["code"] == "method_not_allowed"


def test_openapi_and_docs_are_served(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/v1/auth/token" in spec["paths"]
    assert "/api/v1/users" in spec["paths"]
    assert "/login" not in spec["paths"]
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs.text
    assert "cdn" not in docs.text.lower()


def test_static_assets_are_served_locally(client: TestClient) -> None:
    css = client.get("/static/css/app.css")
    assert css.status_code == 200
    assert "--brand" in css.text


def test_security_headers(client: TestClient) -> None:
    page = client.get("/login")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self';" in csp
    assert "frame-ancestors 'none'" in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["x-frame-options"] == "DENY"
    assert "strict-transport-security" not in page.headers  # only in production (HTTPS)
    assert "'unsafe-inline'" in client.get("/docs").headers["content-security-policy"]


def test_a_configured_tile_server_is_allowed_to_serve_images(settings: Settings) -> None:
    tiled = settings.model_copy(update={"map_tile_url": "https://tiles.example.cn/{z}/{x}/{y}.png"})
    with TestClient(create_app(tiled, Database("sqlite://"), embedded_worker=False)) as c:
        csp = c.get("/healthz").headers["content-security-policy"]
    assert "img-src 'self' data: https://tiles.example.cn;" in csp

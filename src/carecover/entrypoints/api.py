"""The JSON API under /api/v1, plus the process health endpoints."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from carecover import __version__
from carecover.accounting import api as accounting_api
from carecover.accounts import api as accounts_api
from carecover.benefits import api as benefits_api
from carecover.bookings import api as bookings_api
from carecover.charging import api as charging_api
from carecover.claims import api as claims_api
from carecover.customers import api as customers_api
from carecover.evidence import api as evidence_api
from carecover.operations import api as operations_api
from carecover.orders import api as orders_api
from carecover.partners import api as partners_api
from carecover.parts import api as parts_api
from carecover.platform.db.session import Database
from carecover.platform.http.deps import request_language
from carecover.platform.http.problems import problem_response
from carecover.policies import api as policies_api
from carecover.telematics import api as telematics_api
from carecover.vehicles import api as vehicles_api

API_PREFIX = "/api/v1"
FORM_PATHS = (accounts_api.TOKEN_PATH,)
UPLOAD_PATHS = ("/api/v1/claims", "/api/v1/repairs", "/owner/claims", "/partner/repairs")
"""Where photos are uploaded: multipart bodies up to CARECOVER_MAX_UPLOAD_BYTES."""


def api_router() -> APIRouter:
    router = APIRouter(prefix=API_PREFIX)
    router.include_router(accounts_api.router)
    router.include_router(operations_api.router)
    router.include_router(customers_api.router)
    router.include_router(vehicles_api.router)
    router.include_router(policies_api.router)
    router.include_router(partners_api.router)
    router.include_router(benefits_api.router)
    router.include_router(evidence_api.router)
    router.include_router(parts_api.router)
    router.include_router(claims_api.router)
    router.include_router(telematics_api.router)
    router.include_router(charging_api.router)
    router.include_router(bookings_api.router)
    router.include_router(orders_api.router)
    router.include_router(accounting_api.router)
    return router


health = APIRouter(tags=["health"])


@health.get("/healthz", summary="The process is up")
def healthz() -> dict[str, str]:
    return {"status": "ok", "version": __version__}


@health.get("/readyz", summary="The database answers", response_model=None)
def readyz(request: Request) -> JSONResponse:
    database: Database = request.app.state.database
    try:
        database.ping()
    except Exception:  # noqa: BLE001 - any failure means not ready
        return problem_response(
            status=503,
            code="database_unavailable",
            lang=request_language(request),
            request_id=getattr(request.state, "request_id", None),
            instance="/readyz",
        )
    return JSONResponse({"status": "ok", "database": database.dialect})

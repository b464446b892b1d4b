"""Telematics API: device ingest and registration, a car's state, trips, driving reports and
maintenance (``telemetry``); battery reports and care requests (``care``)."""

from fastapi import APIRouter

from carecover.telematics.api import care, telemetry

router = APIRouter()
router.include_router(telemetry.router)
router.include_router(care.router)

__all__ = ["router"]

"""Charging API: the OCPI 2.2.1 receiver charge point operators push their locations, statuses
and tariffs to (``ocpi``), and finding a charger and reporting a failure (``chargers``)."""

from fastapi import APIRouter

from carecover.charging.api import chargers, ocpi

router = APIRouter()
router.include_router(ocpi.router)
router.include_router(chargers.router)

__all__ = ["router"]

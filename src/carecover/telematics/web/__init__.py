"""Telematics web pages: the owner's car health, trips and battery; the staff fleet views."""

from fastapi import APIRouter

from carecover.telematics.web import fleet, owner_actions, owner_battery, owner_trips, staff_fleet

router = APIRouter(include_in_schema=False)
router.include_router(fleet.router)
router.include_router(owner_battery.router)
router.include_router(owner_actions.router)
router.include_router(staff_fleet.router)
router.include_router(owner_trips.router)

__all__ = ["router"]

"""Telematics web pages: the owner's car health, trips and battery; the staff fleet views."""

from fastapi import APIRouter

from carecover.telematics.web import fleet

router = APIRouter(include_in_schema=False)
router.include_router(fleet.router)

__all__ = ["router"]

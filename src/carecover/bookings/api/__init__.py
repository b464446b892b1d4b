"""Bookings API: open slots, book, cancel and the owner's bookings and offers (``owner``); a
location's day, check-in, completion, no-show and what a location offers (``partner``)."""

from fastapi import APIRouter

from carecover.bookings.api import owner, partner

router = APIRouter(tags=["bookings"])
router.include_router(owner.router)
router.include_router(partner.router)

__all__ = ["router"]

"""Bookings web faces: the owner books a wash or maintenance and sees their bookings (``owner``);
the partner works its day of bookings (``partner``)."""

from fastapi import APIRouter

from carecover.bookings.web import owner, partner

router = APIRouter(include_in_schema=False)
router.include_router(owner.router)
router.include_router(partner.router)

__all__ = ["router"]

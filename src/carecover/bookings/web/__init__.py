"""Bookings web faces: the owner books a wash or maintenance and sees their bookings; the partner
works its day of bookings."""

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)

__all__ = ["router"]

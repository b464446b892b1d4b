"""Bookings web faces: the owner books a wash or maintenance; the partner sees its day."""

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)

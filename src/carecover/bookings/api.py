"""Bookings API: open slots, book, cancel, a location's day."""

from fastapi import APIRouter

router = APIRouter(tags=["bookings"])

"""Service orders API: request, track, offers for partners, dispatch for staff."""

from fastapi import APIRouter

router = APIRouter(tags=["orders"])

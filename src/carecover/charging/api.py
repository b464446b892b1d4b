"""Charging API: OCPI-shaped location and status updates, finding a charger, failure reports."""

from fastapi import APIRouter

router = APIRouter(tags=["charging"])

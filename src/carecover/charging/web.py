"""Charging web face: the owner's "find a charger" map."""

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)

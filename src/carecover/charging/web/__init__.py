"""Charging web pages: the owner's "find a charger" map and list, a charger's points, and the
charging-failure report that brings a free tow."""

from fastapi import APIRouter

from carecover.charging.web import owner

router = APIRouter(include_in_schema=False)
router.include_router(owner.router)

__all__ = ["router"]

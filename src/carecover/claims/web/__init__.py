"""Claims web pages: the owner's claims, the adjuster desk, the shop's repair orders."""

from fastapi import APIRouter

from carecover.claims.web import owner

router = APIRouter(include_in_schema=False)
router.include_router(owner.router)

__all__ = ["router"]

"""Claims web pages: the owner's claims, the adjuster desk, the shop's repair orders."""

from fastapi import APIRouter

from carecover.claims.web import owner, partner, staff

router = APIRouter(include_in_schema=False)
router.include_router(owner.router)
router.include_router(staff.router)
router.include_router(partner.router)

__all__ = ["router"]

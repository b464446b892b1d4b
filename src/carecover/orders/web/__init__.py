"""Service orders web faces: the owner's rescue request and live tracking, the partner's job desk,
the staff dispatch board and the coverage planning page."""

from fastapi import APIRouter

from carecover.orders.web import owner, partner, staff_board, staff_coverage

router = APIRouter(include_in_schema=False)
router.include_router(owner.router)
router.include_router(partner.router)
router.include_router(staff_coverage.router)
router.include_router(staff_board.router)

__all__ = ["router"]

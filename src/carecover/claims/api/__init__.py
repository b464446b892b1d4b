"""Claims API: owner reports and assessment, the adjuster desk, certified-shop repair."""

from fastapi import APIRouter

from carecover.claims.api import desk, repair, reports

router = APIRouter()
router.include_router(reports.router)
router.include_router(desk.router)
router.include_router(repair.router)

__all__ = ["router"]

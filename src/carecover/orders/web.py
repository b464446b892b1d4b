"""Service orders web faces: the owner's request and tracking, partner jobs, the dispatch board."""

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)

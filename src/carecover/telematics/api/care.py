"""Telematics API for battery reports (D4) and care requests (C1): an owner or staff reads a
car's monthly battery reports and runs this month's now; an owner records a one-tap request
(repair, maintenance, rescue, charger, or a claim from a crash alert, with the prefill the claim
needs). Someone else's car answers 404."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from carecover.platform.http.deps import ApiPrincipal, DbSession, ReqInfo, actor_of
from carecover.telematics.api.access import readable_vehicle as _vehicle
from carecover.telematics.models import BatteryReport, CareRequest
from carecover.telematics.service import battery_reports, care
from carecover.telematics.service.care import CareKind

router = APIRouter(tags=["telematics"])


class BatteryReportRead(BaseModel):
    vehicle_id: uuid.UUID
    month: date
    complete: bool
    soh_pct: float | None
    low_pct: float | None
    high_pct: float | None
    sessions: int
    rejected: int
    reasons: dict[str, int]
    fast_share: float
    trend: dict[str, Any] | None
    anomalies: list[dict[str, Any]]
    advice: list[dict[str, Any]]
    capacity: dict[str, Any]
    shop: dict[str, Any] | None
    computed_at: datetime


class CareRequestCreate(BaseModel):
    kind: CareKind
    alert_id: uuid.UUID | None = None
    reminder_key: str | None = Field(default=None, max_length=80)
    location_id: uuid.UUID | None = None


class ClaimPrefillRead(BaseModel):
    occurred_at: datetime
    lat: float | None
    lng: float | None
    peak_g: float | None
    missing: list[str]
    form_url: str
    """The owner's web form that files it (photos and the account of what happened)."""


class CareRequestRead(BaseModel):
    id: uuid.UUID
    vehicle_id: uuid.UUID
    kind: str
    status: str
    alert_id: uuid.UUID | None
    reminder_key: str | None
    location_id: uuid.UUID | None
    lat: float | None
    lng: float | None
    details: dict[str, Any]
    claim_id: uuid.UUID | None
    created_at: datetime
    claim_prefill: ClaimPrefillRead | None = None


def report_read(row: BatteryReport) -> BatteryReportRead:
    return BatteryReportRead.model_validate(row, from_attributes=True)


def request_read(session: DbSession, row: CareRequest) -> CareRequestRead:
    out = CareRequestRead.model_validate(row, from_attributes=True)
    if row.kind == CareKind.claim and row.claim_id is None:
        p = care.claim_prefill(session, row)
        url = f"/owner/cars/{row.vehicle_id}/care-requests/{row.id}/claim"
        out.claim_prefill = ClaimPrefillRead(
            occurred_at=p.occurred_at,
            lat=p.lat,
            lng=p.lng,
            peak_g=p.peak_g,
            missing=list(p.missing),
            form_url=url,
        )
    return out


@router.get("/vehicles/{vehicle_id}/battery-reports", response_model=list[BatteryReportRead])
def list_battery_reports(
    session: DbSession, principal: ApiPrincipal, vehicle_id: uuid.UUID
) -> list[BatteryReportRead]:
    """The car's monthly battery reports, oldest first."""
    vehicle = _vehicle(session, principal, vehicle_id)
    return [report_read(r) for r in battery_reports.reports_of(session, vehicle.id)]


@router.post("/vehicles/{vehicle_id}/battery-reports/run", response_model=list[BatteryReportRead])
def run_battery_reports(
    session: DbSession, principal: ApiPrincipal, vehicle_id: uuid.UUID
) -> list[BatteryReportRead]:
    """Run now: this month's report, and any earlier month without a complete one."""
    vehicle = _vehicle(session, principal, vehicle_id)
    return [report_read(r) for r in battery_reports.run_for_vehicle(session, vehicle.id)]


@router.post("/vehicles/{vehicle_id}/care-requests", response_model=CareRequestRead)
def create_care_request(
    session: DbSession,
    principal: ApiPrincipal,
    info: ReqInfo,
    vehicle_id: uuid.UUID,
    body: CareRequestCreate,
    response: Response,
) -> CareRequestRead:
    """Record a one-tap request: 201 when new, 200 with the first one for a repeated tap."""
    row, created = care.request(
        session,
        actor_of(principal, info),
        vehicle_id,
        body.kind,
        alert_id=body.alert_id,
        reminder_key=body.reminder_key,
        location_id=body.location_id,
    )
    response.status_code = 201 if created else 200
    return request_read(session, row)


@router.get("/vehicles/{vehicle_id}/care-requests", response_model=list[CareRequestRead])
def list_care_requests(
    session: DbSession, principal: ApiPrincipal, vehicle_id: uuid.UUID
) -> list[CareRequestRead]:
    vehicle = _vehicle(session, principal, vehicle_id)
    return [request_read(session, r) for r in care.of_vehicle(session, vehicle.id)]

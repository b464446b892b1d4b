"""Partner request and response shapes."""

from __future__ import annotations

import itertools
import re
import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from carecover.partners.enums import (
    PartnerStatus,
    PartnerType,
    QualificationKind,
    QualificationStatus,
)

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALWAYS_OPEN = "always_open"
# Zero-padded 24-hour times compare correctly as strings; 24:00 may only end a day.
_TIME = re.compile(r"(?:[01]\d|2[0-3]):[0-5]\d|24:00")

AdCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{6}$")]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=500)]


def _intervals(day: str, value: object) -> list[list[str]]:
    if not isinstance(value, list):
        raise ValueError(f'{day}: give a list of ["HH:MM", "HH:MM"] intervals ([] = closed)')
    spans: list[list[str]] = []
    for interval in value:
        if not (
            isinstance(interval, list | tuple)
            and len(interval) == 2
            and all(isinstance(t, str) and _TIME.fullmatch(t) for t in interval)
        ):
            raise ValueError(f'{day}: each interval is ["HH:MM", "HH:MM"], e.g. ["08:00", "20:00"]')
        start, end = interval
        if start >= end:
            raise ValueError(f"{day}: {start}–{end} must start before it ends")
        spans.append([start, end])
    spans.sort()
    for earlier, later in itertools.pairwise(spans):
        if later[0] < earlier[1]:
            raise ValueError(f"{day}: {earlier[0]}–{earlier[1]} and {later[0]}–{later[1]} overlap")
    return spans


def check_opening_hours(value: dict[str, Any]) -> dict[str, Any]:
    """``{"always_open": true}`` alone, or days ``mon``…``sun`` with intervals; others closed."""
    # Every day is written out on the way in, so readers never guess what a missing key means.
    if ALWAYS_OPEN in value:
        if value.get(ALWAYS_OPEN) is not True or len(value) != 1:
            raise ValueError('"always_open" must be true and the only key')
        return {ALWAYS_OPEN: True}
    unknown = sorted(set(value) - set(DAYS))
    if unknown:
        raise ValueError(f"unknown keys {unknown}: use mon, tue, wed, thu, fri, sat, sun")
    if not value:
        raise ValueError('give the hours of at least one day, or {"always_open": true}')
    return {day: _intervals(day, value.get(day, [])) for day in DAYS}


OpeningHours = Annotated[dict[str, Any], AfterValidator(check_opening_hours)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PartnerCreate(Strict):
    organisation_id: uuid.UUID
    partner_type: PartnerType
    legal_name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)
    ]
    # Checked in the service, so a near miss gets the credit-code message, not a length error.
    unified_social_credit_code: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=30)] | None
    ) = None
    city_adcode: AdCode
    contact_phone: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=20)] | None
    ) = None


class PartnerSuspend(Strict):
    reason: Reason


class PartnerRead(BaseModel):
    """A partner as staff and its own users see it; the contact phone masked."""

    id: uuid.UUID
    organisation_id: uuid.UUID
    partner_type: PartnerType
    status: PartnerStatus
    legal_name: str
    unified_social_credit_code: str | None
    city_adcode: str
    city: str | None
    contact_phone_masked: str | None
    created_at: datetime
    updated_at: datetime


class LocationCreate(Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
    address: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]
    # Derived from the address when left out.
    adcode: AdCode | None = None
    lat: Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
    lng: Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
    service_radius_km: Annotated[int, Field(ge=1, le=300)] = 15
    capacity: Annotated[int, Field(ge=0, le=10_000)]
    opening_hours: OpeningHours


class LocationRead(BaseModel):
    """A site with WGS-84 coordinates; ``distance_km`` only in answers to a nearby search."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    partner_id: uuid.UUID
    name: str
    address: str
    adcode: str
    city_adcode: str
    lat: float
    lng: float
    service_radius_km: int
    capacity: int
    opening_hours: dict[str, Any]
    is_active: bool
    created_at: datetime
    distance_km: float | None = None


class QualificationCreate(Strict):
    kind: QualificationKind
    brand: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)] | None
    ) = None
    number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
    valid_from: date
    valid_until: date


class QualificationRevoke(Strict):
    reason: Reason


class QualificationRead(BaseModel):
    """A qualification and its standing today (Beijing date)."""

    id: uuid.UUID
    partner_id: uuid.UUID
    kind: QualificationKind
    brand: str | None
    number: str
    valid_from: date
    valid_until: date
    verified_at: datetime | None
    revoked_at: datetime | None
    status: QualificationStatus

"""Telematics API: devices send readings over HTTP (HTTP Basic with the device id and secret;
JSON or MessagePack, one reading or a batch); owners and staff register and revoke devices and
read a car's latest state."""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request

from carecover.platform.clock import utc_now
from carecover.platform.errors import Conflict, NotFound, Unauthenticated
from carecover.platform.http.deps import ApiPrincipal, DbSession, ReqInfo, actor_of
from carecover.policies.models import Policy
from carecover.telematics.api.access import readable_vehicle as _vehicle
from carecover.telematics.models import Device, Trip, VehicleState
from carecover.telematics.schemas import (
    DeviceCreate,
    DeviceCreated,
    DeviceRead,
    DrivingReportRead,
    DueRead,
    IngestRead,
    MaintenanceRead,
    RejectRead,
    TripRead,
    UbiRead,
    VehicleStateRead,
)
from carecover.telematics.service import (
    devices,
    driving,
    ingest,
    payload,
    payload_fast,
    reminders,
    trips,
)
from carecover.telematics.service.maintenance import MaintenanceInputError
from carecover.vehicles.models import Vehicle

router = APIRouter(tags=["telematics"])
MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


class DeviceUnauthenticated(Unauthenticated):
    code = "device_unauthenticated"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail)
        self.headers = {"WWW-Authenticate": 'Basic realm="carecover-devices"'}


def _credentials(authorization: str | None) -> tuple[str, str]:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "basic" or not token:
        raise DeviceUnauthenticated()
    try:
        device_no, sep, secret = base64.b64decode(token, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise DeviceUnauthenticated() from None
    if not sep or not device_no or len(device_no) > 40:
        raise DeviceUnauthenticated()
    return device_no, secret


@router.post("/telematics/readings", response_model=IngestRead)
async def post_readings(
    request: Request,
    session: DbSession,
    authorization: Annotated[str | None, Header()] = None,
) -> IngestRead:
    """A device's readings (one object or a list; JSON or ``application/msgpack``). Each refused
    reading is listed with its reason; the others are stored. Repeated sequences are dropped."""
    now = utc_now()
    device_no, secret = _credentials(authorization)
    body = await request.body()
    try:
        device = devices.authenticate(session, device_no, secret)
    except payload.PayloadRejected as error:
        ingest.reject(session, device_no, error, None, now)
        session.commit()
        raise DeviceUnauthenticated(error.detail) from None
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    try:
        samples, refused = payload_fast.decode_samples(body, content_type, now=now)
    except payload.PayloadRejected as error:
        ingest.reject(session, device.device_no, error, body[:200].hex(), now)
        return IngestRead(
            accepted=0,
            duplicates=0,
            rejected=[RejectRead(index=-1, reason=error.reason.value, detail=error.detail)],
        )
    ingest.reject_many(session, [(device.device_no, e, x) for _, e, x in refused], now)
    batch = ingest.DeviceBatch(device, samples)
    ingest.store(session, [batch], now=now)
    return IngestRead(
        accepted=batch.result.accepted,
        duplicates=batch.result.duplicates,
        rejected=[
            RejectRead(index=i, reason=e.reason.value, detail=e.detail) for i, e, _ in refused
        ],
    )


def device_read(device: Device) -> DeviceRead:
    return DeviceRead(
        id=device.id,
        device_no=device.device_no,
        vehicle_id=device.vehicle_id,
        kind=device.kind.value,
        status=device.status.value,
        last_seen_at=device.last_seen_at,
        last_seq=device.last_seq,
    )


@router.post("/vehicles/{vehicle_id}/devices", response_model=DeviceCreated, status_code=201)
def register_device(
    session: DbSession,
    principal: ApiPrincipal,
    info: ReqInfo,
    vehicle_id: uuid.UUID,
    body: DeviceCreate,
) -> DeviceCreated:
    """Register a device for the car; the secret is in this response only."""
    vehicle = _vehicle(session, principal, vehicle_id)
    device, secret = devices.register(session, actor_of(principal, info), vehicle.id, body.kind)
    return DeviceCreated(**device_read(device).model_dump(), secret=secret)


@router.get("/vehicles/{vehicle_id}/devices", response_model=list[DeviceRead])
def list_devices(
    session: DbSession, principal: ApiPrincipal, vehicle_id: uuid.UUID
) -> list[DeviceRead]:
    vehicle = _vehicle(session, principal, vehicle_id)
    return [device_read(d) for d in devices.of_vehicle(session, vehicle.id)]


@router.post("/devices/{device_id}/revoke", response_model=DeviceRead)
def revoke_device(
    session: DbSession, principal: ApiPrincipal, info: ReqInfo, device_id: uuid.UUID
) -> DeviceRead:
    device = devices.get_or_raise(session, device_id)
    _vehicle(session, principal, device.vehicle_id)
    return device_read(devices.revoke(session, actor_of(principal, info), device))


@router.get("/vehicles/{vehicle_id}/state", response_model=VehicleStateRead)
def vehicle_state(
    session: DbSession, principal: ApiPrincipal, vehicle_id: uuid.UUID
) -> VehicleStateRead:
    """The car's latest telemetry (what the last reading of each signal said)."""
    vehicle = _vehicle(session, principal, vehicle_id)
    state = session.get(VehicleState, vehicle.id)
    if state is None:
        raise NotFound()
    return VehicleStateRead(
        vehicle_id=state.vehicle_id,
        device_time=state.device_time,
        lat=state.lat,
        lng=state.lng,
        signals=state.signals,
    )


# --- trips, driving reports and maintenance (F1, F4) -------------------------------------------


def trip_read(trip: Trip) -> TripRead:
    return TripRead.model_validate(trip)


def report_read(
    vehicle_id: uuid.UUID, report: driving.Report, policy: Policy | None
) -> DrivingReportRead:
    f = report.figures
    ubi = UbiRead(
        factor=report.ubi.factor,
        reason=report.ubi.reason,
        min_km=trips.UBI_MIN_KM,
        policy_no=policy.policy_no if policy else None,
        renews_on=policy.ends_at.date() if policy else None,
    )
    return DrivingReportRead(
        vehicle_id=vehicle_id, month=report.month, final=report.final, trips=f.trips,
        discarded=f.discarded, distance_km=f.distance_km, score=f.score,
        harsh_braking=f.harsh_braking, harsh_acceleration=f.harsh_acceleration,
        harsh_cornering=f.harsh_cornering, braking_per_100km=f.braking_per_100km,
        acceleration_per_100km=f.acceleration_per_100km,
        cornering_per_100km=f.cornering_per_100km, speeding_share=f.speeding_share,
        night_share=f.night_share, night_km=f.night_km, max_speed_kmh=f.max_speed_kmh,
        ubi=ubi, hints=list(report.hints), driver_age=report.driver_age,
    )  # fmt: skip


def maintenance_read(
    vehicle: Vehicle, car: reminders.CarDue | None, today: date
) -> MaintenanceRead:
    items = [
        DueRead(item=d.item.value, status=d.status, reason=d.reason, due_at_km=d.due_at_km,
                due_on=d.due_on_date, km_left=d.km_left, days_left=d.days_left)
        for d in (car.dues if car else [])
    ]  # fmt: skip
    last = car.last if car else None
    book = None
    if car is not None and car.need:
        book = {"url": f"/owner/cars/{vehicle.id}/care-requests", "kind": "maintenance"}
        book["reminder_key"] = car.window or ""
    return MaintenanceRead(
        vehicle_id=vehicle.id,
        odometer_km=car.odometer_km if car else None,
        today=car.today if car else today,
        items=items,
        need=[d.item.value for d in car.need] if car else [],
        status=car.reminder.status if car and car.reminder else None,
        last_reminder_id=last.id if last else None,
        last_sent_on=last.sent_on if last else None,
        book=book,
    )


@router.get("/vehicles/{vehicle_id}/trips", response_model=list[TripRead])
def list_trips(
    session: DbSession,
    principal: ApiPrincipal,
    vehicle_id: uuid.UUID,
    month: Annotated[str | None, Query(pattern=MONTH)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[TripRead]:
    """The car's scored trips, newest first (``month``: a local month, ``YYYY-MM``)."""
    vehicle = _vehicle(session, principal, vehicle_id)
    found = driving.trips_of(session, vehicle.id, month=month, limit=limit, offset=offset)
    return [trip_read(t) for t in found]


@router.get("/vehicles/{vehicle_id}/trips/{trip_id}", response_model=TripRead)
def get_trip(
    session: DbSession, principal: ApiPrincipal, vehicle_id: uuid.UUID, trip_id: uuid.UUID
) -> TripRead:
    vehicle = _vehicle(session, principal, vehicle_id)
    trip = session.get(Trip, trip_id)
    if trip is None or trip.vehicle_id != vehicle.id:
        raise NotFound()
    return trip_read(trip)


@router.get("/vehicles/{vehicle_id}/driving-reports", response_model=list[DrivingReportRead])
def list_driving_reports(
    session: DbSession, principal: ApiPrincipal, vehicle_id: uuid.UUID
) -> list[DrivingReportRead]:
    """The last twelve months with driving, oldest first (the trend)."""
    vehicle = _vehicle(session, principal, vehicle_id)
    policy, now = driving.renewal_policy(session, vehicle.id), utc_now()
    found = [
        driving.report(session, vehicle, m.month, now) for m in driving.months(session, vehicle.id)
    ]
    return [report_read(vehicle.id, r, policy) for r in found if r is not None]


@router.get("/vehicles/{vehicle_id}/driving-reports/{month}", response_model=DrivingReportRead)
def get_driving_report(
    session: DbSession,
    principal: ApiPrincipal,
    vehicle_id: uuid.UUID,
    month: Annotated[str, Path(pattern=MONTH)],
) -> DrivingReportRead:
    """A month's report, computed on demand from its running totals and stored."""
    vehicle = _vehicle(session, principal, vehicle_id)
    report = driving.report(session, vehicle, month, utc_now())
    if report is None:
        raise NotFound()
    return report_read(vehicle.id, report, driving.renewal_policy(session, vehicle.id))


@router.get("/vehicles/{vehicle_id}/maintenance", response_model=MaintenanceRead)
def get_maintenance(
    session: DbSession, principal: ApiPrincipal, vehicle_id: uuid.UUID
) -> MaintenanceRead:
    """Every scheduled item against the odometer and the calendar, most urgent first."""
    vehicle = _vehicle(session, principal, vehicle_id)
    today = reminders.local_today(utc_now())
    try:
        car = reminders.due_for(session, vehicle, today)
    except MaintenanceInputError as error:
        raise Conflict(str(error)) from None
    return maintenance_read(vehicle, car, today)

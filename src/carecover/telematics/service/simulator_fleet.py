"""The simulator against the database: which cars of the world drive, their devices, and the
alerts raised compared with the faults injected.

``pick`` chooses cars in the given cities (their owners' city gives the home; the city's real
coordinates, as the demo seed uses them), registers a device on each (an EV box on a battery car,
an OBD dongle on the others; the secret is kept for the HTTP target) or, with ``reuse``, takes cars
that already have a device and continues their stream from the latest state. ``reconcile`` reads
the alerts of those cars since the run began and checks the ledger: every complete fault raised
exactly one alert episode of its code, and nothing else was raised (false positives).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from carecover.customers.models import Customer
from carecover.platform.clock import ensure_utc
from carecover.platform.context import Actor
from carecover.platform.geo import City, city_by_adcode
from carecover.telematics.enums import DeviceKind, DeviceStatus
from carecover.telematics.models import Alert, Device, VehicleState
from carecover.telematics.service import devices
from carecover.telematics.service.simulator import CarSpec, Fault, car_spec
from carecover.vehicles.enums import Powertrain
from carecover.vehicles.models import Vehicle

SHANGHAI = (31.230372, 121.473662)


@dataclass(frozen=True, slots=True)
class FleetCar:
    spec: CarSpec
    device_id: uuid.UUID
    secret: str | None
    """Known only for a device registered by this run (the registry keeps a hash)."""


def _home(adcode: str | None, cities: Sequence[City]) -> tuple[float, float]:
    city = city_by_adcode(adcode) if adcode else None
    if city is None and cities:
        city = cities[0]
    return (city.point.lat, city.point.lng) if city is not None else SHANGHAI


def pick(
    session: Session,
    *,
    count: int,
    cities: Sequence[City] = (),
    seed: int = 2026,
    include: Sequence[uuid.UUID] = (),
    reuse: bool = False,
    not_before: datetime | None = None,
    today: date | None = None,
) -> list[FleetCar]:
    """``count`` cars (``include`` first), each with a device. Without ``reuse`` only cars with no
    device are taken; with it, cars with an active device come first (their stream continues
    from the latest state, which must be older than ``not_before``)."""
    adcodes = [c.adcode for c in cities]
    base = select(Vehicle, Customer.city_adcode).join(Customer, Customer.id == Vehicle.owner_id)
    if adcodes:
        base = base.where(Customer.city_adcode.in_(adcodes))
    chosen: list[tuple[Vehicle, str | None, Device | None]] = []
    seen: set[uuid.UUID] = set()
    if include:
        rows = session.execute(
            select(Vehicle, Customer.city_adcode)
            .join(Customer, Customer.id == Vehicle.owner_id)
            .where(Vehicle.id.in_(include))
            .order_by(Vehicle.id)
        ).all()
        for vehicle, adcode in rows:
            chosen.append((vehicle, adcode, None))
            seen.add(vehicle.id)
    if reuse:
        rows_with = session.execute(
            base.add_columns(Device)
            .join(Device, Device.vehicle_id == Vehicle.id)
            .where(Device.status == DeviceStatus.active)
            .order_by(Device.created_at, Device.id)
        ).all()
        for vehicle, adcode, device in rows_with:
            if len(chosen) < count and vehicle.id not in seen:
                chosen.append((vehicle, adcode, device))
                seen.add(vehicle.id)
    if len(chosen) < count:
        fitted = exists().where(Device.vehicle_id == Vehicle.id)
        fresh = session.execute(
            base.where(~fitted).order_by(Vehicle.id).limit(count - len(chosen) + len(seen))
        ).all()
        for vehicle, adcode in fresh:
            if len(chosen) < count and vehicle.id not in seen:
                chosen.append((vehicle, adcode, None))
                seen.add(vehicle.id)
    return [
        car
        for vehicle, adcode, device in chosen
        if (car := _fit(session, vehicle, _home(adcode, cities), device, seed, today, not_before))
    ]


def _fit(
    session: Session,
    vehicle: Vehicle,
    home: tuple[float, float],
    device: Device | None,
    seed: int,
    today: date | None,
    not_before: datetime | None,
) -> FleetCar | None:
    secret: str | None = None
    resume: dict[str, object] = {}
    if device is None:
        kind = DeviceKind.ev_box if vehicle.powertrain is Powertrain.bev else DeviceKind.obd_dongle
        device, secret = devices.register(session, Actor.system(), vehicle.id, kind)
    else:
        state = session.get(VehicleState, vehicle.id)
        if state is not None:
            if not_before is not None and ensure_utc(state.device_time) >= not_before:
                return None
            if state.lat is not None and state.lng is not None:
                resume["position"] = (state.lat, state.lng)
            for key, name in (("soc", "soc_pct"), ("odometer_km", "odometer_km")):
                value = state.signals.get(key)
                if isinstance(value, int | float) and value > (20.0 if key == "soc" else 0.0):
                    resume[name] = float(value)
        resume["first_seq"] = (device.last_seq or 0) + 1
    spec = car_spec(
        device.device_no,
        str(vehicle.id),
        vehicle.powertrain,
        home,
        seed=seed,
        battery_kwh=float(vehicle.battery_kwh) if vehicle.battery_kwh else None,
        usage=vehicle.usage.value,
        purchased=vehicle.purchase_date,
        today=today,
        **resume,
    )
    return FleetCar(spec, device.id, secret)


@dataclass(frozen=True, slots=True)
class RaisedAlert:
    device_no: str
    code: str
    severity: str
    episode_key: str
    raised_at: datetime


@dataclass
class Reconciliation:
    """Faults against alerts. ``ok``: every complete fault raised exactly one alert episode of
    its code (an incomplete one at most one), and no other alert was raised. An episode is one
    ``episode_key``: a fault that worsens raises once more under the same key (a low charge that
    becomes "charger unreachable"); those rows are counted in ``escalations``, not as repeats."""

    faults: list[Fault]
    matched: list[tuple[Fault, RaisedAlert]] = field(default_factory=list)
    """Each fault with the first alert of its episode."""
    missing: list[Fault] = field(default_factory=list)
    repeated: list[tuple[Fault, list[RaisedAlert]]] = field(default_factory=list)
    """Faults that opened more than one episode."""
    false_positives: list[RaisedAlert] = field(default_factory=list)
    escalations: int = 0

    @property
    def ok(self) -> bool:
        return not (self.missing or self.repeated or self.false_positives)


def reconcile(
    session: Session, fleet: Sequence[FleetCar], ledger: Sequence[Fault], since: datetime
) -> Reconciliation:
    """Compare the alerts of the fleet's cars raised at or after ``since`` with the ledger."""
    by_vehicle = {uuid.UUID(car.spec.vehicle_id): car.spec.device_no for car in fleet}
    raised: dict[str, list[RaisedAlert]] = defaultdict(list)
    for start in range(0, len(by_vehicle), 500):
        chunk = list(by_vehicle)[start : start + 500]
        for alert in session.scalars(
            select(Alert)
            .where(Alert.vehicle_id.in_(chunk), Alert.raised_at >= since)
            .order_by(Alert.raised_at, Alert.id)
        ):
            device_no = by_vehicle[alert.vehicle_id]
            raised[device_no].append(
                RaisedAlert(
                    device_no,
                    alert.code,
                    alert.severity,
                    alert.episode_key,
                    ensure_utc(alert.raised_at),
                )
            )
    result = Reconciliation(list(ledger))
    faults_of = {f.device_no: f for f in ledger}
    for device_no, alerts in raised.items():
        fault = faults_of.get(device_no)
        hits = [a for a in alerts if fault is not None and a.code in fault.codes]
        result.false_positives += [a for a in alerts if a not in hits]
        episodes = {a.episode_key for a in hits}
        result.escalations += len(hits) - len(episodes)
        if fault is not None and len(episodes) > 1:
            result.repeated.append((fault, hits))
        elif fault is not None and hits:
            result.matched.append((fault, hits[0]))
    for fault in ledger:
        alerts = raised.get(fault.device_no, [])
        if fault.complete and not any(a.code in fault.codes for a in alerts):
            result.missing.append(fault)
    return result

"""Running the alert rules on newly stored readings, and the answer each alert comes with (C1).

The rules' memory lives in the car's latest-state row, so any worker can continue a car's stream.
Each alert is stored once per (car, episode, severity) and offered with a concrete next step: the
nearest certified repair shop within 3 km (else the nearest one, with its distance) for tyres,
12 V, trouble codes and the pack; rescue for a crash; a charger for low charge (the charger
registry and bookings arrive with the dispatch issue: until then the request is recorded).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from carecover.partners.enums import PartnerType
from carecover.partners.repository import nearest_locations
from carecover.platform.db import dialect_insert
from carecover.platform.events import publish
from carecover.platform.geo import Point
from carecover.telematics.events import AlertRaised
from carecover.telematics.models import Alert
from carecover.telematics.service import dtc, nearby, payload, rules
from carecover.telematics.service.ingest_state import LatestState
from carecover.vehicles.enums import Powertrain
from carecover.vehicles.models import Vehicle

NEAR_SHOP_KM = 3.0
QUIET_HOURS = rules.QuietHours()
"""Non-urgent alerts raised 22:00-07:00 Beijing time wait for the morning (``service.quiet``);
owners cannot set their own window yet."""
_QUIET_ONLY = rules.RuleContext(quiet_hours=QUIET_HOURS)
PLACARD_KPA = 230.0
"""Cold placard pressure when the car's own is not on record (typical passenger car, 2.3 bar)."""
SHOP_CODES = frozenset(
    {
        "tyre_puncture",
        "tyre_pressure_low",
        "tyre_slow_leak",
        "battery_12v_low",
        "charging_fault",
        "dtc",
        "fault_lamp_on",
        "battery_overtemp",
        "cell_imbalance",
    }
)


def profile_for(powertrain: Powertrain) -> rules.VehicleProfile:
    return rules.VehicleProfile(PLACARD_KPA, PLACARD_KPA, powertrain)


def profile_of(vehicle: Vehicle) -> rules.VehicleProfile:
    return profile_for(vehicle.powertrain)


def rule_sample(vehicle_id: uuid.UUID, s: payload.Sample) -> rules.Sample:
    """What the rules read of a stored reading (once per reading: nothing built that is absent).

    Speed and the 12 V come from GPS and the box when it sends them, else from the OBD-II PIDs;
    the lamp from the box's ``mil`` flag, else from the monitor status PID.
    """
    sig = s.signals
    speed, volts, mil = s.speed_kmh, sig.get("lv_v"), sig.get("mil")
    obd = sig.get("obd")
    if obd:
        if speed is None:
            speed = obd.get("vehicle_speed")
        if "lv_v" not in sig:
            volts = obd.get("module_voltage")
        if "mil" not in sig and "mil_on" in obd:
            mil = bool(obd["mil_on"])
    kpa: dict[str, float] | None = None
    temp: dict[str, float] | None = None
    if tyres := sig.get("tyres"):
        kpa, temp = {}, {}
        for wheel, pair in tyres.items():
            kpa[wheel], temp[wheel] = pair[0], pair[1]
    acc = sig.get("acc")
    codes = sig.get("dtc")
    dtcs = None if codes is None else tuple(rules.Dtc(c, dtc.classify(c).severity) for c in codes)
    return rules.Sample(
        vehicle_id=vehicle_id,
        at=s.device_time,
        speed_kmh=speed,
        tyre_kpa=kpa,
        tyre_c=temp,
        battery_v=volts,
        engine_running=sig.get("ign"),
        soc_pct=sig.get("soc"),
        range_km=sig.get("range_km"),
        pack_temp_max_c=sig.get("pack_t_max"),
        cell_v_min=sig.get("cell_v_min"),
        cell_v_max=sig.get("cell_v_max"),
        accel_g=(acc[0], acc[1], acc[2]) if acc else None,
        dtcs=dtcs,
        mil_on=mil,
    )


def answer(
    session: Session,
    alert: rules.Alert,
    where: Point | None,
    charger: tuple[nearby.Site, float] | None = None,
) -> dict[str, Any]:
    """The next step offered with an alert."""
    if alert.code == "crash":
        return {"kind": "rescue", "claim": "offered"}
    if alert.code.startswith("soc_"):
        if charger is None:
            return {"kind": "charger", "status": "none_found"}
        place, away = charger
        return {
            "kind": "charger",
            "location_id": str(place.location_id),
            "name": place.name,
            "address": place.address,
            "distance_km": round(away, 2),
        }
    if alert.code not in SHOP_CODES or where is None:
        return {"kind": "none"}
    found = nearest_locations(session, where, partner_type=PartnerType.repair_shop, limit=1)
    if not found:
        return {"kind": "shop", "status": "none_found"}
    site, km = found[0]
    return {
        "kind": "shop",
        "location_id": str(site.id),
        "name": site.name,
        "address": site.address,
        "distance_km": round(km, 2),
        "within_reach": km <= NEAR_SHOP_KM,
    }


def run(
    session: Session,
    state: LatestState,
    samples: Sequence[payload.Sample],
    now: datetime,
    *,
    profile: rules.VehicleProfile | None = None,
    chargers: nearby.SiteGrid | None = None,
) -> list[Alert]:
    """Evaluate the rules over the car's new samples (oldest first); store and publish alerts.
    ``profile`` saves a query when the caller loaded the cars of a whole batch at once;
    ``chargers``, the charging sites around the car, lets the low-charge rule weigh the range
    left against the way to the nearest one (and the alert name it)."""
    vehicle_id = state.vehicle_id
    if profile is None:
        vehicle = session.get(Vehicle, vehicle_id)
        if vehicle is None:  # pragma: no cover - foreign key
            return []
        profile = profile_of(vehicle)
    memory = (
        rules.RuleState.from_json(state.rule_state)
        if state.rule_state
        else rules.RuleState(str(vehicle_id))
    )
    raised = []
    for s in samples:
        where = Point(s.lat, s.lng) if s.lat is not None and s.lng is not None else None
        if where is None and state.lat is not None and state.lng is not None:
            where = Point(state.lat, state.lng)
        charger = chargers.nearest(where.lat, where.lng) if chargers and where else None
        context = (
            rules.RuleContext(charger_km=charger[1], quiet_hours=QUIET_HOURS)
            if charger
            else _QUIET_ONLY
        )
        result = rules.evaluate(rule_sample(vehicle_id, s), memory, profile, context)
        memory = result.state
        for alert in result.alerts:
            action = answer(session, alert, where, charger)
            row = _store(session, vehicle_id, alert, action, s, now)
            if row is not None:
                raised.append(row)
    state.rule_state = memory.to_json()
    return raised


def _store(
    session: Session,
    vehicle_id: uuid.UUID,
    alert: rules.Alert,
    action: dict[str, Any],
    s: payload.Sample,
    now: datetime,
) -> Alert | None:
    alert_id = uuid.uuid4()
    statement = (
        dialect_insert(session, Alert)
        .values(
            id=alert_id,
            vehicle_id=vehicle_id,
            code=alert.code,
            severity=alert.severity,
            wheel=alert.wheel,
            params=alert.params,
            episode_key=alert.episode_key,
            quiet=alert.quiet,
            action=action,
            raised_at=s.device_time,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["vehicle_id", "episode_key", "severity"])
        .returning(Alert.id)
    )
    if session.scalar(statement) is None:
        return None
    publish(
        session,
        AlertRaised(
            alert_id=alert_id, vehicle_id=vehicle_id, code=alert.code, severity=alert.severity
        ),
    )
    return session.get(Alert, alert_id)

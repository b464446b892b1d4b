"""Provider units: registration, live positions, duty, and the guarded claim that keeps one unit
from ever holding two jobs.

``claim`` is one UPDATE … WHERE status = 'available': of two dispatchers (or a dispatcher and the
batch tick) reaching for the same unit at the same moment exactly one changes the row; the other
sees no row changed and moves on. ``release`` frees the unit only from the order it holds.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from carecover.benefits.enums import ServiceType
from carecover.orders.enums import UnitKind, UnitStatus
from carecover.orders.errors import StalePosition, UnitNotFound
from carecover.orders.models import ProviderUnit, RateCard
from carecover.orders.service.fleet_index import UnitSnapshot
from carecover.partners.enums import PartnerStatus
from carecover.partners.models import Partner
from carecover.platform import audit
from carecover.platform.clock import ensure_utc
from carecover.platform.context import Actor
from carecover.platform.crypto import FieldRef, get_cipher, mask_phone
from carecover.platform.errors import Forbidden
from carecover.platform.geo import city_adcode as geo_city

FUTURE_SLACK = timedelta(seconds=30)
"""A device clock a little ahead is tolerated; a position from further in the future is not."""
KM_PER_DEGREE = 111.32


def _phone_ref(unit_id: uuid.UUID) -> FieldRef:
    return FieldRef("order_units", "driver_phone", str(unit_id))


def register(
    session: Session,
    actor: Actor,
    *,
    partner_id: uuid.UUID,
    kind: UnitKind,
    call_sign: str,
    driver_name: str,
    driver_phone: str | None,
    city_adcode: str,
    lat: float,
    lng: float,
    now: datetime,
    rating: float = 4.5,
    on_duty: bool = True,
) -> ProviderUnit:
    unit = ProviderUnit(
        id=uuid.uuid4(),
        partner_id=partner_id,
        kind=kind,
        call_sign=call_sign,
        driver_name=driver_name,
        city_adcode=geo_city(city_adcode) or city_adcode,
        status=UnitStatus.available if on_duty else UnitStatus.offline,
        lat=lat,
        lng=lng,
        position_at=ensure_utc(now),
        rating=rating,
    )
    if driver_phone:
        unit.driver_phone_enc = get_cipher().encrypt(driver_phone, _phone_ref(unit.id))
    session.add(unit)
    session.flush()
    audit.record(
        session,
        actor,
        "orders.unit_registered",
        object_type="order_unit",
        object_id=unit.id,
        details={"kind": kind.value, "call_sign": call_sign, "partner_id": str(partner_id)},
    )
    return unit


def get(session: Session, unit_id: uuid.UUID) -> ProviderUnit:
    unit = session.get(ProviderUnit, unit_id)
    if unit is None:
        raise UnitNotFound()
    return unit


def masked_phone(unit: ProviderUnit) -> str | None:
    """The driver's number as the owner sees it (138****5678): never the full number."""
    if unit.driver_phone_enc is None:
        return None
    return mask_phone(get_cipher().decrypt(unit.driver_phone_enc, _phone_ref(unit.id)))


def partner_of(session: Session, actor: Actor) -> Partner:
    """The partner business the actor works for (partner users only)."""
    if actor.organisation_id is None:
        raise Forbidden()
    partner = session.scalars(
        select(Partner).where(Partner.organisation_id == actor.organisation_id)
    ).first()
    if partner is None:
        raise Forbidden()
    return partner


def own_unit(session: Session, actor: Actor, unit_id: uuid.UUID) -> ProviderUnit:
    unit = get(session, unit_id)
    if partner_of(session, actor).id != unit.partner_id:
        raise UnitNotFound()  # another partner's unit: as if it did not exist
    return unit


def post_position(
    session: Session,
    unit: ProviderUnit,
    *,
    lat: float,
    lng: float,
    at: datetime,
    now: datetime,
    heading: float | None = None,
) -> ProviderUnit:
    """Move the unit. A position older than the one it has (a late, reordered report) or far in
    the future is refused; coordinates must be real numbers on the globe."""
    when = ensure_utc(at)
    if not (math.isfinite(lat) and math.isfinite(lng)) or abs(lat) > 90 or abs(lng) > 180:
        raise StalePosition("coordinates out of range")
    if when > now + FUTURE_SLACK:
        raise StalePosition("position time is in the future")
    if when < ensure_utc(unit.position_at):
        raise StalePosition("older than the unit's last position")
    unit.lat, unit.lng, unit.position_at = lat, lng, when
    if heading is not None and math.isfinite(heading):
        unit.heading = heading % 360
    return unit


def set_duty(session: Session, unit: ProviderUnit, *, on_duty: bool) -> ProviderUnit:
    """Going off duty is refused while the unit holds a job (finish or hand it back first)."""
    if unit.status is UnitStatus.busy:
        from carecover.orders.errors import UnitUnavailable

        raise UnitUnavailable()
    unit.status = UnitStatus.available if on_duty else UnitStatus.offline
    return unit


def claim(session: Session, unit_id: uuid.UUID, order_id: uuid.UUID) -> bool:
    """Take an available unit for an order; False when someone else got it first."""
    result = session.execute(
        update(ProviderUnit)
        .where(ProviderUnit.id == unit_id, ProviderUnit.status == UnitStatus.available)
        .values(status=UnitStatus.busy, order_id=order_id)
        .execution_options(synchronize_session=False)
    )
    taken = getattr(result, "rowcount", 0) == 1
    if taken:
        unit = session.get(ProviderUnit, unit_id)
        if unit is not None:
            session.refresh(unit, ["status", "order_id"])
    return taken


def release(
    session: Session,
    unit_id: uuid.UUID | None,
    order_id: uuid.UUID,
    *,
    at: tuple[float, float] | None = None,
    now: datetime | None = None,
) -> None:
    """Free the unit from this order (a no-op if it holds another); ``at`` moves it to where the
    job ended (a tow ends at the shop, a roadside fix where the car was)."""
    if unit_id is None:
        return
    values: dict[str, object] = {"status": UnitStatus.available, "order_id": None}
    if at is not None and now is not None:
        values.update(lat=at[0], lng=at[1], position_at=now)
    session.execute(
        update(ProviderUnit)
        .where(ProviderUnit.id == unit_id, ProviderUnit.order_id == order_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    unit = session.get(ProviderUnit, unit_id)
    if unit is not None:
        session.refresh(unit)


def snapshots(
    session: Session,
    *,
    city_adcode: str,
    kinds: Iterable[UnitKind],
    service: ServiceType,
    near: tuple[float, float] | None = None,
    radius_km: float = 80.0,
    exclude: Sequence[uuid.UUID] = (),
) -> list[UnitSnapshot]:
    """The available units of active partners that may do this service in the city (within
    ``radius_km`` of ``near`` when given), priced by their partner's rate card for it."""
    statement = (
        select(ProviderUnit, RateCard.base_fen, RateCard.per_km_fen)
        .join(Partner, Partner.id == ProviderUnit.partner_id)
        .join(
            RateCard,
            (RateCard.partner_id == ProviderUnit.partner_id) & (RateCard.service == service),
        )
        .where(
            ProviderUnit.city_adcode == city_adcode,
            ProviderUnit.status == UnitStatus.available,
            ProviderUnit.kind.in_(list(kinds)),
            Partner.status == PartnerStatus.active,
        )
    )
    if near is not None:
        lat, lng = near
        dlat = radius_km / KM_PER_DEGREE
        dlng = radius_km / (KM_PER_DEGREE * max(math.cos(math.radians(lat)), 0.1))
        statement = statement.where(
            ProviderUnit.lat.between(lat - dlat, lat + dlat),
            ProviderUnit.lng.between(lng - dlng, lng + dlng),
        )
    if exclude:
        statement = statement.where(ProviderUnit.id.not_in(list(exclude)))
    return [
        UnitSnapshot(
            id=unit.id,
            kind=unit.kind,
            lat=unit.lat,
            lng=unit.lng,
            partner_id=unit.partner_id,
            rating=unit.rating,
            base_fen=base,
            per_km_fen=per_km,
            position_at=ensure_utc(unit.position_at),
            city_adcode=unit.city_adcode,
        )
        for unit, base, per_km in session.execute(statement)
    ]

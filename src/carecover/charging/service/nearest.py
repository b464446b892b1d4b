"""The nearest available chargers to a point (a low-charge alert, the owner's "find a charger").

"Available" must be true when the owner arrives, so an EVSE counts only if its operator's latest
statement is AVAILABLE, that statement is recent (``STATUS_STALE_AFTER``; older is UNKNOWN), no
owner reported a failure there since, the operator is an active partner, and one of its
connectors meets the filters (standards, DC, power). Candidates come nearest first from the
spatial index (``service.index``); their live statuses from one query per round of candidates.
``nearest_available_band`` finds candidates with a latitude/longitude box in SQL instead (the
reference the index is measured against: same answers).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Executable, and_, bindparam, case, distinct, func, select
from sqlalchemy.orm import Session

from carecover.charging.enums import ConnectorType, EvseStatus, PowerType
from carecover.charging.models import ChargingLocation, Connector, Evse, Tariff
from carecover.charging.service import index as spatial
from carecover.charging.service.tariffs import TariffSummary, in_force, price_at
from carecover.partners.enums import PartnerStatus
from carecover.partners.models import Partner
from carecover.partners.repository import bounding_box
from carecover.platform.errors import FieldProblem, InvalidFields
from carecover.platform.geo import Point, haversine_km

STATUS_STALE_AFTER = timedelta(minutes=60)
"""An EVSE status the operator has not restated for this long is UNKNOWN, not AVAILABLE."""
DEFAULT_RADIUS_KM = 50.0
MAX_RADIUS_KM = 500.0
MAX_LIMIT = 50


@dataclass(frozen=True, slots=True)
class Filters:
    standards: frozenset[ConnectorType] | None
    min_w: float
    dc_only: bool


@dataclass(frozen=True, slots=True)
class ChargerHit:
    """A charging location with an EVSE free for this car now."""

    location: ChargingLocation
    distance_km: float
    available_evses: int
    """EVSEs free now with a connector that meets the filters."""
    total_evses: int
    """EVSEs in service there (REMOVED ones not counted)."""
    best_power_kw: float
    standards: tuple[str, ...]
    """The standards of the free, fitting connectors."""
    dc: bool
    """Some free, fitting connector is DC (fast charging)."""
    tariff: TariffSummary | None


def effective_status(
    status: EvseStatus,
    reported_at: datetime,
    suspect_since: datetime | None,
    now: datetime,
    stale_after: timedelta = STATUS_STALE_AFTER,
) -> EvseStatus:
    """What to believe about an EVSE now: a stale statement, or one an owner's failure report
    contradicts, is UNKNOWN (REMOVED stays REMOVED)."""
    if status is EvseStatus.REMOVED:
        return status
    if suspect_since is not None or reported_at < now - stale_after:
        return EvseStatus.UNKNOWN
    return status


@dataclass
class _Site:
    total: int
    available: int
    best_w: float
    best_tariffs: tuple[str, ...] = ()
    standards: tuple[str, ...] = ()
    dc: bool = False


Shape = tuple[bool, bool, bool]
"""Which filters a search uses (standards, DC only, minimum power): one cached statement each,
so a search binds parameters instead of building SQL."""
_STATEMENTS: dict[tuple[str, Shape], Executable] = {}


def _shape(filters: Filters) -> Shape:
    return bool(filters.standards), filters.dc_only, bool(filters.min_w)


def _params(
    ids: Sequence[uuid.UUID], filters: Filters, now: datetime, stale_after: timedelta
) -> dict[str, Any]:
    params: dict[str, Any] = {"ids": list(ids), "since": now - stale_after}
    if filters.standards:
        params["standards"] = sorted(filters.standards)
    if filters.min_w:
        params["min_w"] = filters.min_w
    return params


def _fits(shape: Shape) -> ColumnElement[bool]:
    """SQL for "this connector's EVSE is free now and the connector meets the filters": the
    same reading as ``effective_status`` plus the filters, evaluated in the database."""
    conditions: list[ColumnElement[bool]] = [
        Evse.status == EvseStatus.AVAILABLE,
        Evse.suspect_since.is_(None),
        Evse.status_reported_at >= bindparam("since"),
    ]
    if shape[0]:
        conditions.append(Connector.standard.in_(bindparam("standards", expanding=True)))
    if shape[1]:
        conditions.append(Connector.power_type == PowerType.DC)
    if shape[2]:
        conditions.append(spatial.watts() >= bindparam("min_w"))
    return and_(*conditions)


def _live_statement(shape: Shape) -> Executable:
    fits = _fits(shape)
    free = func.count(distinct(case((fits, Evse.id))))
    return (
        select(
            Evse.location_id,
            func.count(distinct(case((Evse.status != EvseStatus.REMOVED, Evse.id)))),
            free,
            func.max(case((fits, spatial.watts()))),
        )
        .join(Connector, Connector.evse_pk == Evse.id)
        .join(ChargingLocation, ChargingLocation.id == Evse.location_id)
        .join(Partner, Partner.id == ChargingLocation.operator_partner_id)
        .where(
            Evse.location_id.in_(bindparam("ids", expanding=True)),
            Partner.status == PartnerStatus.active,
        )
        .group_by(Evse.location_id)
        .having(free > 0)
    )


def _describe_statement(shape: Shape) -> Executable:
    return (
        select(
            Evse.location_id,
            Connector.standard,
            Connector.power_type,
            spatial.watts(),
            Connector.tariff_ids,
        )
        .join(Connector, Connector.evse_pk == Evse.id)
        .where(Evse.location_id.in_(bindparam("ids", expanding=True)), _fits(shape))
        .order_by(Evse.location_id, Evse.uid, Connector.connector_id)
    )


def _statement(kind: str, shape: Shape) -> Executable:
    key = (kind, shape)
    found = _STATEMENTS.get(key)
    if found is None:
        found = _STATEMENTS[key] = (_live_statement if kind == "live" else _describe_statement)(
            shape
        )
    return found


def _live(
    session: Session,
    ids: Sequence[uuid.UUID],
    filters: Filters,
    now: datetime,
    stale_after: timedelta,
) -> dict[uuid.UUID, _Site]:
    """Free, fitting EVSEs at each of ``ids`` whose operator is an active partner (one grouped
    query: a row per location with something free)."""
    if not ids:
        return {}
    rows = session.execute(
        _statement("live", _shape(filters)), _params(ids, filters, now, stale_after)
    ).all()
    return {
        loc: _Site(int(total), int(available), float(best)) for loc, total, available, best in rows
    }


def _describe(
    session: Session,
    sites: dict[uuid.UUID, _Site],
    filters: Filters,
    now: datetime,
    stale_after: timedelta,
) -> None:
    """The standards, DC and best connector's tariffs of the chosen sites' free connectors."""
    if not sites:
        return
    rows = session.execute(
        _statement("describe", _shape(filters)), _params(list(sites), filters, now, stale_after)
    ).all()
    found: dict[uuid.UUID, tuple[set[str], bool, float, tuple[str, ...]]] = {}
    for location_id, standard, power_type, watts, tariff_ids in rows:
        names, dc, best, tariffs = found.get(location_id, (set(), False, -1.0, ()))
        names.add(standard.value)
        if float(watts) > best:
            best, tariffs = float(watts), tuple(tariff_ids or ())
        found[location_id] = (names, dc or power_type is PowerType.DC, best, tariffs)
    for location_id, (names, dc, _, tariffs) in found.items():
        site = sites[location_id]
        site.standards, site.dc, site.best_tariffs = tuple(sorted(names)), dc, tariffs


def _check(
    lat: float, lng: float, min_power_kw: float | None, limit: int, radius_km: float
) -> None:
    problems: list[FieldProblem] = []
    if not -90.0 <= lat <= 90.0:
        problems.append(FieldProblem("lat", "charging.lat_range"))
    if not -180.0 <= lng <= 180.0:
        problems.append(FieldProblem("lng", "charging.lng_range"))
    if min_power_kw is not None and not min_power_kw >= 0:
        problems.append(FieldProblem("min_power_kw", "charging.power_negative"))
    if not 1 <= limit <= MAX_LIMIT:
        problems.append(FieldProblem("limit", "charging.limit_range", {"max": MAX_LIMIT}))
    if not 0 < radius_km <= MAX_RADIUS_KM:
        problems.append(FieldProblem("radius_km", "charging.radius_range", {"max": MAX_RADIUS_KM}))
    if problems:
        raise InvalidFields(*problems)


def _hits(
    session: Session,
    found: list[tuple[uuid.UUID, float, _Site]],
    filters: Filters,
    now: datetime,
    stale_after: timedelta,
) -> list[ChargerHit]:
    if not found:
        return []
    _describe(session, {f[0]: f[2] for f in found}, filters, now, stale_after)
    locations = {
        row.id: row
        for row in session.scalars(
            select(ChargingLocation).where(ChargingLocation.id.in_([f[0] for f in found]))
        )
    }
    wanted = {t for _, _, site in found for t in site.best_tariffs}
    tariffs: dict[tuple[str, str, str], Tariff] = {}
    if wanted:
        for row in session.scalars(select(Tariff).where(Tariff.ocpi_id.in_(sorted(wanted)))):
            tariffs[(row.country_code, row.party_id, row.ocpi_id)] = row
    out = []
    for location_id, km, site in found:
        location = locations[location_id]
        summary = None
        for tariff_id in site.best_tariffs:
            tariff = tariffs.get((location.country_code, location.party_id, tariff_id))
            if tariff is not None and in_force(tariff, now):
                summary = price_at(tariff, now, location.time_zone)
                break
        out.append(
            ChargerHit(
                location=location,
                distance_km=km,
                available_evses=site.available,
                total_evses=site.total,
                best_power_kw=site.best_w / 1000.0,
                standards=site.standards,
                dc=site.dc,
                tariff=summary,
            )
        )
    return out


def _filters(
    connector_standards: Iterable[ConnectorType | str] | None,
    min_power_kw: float | None,
    dc_only: bool,
) -> Filters:
    standards = None
    if connector_standards is not None:
        try:
            standards = frozenset(ConnectorType(s) for s in connector_standards) or None
        except ValueError:
            raise InvalidFields(
                FieldProblem("connector_standards", "charging.standard_unknown")
            ) from None
    return Filters(standards, (min_power_kw or 0.0) * 1000.0, dc_only)


def nearest_available(
    session: Session,
    lat: float,
    lng: float,
    *,
    now: datetime,
    connector_standards: Iterable[ConnectorType | str] | None = None,
    min_power_kw: float | None = None,
    dc_only: bool = False,
    limit: int = 5,
    radius_km: float = DEFAULT_RADIUS_KM,
    stale_after: timedelta = STATUS_STALE_AFTER,
) -> list[ChargerHit]:
    """Up to ``limit`` locations within ``radius_km`` with a free EVSE that fits, nearest first
    (great-circle km from the point)."""
    _check(lat, lng, min_power_kw, limit, radius_km)
    filters = _filters(connector_standards, min_power_kw, dc_only)
    index = spatial.index_for(session)
    mask = spatial.mask_of(filters.standards)
    here = Point(lat, lng)
    found: list[tuple[uuid.UUID, float, _Site]] = []
    k, seen = max(4 * limit, 16), 0
    while True:
        rows = index.nearest(lat, lng, k, radius_km)
        fresh = [r for r in rows[seen:] if index.may_serve(r, mask, filters.min_w, dc_only)]
        ids = [index.ids[r] for r in fresh]
        live = _live(session, ids, filters, now, stale_after)
        for r, location_id in zip(fresh, ids, strict=True):
            if location_id in live:
                km = haversine_km(here, Point(float(index.lat[r]), float(index.lng[r])))
                found.append((location_id, km, live[location_id]))
        seen = len(rows)
        if len(found) >= limit or len(rows) < k or k >= len(index):
            break
        k *= 4
    found.sort(key=lambda f: (f[1], f[0]))
    return _hits(session, found[:limit], filters, now, stale_after)


def nearest_available_band(
    session: Session,
    lat: float,
    lng: float,
    *,
    now: datetime,
    connector_standards: Iterable[ConnectorType | str] | None = None,
    min_power_kw: float | None = None,
    dc_only: bool = False,
    limit: int = 5,
    radius_km: float = DEFAULT_RADIUS_KM,
    stale_after: timedelta = STATUS_STALE_AFTER,
) -> list[ChargerHit]:
    """The same answer with candidates from a latitude/longitude box in SQL (no index)."""
    _check(lat, lng, min_power_kw, limit, radius_km)
    filters = _filters(connector_standards, min_power_kw, dc_only)
    here = Point(lat, lng)
    box = bounding_box(here, radius_km)
    query = select(ChargingLocation.id, ChargingLocation.lat, ChargingLocation.lng).where(
        ChargingLocation.publish.is_(True), ChargingLocation.lat.between(*box.lat)
    )
    if box.lng is not None:
        query = query.where(ChargingLocation.lng.between(*box.lng))
    near = sorted(
        (km, row.id)
        for row in session.execute(query)
        if (km := haversine_km(here, Point(row.lat, row.lng))) <= radius_km
    )
    found: list[tuple[uuid.UUID, float, _Site]] = []
    step = max(4 * limit, 16)
    for start in range(0, len(near), step):
        chunk = near[start : start + step]
        live = _live(session, [c[1] for c in chunk], filters, now, stale_after)
        found += [(loc, km, live[loc]) for km, loc in chunk if loc in live]
        if len(found) >= limit:
            break
    found.sort(key=lambda f: (f[1], f[0]))
    return _hits(session, found[:limit], filters, now, stale_after)

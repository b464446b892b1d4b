"""The spatial index of published charging locations, kept in memory per database.

A KD-tree (scipy's cKDTree) over each location's point on the unit sphere: the chord between two
unit vectors grows with the great-circle distance, so the tree's k nearest are the k nearest on
the Earth, with no distortion near the poles or across meridians. Next to the points sit what
the connectors of each location could ever offer (the set of standards, the most power, the most
DC power), so a search skips sites that cannot serve the car before asking the database about
live statuses.

The index is rebuilt when the locations' layout changes: a PUT, a connector change, a new or
moved EVSE, publishing. A status change does not touch it (``layout_changed_at`` stays), so the
frequent status PATCHes never cost a rebuild. Every search first reads the fingerprint (the
newest ``layout_changed_at``: one probe of its index), so every process and worker sees a change
made by any other on its next search; an index is also rebuilt after ``REBUILD_AFTER_S`` in
case a long transaction committed a change stamped before one already seen.
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree
from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from carecover.charging.enums import ConnectorType, PowerType
from carecover.charging.models import ChargingLocation, Connector, Evse
from carecover.platform.geo import EARTH_RADIUS_KM

BITS = {standard: 1 << n for n, standard in enumerate(ConnectorType)}
"""One bit per connector standard (40 of them: an int64 holds the set)."""

Fingerprint = datetime | None
REBUILD_AFTER_S = 300.0
"""An index older than this is rebuilt even if the fingerprint did not move: a change committed
late by a long transaction, with an older ``layout_changed_at`` than one already seen, is picked
up within five minutes."""


def watts() -> ColumnElement[int]:
    """SQL for a connector's power: ``max_electric_power``, else volts × amps × phases."""
    phases = case(
        (Connector.power_type == PowerType.AC_3_PHASE, 3),
        (Connector.power_type.in_([PowerType.AC_2_PHASE, PowerType.AC_2_PHASE_SPLIT]), 2),
        else_=1,
    )
    return func.coalesce(
        Connector.max_electric_power, Connector.max_voltage * Connector.max_amperage * phases
    )


def unit_vectors(lat: NDArray[np.float64], lng: NDArray[np.float64]) -> NDArray[np.float64]:
    phi, lam = np.radians(lat), np.radians(lng)
    cos_phi = np.cos(phi)
    return np.column_stack((cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi)))


def chord_of_km(km: float) -> float:
    """The straight-line distance between unit vectors ``km`` apart on the Earth."""
    return 2.0 * math.sin(min(math.pi, km / EARTH_RADIUS_KM) / 2.0)


def mask_of(standards: frozenset[ConnectorType] | None) -> int:
    return sum(BITS[s] for s in standards) if standards else 0


@dataclass
class LocationIndex:
    """Published locations as arrays (row n is ``ids[n]``) and their tree."""

    key: Fingerprint
    ids: list[uuid.UUID]
    lat: NDArray[np.float64]
    lng: NDArray[np.float64]
    standards: NDArray[np.int64]
    max_w: NDArray[np.float64]
    dc_w: NDArray[np.float64]
    tree: cKDTree | None
    built_at: float = 0.0
    """``time.monotonic()`` when built."""

    def __len__(self) -> int:
        return len(self.ids)

    def nearest(self, lat: float, lng: float, k: int, radius_km: float) -> list[int]:
        """Rows of the ``k`` nearest locations within ``radius_km``, nearest first."""
        if self.tree is None or k <= 0:
            return []
        k = min(k, len(self.ids))
        point = unit_vectors(np.array([lat]), np.array([lng]))[0]
        dist, rows = self.tree.query(point, k=k, distance_upper_bound=chord_of_km(radius_km))
        dist, rows = np.atleast_1d(dist), np.atleast_1d(rows)
        return [int(r) for d, r in zip(dist, rows, strict=True) if math.isfinite(d)]

    def may_serve(self, row: int, mask: int, min_w: float, dc_only: bool) -> bool:
        """Whether some connector there could meet the filters (statuses aside)."""
        if mask and not int(self.standards[row]) & mask:
            return False
        if dc_only and self.dc_w[row] < max(min_w, 1.0):
            return False
        return not min_w or self.max_w[row] >= min_w


_CACHE: dict[str, LocationIndex] = {}
_LOCK = threading.Lock()


def fingerprint(session: Session) -> Fingerprint:
    """The newest layout change (an indexed MAX: one index probe on either database). Rows are
    never deleted one by one; a location gone with a world reset leaves a harmless entry that
    the live query finds nothing for."""
    newest: datetime | None = session.scalar(select(func.max(ChargingLocation.layout_changed_at)))
    return newest


def build(session: Session, key: Fingerprint) -> LocationIndex:
    """Read every published location and its connectors' reach into a fresh index."""
    rows = session.execute(
        select(ChargingLocation.id, ChargingLocation.lat, ChargingLocation.lng)
        .where(ChargingLocation.publish.is_(True))
        .order_by(ChargingLocation.id)
    ).all()
    position = {row.id: n for n, row in enumerate(rows)}
    standards = np.zeros(len(rows), dtype=np.int64)
    max_w = np.zeros(len(rows), dtype=np.float64)
    dc_w = np.zeros(len(rows), dtype=np.float64)
    dc = case((Connector.power_type == PowerType.DC, watts()), else_=0)
    reach = session.execute(
        select(Evse.location_id, Connector.standard, func.max(watts()), func.max(dc))
        .join(Connector, Connector.evse_pk == Evse.id)
        .join(ChargingLocation, ChargingLocation.id == Evse.location_id)
        .where(ChargingLocation.publish.is_(True))
        .group_by(Evse.location_id, Connector.standard)
    )
    for location_id, standard, best, best_dc in reach:
        n = position[location_id]
        standards[n] |= BITS[standard]
        max_w[n] = max(max_w[n], float(best or 0))
        dc_w[n] = max(dc_w[n], float(best_dc or 0))
    lat = np.array([r.lat for r in rows], dtype=np.float64)
    lng = np.array([r.lng for r in rows], dtype=np.float64)
    tree = cKDTree(unit_vectors(lat, lng)) if rows else None
    ids = [r.id for r in rows]
    return LocationIndex(key, ids, lat, lng, standards, max_w, dc_w, tree, time.monotonic())


def index_for(session: Session) -> LocationIndex:
    """The current index for the session's database (rebuilt if the layout changed)."""
    key = fingerprint(session)
    where = str(session.get_bind().engine.url)
    cached = _CACHE.get(where)
    if cached is not None and cached.key == key and _young(cached):
        return cached
    with _LOCK:
        cached = _CACHE.get(where)
        if cached is None or cached.key != key or not _young(cached):
            cached = _CACHE[where] = build(session, key)
    return cached


def _young(index: LocationIndex) -> bool:
    return time.monotonic() - index.built_at < REBUILD_AFTER_S

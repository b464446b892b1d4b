"""Where the units are: a spatial index of provider-unit positions for dispatch.

Positions are points on the unit sphere (x, y, z), so a KD-tree's Euclidean (chord) distance
orders units exactly as the great-circle distance does, with no trouble at the 180° meridian or
near the poles, and one chord converts to km exactly. There is one ``scipy.spatial.cKDTree`` per
:class:`~carecover.orders.enums.UnitKind`: a request names the kinds that may serve it (a tow of an
electric car: flatbeds only), so the capability filter is the choice of trees and costs nothing.
Rebuilding is cheap (about 2 ms for 5,000 units), so the index is built afresh from a snapshot of
the fleet for every tick rather than updated in place.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from carecover.orders.enums import UnitKind
from carecover.platform.geo import EARTH_RADIUS_KM

FloatArray = NDArray[np.float64]

STALE_AFTER_S = 300.0
"""A position older than this (5 minutes; units report every few seconds) is not trusted."""


@dataclass(frozen=True, slots=True)
class UnitSnapshot:
    """One available unit as dispatch sees it: where it is, what it is, what it costs."""

    id: uuid.UUID
    kind: UnitKind
    lat: float
    lng: float
    partner_id: uuid.UUID
    rating: float
    """The partner's star rating, 1–5."""
    base_fen: int
    """Call-out fee of the partner's rate card, in fen."""
    per_km_fen: int
    """Per road km, in fen."""
    position_at: datetime
    """When the position was reported (aware, UTC)."""
    city_adcode: str

    def __post_init__(self) -> None:
        # "not inside" so that NaN fails too.
        if not -90.0 <= self.lat <= 90.0 or not -180.0 <= self.lng <= 180.0:
            raise ValueError(f"unit {self.id}: position out of range ({self.lat}, {self.lng})")
        if not 1.0 <= self.rating <= 5.0:
            raise ValueError(f"unit {self.id}: rating must be 1–5, not {self.rating}")
        if self.base_fen < 0 or self.per_km_fen < 0:
            raise ValueError(f"unit {self.id}: rates must not be negative")
        if self.position_at.tzinfo is None:
            raise ValueError(f"unit {self.id}: position_at must be timezone-aware (UTC)")


def unit_vectors(lat: FloatArray, lng: FloatArray) -> FloatArray:
    """Points on the unit sphere, one row (x, y, z) per latitude/longitude pair."""
    phi, lam = np.radians(lat), np.radians(lng)
    cos_phi = np.cos(phi)
    out: FloatArray = np.column_stack((cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi)))
    return out


def chord_to_km(chord: FloatArray) -> FloatArray:
    """Great-circle km of chord lengths on the unit sphere."""
    out: FloatArray = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(chord / 2, 1.0))
    return out


def km_to_chord(km: float) -> float:
    """The chord length on the unit sphere of a great-circle distance (for radius queries)."""
    return 2 * math.sin(min(km / EARTH_RADIUS_KM, math.pi) / 2)


_KIND_CODE: dict[UnitKind, int] = {kind: code for code, kind in enumerate(UnitKind)}


class FleetIndex:
    """The fresh positions of a fleet, one KD-tree per unit kind.

    The units are kept in one flat list ordered by id (``units_flat``), with numpy columns
    ``lat``, ``lng``, ``base_fen``, ``per_km_fen`` and ``rating`` in the same order, so that a
    batch can score its candidates as arrays; :meth:`query` answers in positions of that list.
    """

    __slots__ = (
        "_pos_of",
        "_trees",
        "base_fen",
        "lat",
        "lng",
        "now",
        "per_km_fen",
        "rating",
        "stale",
        "stale_ids",
        "units_flat",
    )

    def __init__(
        self, units: list[UnitSnapshot], *, now: datetime, stale_ids: frozenset[uuid.UUID]
    ) -> None:
        ids = [u.id.int for u in units]
        order = sorted(range(len(units)), key=ids.__getitem__)
        units = [units[i] for i in order]
        n = len(units)
        self.units_flat = units
        self._pos_of = {ids[j]: i for i, j in enumerate(order)}
        cols = np.array([(u.lat, u.lng, u.base_fen, u.per_km_fen, u.rating) for u in units], float)
        cols = cols.reshape(n, 5)
        self.lat, self.lng, self.rating = cols[:, 0].copy(), cols[:, 1].copy(), cols[:, 4].copy()
        self.base_fen = cols[:, 2].astype(np.int64)
        self.per_km_fen = cols[:, 3].astype(np.int64)
        codes = np.fromiter((_KIND_CODE[u.kind] for u in units), np.int8, n)
        xyz = unit_vectors(self.lat, self.lng)
        self._trees: dict[UnitKind, tuple[cKDTree, NDArray[np.intp]]] = {}
        for kind, code in _KIND_CODE.items():
            where = np.flatnonzero(codes == code)
            if len(where):
                self._trees[kind] = (cKDTree(xyz[where]), where)
        self.now = now
        self.stale_ids = stale_ids
        """The units left out because their last position is older than ``stale_after_s``."""
        self.stale = len(stale_ids)

    @classmethod
    def build(
        cls,
        units: Iterable[UnitSnapshot],
        *,
        now: datetime,
        stale_after_s: float = STALE_AFTER_S,
    ) -> FleetIndex:
        """Index ``units``; a unit listed twice counts with its latest position."""
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware (UTC)")
        listed = list(units)
        if len({u.id.int for u in listed}) != len(listed):
            latest: dict[int, UnitSnapshot] = {}
            for unit in listed:
                seen = latest.get(unit.id.int)
                if seen is None or unit.position_at >= seen.position_at:
                    latest[unit.id.int] = unit
            listed = list(latest.values())
        if not math.isfinite(stale_after_s):
            return cls(listed, now=now, stale_ids=frozenset())
        oldest = now - timedelta(seconds=stale_after_s)
        fresh = [u for u in listed if u.position_at >= oldest]
        stale = frozenset(u.id for u in listed if u.position_at < oldest)
        return cls(fresh, now=now, stale_ids=stale)

    def __len__(self) -> int:
        return len(self.units_flat)

    @property
    def kinds(self) -> frozenset[UnitKind]:
        """The kinds with at least one fresh unit."""
        return frozenset(self._trees)

    def units(self, kinds: Collection[UnitKind] | None = None) -> list[UnitSnapshot]:
        """The fresh units (of ``kinds``, if given)."""
        return [u for u in self.units_flat if kinds is None or u.kind in kinds]

    def positions(self, ids: Iterable[uuid.UUID]) -> NDArray[np.intp]:
        """The positions in ``units_flat`` of those of ``ids`` that are indexed."""
        found = [p for i in ids if (p := self._pos_of.get(i.int)) is not None]
        return np.asarray(found, np.intp)

    def query(
        self,
        lats: Sequence[float] | FloatArray,
        lngs: Sequence[float] | FloatArray,
        *,
        kinds: Collection[UnitKind],
        k: int = 20,
        exclude: Collection[uuid.UUID] = frozenset(),
    ) -> tuple[NDArray[np.intp], FloatArray]:
        """The ``k`` nearest units of ``kinds`` to each point as two (points × k) arrays:
        positions in ``units_flat`` (−1 where there are fewer than ``k``) and great-circle km
        (``inf`` there), closest first, ties by unit id."""
        lat = np.asarray(lats, np.float64)
        lng = np.asarray(lngs, np.float64)
        if lat.shape != lng.shape or lat.ndim != 1:
            raise ValueError("lats and lngs must be 1-D and of one length")
        if not (np.all(np.abs(lat) <= 90.0) and np.all(np.abs(lng) <= 180.0)):
            raise ValueError("a query point is out of range (or NaN)")
        if k < 1:
            raise ValueError("k must be at least 1")
        rows = len(lat)
        points = unit_vectors(lat, lng)
        excluded = self.positions(exclude) if exclude else None
        pos_parts: list[NDArray[np.intp]] = []
        km_parts: list[FloatArray] = []
        for kind in kinds:
            found = self._trees.get(kind)
            if found is None:
                continue
            tree, where = found
            kq = min(len(where), k + (0 if excluded is None else len(excluded)))
            dist, idx = tree.query(points, k=kq)
            idx = np.asarray(idx, np.intp).reshape(rows, kq)
            km_parts.append(chord_to_km(np.asarray(dist, np.float64).reshape(rows, kq)))
            pos_parts.append(where[idx])
        if not pos_parts:
            return np.full((rows, k), -1, np.intp), np.full((rows, k), np.inf)
        pos = np.concatenate(pos_parts, axis=1)
        km = np.concatenate(km_parts, axis=1)
        if excluded is not None and len(excluded):
            km = np.where(np.isin(pos, excluded), np.inf, km)
        if len(pos_parts) > 1 or excluded is not None:
            # Positions follow the ids, so (km, position) orders by distance, ties by id.
            order = np.lexsort((pos, km), axis=1)
            pos = np.take_along_axis(pos, order, axis=1)
            km = np.take_along_axis(km, order, axis=1)
        pos, km = pos[:, :k], km[:, :k]
        if pos.shape[1] < k:
            pad = k - pos.shape[1]
            pos = np.pad(pos, ((0, 0), (0, pad)), constant_values=-1)
            km = np.pad(km, ((0, 0), (0, pad)), constant_values=np.inf)
        pos = np.where(np.isfinite(km), pos, -1)
        return pos, km

    def nearest(
        self,
        lat: float,
        lng: float,
        *,
        kinds: Collection[UnitKind],
        k: int = 20,
        exclude: Collection[uuid.UUID] = frozenset(),
    ) -> list[tuple[UnitSnapshot, float]]:
        """The ``k`` units of ``kinds`` closest to the point, with their great-circle km,
        closest first, leaving out the units in ``exclude`` (e.g. already offered the job)."""
        return self.nearest_many([lat], [lng], kinds=kinds, k=k, exclude=exclude)[0]

    def nearest_many(
        self,
        lats: Sequence[float] | FloatArray,
        lngs: Sequence[float] | FloatArray,
        *,
        kinds: Collection[UnitKind],
        k: int = 20,
        exclude: Collection[uuid.UUID] = frozenset(),
    ) -> list[list[tuple[UnitSnapshot, float]]]:
        """:meth:`nearest` for many points at once (one bulk query per tree)."""
        pos, km = self.query(lats, lngs, kinds=kinds, k=k, exclude=exclude)
        units = self.units_flat
        return [
            [(units[p], d) for p, d in zip(prow, drow, strict=True) if p >= 0]
            for prow, drow in zip(pos.tolist(), km.tolist(), strict=True)
        ]

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
from datetime import datetime

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


class _KindTree:
    """The units of one kind and their KD-tree."""

    __slots__ = ("lat", "lng", "tree", "units")

    def __init__(self, units: list[UnitSnapshot]) -> None:
        self.units = units
        self.lat = np.fromiter((u.lat for u in units), np.float64, len(units))
        self.lng = np.fromiter((u.lng for u in units), np.float64, len(units))
        self.tree = cKDTree(unit_vectors(self.lat, self.lng))


class FleetIndex:
    """The fresh positions of a fleet, one KD-tree per unit kind."""

    __slots__ = ("_trees", "now", "stale", "stale_ids")

    def __init__(
        self, trees: dict[UnitKind, _KindTree], *, now: datetime, stale_ids: frozenset[uuid.UUID]
    ) -> None:
        self._trees = trees
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
        latest: dict[uuid.UUID, UnitSnapshot] = {}
        for unit in units:
            seen = latest.get(unit.id)
            if seen is None or unit.position_at >= seen.position_at:
                latest[unit.id] = unit
        by_kind: dict[UnitKind, list[UnitSnapshot]] = {}
        stale: set[uuid.UUID] = set()
        for unit in latest.values():
            if (now - unit.position_at).total_seconds() > stale_after_s:
                stale.add(unit.id)
            else:
                by_kind.setdefault(unit.kind, []).append(unit)
        trees = {kind: _KindTree(group) for kind, group in by_kind.items()}
        return cls(trees, now=now, stale_ids=frozenset(stale))

    def __len__(self) -> int:
        return sum(len(t.units) for t in self._trees.values())

    @property
    def kinds(self) -> frozenset[UnitKind]:
        """The kinds with at least one fresh unit."""
        return frozenset(self._trees)

    def units(self, kinds: Collection[UnitKind] | None = None) -> list[UnitSnapshot]:
        """The fresh units (of ``kinds``, if given)."""
        return [
            u for kind, t in self._trees.items() if kinds is None or kind in kinds for u in t.units
        ]

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
        return self.nearest_many(
            np.array([lat], np.float64),
            np.array([lng], np.float64),
            kinds=kinds,
            k=k,
            exclude=exclude,
        )[0]

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
        lat = np.asarray(lats, np.float64)
        lng = np.asarray(lngs, np.float64)
        if lat.shape != lng.shape or lat.ndim != 1:
            raise ValueError("lats and lngs must be 1-D and of one length")
        if not (np.all(np.abs(lat) <= 90.0) and np.all(np.abs(lng) <= 180.0)):
            raise ValueError("a query point is out of range (or NaN)")
        if k < 1:
            raise ValueError("k must be at least 1")
        points = unit_vectors(lat, lng)
        found: list[list[tuple[UnitSnapshot, float]]] = [[] for _ in range(len(lat))]
        for kind in kinds:
            t = self._trees.get(kind)
            if t is None:
                continue
            n = len(t.units)
            kq = min(n, k + len(exclude))
            dist, idx = t.tree.query(points, k=kq)
            dist = np.asarray(dist, np.float64).reshape(len(lat), kq)
            idx = np.asarray(idx).reshape(len(lat), kq)
            km = chord_to_km(dist)
            for row in range(len(lat)):
                out = found[row]
                for j, d in zip(idx[row].tolist(), km[row].tolist(), strict=True):
                    unit = t.units[j]
                    if unit.id not in exclude:
                        out.append((unit, d))
        for row, out in enumerate(found):
            out.sort(key=_by_distance)
            found[row] = out[:k]
        return found


def _by_distance(pair: tuple[UnitSnapshot, float]) -> tuple[float, int]:
    # Ties (two units at one spot) break by id so that every run ranks alike.
    return pair[1], pair[0].id.int

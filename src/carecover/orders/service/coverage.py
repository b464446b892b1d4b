"""Planning the 15-minute circle: how much demand today's units reach, and where more would help.

Demand points (past or forecast rescue locations, each with a weight) are binned into H3 cells
(resolution 8 by default: about 0.74 km² a cell, 0.53 km an edge). A cell is *covered* when some
unit reaches its centre within ``minutes`` by the travel-time model; the covered share is the
covered demand weight over all demand weight.

:func:`what_if` places ``extra`` units greedily (maximum coverage): each step stations a unit at
the candidate site that covers the most still-uncovered demand, with its marginal gain. Greedy is
the classic (1 − 1/e) ≈ 63 % approximation of the NP-hard maximum-coverage problem, and in
practice close to optimal; it is also easy to explain on a map ("this site adds 4.1 % of demand").

Both prune with the model's ``reach_km`` bound and a KD-tree before asking for travel times, so
10,000 demand points against 2,000 candidate sites take a fraction of a second, not minutes.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import h3
import h3.api.basic_int as h3i
import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from scipy.spatial import cKDTree

from carecover.orders.enums import UnitKind
from carecover.orders.service.fleet_index import UnitSnapshot, km_to_chord, unit_vectors
from carecover.orders.service.travel import TravelTimeModel

FloatArray = NDArray[np.float64]
DEFAULT_RES = 8


@dataclass(frozen=True, slots=True)
class CoverageCell:
    """One H3 demand cell."""

    h3: str
    lat: float
    lng: float
    """The cell's centre."""
    demand: float
    best_eta_s: float | None
    """The fastest unit's ETA to the centre (None: no unit at all)."""
    covered: bool


@dataclass(frozen=True, slots=True)
class CoverageMap:
    """Demand cells and whether today's units reach them in time."""

    cells: tuple[CoverageCell, ...]
    total_demand: float
    covered_demand: float
    minutes: float
    res: int

    @property
    def covered_share(self) -> float:
        """Covered demand ÷ all demand (0 when there is no demand)."""
        return self.covered_demand / self.total_demand if self.total_demand else 0.0

    def geojson(self) -> dict[str, Any]:
        """The cells as a GeoJSON FeatureCollection (hexagons for a Leaflet map)."""
        return {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "id": c.h3,
                    "geometry": cell_polygon(c.h3),
                    "properties": {
                        "h3": c.h3,
                        "demand": c.demand,
                        "best_eta_s": c.best_eta_s,
                        "covered": c.covered,
                    },
                }
                for c in self.cells
            ],
        }


def cell_polygon(cell: str) -> dict[str, Any]:
    """A cell's boundary as a GeoJSON Polygon ([lng, lat] pairs, closed ring)."""
    ring = [[lng, lat] for lat, lng in h3.cell_to_boundary(cell)]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


@dataclass(frozen=True, slots=True)
class _Cells:
    ids: list[int]
    lat: FloatArray
    lng: FloatArray
    weight: FloatArray


def _demand_cells(demand: Sequence[tuple[float, float, float]], res: int) -> _Cells:
    """Demand weights summed per H3 cell, cells in id order."""
    totals: dict[int, float] = {}
    for lat, lng, weight in demand:
        if not (-90.0 <= lat <= 90.0 and -180.0 <= lng <= 180.0):
            raise ValueError(f"demand point out of range: ({lat}, {lng})")
        if not weight >= 0.0:
            raise ValueError(f"demand weight must not be negative: {weight}")
        cell = h3i.latlng_to_cell(lat, lng, res)
        totals[cell] = totals.get(cell, 0.0) + weight
    ids = sorted(totals)
    centres = [h3i.cell_to_latlng(c) for c in ids]
    return _Cells(
        ids=ids,
        lat=np.array([p[0] for p in centres], np.float64),
        lng=np.array([p[1] for p in centres], np.float64),
        weight=np.array([totals[c] for c in ids], np.float64),
    )


def _reachers(
    origin_lat: FloatArray,
    origin_lng: FloatArray,
    cells: _Cells,
    travel: TravelTimeModel,
    *,
    at: datetime,
    tier: int,
    limit_s: float,
) -> tuple[list[FloatArray], list[NDArray[np.intp]]]:
    """For each cell: the ETAs of the origins within reach of its centre, and their indices."""
    etas: list[FloatArray] = []
    which: list[NDArray[np.intp]] = []
    if len(origin_lat) == 0 or len(cells.ids) == 0:
        empty = (np.empty(0, np.float64), np.empty(0, np.intp))
        return [empty[0]] * len(cells.ids), [empty[1]] * len(cells.ids)
    tree = cKDTree(unit_vectors(origin_lat, origin_lng))
    radius = km_to_chord(travel.reach_km(limit_s, at=at, tier=tier))
    near = tree.query_ball_point(unit_vectors(cells.lat, cells.lng), r=radius)
    for i, found in enumerate(near):
        idx = np.asarray(found, np.intp)
        if len(idx):
            eta = travel.seconds(
                origin_lat[idx],
                origin_lng[idx],
                float(cells.lat[i]),
                float(cells.lng[i]),
                at=at,
                tier=tier,
            )
        else:
            eta = np.empty(0, np.float64)
        etas.append(eta)
        which.append(idx)
    return etas, which


def _units_arrays(
    units: Sequence[UnitSnapshot], kinds: Collection[UnitKind] | None
) -> tuple[FloatArray, FloatArray]:
    chosen = [u for u in units if kinds is None or u.kind in kinds]
    return (
        np.array([u.lat for u in chosen], np.float64),
        np.array([u.lng for u in chosen], np.float64),
    )


def _coverage(
    cells: _Cells,
    units: Sequence[UnitSnapshot],
    travel: TravelTimeModel,
    *,
    at: datetime,
    tier: int,
    kinds: Collection[UnitKind] | None,
    minutes: float,
    res: int,
) -> CoverageMap:
    limit = minutes * 60.0
    lat, lng = _units_arrays(units, kinds)
    etas, _ = _reachers(lat, lng, cells, travel, at=at, tier=tier, limit_s=limit)
    best: list[float | None] = [float(e.min()) if len(e) else None for e in etas]
    missing = [i for i, b in enumerate(best) if b is None]
    if missing and len(lat):
        # Out of reach of every unit: report the nearest unit's ETA (not covered either way).
        _, nearest = cKDTree(unit_vectors(lat, lng)).query(
            unit_vectors(cells.lat[missing], cells.lng[missing]), k=1
        )
        for i, j in zip(missing, np.atleast_1d(nearest).tolist(), strict=True):
            eta = travel.seconds(
                lat[[j]], lng[[j]], float(cells.lat[i]), float(cells.lng[i]), at=at, tier=tier
            )
            best[i] = float(eta[0])
    out: list[CoverageCell] = []
    covered_demand = 0.0
    for i, cell in enumerate(cells.ids):
        best_eta = best[i]
        covered = best_eta is not None and best_eta <= limit
        if covered:
            covered_demand += float(cells.weight[i])
        out.append(
            CoverageCell(
                h3=h3.int_to_str(cell),
                lat=float(cells.lat[i]),
                lng=float(cells.lng[i]),
                demand=float(cells.weight[i]),
                best_eta_s=best_eta,
                covered=covered,
            )
        )
    return CoverageMap(
        cells=tuple(out),
        total_demand=float(cells.weight.sum()),
        covered_demand=covered_demand,
        minutes=minutes,
        res=res,
    )


def coverage(
    demand: Sequence[tuple[float, float, float]],
    units: Sequence[UnitSnapshot],
    travel: TravelTimeModel,
    *,
    at: datetime,
    tier: int,
    kinds: Collection[UnitKind] | None = None,
    minutes: float = 15,
    res: int = DEFAULT_RES,
) -> CoverageMap:
    """The coverage of demand ``(lat, lng, weight)`` by ``units`` (of ``kinds``, if given) for
    trips leaving at ``at`` in a city of ``tier``."""
    cells = _demand_cells(demand, res)
    return _coverage(cells, units, travel, at=at, tier=tier, kinds=kinds, minutes=minutes, res=res)


@dataclass(frozen=True, slots=True)
class Placement:
    """One more unit stationed at a site, and what it adds."""

    lat: float
    lng: float
    h3: str
    """The cell the site lies in."""
    gain: float
    """Demand weight newly covered by this unit."""
    gain_share: float
    """The same as a share of all demand."""
    share_after: float
    """The covered share once this and the earlier placements are made."""
    cells: tuple[str, ...]
    """The cells it newly covers."""


@dataclass(frozen=True, slots=True)
class WhatIf:
    """Where ``extra`` more units would cover the most demand."""

    before: CoverageMap
    placements: tuple[Placement, ...]
    """In the order chosen; fewer than ``extra`` when more units would add nothing."""
    share_before: float
    share_after: float
    extra: int


def what_if(
    demand: Sequence[tuple[float, float, float]],
    units: Sequence[UnitSnapshot],
    travel: TravelTimeModel,
    *,
    extra: int,
    at: datetime,
    tier: int,
    candidates: Sequence[tuple[float, float]] | None = None,
    kinds: Collection[UnitKind] | None = None,
    minutes: float = 15,
    res: int = DEFAULT_RES,
) -> WhatIf:
    """Greedy maximum coverage: where to station ``extra`` more units (at ``candidates``, by
    default the demand cells' centres) to cover the most demand within ``minutes``."""
    if extra < 0:
        raise ValueError("extra must not be negative")
    cells = _demand_cells(demand, res)
    before = _coverage(
        cells, units, travel, at=at, tier=tier, kinds=kinds, minutes=minutes, res=res
    )
    if candidates is None:
        site_lat, site_lng = cells.lat, cells.lng
    else:
        for lat, lng in candidates:
            if not (-90.0 <= lat <= 90.0 and -180.0 <= lng <= 180.0):
                raise ValueError(f"candidate site out of range: ({lat}, {lng})")
        site_lat = np.array([c[0] for c in candidates], np.float64)
        site_lng = np.array([c[1] for c in candidates], np.float64)
    limit = minutes * 60.0
    etas, which = _reachers(site_lat, site_lng, cells, travel, at=at, tier=tier, limit_s=limit)
    rows: list[NDArray[np.intp]] = []
    cols: list[NDArray[np.intp]] = []
    for i, (eta, idx) in enumerate(zip(etas, which, strict=True)):
        ok = idx[eta <= limit]
        rows.append(ok)
        cols.append(np.full(len(ok), i, np.intp))
    n_sites, n_cells = len(site_lat), len(cells.ids)
    site_rows = np.concatenate(rows) if rows else np.empty(0, np.intp)
    cell_cols = np.concatenate(cols) if cols else np.empty(0, np.intp)
    reach = sparse.csc_matrix(
        (np.ones(len(site_rows)), (site_rows, cell_cols)), shape=(n_sites, n_cells)
    )
    by_site = reach.tocsr()
    covered = np.array([c.covered for c in before.cells], bool)
    total = before.total_demand
    gains = reach @ np.where(covered, 0.0, cells.weight) if n_sites else np.empty(0)
    placements: list[Placement] = []
    covered_demand = before.covered_demand
    for _ in range(extra if n_sites else 0):
        best = int(np.argmax(gains))
        site_cells = by_site.indices[by_site.indptr[best] : by_site.indptr[best + 1]]
        newly = np.sort(site_cells[~covered[site_cells]])
        gain = float(cells.weight[newly].sum())
        if gain <= 0.0:
            break
        covered[newly] = True
        covered_demand += gain
        gains = gains - reach[:, newly] @ cells.weight[newly]
        placements.append(
            Placement(
                lat=float(site_lat[best]),
                lng=float(site_lng[best]),
                h3=h3.latlng_to_cell(float(site_lat[best]), float(site_lng[best]), res),
                gain=gain,
                gain_share=gain / total if total else 0.0,
                share_after=covered_demand / total if total else 0.0,
                cells=tuple(h3.int_to_str(cells.ids[i]) for i in newly.tolist()),
            )
        )
    return WhatIf(
        before=before,
        placements=tuple(placements),
        share_before=before.covered_share,
        share_after=covered_demand / total if total else 0.0,
        extra=extra,
    )

"""Who goes: ranking units for one rescue request, and optimal assignment for a burst.

A request's candidates are the ``k`` straight-line-nearest units of the kinds that may serve it
(``FleetIndex``); each gets a driving ETA and road km from the ``TravelTimeModel``, a cost from its
partner's rate card (call-out fee + per road km to the customer) and a score (lower is better):

    score = eta_s × w.eta + cost_fen × w.cost + (5 − rating) × w.rating [× w.premium_rating]
            + w.late if eta_s > WITHIN_S

With the default :class:`Weights` the score is in "seconds": the ETA dominates, one yuan weighs
one second and each star below five weighs 30 s, so cost and rating only decide between units
that arrive at about the same time.

A burst (a storm, a pile-up, a tick of the dispatch loop) is one assignment problem per city:
requests × the union of their candidates with a large finite cost where a unit is not a
request's candidate, solved exactly — by ``scipy.optimize.linear_sum_assignment`` on the dense
matrix, or (the default, the same optimum, several times faster) on the candidate pairs alone
by ``min_weight_full_bipartite_matching`` with one private "wait" column per request. The large
cost makes the solver first serve as many requests as the candidate sets allow, then minimise the
total score among those assignments; a request left waiting is unassigned (``None``) until the
next tick. When units are too few, each request's waiting time is a credit
(``Weights.wait``) so that old requests are not passed over tick after tick. Cities are solved
one after another and a unit taken in one is no candidate in the next: no unit is assigned twice.
"""

from __future__ import annotations

import math
import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from scipy.optimize import linear_sum_assignment
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from carecover.orders.enums import UnitKind
from carecover.orders.service.fleet_index import FleetIndex, UnitSnapshot
from carecover.orders.service.travel import TravelTimeModel

WITHIN_S = 15 * 60
"""The rescue circle (MISSION.md C2): a unit on site within 15 minutes."""


@dataclass(frozen=True, slots=True)
class DispatchRequest:
    """A job looking for a unit."""

    id: uuid.UUID
    lat: float
    lng: float
    kinds: frozenset[UnitKind]
    """The unit kinds that may serve it (``catalogue.kinds_for``)."""
    tier: int
    """The city's tier (1–4), for the travel-time model."""
    at: datetime
    """When it was requested (aware, UTC); the departure time of the ETA."""
    city_adcode: str
    premium: bool = False
    """A premium vehicle: the partner's rating weighs more (``Weights.premium_rating``)."""
    waited_s: float = 0.0
    """How long it has already waited for a unit (a batch serves the longest-waiting first when
    units are too few; see ``Weights.wait``)."""

    def __post_init__(self) -> None:
        if not -90.0 <= self.lat <= 90.0 or not -180.0 <= self.lng <= 180.0:
            raise ValueError(f"request {self.id}: position out of range ({self.lat}, {self.lng})")
        if not self.kinds:
            raise ValueError(f"request {self.id}: no unit kind may serve it")
        if self.at.tzinfo is None:
            raise ValueError(f"request {self.id}: at must be timezone-aware (UTC)")


@dataclass(frozen=True, slots=True)
class Candidate:
    """One unit for one request, with what sending it means."""

    unit: UnitSnapshot
    eta_s: float
    """Driving seconds to the customer."""
    km: float
    """Road km to the customer."""
    cost_fen: int
    """base_fen + per_km_fen × km, rounded half up to a whole fen."""
    score: float
    """Lower is better (see the module docstring)."""

    @property
    def within(self) -> bool:
        """On site within the 15-minute circle."""
        return self.eta_s <= WITHIN_S


def within_circle(candidate: Candidate | float, *, minutes: float = 15) -> bool:
    """Whether a candidate (or an ETA in seconds) reaches the customer within ``minutes``; a
    request whose best candidate does not is flagged, and that best unit is still sent."""
    eta = candidate.eta_s if isinstance(candidate, Candidate) else candidate
    return eta <= minutes * 60


@dataclass(frozen=True, slots=True)
class Weights:
    """How a candidate's score is made (lower is better); the unit is "seconds of ETA"."""

    eta: float = 1.0
    """Per second of ETA: the ETA dominates."""
    cost: float = 0.01
    """Per fen of cost: one yuan weighs one second, so a 60-yuan cheaper unit wins a one-minute
    tie but never a five-minute one."""
    rating: float = 30.0
    """Per star below five: a 3-star partner must be a minute faster than a 5-star one."""
    premium_rating: float = 2.0
    """For premium vehicles the rating term is multiplied by this."""
    late: float = 0.0
    """Added when the ETA misses the 15-minute circle (0: the total ETA alone decides; a few
    hundred seconds make a burst's assignment keep more requests inside the circle)."""
    wait: float = 1.0
    """Credit per second a request has waited, used by ``assign_batch`` only to choose *which*
    requests are served when there are fewer units than requests (so an old request is not
    passed over tick after tick by new ones nearer the units); it never changes which unit
    serves whom among the requests served."""

    def __post_init__(self) -> None:
        values = (self.eta, self.cost, self.rating, self.premium_rating, self.late, self.wait)
        if any(not math.isfinite(v) or v < 0 for v in values):
            raise ValueError("weights must be finite and not negative")


DEFAULT_WEIGHTS = Weights()


def cost_fen(base_fen: int, per_km_fen: int, km: float) -> int:
    """A rate card's price for ``km`` road km: integer fen, the per-km part rounded half up."""
    return base_fen + math.floor(per_km_fen * km + 0.5)


def candidates(
    request: DispatchRequest,
    found: Sequence[tuple[UnitSnapshot, float]],
    travel: TravelTimeModel,
    *,
    weights: Weights = DEFAULT_WEIGHTS,
) -> list[Candidate]:
    """Score the units ``found`` near a request; best first (units with no route are dropped)."""
    if not found:
        return []
    index = FleetIndex([u for u, _ in found], now=request.at, stale_ids=frozenset())
    pos = np.arange(len(index), dtype=np.intp)[None, :]
    return _candidates(_score([request], pos, index, travel, weights), index)


@dataclass(frozen=True, slots=True)
class _Scored:
    """Candidates of some requests as flat arrays: request row, position in the index's flat
    unit list, ETA, road km, cost, score."""

    rows: NDArray[np.intp]
    pos: NDArray[np.intp]
    eta: NDArray[np.float64]
    km: NDArray[np.float64]
    cost: NDArray[np.int64]
    score: NDArray[np.float64]


def _score(
    requests: Sequence[DispatchRequest],
    pos: NDArray[np.intp],
    index: FleetIndex,
    travel: TravelTimeModel,
    weights: Weights,
) -> _Scored:
    """Score a (requests × k) block of candidate positions (−1: none); the requests share
    their departure time and tier, so one travel-model call serves the block."""
    at, tier = requests[0].at, requests[0].tier
    valid = pos >= 0
    if not valid.any():
        none = np.empty(0, np.intp)
        return _Scored(none, none, np.empty(0), np.empty(0), np.empty(0, np.int64), np.empty(0))
    p = np.where(valid, pos, 0)
    lat, lng = index.lat[p], index.lng[p]
    if len(requests) == 1:  # the narrow form of the port: many origins, one destination
        r = requests[0]
        eta = travel.seconds(lat[0], lng[0], r.lat, r.lng, at=at, tier=tier)[None, :]
        km = travel.km(lat[0], lng[0], r.lat, r.lng)[None, :]
    else:
        to_lat = np.array([r.lat for r in requests], np.float64)[:, None]
        to_lng = np.array([r.lng for r in requests], np.float64)[:, None]
        eta = travel.seconds(lat, lng, to_lat, to_lng, at=at, tier=tier)
        km = travel.km(lat, lng, to_lat, to_lng)
    cost = index.base_fen[p] + np.floor(index.per_km_fen[p] * km + 0.5).astype(np.int64)
    premium = np.array([r.premium for r in requests], bool)[:, None]
    rating_weight = weights.rating * np.where(premium, weights.premium_rating, 1.0)
    score = eta * weights.eta + cost * weights.cost + (5.0 - index.rating[p]) * rating_weight
    if weights.late:
        score = score + np.where(eta > WITHIN_S, weights.late, 0.0)
    rows, slots = np.nonzero(valid & np.isfinite(eta) & np.isfinite(score))
    return _Scored(
        rows, pos[rows, slots], eta[rows, slots], km[rows, slots], cost[rows, slots],
        score[rows, slots],
    )  # fmt: skip


def _candidate(scored: _Scored, i: int, index: FleetIndex) -> Candidate:
    return Candidate(
        unit=index.units_flat[int(scored.pos[i])],
        eta_s=float(scored.eta[i]),
        km=float(scored.km[i]),
        cost_fen=int(scored.cost[i]),
        score=float(scored.score[i]),
    )


def _candidates(scored: _Scored, index: FleetIndex) -> list[Candidate]:
    # The flat list is in id order, so (score, position) is (score, id).
    order = np.lexsort((scored.pos, scored.score))
    return [_candidate(scored, int(i), index) for i in order]


def rank(
    request: DispatchRequest,
    index: FleetIndex,
    travel: TravelTimeModel,
    *,
    k: int = 20,
    weights: Weights = DEFAULT_WEIGHTS,
    exclude: Collection[uuid.UUID] = frozenset(),
) -> list[Candidate]:
    """The candidates for one request among the ``k`` nearest capable units, best first;
    ``exclude`` leaves out units (those that declined, or whose offer expired)."""
    pos, _ = index.query([request.lat], [request.lng], kinds=request.kinds, k=k, exclude=exclude)
    return _candidates(_score([request], pos, index, travel, weights), index)


def _by_city(requests: Iterable[DispatchRequest]) -> dict[str, list[DispatchRequest]]:
    cities: dict[str, list[DispatchRequest]] = defaultdict(list)
    seen: set[uuid.UUID] = set()
    for r in requests:
        if r.id in seen:
            raise ValueError(f"request {r.id} appears twice in one batch")
        seen.add(r.id)
        cities[r.city_adcode].append(r)
    return dict(sorted(cities.items()))


def _scored_city(
    requests: Sequence[DispatchRequest],
    index: FleetIndex,
    travel: TravelTimeModel,
    *,
    k: int,
    weights: Weights,
    taken: NDArray[np.intp],
) -> _Scored:
    """The candidates of a city's requests without the ``taken`` units: one bulk KD-tree
    query and one travel-model call per set of kinds, departure time and tier."""
    groups: dict[tuple[frozenset[UnitKind], datetime, int], list[int]] = defaultdict(list)
    for i, r in enumerate(requests):
        groups[(r.kinds, r.at, r.tier)].append(i)
    parts: list[_Scored] = []
    for (kinds, _, _), rows in groups.items():
        group = [requests[i] for i in rows]
        pos, _ = index.query([r.lat for r in group], [r.lng for r in group], kinds=kinds, k=k)
        if len(taken):
            pos = np.where(np.isin(pos, taken), -1, pos)
        part = _score(group, pos, index, travel, weights)
        parts.append(replace(part, rows=np.asarray(rows, np.intp)[part.rows]))
    return _Scored(*(np.concatenate([getattr(p, f) for p in parts]) for f in _Scored.__slots__))


Solver = Literal["sparse", "dense"]


def _solve(
    scored: _Scored,
    n: int,
    credits: NDArray[np.float64],
    index: FleetIndex,
    solver: Solver = "sparse",
) -> list[Candidate | None]:
    """The optimal assignment of ``n`` requests over their candidates: the most requests
    served, then the least total score (less each served request's credit); no unit twice.

    ``dense``: ``linear_sum_assignment`` over requests × the union of their candidates, a large
    finite cost where a unit is no candidate. ``sparse`` (the default, the same optimum): the
    candidate pairs only, plus one private "wait" column per request at that large cost, so that
    a matching of every request always exists, solved by ``min_weight_full_bipartite_matching``
    (LAPJVsp) — a few thousand edges instead of a million cells.
    """
    chosen: list[Candidate | None] = [None] * n
    if not len(scored.pos):
        return chosen
    rows = scored.rows
    vals = scored.score - credits[rows]
    units, cols = np.unique(scored.pos, return_inverse=True)
    m = len(units)
    # Larger than any two sums of real entries: one more request served always wins.
    big = (float(np.abs(vals).max()) + 1.0) * (2 * n + 2)
    if solver == "dense":
        cost = np.full((n, m), big)
        cost[rows, cols] = vals
        picked_rows, picked_cols = linear_sum_assignment(cost)
    else:
        # Every request is matched once, so one offset on all edges keeps the optimum and
        # keeps every weight positive (a sparse matrix would drop a weight of exactly zero).
        offset = 1.0 - min(float(vals.min()), 0.0)
        weights = np.concatenate((vals + offset, np.full(n, big + offset)))
        graph = sparse.csr_matrix(
            (
                weights,
                (np.concatenate((rows, np.arange(n))), np.concatenate((cols, m + np.arange(n)))),
            ),
            shape=(n, m + n),
        )
        picked_rows, picked_cols = min_weight_full_bipartite_matching(graph)
    # Which candidate entry each picked (row, column) is, if any (the others wait).
    width = m + n
    keys = rows.astype(np.int64) * width + cols
    order = np.argsort(keys)
    picked = np.asarray(picked_rows, np.int64) * width + np.asarray(picked_cols, np.int64)
    at = np.minimum(np.searchsorted(keys[order], picked), len(keys) - 1)
    hit = keys[order][at] == picked
    for row, e in zip(np.asarray(picked_rows)[hit].tolist(), order[at][hit].tolist(), strict=True):
        chosen[row] = _candidate(scored, e, index)
    return chosen


def assign_batch(
    requests: Sequence[DispatchRequest],
    index: FleetIndex,
    travel: TravelTimeModel,
    *,
    k: int = 20,
    weights: Weights = DEFAULT_WEIGHTS,
    solver: Solver = "sparse",
) -> dict[uuid.UUID, Candidate | None]:
    """Optimal assignment of a burst, city by city (each request to one unit or to None);
    ``solver`` picks the sparse (default) or the dense formulation of the same optimum."""
    result: dict[uuid.UUID, Candidate | None] = {}
    taken: list[uuid.UUID] = []
    for group in _by_city(requests).values():
        scored = _scored_city(
            group, index, travel, k=k, weights=weights, taken=index.positions(taken)
        )
        credits = np.array([weights.wait * r.waited_s for r in group], np.float64)
        for r, c in zip(group, _solve(scored, len(group), credits, index, solver), strict=True):
            result[r.id] = c
            if c is not None:
                taken.append(c.unit.id)
    return result


def assign_greedy(
    requests: Sequence[DispatchRequest],
    index: FleetIndex,
    travel: TravelTimeModel,
    *,
    k: int = 20,
    weights: Weights = DEFAULT_WEIGHTS,
) -> dict[uuid.UUID, Candidate | None]:
    """The baseline: in arrival order, each request takes its best unit still free."""
    _by_city(requests)  # the same duplicate check as assign_batch
    result: dict[uuid.UUID, Candidate | None] = {}
    taken: set[uuid.UUID] = set()
    for r in sorted(requests, key=lambda r: r.at):
        best = rank(r, index, travel, k=k, weights=weights, exclude=taken)
        result[r.id] = best[0] if best else None
        if best:
            taken.add(best[0].unit.id)
    return result


def total_eta_s(assignment: dict[uuid.UUID, Candidate | None]) -> float:
    """The sum of the ETAs of the assigned requests."""
    return sum(c.eta_s for c in assignment.values() if c is not None)

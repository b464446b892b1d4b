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
requests × the union of their candidates, ``scipy.optimize.linear_sum_assignment`` over the
scores with a large finite cost where a unit is not a request's candidate. The large cost makes
the solver first serve as many requests as the candidate sets allow, then minimise the total
score among those assignments; a request left on a non-candidate column is unassigned (``None``)
and waits for the next tick. No unit is assigned twice, across cities included.
"""

from __future__ import annotations

import math
import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from scipy.optimize import linear_sum_assignment

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
    units = [u for u, _ in found]
    n = len(units)
    lat = np.fromiter((u.lat for u in units), np.float64, n)
    lng = np.fromiter((u.lng for u in units), np.float64, n)
    eta = travel.seconds(lat, lng, request.lat, request.lng, at=request.at, tier=request.tier)
    km = travel.km(lat, lng, request.lat, request.lng)
    base = np.fromiter((u.base_fen for u in units), np.int64, n)
    per_km = np.fromiter((u.per_km_fen for u in units), np.int64, n)
    rating = np.fromiter((u.rating for u in units), np.float64, n)
    cost = base + np.floor(per_km * km + 0.5).astype(np.int64)
    rating_weight = weights.rating * (weights.premium_rating if request.premium else 1.0)
    score = eta * weights.eta + cost * weights.cost + (5.0 - rating) * rating_weight
    if weights.late:
        score = score + np.where(eta > WITHIN_S, weights.late, 0.0)
    out = [
        Candidate(unit=u, eta_s=e, km=d, cost_fen=c, score=s)
        for u, e, d, c, s in zip(
            units, eta.tolist(), km.tolist(), cost.tolist(), score.tolist(), strict=True
        )
        if math.isfinite(e) and math.isfinite(s)
    ]
    out.sort(key=_best_first)
    return out


def _best_first(c: Candidate) -> tuple[float, int]:
    return c.score, c.unit.id.int


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
    found = index.nearest(request.lat, request.lng, kinds=request.kinds, k=k, exclude=exclude)
    return candidates(request, found, travel, weights=weights)


def _by_city(requests: Iterable[DispatchRequest]) -> dict[str, list[DispatchRequest]]:
    cities: dict[str, list[DispatchRequest]] = defaultdict(list)
    seen: set[uuid.UUID] = set()
    for r in requests:
        if r.id in seen:
            raise ValueError(f"request {r.id} appears twice in one batch")
        seen.add(r.id)
        cities[r.city_adcode].append(r)
    return dict(sorted(cities.items()))


def _candidate_sets(
    requests: Sequence[DispatchRequest],
    index: FleetIndex,
    travel: TravelTimeModel,
    *,
    k: int,
    weights: Weights,
    taken: Collection[uuid.UUID],
) -> list[list[Candidate]]:
    """Each request's candidates, one bulk KD-tree query per set of kinds."""
    by_kinds: dict[frozenset[UnitKind], list[int]] = defaultdict(list)
    for i, r in enumerate(requests):
        by_kinds[r.kinds].append(i)
    out: list[list[Candidate]] = [[] for _ in requests]
    for kinds, rows in by_kinds.items():
        lats = [requests[i].lat for i in rows]
        lngs = [requests[i].lng for i in rows]
        for i, found in zip(rows, index.nearest_many(lats, lngs, kinds=kinds, k=k), strict=True):
            free = [(u, d) for u, d in found if u.id not in taken] if taken else found
            out[i] = candidates(requests[i], free, travel, weights=weights)
    return out


def solve(
    sets: Sequence[Sequence[Candidate]], credits: Sequence[float] | None = None
) -> list[Candidate | None]:
    """The optimal assignment over candidate sets: the most requests served, then the least
    total score (less each served request's credit); no unit twice. One entry per set: its
    chosen candidate or None."""
    columns: dict[uuid.UUID, int] = {}
    for cands in sets:
        for c in cands:
            columns.setdefault(c.unit.id, len(columns))
    chosen: list[Candidate | None] = [None] * len(sets)
    if not columns:
        return chosen
    credit = [0.0] * len(sets) if credits is None else list(credits)
    top = max(abs(c.score - credit[row]) for row, cands in enumerate(sets) for c in cands)
    # Larger than any two sums of real entries: one more request served always wins.
    big = (top + 1.0) * (2 * len(sets) + 2)
    cost = np.full((len(sets), len(columns)), big)
    best: dict[tuple[int, int], Candidate] = {}
    for row, cands in enumerate(sets):
        for c in cands:
            col = columns[c.unit.id]
            # A unit listed twice for one request (it should not be) keeps its best score.
            if (row, col) not in best or c.score < best[(row, col)].score:
                cost[row, col] = c.score - credit[row]
                best[(row, col)] = c
    rows, cols = linear_sum_assignment(cost)
    for row, col in zip(rows.tolist(), cols.tolist(), strict=True):
        chosen[row] = best.get((row, col))
    return chosen


def assign_batch(
    requests: Sequence[DispatchRequest],
    index: FleetIndex,
    travel: TravelTimeModel,
    *,
    k: int = 20,
    weights: Weights = DEFAULT_WEIGHTS,
) -> dict[uuid.UUID, Candidate | None]:
    """Optimal assignment of a burst, city by city (each request to one unit or to None)."""
    result: dict[uuid.UUID, Candidate | None] = {}
    taken: set[uuid.UUID] = set()
    for group in _by_city(requests).values():
        sets = _candidate_sets(group, index, travel, k=k, weights=weights, taken=taken)
        credits = [weights.wait * r.waited_s for r in group]
        for r, c in zip(group, solve(sets, credits), strict=True):
            result[r.id] = c
            if c is not None:
                taken.add(c.unit.id)
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

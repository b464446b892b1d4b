"""Replay a day of rescue calls against a fleet: greedy-nearest versus batched assignment.

A discrete-event simulation. A unit sent to a call is busy for the drive there, the work on site
(:data:`DEFAULT_SERVICE_MINUTES`) and, for a tow, the drive to the shop; it is then free again
where the job ended. The policies:

* ``greedy``: each call, the moment it arrives, takes its best free unit (``assign_greedy``).
* ``batched``: every ``tick_s`` seconds the calls that came in plus those still waiting are
  assigned together, city by city, with ``assign_batch`` (optimal over the candidate sets).

A call that finds no free capable unit waits and is tried again whenever a unit frees up (greedy)
or at the next tick (batched); after ``max_wait_s`` (2 hours, the C2 on-site promise for thin
networks) it counts as unserved. Everything runs on simulated time, so the same calls and fleet
give the same report.
"""

from __future__ import annotations

import heapq
import math
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal

import numpy as np

from carecover.benefits.enums import ServiceType
from carecover.orders.service.demand import RescueCall
from carecover.orders.service.fleet_index import FleetIndex, UnitSnapshot
from carecover.orders.service.matching import (
    DEFAULT_WEIGHTS,
    WITHIN_S,
    Candidate,
    Weights,
    assign_batch,
    assign_greedy,
    cost_fen,
)
from carecover.orders.service.travel import TravelTimeModel

Policy = Literal["greedy", "batched"]

DEFAULT_SERVICE_MINUTES: dict[ServiceType, float] = {
    ServiceType.tow: 30.0,
    ServiceType.jump_start: 15.0,
    ServiceType.tyre_change: 25.0,
    ServiceType.lockout: 20.0,
    ServiceType.emergency_charging: 40.0,
    ServiceType.designated_driver: 30.0,
}
"""Minutes of work on site (a tow: loading and unloading; its drive to the shop comes on top)."""

HISTOGRAM_MINUTES: tuple[float, ...] = (0, 5, 10, 15, 20, 30, 45, 60, 90, 120)
"""Lower edges of the response-time histogram's bins, in minutes (the last bin is open)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one call."""

    call_id: uuid.UUID
    service: ServiceType
    unit_id: uuid.UUID | None
    """None: unserved."""
    wait_s: float
    """From the call to the dispatch decision."""
    eta_s: float
    response_s: float
    """From the call to the unit on site (wait + ETA)."""
    cost_fen: int
    busy_until: float | None
    """When the unit was free again (POSIX seconds); None: unserved."""


@dataclass(frozen=True, slots=True)
class ResponseStats:
    """Response times and cost over a set of calls (unserved ones count as missing the circle)."""

    requests: int
    served: int
    unserved: int
    p50_s: float | None
    p90_s: float | None
    p99_s: float | None
    mean_s: float | None
    within_15_share: float
    total_cost_fen: int
    mean_cost_fen: float | None


@dataclass(frozen=True, slots=True)
class ReplayReport:
    policy: Policy
    overall: ResponseStats
    per_service: dict[ServiceType, ResponseStats]
    histogram: tuple[tuple[float, float | None, int], ...]
    """(from minute, to minute or None for the open last bin, served calls in it)."""
    total_eta_s: float
    """The sum of the driving ETAs of the served calls."""
    mean_wait_s: float | None
    utilisation: float
    """Busy unit-seconds ÷ (units × the span from the first call to the last unit freed)."""
    decisions: int
    """Dispatch rounds run (greedy: arrivals and frees with calls waiting; batched: ticks)."""
    outcomes: tuple[Outcome, ...]

    def as_dict(self) -> dict[str, Any]:
        """The summary (no per-call outcomes) as plain JSON-able values."""
        return {
            "policy": self.policy,
            "overall": _stats_dict(self.overall),
            "per_service": {s.value: _stats_dict(v) for s, v in self.per_service.items()},
            "histogram": [list(b) for b in self.histogram],
            "total_eta_s": self.total_eta_s,
            "mean_wait_s": self.mean_wait_s,
            "utilisation": self.utilisation,
            "decisions": self.decisions,
        }


def _stats_dict(s: ResponseStats) -> dict[str, Any]:
    return asdict(s)


def _stats(outcomes: Sequence[Outcome]) -> ResponseStats:
    served = [o for o in outcomes if o.unit_id is not None]
    times = np.array([o.response_s for o in served], np.float64)
    costs = sum(o.cost_fen for o in served)

    def pct(q: float) -> float | None:
        return float(np.percentile(times, q)) if len(times) else None

    return ResponseStats(
        requests=len(outcomes),
        served=len(served),
        unserved=len(outcomes) - len(served),
        p50_s=pct(50),
        p90_s=pct(90),
        p99_s=pct(99),
        mean_s=float(times.mean()) if len(times) else None,
        within_15_share=float((times <= WITHIN_S).sum()) / len(outcomes) if outcomes else 0.0,
        total_cost_fen=costs,
        mean_cost_fen=costs / len(served) if served else None,
    )


def _histogram(outcomes: Sequence[Outcome]) -> tuple[tuple[float, float | None, int], ...]:
    edges = [m * 60 for m in HISTOGRAM_MINUTES]
    counts: Counter[int] = Counter()
    for o in outcomes:
        if o.unit_id is not None:
            counts[int(np.searchsorted(edges, o.response_s, side="right")) - 1] += 1
    uppers: list[float | None] = [*HISTOGRAM_MINUTES[1:], None]
    return tuple(
        (HISTOGRAM_MINUTES[i], uppers[i], counts[i]) for i in range(len(HISTOGRAM_MINUTES))
    )


class _Fleet:
    """Where each unit is and until when it is busy."""

    def __init__(self, units: Sequence[UnitSnapshot]) -> None:
        self.units = {u.id: u for u in units}
        if len(self.units) != len(units):
            raise ValueError("a unit appears twice in the fleet")
        self.free: set[uuid.UUID] = set(self.units)
        self.busy: list[tuple[float, int, uuid.UUID, float, float]] = []
        self.busy_seconds = 0.0
        self._seq = 0
        self._index: FleetIndex | None = None

    def next_free(self) -> float:
        return self.busy[0][0] if self.busy else math.inf

    def release(self, t: float) -> None:
        """Free the units whose job ended by ``t``, where the job ended."""
        while self.busy and self.busy[0][0] <= t:
            until, _, unit_id, lat, lng = heapq.heappop(self.busy)
            at = datetime.fromtimestamp(until, UTC)
            self.units[unit_id] = replace(self.units[unit_id], lat=lat, lng=lng, position_at=at)
            self.free.add(unit_id)
            self._index = None

    def index(self, now: datetime) -> FleetIndex:
        if self._index is None:
            free = [self.units[i] for i in sorted(self.free, key=lambda i: i.int)]
            self._index = FleetIndex.build(free, now=now, stale_after_s=math.inf)
        return self._index

    def send(
        self, unit_id: uuid.UUID, *, start: float, until: float, lat: float, lng: float
    ) -> None:
        if unit_id not in self.free:
            raise RuntimeError(f"unit {unit_id} sent while busy")  # the invariant, checked
        self.free.discard(unit_id)
        self._seq += 1
        heapq.heappush(self.busy, (until, self._seq, unit_id, lat, lng))
        self.busy_seconds += until - start
        self._index = None


def replay(
    calls: Sequence[RescueCall],
    units: Sequence[UnitSnapshot],
    travel: TravelTimeModel,
    *,
    policy: Policy,
    tick_s: float = 10,
    service_minutes: Mapping[ServiceType, float] = DEFAULT_SERVICE_MINUTES,
    k: int = 20,
    weights: Weights = DEFAULT_WEIGHTS,
    max_wait_s: float = 2 * 3600,
) -> ReplayReport:
    """Simulate ``calls`` against ``units`` under ``policy`` and report the response times."""
    if policy not in ("greedy", "batched"):
        raise ValueError(f"unknown policy: {policy}")
    if tick_s <= 0:
        raise ValueError("tick_s must be positive")
    ordered = sorted(calls, key=lambda c: (c.request.at, c.request.id.int))
    if len({c.request.id for c in ordered}) != len(ordered):
        raise ValueError("a call appears twice")
    fleet = _Fleet(units)
    outcomes: dict[uuid.UUID, Outcome] = {}
    waiting: list[RescueCall] = []
    arrivals = [c.request.at.timestamp() for c in ordered]
    nxt, decisions = 0, 0
    while True:
        t = arrivals[nxt] if nxt < len(ordered) else math.inf
        if waiting:
            t = min(t, fleet.next_free())
        if t == math.inf:
            break
        if policy == "batched":
            t = math.ceil(t / tick_s) * tick_s
        fleet.release(t)
        while nxt < len(ordered) and arrivals[nxt] <= t:
            waiting.append(ordered[nxt])
            nxt += 1
        for call in [c for c in waiting if t - c.request.at.timestamp() > max_wait_s]:
            outcomes[call.request.id] = _unserved(call)
            waiting.remove(call)
        if not waiting or not fleet.free:
            continue
        decisions += 1
        now = datetime.fromtimestamp(t, UTC)
        requests = [
            replace(c.request, at=now, waited_s=t - c.request.at.timestamp()) for c in waiting
        ]
        assign = assign_batch if policy == "batched" else assign_greedy
        chosen = assign(requests, fleet.index(now), travel, k=k, weights=weights)
        still: list[RescueCall] = []
        for call in waiting:
            cand = chosen.get(call.request.id)
            if cand is None:
                still.append(call)
            else:
                outcomes[call.request.id] = _dispatch(call, cand, fleet, travel, t, service_minutes)
        waiting = still
    for call in waiting:
        outcomes[call.request.id] = _unserved(call)
    return _report(policy, ordered, outcomes, fleet, decisions)


def _unserved(call: RescueCall) -> Outcome:
    return Outcome(call.request.id, call.service, None, math.inf, math.inf, math.inf, 0, None)


def _dispatch(
    call: RescueCall,
    cand: Candidate,
    fleet: _Fleet,
    travel: TravelTimeModel,
    t: float,
    service_minutes: Mapping[ServiceType, float],
) -> Outcome:
    req, unit = call.request, cand.unit
    on_site = t + cand.eta_s
    done = on_site + service_minutes.get(call.service, 20.0) * 60.0
    end_lat, end_lng, cost = req.lat, req.lng, cand.cost_fen
    if call.dropoff is not None:
        frm_lat, frm_lng = np.array([req.lat]), np.array([req.lng])
        to_lat, to_lng = call.dropoff
        leave = datetime.fromtimestamp(on_site, UTC)
        done += float(travel.seconds(frm_lat, frm_lng, to_lat, to_lng, at=leave, tier=req.tier)[0])
        towed_km = float(travel.km(frm_lat, frm_lng, to_lat, to_lng)[0])
        cost += cost_fen(0, unit.per_km_fen, towed_km)
        end_lat, end_lng = to_lat, to_lng
    fleet.send(unit.id, start=t, until=done, lat=end_lat, lng=end_lng)
    wait = t - req.at.timestamp()
    return Outcome(req.id, call.service, unit.id, wait, cand.eta_s, wait + cand.eta_s, cost, done)


def _report(
    policy: Policy,
    ordered: Sequence[RescueCall],
    outcomes: Mapping[uuid.UUID, Outcome],
    fleet: _Fleet,
    decisions: int,
) -> ReplayReport:
    results = tuple(outcomes[c.request.id] for c in ordered)
    served = [o for o in results if o.unit_id is not None]
    by_service: dict[ServiceType, list[Outcome]] = {}
    for o in results:
        by_service.setdefault(o.service, []).append(o)
    start = ordered[0].request.at.timestamp() if ordered else 0.0
    end = max([start, *(o.busy_until for o in served if o.busy_until is not None)])
    span = (end - start) * len(fleet.units)
    return ReplayReport(
        policy=policy,
        overall=_stats(results),
        per_service={s: _stats(v) for s, v in sorted(by_service.items())},
        histogram=_histogram(results),
        total_eta_s=sum(o.eta_s for o in served),
        mean_wait_s=sum(o.wait_s for o in served) / len(served) if served else None,
        utilisation=fleet.busy_seconds / span if span > 0 else 0.0,
        decisions=decisions,
        outcomes=results,
    )

"""Dispatch benchmarks (issue 7, "Numbers"), pure algorithms on one thread, no database.

* ``dispatch_single_p50`` / ``_p99``: one decision among 10,000 units in a tier-1 city at the
  morning peak — ``FleetIndex`` (built once per tick, timed apart) + ``matching.rank`` for one
  request, over 1,000 requests of the default service mix. Baseline, measured in the same run:
  the naive decision with no index (great-circle km, ETA, cost and score for every capable unit,
  then a sort); ``dispatch_single_same_best`` is the share of requests where both pick the same
  unit (the index looks at the 20 nearest only).
* ``dispatch_batch_p99``: a tick of batched assignment, 300 requests × 5,000 units, index build
  included, p99 over 50 ticks of fresh demand; baseline 2,000 ms, the step of the DiDi-style
  dispatch simulator (KDD Cup 2020), target ≤ 0.05× of it. ``dispatch_batch_total_eta`` is the
  total ETA of the batched assignments against greedy-nearest on the very same ticks.
* ``dispatch_replay_*``: one city-day (Hangzhou, ~1,500 calls, 200 units) replayed under both
  policies: 15-minute share, mean cost per served call, p90 response.
"""

from __future__ import annotations

import gc
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import numpy as np

Result = dict[str, Any]
ResultFn = Callable[[str, float, str, str, float, str], Result]

PEAK = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)  # 08:30 in Beijing
SHANGHAI = (31.2304, 121.4737)
HANGZHOU = (30.274, 120.155)
SHARES = {"flatbed": 0.30, "wheel_lift": 0.20, "service_van": 0.34, "mobile_charger": 0.12}
WINDOW_MS = 2_000.0


def _fleet(n: int, seed: int, radius_km: float = 25.0) -> list[Any]:
    from carecover.orders.enums import UnitKind
    from carecover.orders.service.demand import demo_fleet

    counts = {UnitKind(k): round(n * s) for k, s in SHARES.items()}
    counts[UnitKind.designated_driver] = n - sum(counts.values())
    return demo_fleet(
        city_adcode="310000",
        centre=SHANGHAI,
        radius_km=radius_km,
        counts=counts,
        seed=seed,
        at=PEAK,
        partners=40,
    )


def _requests(n: int, seed: int, radius_km: float = 25.0) -> list[Any]:
    from carecover.orders.service.demand import poisson_day

    calls = poisson_day(
        city_adcode="310000",
        centre=SHANGHAI,
        radius_km=radius_km,
        daily_total=n * 1.15,
        seed=seed,
        day=date(2026, 3, 2),
    )
    # Every request of a tick leaves at the same peak moment.
    return [replace(c.request, at=PEAK) for c in calls[:n]]


def _naive(request: Any, arrays: dict[str, Any], units: Sequence[Any], travel: Any) -> Any:
    """The decision without an index: score every capable unit, sort, take the best."""
    from carecover.orders.service.matching import DEFAULT_WEIGHTS as W

    mask = np.isin(arrays["kind"], [k.value for k in request.kinds])
    idx = np.flatnonzero(mask)
    lat, lng = arrays["lat"][idx], arrays["lng"][idx]
    eta = travel.seconds(lat, lng, request.lat, request.lng, at=request.at, tier=request.tier)
    km = travel.km(lat, lng, request.lat, request.lng)
    cost = arrays["base"][idx] + np.floor(arrays["per_km"][idx] * km + 0.5)
    score = (
        eta * W.eta
        + cost * W.cost
        + (5.0 - arrays["rating"][idx]) * W.rating * (W.premium_rating if request.premium else 1.0)
    )
    order = np.argsort(score, kind="stable")
    return units[int(idx[order[0]])] if len(order) else None


def _total_score(assignment: dict[Any, Any]) -> float:
    return float(sum(c.score for c in assignment.values() if c is not None))


def _pcts(samples: Sequence[float]) -> tuple[float, float]:
    arr = np.asarray(samples) * 1e3
    return float(np.percentile(arr, 50)), float(np.percentile(arr, 99))


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def _with(r: Result, details: dict[str, Any]) -> Result:
    r["details"] = details
    return r


def _target(line: str, ok: bool, got: str) -> str:
    return line if ok else f"{line} — MISSED ({got})"


def bench_single(
    result: ResultFn, *, units_n: int = 10_000, requests_n: int = 1_000
) -> list[Result]:
    from carecover.orders.service.fleet_index import FleetIndex
    from carecover.orders.service.matching import rank
    from carecover.orders.service.travel import HaversineTravelModel

    travel = HaversineTravelModel()
    units = _fleet(units_n, seed=1)
    requests = _requests(requests_n, seed=2)
    load_before = _load()
    builds = []
    gc.collect()
    for _ in range(5):
        start = time.perf_counter()
        index = FleetIndex.build(units, now=PEAK)
        builds.append(time.perf_counter() - start)
    arrays = {
        "kind": np.array([u.kind.value for u in units]),
        "lat": np.array([u.lat for u in units]),
        "lng": np.array([u.lng for u in units]),
        "base": np.array([u.base_fen for u in units], np.float64),
        "per_km": np.array([u.per_km_fen for u in units], np.float64),
        "rating": np.array([u.rating for u in units]),
    }
    ours, naive, cpu, same = [], [], [], 0
    for r in requests:  # interleaved, so that both see the same machine load
        start, cpu_start = time.perf_counter(), time.thread_time()
        best = rank(r, index, travel, k=20)
        ours.append(time.perf_counter() - start)
        cpu.append(time.thread_time() - cpu_start)
        start = time.perf_counter()
        base = _naive(r, arrays, units, travel)
        naive.append(time.perf_counter() - start)
        same += bool(best) and base is not None and best[0].unit.id == base.id
    o50, o99 = _pcts(ours)
    n50, n99 = _pcts(naive)
    c50, c99 = _pcts(cpu)
    details = {
        "what": f"{units_n:,} units of five kinds within 25 km of central Shanghai (tier 1), "
        f"08:30 Beijing time; {requests_n:,} requests of the default service mix; one "
        "FleetIndex (per-kind cKDTree) + rank(k=20) per request, wall clock",
        "thread_cpu_ms": {"p50": round(c50, 3), "p99": round(c99, 3)},
        "index_build_ms": [round(1e3 * b, 2) for b in builds],
        "load_average_1m": {"before": load_before, "after": _load()},
        "cpu_count": os.cpu_count(),
    }
    naive_name = f"naive: score all {units_n:,} units, sort"
    return [
        _with(result("dispatch_single_p50", o50, "ms", naive_name, n50, "ratio < 1"), details),
        _with(
            result(
                "dispatch_single_p99", o99, "ms", naive_name, n99,
                _target("<= 20 ms (issue 7)", o99 <= 20, f"{o99:.1f} ms"),
            ),
            details,
        ),
        result(
            "dispatch_single_same_best", 100.0 * same / len(requests), "%",
            "naive picks (by definition the best score)", 100.0, ">= 99 %",
        ),
        result(
            "dispatch_index_build_10k", 1e3 * min(builds), "ms",
            "the 2 s dispatch window", WINDOW_MS, "ratio <= 0.01",
        ),
    ]  # fmt: skip


def bench_batch(
    result: ResultFn, *, units_n: int = 5_000, requests_n: int = 300, ticks: int = 50
) -> list[Result]:
    from carecover.orders.service.fleet_index import FleetIndex
    from carecover.orders.service.matching import assign_batch, assign_greedy, total_eta_s
    from carecover.orders.service.travel import HaversineTravelModel

    travel = HaversineTravelModel()
    times: list[float] = []
    cpu: list[float] = []
    builds: list[float] = []
    dense_times: list[float] = []
    score_gap = 0.0
    batched_eta = greedy_eta = 0.0
    batched_n = greedy_n = within_b = within_g = 0
    load_before = _load()
    for tick in range(ticks):
        units = _fleet(units_n, seed=100 + tick)
        requests = _requests(requests_n, seed=200 + tick)
        gc.collect()  # the demand generator's garbage is not the tick's
        start, cpu_start = time.perf_counter(), time.thread_time()
        index = FleetIndex.build(units, now=PEAK)
        built = time.perf_counter()
        batched = assign_batch(requests, index, travel, k=20)
        times.append(time.perf_counter() - start)
        cpu.append(time.thread_time() - cpu_start)
        builds.append(built - start)
        start = time.perf_counter()
        dense = assign_batch(requests, index, travel, k=20, solver="dense")
        dense_times.append(time.perf_counter() - start)
        score_gap = max(score_gap, abs(_total_score(dense) - _total_score(batched)))
        greedy = assign_greedy(requests, index, travel, k=20)
        ids = [c.unit.id for c in batched.values() if c is not None]
        if len(set(ids)) != len(ids):
            raise AssertionError("a unit was assigned twice")
        batched_eta += total_eta_s(batched)
        greedy_eta += total_eta_s(greedy)
        batched_n += len(ids)
        greedy_n += sum(c is not None for c in greedy.values())
        within_b += sum(c is not None and c.within for c in batched.values())
        within_g += sum(c is not None and c.within for c in greedy.values())
    if batched_n < greedy_n:
        raise AssertionError("the batch served fewer requests than greedy")
    p50, p99 = _pcts(times)
    c50, c99 = _pcts(cpu)
    b50, _ = _pcts(builds)
    d50, d99 = _pcts(dense_times)
    details = {
        "what": f"{ticks} ticks, each {requests_n} requests (default service mix) and a fresh "
        f"fleet of {units_n:,} units within 25 km of central Shanghai at 08:30; timed: "
        "FleetIndex.build + assign_batch(k=20), one exact assignment per city",
        "index_build_ms_p50": round(b50, 2),
        "solver": "sparse (min_weight_full_bipartite_matching over the candidate pairs + one "
        "wait column per request)",
        "dense_linear_sum_assignment_ms_without_build": {
            "p50": round(d50, 2),
            "p99": round(d99, 2),
        },
        "dense_vs_sparse_total_score_max_gap": round(score_gap, 6),
        "thread_cpu_ms": {"p50": round(c50, 2), "p99": round(c99, 2)},
        "assigned": {"batched": batched_n, "greedy": greedy_n},
        "within_15_min": {"batched": within_b, "greedy": within_g},
        "load_average_1m": {"before": load_before, "after": _load()},
        "cpu_count": os.cpu_count(),
    }
    window = "DiDi-style dispatch window (2 s step)"
    return [
        _with(result("dispatch_batch_p50", p50, "ms", window, WINDOW_MS, "ratio <= 0.05"), details),
        _with(
            result(
                "dispatch_batch_p99", p99, "ms", window, WINDOW_MS,
                _target("<= 100 ms; ratio <= 0.05", p99 <= 100, f"{p99:.0f} ms"),
            ),
            details,
        ),
        _with(
            result(
                "dispatch_batch_total_eta", batched_eta / 3600, "h",
                f"greedy-nearest on the same {ticks} ticks", greedy_eta / 3600,
                _target("ratio <= 1", batched_eta <= greedy_eta, "batched longer"),
            ),
            details,
        ),
    ]  # fmt: skip


def _replay_details(reports: dict[str, Any], seconds: dict[str, float]) -> dict[str, Any]:
    return {
        policy: {
            **{k: v for k, v in r.as_dict().items() if k != "per_service"},
            "wall_s": round(seconds[policy], 2),
            "within_15_by_service": {
                s.value: round(v.within_15_share, 4) for s, v in r.per_service.items()
            },
        }
        for policy, r in reports.items()
    }


def bench_replay(result: ResultFn, *, daily_total: float = 1_500) -> list[Result]:
    from carecover.orders.enums import UnitKind as K
    from carecover.orders.service.demand import demo_fleet, poisson_day
    from carecover.orders.service.replay import replay
    from carecover.orders.service.travel import HaversineTravelModel

    travel = HaversineTravelModel()
    counts = {K.flatbed: 70, K.wheel_lift: 40, K.service_van: 65, K.mobile_charger: 25}
    fleet_at = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)  # 00:00 in Beijing
    fleet = demo_fleet(
        city_adcode="330100", centre=HANGZHOU, radius_km=20, counts=counts, seed=7, at=fleet_at
    )
    out: list[Result] = []
    for name, total in (("", daily_total), ("_busy", 2 * daily_total)):
        calls = poisson_day(
            city_adcode="330100", centre=HANGZHOU, radius_km=20, daily_total=total, seed=7,
            day=date(2026, 3, 2),
        )  # fmt: skip
        reports, seconds = {}, {}
        for policy in ("greedy", "batched"):
            start = time.perf_counter()
            reports[policy] = replay(calls, fleet, travel, policy=policy)
            seconds[policy] = time.perf_counter() - start
        g, b = reports["greedy"], reports["batched"]
        details = {
            "what": f"Hangzhou (tier 2), {len(calls)} Poisson calls over one day (daily "
            f"profile, default mix), {len(fleet)} units of 8 partners; tick 10 s, max wait 2 h",
            **_replay_details(reports, seconds),
        }
        label = f"greedy-nearest, same day ({len(calls)} calls, {len(fleet)} units)"
        gw, bw = g.overall.within_15_share, b.overall.within_15_share
        gp, bp = (g.overall.p90_s or math.inf) / 60, (b.overall.p90_s or math.inf) / 60
        g_eta = g.total_eta_s / max(1, g.overall.served) / 60
        b_eta = b.total_eta_s / max(1, b.overall.served) / 60
        within_line = "ratio >= 1" if name else "ratio >= 0.99 (a batch waits up to one tick)"
        out += [
            _with(result(f"dispatch_replay{name}_within15", 100 * bw, "%", label, 100 * gw,
                         within_line), details),
            _with(result(f"dispatch_replay{name}_p90_response", bp, "min", label, gp,
                         "ratio < 1" if name else "ratio <= 1.02"), details),
            _with(result(f"dispatch_replay{name}_mean_eta", b_eta, "min", label, g_eta,
                         "ratio <= 1"), details),
            _with(result(f"dispatch_replay{name}_mean_cost", (b.overall.mean_cost_fen or 0) / 100,
                         "CNY/served call", label, (g.overall.mean_cost_fen or 0) / 100,
                         "ratio <= 1"), details),
        ]  # fmt: skip
    return out


def bench_dispatch(result: ResultFn) -> list[Result]:
    return [*bench_single(result), *bench_batch(result), *bench_replay(result)]


if __name__ == "__main__":

    def _result(
        name: str, value: float, unit: str, baseline_name: str, baseline: float, target: str
    ) -> Result:
        ratio = round(value / baseline, 4) if baseline else None
        return {"name": name, "value": round(value, 3), "unit": unit,
                "baseline_name": baseline_name, "baseline_value": round(baseline, 3),
                "ratio": ratio, "target": target}  # fmt: skip

    for row in bench_dispatch(_result):
        print(row)  # noqa: T201

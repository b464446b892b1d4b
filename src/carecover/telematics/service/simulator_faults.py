"""The simulator's injected faults, where they go, and the ledger that counts them.

Five kinds, each meant to raise exactly one alert episode of a known code through the real rules:

* ``slow_leak`` — one tyre loses 25-35 kPa a day (cold) from the fault's start until it is at
  about 83 % of the placard (above the 80 % "low" line, so the leak is the only cause);
  ``tyre_slow_leak`` once the day-long trend has seen enough (``EVIDENCE_S``).
* ``misfire`` — an OBD car's engine sets P0301 with the fault lamp on a minute into a trip and
  keeps it; ``dtc`` (the lamp joins the code's episode silently).
* ``low_12v`` — a weak 12 V battery sags to 11.35-11.5 V for a parking of at least 40 minutes
  (then it is replaced); ``battery_12v_low`` after ten minutes below 11.8 V.
* ``low_soc`` — an EV starts at about 11 % and drives on until its range is under 8 km (about
  2 %), then fast-charges; ``soc_low``: below 10 % where the rules know no charger, else once the
  range is under 1.5 x the nearest charger's distance + 10 km (under 10 km it is, whatever the
  distance; a charger over 6.7 km away escalates the same episode to
  ``soc_charger_unreachable``).
* ``crash`` — a 7-8 g spike at speed, then the car stands still (towed: no more trips); ``crash``.

A fault is *injected* when the stream first carries it and *complete* once the stream has carried
enough of it for its rule to fire; the ledger keeps both, so a test can assert that every
complete fault raised exactly one alert and that nothing else did.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Final


class FaultKind(StrEnum):
    slow_leak = "slow_leak"
    misfire = "misfire"
    low_12v = "low_12v"
    low_soc = "low_soc"
    crash = "crash"


EXPECTED_CODES: Final[dict[FaultKind, frozenset[str]]] = {
    FaultKind.slow_leak: frozenset({"tyre_slow_leak"}),
    FaultKind.misfire: frozenset({"dtc"}),
    FaultKind.low_12v: frozenset({"battery_12v_low"}),
    FaultKind.low_soc: frozenset({"soc_low", "soc_charger_unreachable"}),
    FaultKind.crash: frozenset({"crash"}),
}
"""The alert code a fault must raise (one of these, once)."""

NEEDS_S: Final[dict[FaultKind, float]] = {
    FaultKind.slow_leak: 30 * 3600.0,
    FaultKind.misfire: 1800.0,
    FaultKind.low_12v: 3600.0,
    FaultKind.low_soc: 9000.0,
    FaultKind.crash: 1800.0,
}
"""Simulated time a fault needs from the window's start to become complete (when it starts
at once); a shorter window leaves the kind out."""

LEAK_EVIDENCE_S: Final = 24 * 3600.0
"""A leak counts as complete after a day: the tyre trend needs ~14 h of spread half-hours."""
LOW_12V_S: Final = 600.0
LOW_12V_V: Final = 11.8
LOW_SOC_PCT: Final = 10.0
LOW_RANGE_KM: Final = 10.0
"""Under this range the low-charge rule fires whatever the distance to the nearest charger."""
DRAIN_KM: Final = 8.0
DAY_S: Final = 86_400.0


@dataclass(frozen=True, slots=True)
class Fault:
    """One ledger line."""

    device_no: str
    vehicle_id: str
    kind: FaultKind
    codes: frozenset[str]
    wheel: str | None
    injected_at: datetime | None
    complete_at: datetime | None

    @property
    def complete(self) -> bool:
        return self.complete_at is not None


def _when(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, tz=UTC)


@dataclass(slots=True)
class FaultTracker:
    """One car's fault while the simulation runs."""

    kind: FaultKind
    device_no: str
    vehicle_id: str
    after: float
    """Epoch seconds from which the fault may start."""
    wheel: str | None = None
    leak_kpa_per_day: float = 30.0
    injected_at: float | None = None
    complete_at: float | None = None
    low_since: float | None = None

    @property
    def done(self) -> bool:
        return self.injected_at is not None

    def armed(self, t: float) -> bool:
        return self.injected_at is None and t >= self.after

    def inject(self, t: float) -> None:
        if self.injected_at is None:
            self.injected_at = t

    def completed(self, t: float) -> None:
        if self.complete_at is None:
            self.complete_at = t

    def observe_low_voltage(self, t: float, volts: float) -> None:
        if volts >= LOW_12V_V:
            return
        self.low_since = t if self.low_since is None else self.low_since
        if t - self.low_since >= LOW_12V_S:
            self.completed(t)

    def leak_loss(self, t: float) -> float:
        """kPa the leaking tyre has lost (cold) by ``t``; the leak starts at ``after``."""
        if t < self.after:
            return 0.0
        self.inject(self.after)
        if t - self.after >= LEAK_EVIDENCE_S:
            self.completed(t)
        return (t - self.after) / DAY_S * self.leak_kpa_per_day

    def as_fault(self) -> Fault:
        return Fault(
            self.device_no,
            self.vehicle_id,
            self.kind,
            EXPECTED_CODES[self.kind],
            self.wheel,
            _when(self.injected_at),
            _when(self.complete_at),
        )


@dataclass(frozen=True, slots=True)
class Candidate:
    """What fault planning needs to know of a car."""

    device_no: str
    vehicle_id: str
    is_ev: bool


def eligible(kind: FaultKind, car: Candidate) -> bool:
    if kind is FaultKind.misfire:
        return not car.is_ev  # a cylinder misfire needs an engine (and an OBD port)
    if kind is FaultKind.low_soc:
        return car.is_ev
    return True


def parse_request(text: str) -> float | list[FaultKind]:
    """``--faults``: a share of cars (``0.2``), ``none``, or kinds (``crash,misfire,crash``)."""
    text = text.strip().lower()
    if text in ("", "none", "0"):
        return []
    try:
        share = float(text)
    except ValueError:
        return [FaultKind(part.strip()) for part in text.split(",") if part.strip()]
    if not 0.0 <= share <= 1.0:
        raise ValueError("a fault share is between 0 and 1")
    return share


def plan(
    cars: Sequence[Candidate],
    request: float | Sequence[FaultKind],
    start: float,
    end: float,
    seed: int,
    pinned: Mapping[str, FaultKind] | None = None,
) -> tuple[dict[str, FaultTracker], list[FaultKind]]:
    """Which car gets which fault, and from when; also the kinds that found no car or time.
    ``pinned`` faults go on the named devices first; then a share picks that many cars and gives
    each a kind it can have, or a list places each kind on the next car that can have it (one
    fault per car)."""
    rng = random.Random(f"faults:{seed}")  # noqa: S311 - a seeded plan, not a secret
    window = end - start
    order = list(cars)
    rng.shuffle(order)
    trackers: dict[str, FaultTracker] = {}
    skipped: list[FaultKind] = []
    by_no = {c.device_no: c for c in cars}
    for device_no, kind in sorted((pinned or {}).items()):
        car = by_no.get(device_no)
        if car is not None and eligible(kind, car) and window >= NEEDS_S[kind]:
            trackers[device_no] = _tracker(kind, car, rng, start, window)
        else:
            skipped.append(kind)
    if isinstance(request, float | int):
        fitting = [k for k in FaultKind if window >= NEEDS_S[k]]
        count, turn = round(len(order) * float(request)), rng.randrange(len(FaultKind))
        for car in order:
            options = [k for k in fitting if eligible(k, car)]
            if len(trackers) >= count or not options or car.device_no in trackers:
                continue
            trackers[car.device_no] = _tracker(
                options[turn % len(options)], car, rng, start, window
            )
            turn += 1
        return trackers, skipped
    kinds = sorted(request, key=lambda k: k not in (FaultKind.low_soc, FaultKind.misfire))
    for kind in kinds:  # the choosy kinds first, so a crash does not take the last EV
        car = next((c for c in order if c.device_no not in trackers and eligible(kind, c)), None)
        if car is None or window < NEEDS_S[kind]:
            skipped.append(kind)
            continue
        trackers[car.device_no] = _tracker(kind, car, rng, start, window)
    return trackers, skipped


def _tracker(
    kind: FaultKind, car: Candidate, rng: random.Random, start: float, window: float
) -> FaultTracker:
    tracker = FaultTracker(kind, car.device_no, car.vehicle_id, _start(kind, rng, start, window))
    if kind is FaultKind.slow_leak:
        tracker.wheel = rng.choice(("fl", "fr", "rl", "rr"))
        tracker.leak_kpa_per_day = rng.uniform(25.0, 35.0)
    return tracker


def _start(kind: FaultKind, rng: random.Random, start: float, window: float) -> float:
    """When the fault may begin: early enough to become complete before the window ends."""
    if kind is FaultKind.low_soc:
        return start
    spare = window - (NEEDS_S[kind] if kind is FaultKind.slow_leak else DAY_S)
    return start + rng.uniform(0.0, spare) if spare > 0 else start

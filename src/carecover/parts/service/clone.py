"""Clone-risk scoring from a part's scan history.

After Lehtonen, Michahelles and Fleisch, "How to detect cloned tags in a reliable way from
incomplete RFID traces" (IEEE RFID 2009): model what a legitimate part's history looks like, flag
sequences that are impossible or rare, and answer in tiers rather than yes/no, because missing
reads and coarse locations make every signal probabilistic.

Signals (each a :class:`Reason` with a stable ``code`` and integer/string ``params``):

* ``never_commissioned``: we never commissioned the serial; the answer is ``"unknown"``.
* ``scanned_after_destruction``: a scan later than the recorded destruction.
* ``installed_in_other_vehicle``: a scan claims a vehicle other than the one it is fitted to.
* ``impossible_travel``: consecutive located scans further apart than ``max_speed_kmh`` allows.
  Scans located only by city (typically from an IP address, which for mobile data in China often
  names the SIM's home province rather than where the phone is) get ``city_radius_km`` of slack
  per end and a lower weight, so they alone make a part "unusual", not "suspect".
* ``device_fan_out``: many distinct devices scanned it within one window.
* ``far_from_install_city``: most located scans since installation are far from the city where it
  was fitted.

"Since installation" means at or after ``CustodyState.installed_at``; when that is unknown only
the new scan is judged for the last two signals, so earlier owners and the factory do not count.
The score is the sum of the weights (at most 100); ``genuine`` means "no evidence against",
not proof.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final, Literal

from carecover.parts.service.gs1 import PartsInputError
from carecover.platform.geo import Point, city_by_name, haversine_km

Level = Literal["genuine", "unusual", "suspect", "unknown"]

#: The order reasons are reported in.
REASON_CODES: Final = (
    "never_commissioned",
    "scanned_after_destruction",
    "installed_in_other_vehicle",
    "impossible_travel",
    "device_fan_out",
    "far_from_install_city",
)


def _require_aware(value: datetime | None, code: str) -> None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise PartsInputError(code, "Times must carry a time zone (UTC).")


@dataclass(frozen=True, slots=True, kw_only=True)
class CustodyState:
    """What the custody events say about the part now."""

    commissioned: bool
    destroyed_at: datetime | None = None
    installed_vehicle_key: str | None = None
    installed_city: str | None = None
    installed_at: datetime | None = None

    def __post_init__(self) -> None:
        _require_aware(self.destroyed_at, "custody.naive_time")
        _require_aware(self.installed_at, "custody.naive_time")


@dataclass(frozen=True, slots=True, kw_only=True)
class Scan:
    """One scan of the part's label: when, roughly where, by which (pseudonymous) device, and the
    vehicle the scanner says the part is on, if any."""

    at: datetime
    device: str
    lat: float | None = None
    lon: float | None = None
    city: str | None = None
    vehicle_key: str | None = None

    def __post_init__(self) -> None:
        _require_aware(self.at, "scan.naive_time")
        if not self.device:
            raise PartsInputError("scan.device", "A scan needs a device pseudonym.")
        if (self.lat is None) != (self.lon is None):
            raise PartsInputError("scan.partial_location", "Give both latitude and longitude.")
        if self.lat is not None and self.lon is not None:
            try:
                Point(self.lat, self.lon)
            except ValueError:
                raise PartsInputError(
                    "scan.location_range", "Latitude or longitude is out of range."
                ) from None


@dataclass(frozen=True, slots=True)
class CloneRules:
    """Thresholds and weights; the defaults suit road vehicles in mainland China."""

    max_speed_kmh: float = 900.0
    min_travel_km: float = 50.0
    city_radius_km: float = 50.0
    fan_out_devices: int = 20
    fan_out_window: timedelta = timedelta(hours=24)
    far_from_install_km: float = 300.0
    far_share: float = 0.5
    destruction_grace: timedelta = timedelta(0)
    weight_never_commissioned: int = 50
    weight_after_destruction: int = 100
    weight_other_vehicle: int = 60
    weight_impossible_travel: int = 60
    weight_impossible_travel_city: int = 35
    weight_fan_out: int = 30
    weight_far_from_install: int = 20
    suspect_at: int = 60
    unusual_at: int = 20

    def __post_init__(self) -> None:
        positive = (self.max_speed_kmh, self.fan_out_devices, self.fan_out_window.total_seconds())
        if (
            any(not value > 0 for value in positive)
            or not 0 < self.far_share <= 1
            or min(self.min_travel_km, self.city_radius_km, self.far_from_install_km) < 0
            or self.destruction_grace < timedelta(0)
            or not 0 < self.unusual_at <= self.suspect_at
        ):
            raise PartsInputError("clone_rules.invalid", "Inconsistent clone-detection rules.")


DEFAULT_RULES: Final = CloneRules()


@dataclass(frozen=True, slots=True)
class Reason:
    """Why the score is what it is: a stable code (a message key) and its parameters."""

    code: str
    params: dict[str, str | int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CloneAssessment:
    level: Level
    score: int
    reasons: tuple[Reason, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(reason.code for reason in self.reasons)


@dataclass(frozen=True, slots=True)
class _Located:
    at: datetime
    point: Point
    precise: bool
    city: str


def _locate(scan: Scan) -> _Located | None:
    if scan.lat is not None and scan.lon is not None:
        return _Located(scan.at, Point(scan.lat, scan.lon), True, scan.city or "")
    city = city_by_name(scan.city) if scan.city else None
    return None if city is None else _Located(scan.at, city.point, False, city.name)


def _after_destruction(
    scans: Sequence[Scan], custody: CustodyState, rules: CloneRules
) -> tuple[Reason, int] | None:
    if custody.destroyed_at is None:
        return None
    limit = custody.destroyed_at + rules.destruction_grace
    late = [scan.at for scan in scans if scan.at > limit]
    if not late:
        return None
    params: dict[str, str | int] = {"scans": len(late), "first_at": min(late).isoformat()}
    return Reason("scanned_after_destruction", params), rules.weight_after_destruction


def _other_vehicle(
    since_install: Sequence[Scan], custody: CustodyState, rules: CloneRules
) -> tuple[Reason, int] | None:
    installed = custody.installed_vehicle_key
    if installed is None:
        return None
    others = [s for s in since_install if s.vehicle_key is not None and s.vehicle_key != installed]
    if not others:
        return None
    params: dict[str, str | int] = {"scans": len(others)}
    return Reason("installed_in_other_vehicle", params), rules.weight_other_vehicle


def _impossible_travel(scans: Sequence[Scan], rules: CloneRules) -> tuple[Reason, int] | None:
    located = [loc for loc in map(_locate, scans) if loc is not None]
    # (precise, effective speed, params) of every impossible hop; speed is inf for no time.
    hops: list[tuple[bool, float, dict[str, str | int]]] = []
    for a, b in itertools.pairwise(located):
        distance = haversine_km(a.point, b.point)
        slack = rules.city_radius_km * ((not a.precise) + (not b.precise))
        effective = distance - slack
        if effective < rules.min_travel_km:
            continue
        hours = (b.at - a.at).total_seconds() / 3600
        speed = effective / hours if hours > 0 else float("inf")
        if speed <= rules.max_speed_kmh:
            continue
        params: dict[str, str | int] = {
            "distance_km": round(distance),
            "minutes": round(hours * 60),
            "from_city": a.city,
            "to_city": b.city,
            "location": "point" if a.precise and b.precise else "city",
        }
        if hours > 0:
            params["speed_kmh"] = round(speed)
        hops.append((a.precise and b.precise, speed, params))
    if not hops:
        return None
    precise = any(hop[0] for hop in hops)
    worst = max((hop for hop in hops if hop[0] == precise), key=lambda hop: hop[1])
    params = {**worst[2], "hops": len(hops)}
    weight = rules.weight_impossible_travel if precise else rules.weight_impossible_travel_city
    return Reason("impossible_travel", params), weight


def _fan_out(scans: Sequence[Scan], rules: CloneRules) -> tuple[Reason, int] | None:
    devices: Counter[str] = Counter()
    most, start = 0, 0
    for scan in scans:
        devices[scan.device] += 1
        while scan.at - scans[start].at > rules.fan_out_window:
            gone = scans[start].device
            devices[gone] -= 1
            if devices[gone] == 0:
                del devices[gone]
            start += 1
        most = max(most, len(devices))
    if most < rules.fan_out_devices:
        return None
    hours = round(rules.fan_out_window.total_seconds() / 3600)
    params: dict[str, str | int] = {"devices": most, "window_hours": hours}
    return Reason("device_fan_out", params), rules.weight_fan_out


def _far_from_install(
    since_install: Sequence[Scan], custody: CustodyState, rules: CloneRules
) -> tuple[Reason, int] | None:
    home = city_by_name(custody.installed_city) if custody.installed_city else None
    if home is None:
        return None
    located = [loc for loc in map(_locate, since_install) if loc is not None]
    distances = [haversine_km(home.point, loc.point) for loc in located]
    far = [km for km in distances if km > rules.far_from_install_km]
    if not far or len(far) / len(located) < rules.far_share:
        return None
    params: dict[str, str | int] = {
        "far_scans": len(far),
        "located_scans": len(located),
        "max_km": round(max(far)),
        "install_city": home.name,
    }
    return Reason("far_from_install_city", params), rules.weight_far_from_install


def assess_clone_risk(
    custody: CustodyState,
    history: Sequence[Scan],
    scan: Scan,
    *,
    rules: CloneRules = DEFAULT_RULES,
) -> CloneAssessment:
    """Score the part's history plus the new ``scan``. Deterministic: the same input gives the
    same answer; ties in time keep the order given (history first, then the new scan)."""
    ordered = sorted([*history, scan], key=lambda s: s.at)
    if custody.installed_at is None:
        since_install: list[Scan] = [scan]
    else:
        installed_at = custody.installed_at
        since_install = [s for s in ordered if s.at >= installed_at]
    found: list[tuple[Reason, int]] = []
    if not custody.commissioned:
        found.append((Reason("never_commissioned"), rules.weight_never_commissioned))
    for result in (
        _after_destruction(ordered, custody, rules),
        _other_vehicle(since_install, custody, rules),
        _impossible_travel(ordered, rules),
        _fan_out(ordered, rules),
        _far_from_install(since_install, custody, rules),
    ):
        if result is not None:
            found.append(result)
    found.sort(key=lambda item: REASON_CODES.index(item[0].code))
    score = min(100, sum(weight for _, weight in found))
    level: Level
    if not custody.commissioned:
        level = "unknown"
    elif score >= rules.suspect_at:
        level = "suspect"
    elif score >= rules.unusual_at:
        level = "unusual"
    else:
        level = "genuine"
    return CloneAssessment(level=level, score=score, reasons=tuple(r for r, _ in found))

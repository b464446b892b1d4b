"""Trips and the driving score over real-shaped 1 Hz drives: segments, measures, score, month."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from random import Random

import pytest

from carecover.telematics.service.trips import (
    MonthlyScore,
    Trip,
    TripSample,
    TripState,
    flush,
    haversine_m,
    monthly,
    needs_hints,
    observe,
    propose_ubi,
    trip_score,
    ubi_factor,
)

VID = "5b0f6a8e-2d4c-4f7e-9a51-0c3e8d2b7f10"
SHANGHAI = timedelta(hours=8)
G = 9.80665
M_PER_DEG = 6_371_008.8 * math.pi / 180


def local(hour: int, minute: int = 0, day: int = 2) -> datetime:
    """That time in Shanghai, November 2026, as UTC."""
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC) - SHANGHAI


MORNING, MID_MORNING = local(7, 45), local(10)


class Drive:
    """A car on a straight road read at 1 Hz: the speed is integrated into GPS fixes (with 0.3 m
    of fix noise and 0.2 km/h of speed noise), and the accelerometer reads the speed's change plus
    0.02 g of sensor noise, so harsh events come out of the driving itself."""

    def __init__(
        self,
        start: datetime = MORNING,
        *,
        seed: int = 1,
        ignition: bool | None = True,
        accel: bool = True,
    ) -> None:
        self.at, self.rng, self.ignition, self.accel = start, Random(seed), ignition, accel
        self.lat, self.lng, self.heading = 31.2304, 121.4737, math.radians(60)  # People's Square
        self.speed = 0.0
        self.metres = 0.0  # the true distance driven
        self.samples: list[TripSample] = []
        self._emit(0.0, 0.0, ignition, None)

    def _emit(
        self,
        ax_g: float,
        lateral_g: float,
        ignition: bool | None,
        fix: tuple[float, float] | None,
    ) -> None:
        noise = self.rng.gauss
        accel = (ax_g + noise(0, 0.02), lateral_g + noise(0, 0.02), noise(0, 0.02))
        speed = max(0.0, self.speed + noise(0, 0.2)) if self.speed > 0 else 0.0
        if fix is None:
            metres_lng = M_PER_DEG * math.cos(math.radians(self.lat))
            fix = (self.lat + noise(0, 0.3) / M_PER_DEG, self.lng + noise(0, 0.3) / metres_lng)
        sample = TripSample(self.at, *fix, round(speed, 1), ignition, accel if self.accel else None)
        self.samples.append(sample)

    def _advance(self, seconds: float, new_speed: float) -> None:
        step = (self.speed + new_speed) / 2 / 3.6 * seconds
        self.metres += step
        self.lat += step * math.cos(self.heading) / M_PER_DEG
        self.lng += step * math.sin(self.heading) / (M_PER_DEG * math.cos(math.radians(self.lat)))
        self.at += timedelta(seconds=seconds)
        self.speed = new_speed

    def tick(
        self,
        speed: float,
        lateral_g: float = 0.0,
        fix: tuple[float, float] | None = None,
        ignition: bool | None = None,
    ) -> Drive:
        old = self.speed
        self._advance(1, speed)
        self._emit((speed - old) / 3.6 / G, lateral_g, ignition or self.ignition, fix)
        return self

    def to(self, kmh: float, g: float = 0.12) -> Drive:
        """Speed up or slow down to ``kmh`` at ``g``."""
        step = g * G * 3.6
        while self.speed != kmh:
            up = kmh > self.speed
            self.tick(min(kmh, self.speed + step) if up else max(kmh, self.speed - step))
        return self

    def hold(self, seconds: int, lateral_g: float = 0.0) -> Drive:
        for _ in range(seconds):
            self.tick(self.speed, lateral_g)
        return self

    def silent(self, seconds: int) -> Drive:
        """The device sends nothing for a while; the car carries on."""
        self._advance(seconds, self.speed)
        return self

    def off(self) -> Drive:
        assert self.speed == 0
        self.at += timedelta(seconds=1)
        self._emit(0.0, 0.0, False if self.ignition is not None else None, None)
        return self

    def first(self, after: datetime, test: str) -> datetime:
        """The first reading after ``after`` that is standing (``stop``) or moving (``go``)."""
        for s in self.samples:
            if s.at > after and (s.speed_kmh <= 3.0 if test == "stop" else s.speed_kmh > 5.0):
                return s.at
        raise AssertionError(test)


def feed(
    samples: Iterable[TripSample], state: TripState | None = None, roundtrip: bool = False
) -> tuple[list[Trip], TripState]:
    state = state or TripState(VID)
    trips: list[Trip] = []
    for sample in samples:
        if roundtrip:
            state = TripState.from_json(json.loads(json.dumps(state.to_json())))
        if (trip := observe(sample, state)) is not None:
            trips.append(trip)
    return trips, state


def one(samples: Iterable[TripSample]) -> Trip:
    trips, state = feed(samples)
    assert len(trips) == 1, trips
    assert state.trip is None
    return trips[0]


# --- scenarios ---------------------------------------------------------------------------------


def commute(
    start: datetime = MORNING,
    *,
    events: Mapping[int, str] | None = None,
    seed: int = 1,
    ignition: bool | None = True,
    accel: bool = True,
) -> Drive:
    """A 12-block city commute, ~13 km in ~25 minutes: idle 30 s, then per block pull away gently
    (0.12 g) to 50 km/h, cruise 40-90 s, brake (0.15 g) to a red light of 20-60 s; ignition off.

    ``events`` by block: ``brake`` stops it at 0.5 g, ``accel`` pulls away at 0.45 g, ``corner``
    takes a bend mid-cruise at 0.5 g lateral for 3 s, ``double_brake`` brakes hard twice, 8 s apart.
    """
    events = events or {}
    rng, drive = Random(seed), Drive(start, seed=seed, ignition=ignition, accel=accel)
    drive.hold(30)
    for block in range(12):
        event = events.get(block)
        drive.to(50, 0.45 if event == "accel" else 0.12)
        cruise = rng.randint(40, 90)
        if event == "corner":
            drive.hold(cruise // 2).hold(3, lateral_g=0.5).hold(cruise - cruise // 2 - 3)
        else:
            drive.hold(cruise)
        if event == "double_brake":
            drive.to(20, 0.5).hold(8).to(50, 0.12).hold(5)
        drive.to(0, 0.5 if event in ("brake", "double_brake") else 0.15).hold(rng.randint(20, 60))
    return drive.off()


def highway(start: datetime = MID_MORNING, seed: int = 2) -> Drive:
    """An hour on the expressway: 20 min at 110 km/h, 20 min at 135 (speeding), 20 min at 110."""
    drive = Drive(start, seed=seed).hold(20).to(110, 0.1).hold(1200)
    drive.to(135, 0.05).hold(1200).to(110, 0.05).hold(1200)
    return drive.to(0, 0.12).hold(15).off()


def steady(start: datetime, minutes: int, kmh: float = 60.0, seed: int = 3) -> Drive:
    drive = Drive(start, seed=seed).hold(10).to(kmh).hold(minutes * 60)
    return drive.to(0, 0.15).hold(10).off()


HARSH = {2: "brake", 5: "accel", 8: "corner"}


# --- trips and their measures ------------------------------------------------------------------


def test_city_commute_stop_and_go_is_one_clean_trip() -> None:
    drive = commute()
    trip = one(drive.samples)
    assert (trip.start, trip.end) == (drive.samples[0].at, drive.samples[-1].at)
    assert trip.end_reason == "ignition_off"
    assert trip.discarded is None
    assert 12.0 < trip.distance_km < 14.0
    assert trip.distance_km == pytest.approx(drive.metres / 1000, rel=0.005)
    assert (trip.harsh_braking, trip.harsh_acceleration, trip.harsh_cornering) == (0, 0, 0)
    assert trip.speeding_share == 0
    assert trip.night_share == 0
    assert trip.night_km == 0
    assert trip.max_speed_kmh == pytest.approx(50, abs=1)
    assert 30 < trip.avg_speed_kmh < 50  # over moving time; red lights do not count
    assert trip.moving_s < trip.duration_s
    assert trip.gps_jumps == 0
    assert trip.score == 100.0


def test_injected_harsh_events_are_each_counted_exactly_once() -> None:
    trip = one(commute(events=HARSH).samples)
    assert (trip.harsh_braking, trip.harsh_acceleration, trip.harsh_cornering) == (1, 1, 1)
    assert trip.score == trip_score(trip.distance_km, 1, 1, 1, 0.0, 0.0)
    assert 55 < (trip.score or 0) < 65  # about 8 of each per 100 km on a 12.7 km trip

    twice = one(commute(events={4: "double_brake", 9: "brake"}).samples)
    assert (twice.harsh_braking, twice.harsh_acceleration, twice.harsh_cornering) == (3, 0, 0)


def test_without_an_accelerometer_a_fast_speed_drop_is_harsh_braking() -> None:
    trip = one(commute(events=HARSH, accel=False).samples)
    assert (trip.harsh_braking, trip.harsh_acceleration, trip.harsh_cornering) == (1, 0, 0)
    assert one(commute(accel=False).samples).harsh_braking == 0  # 0.15 g stops: 5 km/h a second


def test_highway_trip_with_speeding() -> None:
    drive = highway()
    trip = one(drive.samples)
    assert trip.distance_km == pytest.approx(drive.metres / 1000, rel=0.005)
    assert 118 < trip.distance_km < 122
    assert trip.max_speed_kmh == pytest.approx(135, abs=1)
    # 20 of ~61 moving minutes above 120 km/h, plus the ramps through it
    assert trip.speeding_share == pytest.approx(1217 / trip.moving_s, abs=0.003)
    assert trip.score == trip_score(trip.distance_km, 0, 0, 0, trip.speeding_share, 0.0)
    assert trip.score == pytest.approx(100 - 50 * 0.33, abs=0.5)


def test_night_share_is_between_22_and_05_shanghai_time() -> None:
    late = one(steady(local(22, 30), 20).samples)
    assert late.night_share == 1.0
    assert late.night_km == pytest.approx(late.distance_km)
    assert late.score == trip_score(late.distance_km, 0, 0, 0, 0.0, 1.0) == 90.0

    dawn = one(steady(local(4, 50), 20).samples)  # 04:50 to 05:11
    assert dawn.night_share == pytest.approx(0.5, abs=0.03)
    assert dawn.night_km == pytest.approx(dawn.distance_km / 2, rel=0.06)

    evening = one(steady(local(21, 30), 20).samples)
    assert evening.night_share == 0.0


# --- segmentation --------------------------------------------------------------------------------


def test_a_data_gap_over_ten_minutes_ends_the_trip_at_the_last_reading() -> None:
    drive = Drive().hold(5).to(50).hold(300)
    before = drive.samples[-1].at
    drive.silent(11 * 60).hold(300).to(0).off()
    trips, _ = feed(drive.samples)
    assert [(t.end_reason, t.discarded) for t in trips] == [("gap", None), ("ignition_off", None)]
    assert trips[0].end == before
    assert trips[1].start == before + timedelta(minutes=11, seconds=1)

    drive = Drive().hold(5).to(50).hold(300).silent(9 * 60).hold(300).to(0).off()
    assert one(drive.samples).end_reason == "ignition_off"


def test_five_minutes_standing_ends_the_trip_when_it_stopped() -> None:
    drive = Drive().to(50).hold(180).to(0)
    stopped = drive.first(drive.samples[0].at, "stop")
    drive.hold(6 * 60)
    idle = drive.samples[-1].at
    drive.to(50).hold(180).to(0).off()
    trips, _ = feed(drive.samples)
    assert [t.end_reason for t in trips] == ["stationary", "ignition_off"]
    assert trips[0].end == stopped
    assert trips[1].start == drive.first(idle, "go")  # the ignition was on all along: it drove off
    assert all(t.discarded is None for t in trips)

    drive = Drive().to(50).hold(180).to(0).hold(4 * 60).to(50).hold(180).to(0).off()
    assert one(drive.samples).end_reason == "ignition_off"


def test_ignition_on_then_idling_five_minutes_is_a_discarded_trip() -> None:
    drive = Drive().hold(6 * 60).to(50).hold(120).to(0).off()
    trips, _ = feed(drive.samples)
    assert [(t.end_reason, t.discarded) for t in trips] == [
        ("stationary", "short_distance"),
        ("ignition_off", None),
    ]
    assert trips[0].score is None
    assert trips[0].duration_s == 0


def test_short_trips_are_discarded_with_a_reason() -> None:
    nudge = one(Drive().to(30).hold(15).to(0).off().samples)  # ~150 m, moving the car
    assert nudge.discarded == "short_distance"
    assert nudge.score is None
    assert nudge.distance_km < 0.3

    dash = one(Drive().to(50, 0.3).hold(35).to(0, 0.3).off().samples)  # ~550 m in 45 s
    assert dash.discarded == "short_duration"
    assert dash.score is None
    assert dash.distance_km > 0.3
    assert dash.duration_s < 60

    month = monthly([nudge, dash])
    assert (month.trips, month.discarded, month.score, month.distance_km) == (0, 2, None, 0)


def test_ignition_unknown_starts_on_speed_and_ends_standing() -> None:
    with_ignition = one(commute(events=HARSH).samples)
    drive = commute(events=HARSH, ignition=None).hold(6 * 60)  # at the last red light, and on
    trip = one(drive.samples)
    last_moving = max(s.at for s in drive.samples if s.speed_kmh > 3.0)
    assert trip.start == drive.first(drive.samples[0].at, "go")
    assert (trip.end_reason, trip.end) == ("stationary", drive.first(last_moving, "stop"))
    assert (trip.harsh_braking, trip.harsh_acceleration, trip.harsh_cornering) == (1, 1, 1)
    assert trip.distance_km == pytest.approx(with_ignition.distance_km, abs=0.005)

    assert feed(Drive(ignition=None).hold(600).samples)[0] == []  # idling only
    ignition_off = [replace(s, ignition=False) for s in steady(MORNING, 5).samples]
    assert feed(ignition_off)[0] == []  # towed, or the device says off: no trip


def test_flush_ends_a_trip_whose_device_went_silent() -> None:
    drive = Drive(ignition=None).hold(5).to(50).hold(300)
    trips, state = feed(drive.samples)
    last = drive.samples[-1].at
    assert trips == []
    assert state.trip is not None
    assert flush(state, now=last + timedelta(minutes=9)) is None
    with pytest.raises(ValueError, match="timezone-aware"):
        flush(state, now=datetime(2026, 11, 3))  # noqa: DTZ001
    trip = flush(state, now=last + timedelta(minutes=11))
    assert trip is not None
    assert (trip.end_reason, trip.end) == ("gap", last)
    assert state.trip is None
    assert flush(state) is None

    _, state = feed(drive.samples)
    trip = flush(state)
    assert trip is not None
    assert trip.end_reason == "flush"


# --- GPS and bad input ---------------------------------------------------------------------------


def test_a_gps_jump_is_ignored() -> None:
    clean = commute(events=HARSH).samples
    jumpy = list(clean)
    lat = jumpy[400].lat
    assert lat is not None
    jumpy[400] = replace(jumpy[400], lat=lat + 0.05)  # 5.6 km off
    jumpy[900] = replace(jumpy[900], lat=0.0, lng=0.0)  # "null island": no fix
    jumpy[901] = replace(jumpy[901], lat=None, lng=None)
    reference, trip = one(clean), one(jumpy)
    assert trip.gps_jumps == 1
    assert trip.distance_km == pytest.approx(reference.distance_km, abs=0.002)
    assert trip.score == reference.score


def test_a_wrong_first_fix_is_replaced_after_three_jumps() -> None:
    drive = steady(MORNING, 10)
    samples = list(drive.samples)
    samples[0] = replace(samples[0], lat=31.0, lng=121.0)  # ~50 km away
    trip = one(samples)
    assert trip.gps_jumps == 3
    assert trip.distance_km == pytest.approx(drive.metres / 1000, abs=0.01)


def test_out_of_order_duplicate_and_absurd_readings_are_ignored() -> None:
    samples = commute(events=HARSH).samples
    reference = one(samples)
    bad = [*samples[:100], samples[50], samples[99], *samples[100:]]
    bad[300] = replace(bad[300], speed_kmh=math.nan)
    bad[301] = replace(bad[301], speed_kmh=900.0)
    bad[302] = replace(bad[302], lat=math.nan, accel_g=(math.nan, 0.0, 0.0))
    trips, state = feed(bad)
    assert state.ignored == 4
    assert trips[0].distance_km == pytest.approx(reference.distance_km, abs=0.005)
    assert trips[0].harsh_braking == reference.harsh_braking

    with pytest.raises(ValueError, match="timezone-aware"):
        observe(replace(samples[0], at=datetime(2026, 11, 2, 8)), TripState(VID))  # noqa: DTZ001


# --- state ---------------------------------------------------------------------------------------


def test_state_json_round_trip_at_every_reading_gives_the_same_trips() -> None:
    samples = [
        *commute(events={**HARSH, 10: "double_brake"}).samples,
        *steady(local(22, 30), 15).samples,
    ]
    straight, _ = feed(samples)
    revived, _ = feed(samples, roundtrip=True)
    assert len(straight) == 2
    assert revived == straight


def test_state_mid_trip_and_trip_json() -> None:
    samples = commute(events=HARSH).samples
    _, state = feed(samples[:700])
    saved = json.dumps(state.to_json())
    assert json.loads(saved)["v"] == 1
    assert json.loads(saved)["trip"] is not None
    rest, _ = feed(samples[700:], TripState.from_json(json.loads(saved)))
    assert rest == [one(samples)]
    assert Trip.from_json(json.loads(json.dumps(rest[0].as_json()))) == rest[0]

    with pytest.raises(ValueError, match="version"):
        TripState.from_json({**state.to_json(), "v": 99})


def test_haversine() -> None:
    # Shanghai People's Square to Beijing Tiananmen: about 1,067 km
    assert haversine_m(31.2304, 121.4737, 39.9042, 116.4074) == pytest.approx(1_067_000, rel=0.01)
    assert haversine_m(0, 0, 0, 1) == pytest.approx(111_195, abs=1)


# --- score, month, UBI, needs --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("km", "braking", "accelerating", "cornering", "speeding", "night", "score"),
    [
        (50, 0, 0, 0, 0.0, 0.0, 100.0),
        (50, 1, 0, 0, 0.0, 0.0, 96.0),  # 2 per 100 km x 2
        (30, 1, 0, 0, 0.0, 0.0, 93.3),  # 3.33 per 100 km x 2, rounded
        (200, 2, 2, 2, 0.1, 0.5, 85.0),  # 2 + 1.5 + 1.5 + 5 + 5
        (100, 0, 0, 0, 0.6, 0.0, 80.0),  # speeding capped at 20
        (10, 1, 0, 0, 0.0, 0.0, 80.0),  # 10 per 100 km x 2
        (10, 10, 0, 0, 0.0, 0.0, 70.0),  # braking capped at 30
        (0.5, 1, 0, 0, 0.0, 0.0, 70.0),  # under 1 km the rate is per 1 km: 100 x 2, capped
        (10, 10, 10, 10, 1.0, 1.0, 0.0),  # every cap: 30 + 20 + 20 + 20 + 10
        (20, 0, 1, 1, 0.0, 0.0, 85.0),  # 5 per 100 km x 1.5, twice
    ],
)
def test_score_formula(
    km: float,
    braking: int,
    accelerating: int,
    cornering: int,
    speeding: float,
    night: float,
    score: float,
) -> None:
    assert trip_score(km, braking, accelerating, cornering, speeding, night) == score


def trip(km: float, score: float | None, **fields: object) -> Trip:
    base = Trip(
        VID, MORNING, MORNING + timedelta(minutes=30), "ignition_off", None, km, 1800.0, 1000.0,
        60.0, 36.0, 0, 0, 0, 0.0, 0.0, 0.0, 0, score,
    )  # fmt: skip
    return replace(base, **fields)  # type: ignore[arg-type]


def test_monthly_weighs_by_distance_and_short_trips_less() -> None:
    month = monthly(
        [
            trip(10.0, 80.0, harsh_braking=2, speeding_share=0.2, night_km=4.0, max_speed_kmh=99),
            trip(0.5, 40.0, harsh_braking=1, moving_s=100.0, night_share=0.5, night_km=0.5),
            trip(0.2, None, discarded="short_distance", harsh_braking=5),
        ]
    )
    assert (month.trips, month.discarded) == (2, 1)
    assert month.distance_km == 10.5
    assert month.moving_s == 1100.0
    assert month.score == round((10 * 80 + 0.5 * 0.5 * 40) / 10.25, 1) == 79.0
    assert month.harsh_braking == 3
    assert month.braking_per_100km == pytest.approx(3 / 10.5 * 100)
    assert month.acceleration_per_100km == month.cornering_per_100km == 0
    assert month.speeding_share == pytest.approx(200 / 1100)
    assert month.night_share == pytest.approx(50 / 1100)
    assert month.night_km == 4.5
    assert month.max_speed_kmh == 99

    empty = monthly([])
    assert (empty.trips, empty.score, empty.braking_per_100km, empty.night_share) == (0, None, 0, 0)


def test_monthly_from_real_trips() -> None:
    trips = [one(d.samples) for d in (commute(events=HARSH), highway(), steady(local(23), 30))]
    month = monthly(trips)
    assert month.trips == 3
    assert month.distance_km == pytest.approx(sum(t.distance_km for t in trips))
    scores = [t.score or 0 for t in trips]
    assert min(scores) < (month.score or 0) < max(scores)
    assert month.score == pytest.approx(
        sum(t.distance_km * s for t, s in zip(trips, scores, strict=True)) / month.distance_km,
        abs=0.05,
    )
    assert month.harsh_braking == 1
    assert month.night_km == pytest.approx(trips[2].night_km)


@pytest.mark.parametrize(
    ("score", "factor"),
    [
        (100.0, "0.85"),
        (90.0, "0.85"),
        (89.9, "0.95"),
        (80.0, "0.95"),
        (79.9, "1.00"),
        (70.0, "1.00"),
        (69.9, "1.05"),
        (60.0, "1.05"),
        (59.9, "1.15"),
        (0.0, "1.15"),
    ],
)
def test_ubi_table_boundaries(score: float, factor: str) -> None:
    assert ubi_factor(score) == Decimal(factor)


def month_of(score: float | None, km: float = 800.0, night_km: float = 0.0) -> MonthlyScore:
    return replace(monthly([trip(km, 90.0)]), score=score, night_km=night_km)


def test_ubi_proposal_needs_a_hundred_km() -> None:
    low = propose_ubi(month_of(92.0, km=99.9))
    assert (low.factor, low.reason) == (None, "insufficient_mileage")
    enough = propose_ubi(month_of(92.0, km=100.0))
    assert (enough.factor, enough.reason, enough.score) == (Decimal("0.85"), "score_band", 92.0)
    assert propose_ubi(monthly([])).factor is None


@pytest.mark.parametrize(
    ("age", "score", "night_km", "km", "hints"),
    [
        (22, 65.0, 0.0, 800.0, ("training_offer",)),
        (24, 69.9, 0.0, 800.0, ("training_offer",)),
        (22, 75.0, 0.0, 800.0, ()),
        (25, 50.0, 0.0, 800.0, ()),
        (65, 95.0, 0.0, 800.0, ("safety_check",)),
        (64, 50.0, 0.0, 800.0, ()),
        (None, 40.0, 0.0, 800.0, ()),
        (40, 90.0, 100.0, 1000.0, ("night_driving_tips",)),
        (40, 90.0, 99.0, 1000.0, ()),
        (40, 90.0, 30.0, 120.0, ("night_driving_tips",)),  # a quarter of the month's km
        (40, 90.0, 29.0, 100.0, ()),
        (21, 55.0, 150.0, 900.0, ("training_offer", "night_driving_tips")),
        (70, 55.0, 150.0, 900.0, ("safety_check", "night_driving_tips")),
    ],
)
def test_needs_hints(
    age: int | None, score: float, night_km: float, km: float, hints: tuple[str, ...]
) -> None:
    assert needs_hints(month_of(score, km, night_km), age) == hints


def test_no_hints_without_trips() -> None:
    assert needs_hints(monthly([]), 70) == ()

"""Alert rules over real-shaped telemetry: each rule raises one alert per episode, and only then."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from random import Random

import pytest
from msgspec.structs import replace as changed  # a Sample is a msgspec Struct

from carecover.telematics.service.rules import (
    Alert,
    Dtc,
    QuietHours,
    RuleContext,
    RuleState,
    Sample,
    VehicleProfile,
    evaluate,
)
from carecover.telematics.service.rules_tyres import ATMOSPHERE_KPA, KELVIN, cold_kpa
from carecover.vehicles.enums import Powertrain

VID = "5b0f6a8e-2d4c-4f7e-9a51-0c3e8d2b7f10"
SHANGHAI = timedelta(hours=8)
T0 = datetime(2026, 11, 2, tzinfo=UTC) - SHANGHAI
"""Midnight, 2 November 2026, in Shanghai."""
SEDAN = VehicleProfile(placard_front_kpa=240, placard_rear_kpa=230)
EV = VehicleProfile(placard_front_kpa=250, placard_rear_kpa=250, powertrain=Powertrain.bev)
NIGHT = RuleContext(quiet_hours=QuietHours(time(22, 0), time(7, 0)))
COLD = {"fl": 240.0, "fr": 240.0, "rl": 230.0, "rr": 230.0}


def hot_kpa(cold: float, temp_c: float) -> float:
    """What a gauge reads when air filled to ``cold`` at 20 °C is at ``temp_c``."""
    return (cold + ATMOSPHERE_KPA) * (temp_c + KELVIN) / (20.0 + KELVIN) - ATMOSPHERE_KPA


def tpms(
    at: datetime, cold: dict[str, float], temp_c: float, rng: Random, speed_kmh: float = 0.0
) -> Sample:
    """A TPMS frame: 1 kPa and 1 °C resolution, a little sensor noise."""
    kpa = {w: round(hot_kpa(p, temp_c) + rng.gauss(0, 0.7)) for w, p in cold.items()}
    return Sample(VID, at, speed_kmh, tyre_kpa=kpa, tyre_c=dict.fromkeys(cold, round(temp_c)))


def feed(
    samples: Iterable[Sample],
    profile: VehicleProfile = SEDAN,
    context: RuleContext | None = None,
    state: RuleState | None = None,
) -> tuple[RuleState, list[Alert]]:
    state = state or RuleState(VID)
    alerts: list[Alert] = []
    for sample in samples:
        result = evaluate(sample, state, profile, context)
        assert result.rejected_fields == []
        alerts += result.alerts
    return state, alerts


def summary(alerts: list[Alert]) -> list[tuple[str, str, str | None]]:
    return [(a.code, a.severity, a.wheel) for a in alerts]


# --- scenarios ---------------------------------------------------------------------------------


def slow_leak(
    start: datetime = T0, days: float = 3, leak_kpa_per_day: float = 20.0
) -> Iterator[Sample]:
    """A commuter car, a reading every 5 minutes for days; the right rear loses air steadily.

    Ambient follows the day (7-21 °C), the tyres warm up on two 45-minute drives a day and cool
    down after, and the pressure readings follow the ideal gas law with sensor noise.
    """
    rng = Random(6)
    heat = 0.0
    for i in range(int(days * 288)):
        at = start + timedelta(minutes=5 * i)
        local = at + SHANGHAI
        hour = local.hour + local.minute / 60
        ambient = 14.0 + 7.0 * math.sin(2 * math.pi * (hour - 9.0) / 24)
        driving = 7.5 <= hour < 8.25 or 18.0 <= hour < 18.75
        heat = (
            heat + (25.0 - heat) * (1 - math.exp(-5 / 8)) if driving else heat * math.exp(-5 / 20)
        )
        cold = dict(COLD, rr=COLD["rr"] - leak_kpa_per_day * i / 288)
        yield tpms(at, cold, ambient + heat, rng, 45.0 if driving else 0.0)


def puncture(start: datetime = T0) -> Iterator[Sample]:
    """80 km/h on a ring road, a reading every 30 s; at minute 10 the front left picks up a nail
    and loses 8 kPa a minute."""
    rng = Random(7)
    for i in range(60):
        minutes = i / 2
        lost = max(0.0, minutes - 10) * 8.0
        cold = dict(COLD, fl=COLD["fl"] - lost)
        yield tpms(start + timedelta(seconds=30 * i), cold, 38.0, rng, 80.0)


def highway(start: datetime = T0, cold: dict[str, float] = COLD) -> Iterator[Sample]:
    """Two hours at 110 km/h on a 20 °C day (tyres settle near 55 °C), then 90 minutes parked
    while they cool; a reading a minute."""
    rng = Random(8)
    for i in range(10 + 120 + 90):
        if i < 10:
            temp, speed = 20.0, 0.0
        elif i < 130:
            temp, speed = 20.0 + 35.0 * (1 - math.exp(-(i - 10) / 10)), 110.0
        else:
            temp, speed = 20.0 + 35.0 * math.exp(-(i - 130) / 15), 0.0
        yield tpms(start + timedelta(minutes=i), cold, temp, rng, speed)


def overnight_12v(start: datetime = T0 + timedelta(hours=19)) -> Iterator[Sample]:
    """Parked at 19:00 with a tired battery: 12.55 V sagging to 11.45 V by 07:30 (a reading every
    5 minutes), then a crank and 20 minutes of driving with the alternator at 14.3 V."""
    rng = Random(9)
    for i in range(150):
        volts = 12.55 - 1.1 * i / 150 + rng.gauss(0, 0.02)
        yield Sample(
            VID, start + timedelta(minutes=5 * i), battery_v=round(volts, 2), engine_running=False
        )
    morning = start + timedelta(hours=12.5)
    yield Sample(VID, morning, battery_v=10.4, engine_running=False)
    for i in range(1, 41):
        yield Sample(
            VID,
            morning + timedelta(seconds=30 * i),
            battery_v=14.3,
            engine_running=True,
            speed_kmh=40.0,
        )


def ev_highway(
    start: datetime = T0 + timedelta(hours=14), minutes: int = 70
) -> Iterator[tuple[Sample, RuleContext]]:
    """A BEV at 100 km/h with 140 km of range left, a reading every 30 s; the nearest charger is
    35-45 km away as the road winds past them."""
    for i in range(minutes * 2):
        km = i * 100 / 120
        charger = 40.0 + 5.0 * math.sin(km / 15)
        yield (
            Sample(
                VID,
                start + timedelta(seconds=30 * i),
                speed_kmh=100.0,
                soc_pct=round(35 - km / 4, 1),
                range_km=round(140 - km, 1),
            ),
            RuleContext(charger_km=round(charger, 1)),
        )


def crash(start: datetime = T0 + timedelta(hours=15)) -> Iterator[Sample]:
    """60 km/h, a reading a second with the accelerometer at rest around 1 g; at second 30 a
    frontal impact (7.9 g) and two more hits as the car spins, then it stands."""
    rng = Random(10)
    for i in range(90):
        at = start + timedelta(seconds=i)
        if i < 30:
            speed, accel = 60.0, (rng.gauss(0, 0.1), rng.gauss(0, 0.1), 1.0 + rng.gauss(0, 0.05))
        elif i == 30:
            speed, accel = 22.0, (-7.5, 2.1, 1.3)
        elif i in (31, 33):
            speed, accel = 8.0, (2.5, -4.4, 1.1)
        else:
            speed, accel = 0.0, (0.0, 0.0, 1.0)
        yield Sample(VID, at, speed_kmh=speed, accel_g=accel)


# --- tyres -------------------------------------------------------------------------------------


def test_cold_pressure_follows_the_ideal_gas_law_on_absolute_pressure() -> None:
    assert cold_kpa(230.0, 20.0) == pytest.approx(230.0)
    assert hot_kpa(230.0, 50.0) == pytest.approx(263.9, abs=0.05)
    assert cold_kpa(263.9, 50.0) == pytest.approx(230.0, abs=0.05)
    assert cold_kpa(196.0, -10.0) == pytest.approx(229.9, abs=0.05)


def test_a_slow_leak_over_three_days_raises_one_warning_on_that_wheel() -> None:
    state = RuleState(VID)
    raised: list[tuple[datetime, Alert]] = []
    for sample in slow_leak():
        raised += [(sample.at, a) for a in evaluate(sample, state, SEDAN).alerts]
    assert [summary([a]) for _, a in raised] == [[("tyre_slow_leak", "warning", "rr")]]
    at, alert = raised[0]
    # Caught within the first day, while the tyre still holds over 90% of its placard.
    assert timedelta(hours=12) < at - T0 < timedelta(hours=24)
    assert alert.params["cold_kpa"] > 0.9 * 230
    assert 12 < alert.params["leak_kpa_per_day"] < 30
    # By day three it is below 80%: the same episode, same severity, no second alert.
    assert state.episodes["tyre.rr"].key == alert.episode_key
    assert set(state.episodes) == {"tyre.rr"}


def test_steady_tyres_over_three_days_raise_nothing() -> None:
    _, alerts = feed(slow_leak(leak_kpa_per_day=0.0))
    assert alerts == []


def test_reinflating_a_leaking_tyre_ends_its_episode() -> None:
    state, alerts = feed(slow_leak(days=1.5))
    assert summary(alerts) == [("tyre_slow_leak", "warning", "rr")]
    rng = Random(11)
    later = T0 + timedelta(days=1.5)
    pumped = [tpms(later + timedelta(minutes=5 * i), COLD, 18.0, rng) for i in range(20)]
    state, alerts = feed(pumped, state=state)
    assert alerts == []
    assert "tyre.rr" not in state.episodes


def test_a_puncture_raises_one_urgent_alert_within_minutes() -> None:
    state = RuleState(VID)
    raised = [(s.at, a) for s in puncture() for a in evaluate(s, state, SEDAN).alerts]
    assert [(a.code, a.severity, a.wheel) for _, a in raised] == [("tyre_puncture", "urgent", "fl")]
    at, alert = raised[0]
    assert at - T0 <= timedelta(minutes=13)  # the nail went in at minute 10
    assert alert.params["drop_kpa"] > 10
    assert alert.quiet is False


def test_hot_tyres_after_a_highway_drive_do_not_fire() -> None:
    _, alerts = feed(highway())
    assert alerts == []


def test_without_temperatures_the_cool_down_would_look_like_a_puncture() -> None:
    """The control for the test above: the same readings, uncorrected."""
    _, alerts = feed(changed(s, tyre_c=None) for s in highway())
    assert {a.code for a in alerts} == {"tyre_puncture"}


def test_a_hot_tyre_hiding_low_pressure_is_caught_by_the_correction() -> None:
    under = dict(COLD, fl=180.0)  # 75% of the placard when cold; 89% as read at 55 °C
    samples = list(highway(cold=under))[60:130]
    assert samples[-1].tyre_kpa is not None
    assert samples[-1].tyre_kpa["fl"] > 0.85 * 240
    _, alerts = feed(samples)
    assert summary(alerts) == [("tyre_pressure_low", "warning", "fl")]
    assert alerts[0].params["pct_of_placard"] == 75


def test_a_pressure_flapping_around_the_threshold_raises_one_alert() -> None:
    rng = Random(12)
    samples = [
        Sample(
            VID,
            T0 + timedelta(minutes=i),
            tyre_kpa={"fr": 192 + rng.choice((-3, -1, 1, 3))},
            tyre_c={"fr": 20},
        )
        for i in range(120)
    ]
    state = RuleState(VID)
    raised = [(s.at, a) for s in samples for a in evaluate(s, state, SEDAN).alerts]
    assert [summary([a]) for _, a in raised] == [[("tyre_pressure_low", "warning", "fr")]]
    at, alert = raised[0]
    first_key = alert.episode_key
    assert first_key == f"{VID}:tyre.fr:{int(at.timestamp()) * 1000}"
    assert state.episodes["tyre.fr"].key == first_key
    # Pumped back up: the episode ends after three readings above 90%.
    pumped = [
        Sample(VID, T0 + timedelta(minutes=120 + i), tyre_kpa={"fr": 238}, tyre_c={"fr": 20})
        for i in range(3)
    ]
    state, alerts = feed(pumped, state=state)
    assert alerts == []
    assert "tyre.fr" not in state.episodes
    # Low again an hour later: a new episode with a new key.
    again = [
        Sample(VID, T0 + timedelta(minutes=180 + i), tyre_kpa={"fr": 185}, tyre_c={"fr": 20})
        for i in range(3)
    ]
    _, alerts = feed(again, state=state)
    assert [a.code for a in alerts] == ["tyre_pressure_low"]
    assert alerts[0].episode_key != first_key


def test_a_flat_tyre_is_urgent_below_seventy_percent_or_the_floor() -> None:
    samples = [
        Sample(VID, T0 + timedelta(minutes=i), tyre_kpa={"rl": 150, "rr": 135}) for i in range(2)
    ]
    _, alerts = feed(samples, profile=replace(SEDAN, placard_rear_kpa=180))  # 83% and 75%
    assert summary(alerts) == [("tyre_pressure_low", "urgent", "rr")]  # 135 kPa: under the floor
    _, alerts = feed(samples)  # 150 of 230 is 65%
    assert sorted(summary(alerts)) == [
        ("tyre_pressure_low", "urgent", "rl"),
        ("tyre_pressure_low", "urgent", "rr"),
    ]


# --- 12 V battery --------------------------------------------------------------------------------


def test_a_12v_battery_sagging_overnight_raises_one_quiet_warning() -> None:
    state = RuleState(VID)
    raised = [(s.at, a) for s in overnight_12v() for a in evaluate(s, state, SEDAN, NIGHT).alerts]
    assert [summary([a]) for _, a in raised] == [[("battery_12v_low", "warning", None)]]
    at, alert = raised[0]
    assert 2 <= (at + SHANGHAI).hour < 5
    assert alert.quiet is True  # in the owner's quiet hours: delivered in the morning
    assert alert.params["volts"] < 11.8
    assert alert.params["minutes"] >= 10
    assert state.episodes == {}  # the morning drive recharged it


def test_a_deep_discharge_is_urgent() -> None:
    samples = [
        Sample(VID, T0 + timedelta(minutes=2 * i), battery_v=10.8, engine_running=False)
        for i in range(8)
    ]
    _, alerts = feed(samples, context=NIGHT)
    assert summary(alerts) == [("battery_12v_low", "urgent", None)]
    assert alerts[0].quiet is False


def test_a_battery_flapping_around_the_threshold_warns_once() -> None:
    samples = [
        Sample(
            VID,
            T0 + timedelta(minutes=2 * i),
            battery_v=(11.75, 11.86)[i % 2],
            engine_running=False,
        )
        for i in range(60)
    ]
    _, alerts = feed(samples)
    assert summary(alerts) == [("battery_12v_low", "warning", None)]


def test_a_24v_truck_is_judged_on_its_own_scale() -> None:
    truck = replace(SEDAN, nominal_12v=24.0)
    healthy = [
        Sample(VID, T0 + timedelta(minutes=i), battery_v=24.8, engine_running=False)
        for i in range(30)
    ]
    assert feed(healthy, profile=truck)[1] == []
    flat = [
        Sample(VID, T0 + timedelta(minutes=i), battery_v=23.2, engine_running=False)
        for i in range(30)
    ]
    _, alerts = feed(flat, profile=truck)
    assert summary(alerts) == [("battery_12v_low", "warning", None)]
    assert alerts[0].params == {"volts": 23.2, "minutes": 10}


def test_a_weak_alternator_while_driving_is_a_charging_fault() -> None:
    rng = Random(13)
    start = T0 + timedelta(hours=9)
    samples = [
        Sample(
            VID,
            start + timedelta(seconds=20 * i),
            battery_v=round(12.6 + rng.gauss(0, 0.05), 2),
            engine_running=True,
        )
        for i in range(60)
    ]
    _, alerts = feed(samples)
    assert summary(alerts) == [("charging_fault", "warning", None)]
    assert alerts[0].params["minutes"] == 5
    healthy = [changed(s, battery_v=14.1) for s in samples]
    assert feed(healthy)[1] == []


# --- traction battery ----------------------------------------------------------------------------


def test_low_range_far_from_a_charger_warns_once() -> None:
    state = RuleState(VID)
    alerts = [a for s, ctx in ev_highway(minutes=52) for a in evaluate(s, state, EV, ctx).alerts]
    assert summary(alerts) == [("soc_low", "warning", None)]
    params = alerts[0].params
    assert params["range_km"] < params["needed_km"] == round(params["charger_km"] * 1.5 + 10)


def test_range_that_cannot_reach_the_charger_escalates_to_urgent_in_the_same_episode() -> None:
    state = RuleState(VID)
    alerts = [a for s, ctx in ev_highway() for a in evaluate(s, state, EV, ctx).alerts]
    assert summary(alerts) == [
        ("soc_low", "warning", None),
        ("soc_charger_unreachable", "urgent", None),
    ]
    assert alerts[0].episode_key == alerts[1].episode_key


def test_without_a_charger_distance_a_low_soc_still_warns() -> None:
    samples = [Sample(VID, T0 + timedelta(minutes=i), soc_pct=12.0 - i) for i in range(6)]
    _, alerts = feed(samples, profile=EV)
    assert summary(alerts) == [("soc_low", "warning", None)]
    assert feed(samples)[1] == []  # a petrol car has no SOC rule


def test_pack_over_temperature_warns_then_escalates_and_ends_once_cooled() -> None:
    temps = [38 + i * 0.5 for i in range(40)] + [57.5 - i for i in range(15)] + [42.0] * 3
    samples = [
        Sample(VID, T0 + timedelta(seconds=30 * i), pack_temp_max_c=t) for i, t in enumerate(temps)
    ]
    state, alerts = feed(samples, profile=EV)
    assert summary(alerts) == [
        ("battery_overtemp", "warning", None),
        ("battery_overtemp", "urgent", None),
    ]
    assert alerts[0].episode_key == alerts[1].episode_key
    assert state.episodes == {}


def test_a_cell_spread_flapping_around_100_mv_raises_one_warning() -> None:
    rng = Random(14)
    samples = [
        Sample(
            VID,
            T0 + timedelta(seconds=30 * i),
            cell_v_min=3.700,
            cell_v_max=round(3.700 + rng.uniform(0.092, 0.112), 3),
        )
        for i in range(200)
    ]
    _, alerts = feed(samples, profile=EV)
    assert summary(alerts) == [("cell_imbalance", "warning", None)]
    assert alerts[0].params["spread_mv"] > 100


# --- fault lamp and trouble codes -------------------------------------------------------------


def test_a_misfire_code_raises_one_warning_and_explains_the_lamp() -> None:
    start = T0 + timedelta(hours=8)
    p0301 = (Dtc("P0301", "service_soon"),)
    samples = [
        Sample(VID, start + timedelta(minutes=i), dtcs=p0301, mil_on=True) for i in range(30)
    ]
    state, alerts = feed(samples)
    assert summary(alerts) == [("dtc", "warning", None)]
    assert alerts[0].params == {"dtc": "P0301", "class": "service_soon"}
    # Codes cleared at the shop and the lamp off: both episodes end.
    cleared = [
        Sample(VID, start + timedelta(minutes=30 + i), dtcs=(), mil_on=False) for i in range(3)
    ]
    state, alerts = feed(cleared, state=state)
    assert alerts == []
    assert state.episodes == {}


def test_a_code_reported_once_with_the_lamp_staying_on_raises_once() -> None:
    """Devices that report only new codes: the lamp stays lit after the code's episode ends."""
    start = T0 + timedelta(hours=8)
    first = Sample(VID, start, dtcs=(Dtc("p0301", "service_soon"),), mil_on=True)
    later = [Sample(VID, start + timedelta(minutes=i), dtcs=(), mil_on=True) for i in range(1, 30)]
    _, alerts = feed([first, *later])
    assert summary(alerts) == [("dtc", "warning", None)]


@pytest.mark.parametrize(
    ("severity", "expected"),
    [("stop_now", "urgent"), ("service_soon", "warning"), ("info", "info")],
)
def test_a_code_raises_at_its_class_severity(severity: str, expected: str) -> None:
    sample = Sample(VID, T0, dtcs=(Dtc("P0217", severity),))  # type: ignore[arg-type]
    result = evaluate(sample, RuleState(VID), SEDAN)
    assert summary(result.alerts) == [("dtc", expected, None)]


def test_the_lamp_without_a_code_raises_one_warning() -> None:
    samples = [Sample(VID, T0 + timedelta(minutes=i), mil_on=True) for i in range(10)]
    _, alerts = feed(samples)
    assert summary(alerts) == [("fault_lamp_on", "warning", None)]


# --- crash ---------------------------------------------------------------------------------------


def test_a_crash_at_60_kmh_raises_one_urgent_alert_even_in_quiet_hours() -> None:
    night = T0 + timedelta(hours=23)
    state, alerts = feed(crash(night), context=NIGHT)
    assert summary(alerts) == [("crash", "urgent", None)]
    assert alerts[0].params == {"speed_before_kmh": 60.0, "peak_g": pytest.approx(7.9, abs=0.05)}
    assert alerts[0].quiet is False
    # Two minutes without a spike close the crash.
    stood = [Sample(VID, night + timedelta(seconds=90 + 30 * i), speed_kmh=0.0) for i in range(6)]
    state, _ = feed(stood, state=state)
    assert state.episodes == {}


def test_a_knock_on_a_parked_car_is_not_a_crash() -> None:
    samples = [
        Sample(VID, T0, speed_kmh=0.0, accel_g=(0.0, 0.0, 1.0)),
        Sample(VID, T0 + timedelta(seconds=1), speed_kmh=0.0, accel_g=(4.5, 0.3, 1.0)),
    ]
    assert feed(samples)[1] == []


# --- quiet hours, state, bad input ----------------------------------------------------------------


def test_quiet_hours_span_midnight_in_local_time() -> None:
    overnight = QuietHours(time(22, 0), time(7, 0))
    daytime = QuietHours(time(12, 0), time(14, 0), zone="Asia/Urumqi")
    assert overnight.contains(T0 + timedelta(hours=23))
    assert overnight.contains(T0 + timedelta(hours=6, minutes=59))
    assert not overnight.contains(T0 + timedelta(hours=7))
    assert not overnight.contains(datetime(2026, 11, 2, 13, 0, tzinfo=UTC))  # 21:00 in Shanghai
    assert daytime.contains(datetime(2026, 11, 2, 6, 30, tzinfo=UTC))  # 12:30 in Urumqi
    assert not daytime.contains(datetime(2026, 11, 2, 4, 30, tzinfo=UTC))


def test_a_warning_by_day_is_not_quiet() -> None:
    samples = [Sample(VID, T0 + timedelta(hours=10, minutes=i), mil_on=True) for i in range(2)]
    _, alerts = feed(samples, context=NIGHT)
    assert [a.quiet for a in alerts] == [False]


def everything() -> Iterator[tuple[Sample, RuleContext]]:
    """A day touching every rule, in time order."""
    for sample in slow_leak(days=1, leak_kpa_per_day=30.0):
        yield sample, NIGHT
    for sample in overnight_12v(T0 + timedelta(days=1, hours=19)):
        yield sample, NIGHT
    yield from ev_highway(T0 + timedelta(days=2, hours=9))
    for sample in crash(T0 + timedelta(days=2, hours=11)):
        yield sample, NIGHT
    for sample in puncture(T0 + timedelta(days=2, hours=12)):
        yield changed(sample, pack_temp_max_c=52.0, cell_v_min=3.6, cell_v_max=3.72), NIGHT


def test_state_round_trips_through_json_without_changing_a_thing() -> None:
    straight, reloaded = RuleState(VID), RuleState(VID)
    alerts_straight: list[Alert] = []
    alerts_reloaded: list[Alert] = []
    for sample, ctx in everything():
        alerts_straight += evaluate(sample, straight, EV, ctx).alerts
        reloaded = RuleState.from_json(json.loads(json.dumps(reloaded.to_json())))
        alerts_reloaded += evaluate(sample, reloaded, EV, ctx).alerts
    assert alerts_reloaded == alerts_straight
    assert reloaded.to_json() == straight.to_json()
    assert {a.code for a in alerts_straight} == {
        "tyre_slow_leak",
        "battery_12v_low",
        "soc_low",
        "soc_charger_unreachable",
        "crash",
        "tyre_puncture",
        "battery_overtemp",
        "cell_imbalance",
    }
    assert (
        json.loads(json.dumps([a.as_json() for a in alerts_straight]))[0]["code"]
        == "tyre_slow_leak"
    )


def test_an_unknown_state_version_is_refused() -> None:
    data = RuleState(VID).to_json() | {"v": 99}
    with pytest.raises(ValueError, match="version"):
        RuleState.from_json(data)


def test_out_of_order_samples_are_ignored() -> None:
    state, _ = feed(list(crash())[:20])
    before = json.dumps(state.to_json())
    late = Sample(VID, T0 + timedelta(hours=15, seconds=5), speed_kmh=60.0, accel_g=(9.0, 0.0, 1.0))
    result = evaluate(late, state, SEDAN)
    assert result.stale is True
    assert result.alerts == []
    assert result.rejected_fields == []
    assert json.dumps(state.to_json()) == before


def test_absurd_values_are_dropped_field_by_field() -> None:
    state = RuleState(VID)
    evaluate(Sample(VID, T0, speed_kmh=50.0), state, EV)
    junk = Sample(
        VID,
        T0 + timedelta(seconds=1),
        speed_kmh=900.0,
        tyre_kpa={"fl": 2000.0, "fr": math.nan, "rl": 150.0, "spare": 200.0},
        tyre_c={"rl": math.inf},
        battery_v=math.nan,
        soc_pct=130.0,
        range_km=-5.0,
        pack_temp_max_c=math.inf,
        cell_v_min=3.9,
        cell_v_max=3.6,
        accel_g=(math.nan, 0.0, 1.0),
        dtcs=(Dtc("hello", "stop_now"),),
    )
    result = evaluate(junk, state, EV)
    assert sorted(result.rejected_fields) == sorted(
        [
            "speed_kmh",
            "tyre_kpa.fl",
            "tyre_kpa.fr",
            "tyre_kpa.spare",
            "tyre_c.rl",
            "battery_v",
            "soc_pct",
            "range_km",
            "pack_temp_max_c",
            "cell_v_min",
            "cell_v_max",
            "accel_g",
            "dtcs",
        ]
    )
    # The one plausible reading still counts (150 kPa of 250, uncorrected): a second confirms it.
    assert result.alerts == []
    again = evaluate(changed(junk, at=junk.at + timedelta(seconds=1)), state, EV)
    assert summary(again.alerts) == [("tyre_pressure_low", "urgent", "rl")]
    assert state.last_speed == (50.0, T0.timestamp())  # 900 km/h never became "the speed before"


def test_a_naive_timestamp_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone"):
        evaluate(Sample(VID, datetime(2026, 11, 2, 8, 0)), RuleState(VID), SEDAN)  # noqa: DTZ001


def test_a_profile_needs_positive_placards() -> None:
    with pytest.raises(ValueError, match="positive"):
        VehicleProfile(placard_front_kpa=0, placard_rear_kpa=230)

"""Clone-risk scoring from scan histories, with real places and times."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carecover.parts.service.clone import (
    CloneAssessment,
    CloneRules,
    CustodyState,
    Reason,
    Scan,
    assess_clone_risk,
)
from carecover.parts.service.gs1 import PartsInputError

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
BEIJING = (39.9042, 116.4074)
GUANGZHOU = (23.1291, 113.2644)
SHANGHAI = (31.2304, 121.4737)
TIANJIN = (39.0842, 117.2010)

ACTIVE = CustodyState(commissioned=True)


def at(place: tuple[float, float], minutes: float, device: str = "dev-1", **kw: str) -> Scan:
    return Scan(at=T0 + timedelta(minutes=minutes), lat=place[0], lon=place[1], device=device, **kw)


def in_city(city: str, minutes: float, device: str = "dev-1") -> Scan:
    return Scan(at=T0 + timedelta(minutes=minutes), city=city, device=device)


# --- impossible travel ----------------------------------------------------------------------


def test_beijing_to_guangzhou_in_ten_minutes_is_impossible() -> None:
    result = assess_clone_risk(ACTIVE, [at(BEIJING, 0, "shop")], at(GUANGZHOU, 10, "phone"))
    assert result.level == "suspect"
    assert result.score == 60
    (reason,) = result.reasons
    assert reason.code == "impossible_travel"
    assert reason.params["distance_km"] == 1889  # haversine, about 1,890 km
    assert reason.params["minutes"] == 10
    assert reason.params["speed_kmh"] == 11332
    assert reason.params["location"] == "point"
    assert reason.params["hops"] == 1


def test_beijing_to_guangzhou_in_six_hours_is_a_flight() -> None:
    result = assess_clone_risk(ACTIVE, [at(BEIJING, 0, "shop")], at(GUANGZHOU, 6 * 60, "phone"))
    assert result == CloneAssessment(level="genuine", score=0, reasons=())


def test_speed_threshold_is_900_kmh_by_default() -> None:
    # 1,888.6 km: 2 h is 944 km/h (too fast), 2 h 10 min is 872 km/h (a fast flight).
    assert assess_clone_risk(ACTIVE, [at(BEIJING, 0)], at(GUANGZHOU, 120)).codes == (
        "impossible_travel",
    )
    assert assess_clone_risk(ACTIVE, [at(BEIJING, 0)], at(GUANGZHOU, 130)).codes == ()
    slower = CloneRules(max_speed_kmh=300)
    assert assess_clone_risk(ACTIVE, [at(BEIJING, 0)], at(GUANGZHOU, 360), rules=slower).codes == (
        "impossible_travel",
    )


def test_simultaneous_scans_far_apart_have_no_finite_speed() -> None:
    result = assess_clone_risk(ACTIVE, [at(BEIJING, 0)], at(SHANGHAI, 0, "other"))
    (reason,) = result.reasons
    assert reason.code == "impossible_travel"
    assert reason.params["minutes"] == 0
    assert "speed_kmh" not in reason.params
    assert reason.params["distance_km"] == 1067


def test_nearby_scans_are_gps_jitter_not_travel() -> None:
    # Two points in Beijing about 5 km apart, one minute apart: below min_travel_km.
    result = assess_clone_risk(ACTIVE, [at(BEIJING, 0)], at((39.95, 116.41), 1, "other"))
    assert result.codes == ()


def test_city_only_locations_are_weaker_evidence() -> None:
    result = assess_clone_risk(ACTIVE, [in_city("北京", 0)], in_city("广州", 10, "phone"))
    assert result.level == "unusual"
    assert result.score == 35
    (reason,) = result.reasons
    assert reason.params["location"] == "city"
    assert reason.params["from_city"] == "北京市"
    assert reason.params["to_city"] == "广州市"
    # With 50 km of slack per end, Beijing -> Tianjin (114 km) in a minute is not flagged.
    assert assess_clone_risk(ACTIVE, [in_city("北京", 0)], in_city("天津", 1)).codes == ()


def test_a_precise_hop_outweighs_coarse_ones() -> None:
    history = [in_city("北京", 0), in_city("广州", 5), at(SHANGHAI, 60)]
    result = assess_clone_risk(ACTIVE, history, at(BEIJING, 70, "other"))
    (reason,) = result.reasons
    assert reason.params["location"] == "point"
    assert reason.params["hops"] == 3
    assert result.score == 60


def test_unlocated_scans_are_skipped_not_fatal() -> None:
    history = [at(BEIJING, 0), Scan(at=T0 + timedelta(minutes=5), device="anon")]
    result = assess_clone_risk(ACTIVE, history, at(GUANGZHOU, 10, "phone"))
    assert result.codes == ("impossible_travel",)
    unknown_city = Scan(at=T0 + timedelta(minutes=10), city="Atlantis", device="phone")
    assert assess_clone_risk(ACTIVE, [at(BEIJING, 0)], unknown_city).codes == ()


def test_time_zones_and_order_do_not_matter() -> None:
    cst = timezone(timedelta(hours=8))
    late_arrival = Scan(
        at=(T0 - timedelta(minutes=10)).astimezone(cst),
        lat=GUANGZHOU[0],
        lon=GUANGZHOU[1],
        device="offline-phone",
    )
    result = assess_clone_risk(ACTIVE, [at(BEIJING, 0), at(BEIJING, 600)], late_arrival)
    assert result.codes == ("impossible_travel",)
    assert result.reasons[0].params["from_city"] == ""
    assert result.reasons[0].params["minutes"] == 10


# --- custody ---------------------------------------------------------------------------------


def test_scan_after_destruction_is_suspect() -> None:
    destroyed = CustodyState(commissioned=True, destroyed_at=T0 + timedelta(days=1))
    result = assess_clone_risk(destroyed, [at(BEIJING, 0)], at(BEIJING, 2 * 24 * 60))
    assert result.level == "suspect"
    assert result.score == 100
    assert result.reasons == (
        Reason("scanned_after_destruction", {"scans": 1, "first_at": "2025-03-03T08:00:00+00:00"}),
    )
    before = assess_clone_risk(destroyed, [], at(BEIJING, 23 * 60))
    assert before.level == "genuine"


def test_destruction_grace_period() -> None:
    destroyed = CustodyState(commissioned=True, destroyed_at=T0)
    rules = CloneRules(destruction_grace=timedelta(hours=1))
    assert assess_clone_risk(destroyed, [], at(BEIJING, 30), rules=rules).level == "genuine"
    assert assess_clone_risk(destroyed, [], at(BEIJING, 61), rules=rules).level == "suspect"


def test_never_commissioned_is_unknown() -> None:
    result = assess_clone_risk(CustodyState(commissioned=False), [], at(BEIJING, 0))
    assert result.level == "unknown"
    assert result.score == 50
    assert result.codes == ("never_commissioned",)


def test_unknown_wins_over_other_signals_but_keeps_them() -> None:
    custody = CustodyState(commissioned=False, destroyed_at=T0)
    result = assess_clone_risk(custody, [at(BEIJING, 1)], at(GUANGZHOU, 11))
    assert result.level == "unknown"
    assert result.score == 100
    assert result.codes == ("never_commissioned", "scanned_after_destruction", "impossible_travel")


def test_scan_claiming_another_vehicle_is_suspect() -> None:
    fitted = CustodyState(commissioned=True, installed_vehicle_key="veh-a")
    other = at(BEIJING, 0, vehicle_key="veh-b")
    result = assess_clone_risk(fitted, [], other)
    assert result.level == "suspect"
    assert result.reasons == (Reason("installed_in_other_vehicle", {"scans": 1}),)
    assert assess_clone_risk(fitted, [], at(BEIJING, 0, vehicle_key="veh-a")).codes == ()
    assert assess_clone_risk(fitted, [], at(BEIJING, 0)).codes == ()
    # Not installed anywhere: a vehicle claim alone proves nothing.
    assert assess_clone_risk(ACTIVE, [], other).codes == ()


def test_vehicle_claims_before_installation_do_not_count() -> None:
    fitted = CustodyState(
        commissioned=True, installed_vehicle_key="veh-a", installed_at=T0 + timedelta(hours=1)
    )
    old_claim = at(BEIJING, 0, vehicle_key="veh-old")
    assert assess_clone_risk(fitted, [old_claim], at(BEIJING, 120, vehicle_key="veh-a")).codes == ()
    late_claim = at(BEIJING, 90, vehicle_key="veh-b")
    result = assess_clone_risk(fitted, [old_claim, late_claim], at(BEIJING, 120))
    assert result.reasons == (Reason("installed_in_other_vehicle", {"scans": 1}),)


# --- fan-out ----------------------------------------------------------------------------------


def test_twenty_devices_in_a_day_is_fan_out() -> None:
    history = [in_city("北京", i * 60, f"dev-{i}") for i in range(19)]
    result = assess_clone_risk(ACTIVE, history, in_city("北京", 23 * 60, "dev-19"))
    assert result.level == "unusual"
    assert result.score == 30
    assert result.reasons == (Reason("device_fan_out", {"devices": 20, "window_hours": 24}),)


def test_nineteen_devices_or_twenty_over_days_is_not() -> None:
    history = [in_city("北京", i * 60, f"dev-{i}") for i in range(18)]
    assert assess_clone_risk(ACTIVE, history, in_city("北京", 1200, "dev-18")).codes == ()
    spread = [in_city("北京", i * 4 * 60, f"dev-{i}") for i in range(19)]
    assert assess_clone_risk(ACTIVE, spread, in_city("北京", 19 * 4 * 60, "dev-19")).codes == ()
    same = [in_city("北京", i, "dev-1") for i in range(100)]
    assert assess_clone_risk(ACTIVE, same, in_city("北京", 101, "dev-1")).codes == ()


# --- far from the install city ----------------------------------------------------------------


def test_scans_concentrated_far_from_install_city() -> None:
    fitted = CustodyState(
        commissioned=True, installed_city="北京", installed_at=T0, installed_vehicle_key="veh-a"
    )
    result = assess_clone_risk(fitted, [in_city("广州", 0)], in_city("广州", 60 * 24))
    assert result.level == "unusual"
    assert result.reasons == (
        Reason(
            "far_from_install_city",
            {"far_scans": 2, "located_scans": 2, "max_km": 1889, "install_city": "北京市"},
        ),
    )


def test_one_trip_among_home_scans_is_fine() -> None:
    fitted = CustodyState(commissioned=True, installed_city="北京市", installed_at=T0)
    home = [in_city("北京", i * 24 * 60) for i in range(3)]
    assert assess_clone_risk(fitted, home, in_city("上海", 4 * 24 * 60)).codes == ()
    # Tianjin (114 km) counts as home.
    assert assess_clone_risk(fitted, [], in_city("天津", 60)).codes == ()


def test_without_install_time_only_the_new_scan_is_judged() -> None:
    fitted = CustodyState(commissioned=True, installed_city="北京")
    factory = [in_city("宁波", -7 * 24 * 60), in_city("宁波", -6 * 24 * 60)]
    assert assess_clone_risk(fitted, factory, in_city("北京", 0)).codes == ()
    result = assess_clone_risk(fitted, [in_city("北京", 0)], in_city("广州", 7 * 24 * 60))
    assert result.codes == ("far_from_install_city",)
    unknown_home = CustodyState(commissioned=True, installed_city="Atlantis")
    assert assess_clone_risk(unknown_home, [], in_city("广州", 0)).codes == ()


# --- combinations, determinism, inputs ---------------------------------------------------------


def test_score_is_capped_and_reasons_ordered() -> None:
    custody = CustodyState(
        commissioned=True, destroyed_at=T0, installed_vehicle_key="veh-a", installed_city="北京"
    )
    result = assess_clone_risk(custody, [at(BEIJING, 1)], at(GUANGZHOU, 11, vehicle_key="veh-b"))
    assert result.score == 100
    assert result.level == "suspect"
    assert result.codes == (
        "scanned_after_destruction",
        "installed_in_other_vehicle",
        "impossible_travel",
        "far_from_install_city",
    )


def test_history_order_does_not_change_the_answer() -> None:
    history = [at(BEIJING, 0), at(TIANJIN, 90), at(SHANGHAI, 30), in_city("广州", 45)]
    expected = assess_clone_risk(ACTIVE, history, at(BEIJING, 100, "x"))
    shuffled = history[:]
    for seed in range(5):
        random.Random(seed).shuffle(shuffled)
        assert assess_clone_risk(ACTIVE, shuffled, at(BEIJING, 100, "x")) == expected


@given(st.lists(st.integers(min_value=0, max_value=10_000), max_size=30))
def test_one_place_is_never_impossible_travel(minutes: list[int]) -> None:
    history = [at(GUANGZHOU, m, f"d{m % 5}") for m in minutes]
    assert "impossible_travel" not in assess_clone_risk(ACTIVE, history, at(GUANGZHOU, 5)).codes


def test_scan_input_validation() -> None:
    cases: list[tuple[Callable[[], object], str]] = [
        (lambda: Scan(at=datetime(2025, 3, 1), device="d"), "scan.naive_time"),  # noqa: DTZ001
        (lambda: Scan(at=T0, device=""), "scan.device"),
        (lambda: Scan(at=T0, device="d", lat=39.9), "scan.partial_location"),
        (lambda: Scan(at=T0, device="d", lat=91.0, lon=0.0), "scan.location_range"),
        (lambda: Scan(at=T0, device="d", lat=float("nan"), lon=0.0), "scan.location_range"),
        (
            lambda: CustodyState(commissioned=True, destroyed_at=datetime(2025, 1, 1)),  # noqa: DTZ001
            "custody.naive_time",
        ),
        (lambda: CloneRules(max_speed_kmh=0), "clone_rules.invalid"),
        (lambda: CloneRules(far_share=1.5), "clone_rules.invalid"),
        (lambda: CloneRules(unusual_at=70, suspect_at=60), "clone_rules.invalid"),
    ]
    for make, code in cases:
        with pytest.raises(PartsInputError) as excinfo:
            make()
        assert excinfo.value.code == code

"""Maintenance reminders: intervals by distance and time, per powertrain and maker; one reminder."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from carecover.telematics.service.maintenance import (
    MAKER_OVERRIDES,
    POWERTRAINS,
    SCHEDULES,
    Due,
    Interval,
    Item,
    MaintenanceInputError,
    Reminder,
    SentReminder,
    ServiceRecord,
    SoonWindow,
    add_months,
    due_items,
    make_key,
    reminder,
    schedule,
    should_send,
)
from carecover.vehicles.enums import Powertrain

TODAY = date(2026, 11, 2)
BOUGHT = date(2024, 3, 15)
ENGINE_ONLY = {Item.engine_oil, Item.air_filter, Item.spark_plugs, Item.coolant}


def by_item(dues: list[Due]) -> dict[Item, Due]:
    return {due.item: due for due in dues}


def serviced(on: date, km: int, items: tuple[Item, ...] = tuple(Item)) -> list[ServiceRecord]:
    """A full service: every item done that day."""
    return [ServiceRecord(item, on, km) for item in items]


def ice_dues(odometer_km: int, history: list[ServiceRecord], make: str = "其他") -> dict[Item, Due]:
    return by_item(due_items(Powertrain.ice, make, odometer_km, TODAY, history, BOUGHT, 0))


# --- the interval table -------------------------------------------------------------------------


def test_every_powertrain_has_a_schedule_and_the_shared_items() -> None:
    assert set(POWERTRAINS) == {p.value for p in Powertrain} | {"erev"}
    for code in POWERTRAINS:
        plan = SCHEDULES[code]
        shared = {Item.cabin_filter, Item.brake_fluid, Item.tyre_rotation, Item.battery_12v}
        assert shared <= plan.keys(), code
        assert plan[Item.brake_fluid].months == 24
        assert plan[Item.tyre_rotation] == Interval(10_000, None)


def test_ice_schedule() -> None:
    plan = SCHEDULES["ice"]
    assert plan[Item.engine_oil] == Interval(10_000, 12)
    assert plan[Item.spark_plugs] == Interval(40_000, None)
    assert Item.battery_health not in plan
    assert Item.battery_coolant not in plan


def test_electric_cars_have_no_engine_items_and_a_yearly_battery_check() -> None:
    for code in ("bev", "fcev"):
        plan = SCHEDULES[code]
        assert not (ENGINE_ONLY - {Item.air_filter}) & plan.keys()
        assert plan[Item.battery_health] == Interval(None, 12)
        assert Item.battery_coolant in plan
    assert Item.air_filter not in SCHEDULES["bev"]
    assert Item.hydrogen_system in SCHEDULES["fcev"]


def test_hybrids_combine_engine_and_electric_items() -> None:
    for code in ("hev", "phev", "erev"):
        plan = SCHEDULES[code]
        assert plan.keys() >= ENGINE_ONLY
        assert Item.battery_health in plan
    assert Item.battery_coolant in SCHEDULES["phev"]
    assert Item.battery_coolant not in SCHEDULES["hev"]


def test_unknown_powertrain() -> None:
    with pytest.raises(MaintenanceInputError) as caught:
        schedule("steam", "丰田")
    assert caught.value.key == "maintenance.error.unknown_powertrain"
    assert schedule(" BEV ", "x") == schedule(Powertrain.bev, "x")


def test_interval_needs_a_positive_limit() -> None:
    for km, months in ((None, None), (0, 12), (10_000, -1)):
        with pytest.raises(ValueError, match="positive"):
            Interval(km, months)


# --- maker overrides ----------------------------------------------------------------------------


def test_maker_override_with_fallback_to_the_powertrain_default() -> None:
    assert schedule("ice", "丰田")[Item.engine_oil] == Interval(5_000, 6)
    assert schedule("ice", " Toyota ")[Item.engine_oil] == Interval(5_000, 6)
    assert schedule("ice", "大众")[Item.engine_oil] == Interval(7_500, 12)
    assert schedule("ice", "吉利")[Item.engine_oil] == Interval(10_000, 12)
    assert schedule("ice", "丰田")[Item.air_filter] == Interval(20_000, 24)  # not overridden
    assert make_key("宝马") == "bmw"
    assert "bmw" in MAKER_OVERRIDES


def test_maker_override_changes_what_is_due() -> None:
    history = serviced(date(2026, 9, 1), 20_000)
    oil = ice_dues(25_200, history, "丰田")[Item.engine_oil]
    assert (oil.status, oil.reason, oil.due_at_km, oil.km_left) == (
        "overdue",
        "distance",
        25_000,
        -200,
    )
    assert ice_dues(25_200, history, "吉利")[Item.engine_oil].status == "ok"


def test_maker_override_never_adds_an_item_the_powertrain_lacks() -> None:
    table = {"tesla": {Item.engine_oil: Interval(5_000, 6), Item.brake_fluid: Interval(None, 48)}}
    plan = schedule(Powertrain.bev, "特斯拉", table)
    assert Item.engine_oil not in plan
    assert plan[Item.brake_fluid] == Interval(None, 48)
    assert schedule(Powertrain.bev, "Tesla")[Item.cabin_filter] == Interval(None, 24)
    assert Item.engine_oil not in schedule(Powertrain.bev, "丰田")


# --- what is due --------------------------------------------------------------------------------


def test_ice_at_9400_km_since_the_oil_change_is_due_soon_by_distance() -> None:
    history = serviced(date(2026, 8, 2), 31_000)
    oil = ice_dues(40_400, history)[Item.engine_oil]
    assert oil.status == "due_soon"
    assert oil.reason == "distance"
    assert (oil.due_at_km, oil.km_left) == (41_000, 600)
    assert (oil.due_on_date, oil.days_left) == (date(2027, 8, 2), 273)


def test_ice_13_months_since_the_oil_change_is_overdue_by_time() -> None:
    history = serviced(date(2025, 10, 2), 31_000)
    oil = ice_dues(34_000, history)[Item.engine_oil]
    assert oil.status == "overdue"
    assert oil.reason == "time"
    assert oil.due_on_date == date(2026, 10, 2)
    assert oil.days_left == -31
    assert oil.km_left == 7_000
    assert ice_dues(34_000, history)[Item.spark_plugs].status == "ok"  # distance only


def test_due_soon_by_time_and_its_boundaries() -> None:
    base = date(2025, 12, 2)
    oil = ice_dues(1_000, serviced(base, 0))[Item.engine_oil]
    assert (oil.status, oil.reason, oil.days_left) == ("due_soon", "time", 30)
    oil = ice_dues(1_000, serviced(base - timedelta(days=1), 0))[Item.engine_oil]
    assert oil.days_left == 29
    assert oil.status == "due_soon"
    oil = ice_dues(1_000, serviced(base + timedelta(days=1), 0))[Item.engine_oil]
    assert oil.days_left == 31
    assert oil.status == "ok"
    on_the_day = ice_dues(1_000, serviced(date(2025, 11, 2), 0))[Item.engine_oil]
    assert (on_the_day.days_left, on_the_day.status) == (0, "due_soon")
    day_after = ice_dues(1_000, serviced(date(2025, 11, 1), 0))[Item.engine_oil]
    assert (day_after.days_left, day_after.status) == (-1, "overdue")


def test_distance_boundaries_and_a_configurable_window() -> None:
    history = serviced(date(2026, 10, 1), 10_000)
    for km, status in (
        (19_000, "due_soon"),
        (18_999, "ok"),
        (20_000, "due_soon"),
        (20_001, "overdue"),
    ):
        assert ice_dues(km, history)[Item.engine_oil].status == status, km
    wide = SoonWindow(km=2_000, days=60)
    dues = by_item(due_items("ice", "", 18_500, TODAY, history, BOUGHT, soon=wide))
    assert dues[Item.engine_oil].status == "due_soon"


def test_whichever_comes_first_names_the_reason() -> None:
    history = serviced(date(2026, 2, 2), 0)  # 9 months ago: 75 % of the time gone
    oil = ice_dues(5_000, history)[Item.engine_oil]  # 50 % of the distance
    assert (oil.status, oil.reason) == ("ok", "time")
    oil = ice_dues(8_000, history)[Item.engine_oil]
    assert (oil.status, oil.reason) == ("ok", "distance")
    oil = ice_dues(9_500, serviced(date(2025, 10, 1), 0))[Item.engine_oil]  # both: worse wins
    assert (oil.status, oil.reason) == ("overdue", "time")


def test_never_serviced_counts_from_the_purchase() -> None:
    bought = date(2025, 11, 20)
    dues = by_item(due_items("ice", "吉利", 7_000, TODAY, [], bought))
    oil = dues[Item.engine_oil]
    assert (oil.status, oil.reason, oil.due_on_date, oil.due_at_km) == (
        "due_soon",
        "time",
        date(2026, 11, 20),
        10_000,
    )
    used = by_item(due_items("ice", "吉利", 58_000, TODAY, [], bought, first_odometer=50_000))
    assert used[Item.engine_oil].due_at_km == 60_000


def test_the_latest_record_counts_whatever_the_order() -> None:
    history = [
        ServiceRecord(Item.engine_oil, date(2026, 6, 1), 30_000),
        ServiceRecord(Item.engine_oil, date(2025, 6, 1), 20_000),
        ServiceRecord(Item.cabin_filter, date(2025, 6, 1), 20_000),
    ]
    dues = ice_dues(31_000, history)
    assert dues[Item.engine_oil].due_at_km == 40_000
    assert dues[Item.cabin_filter].status == "overdue"  # 12 months since
    assert dues[Item.air_filter].due_on_date == add_months(BOUGHT, 24)  # never: since purchase


def test_bev_never_has_oil_even_with_an_oil_record() -> None:
    history = [ServiceRecord(Item.engine_oil, date(2024, 4, 1), 100)]
    dues = by_item(due_items(Powertrain.bev, "特斯拉", 30_000, TODAY, history, BOUGHT))
    assert not ENGINE_ONLY & dues.keys()
    assert dues[Item.battery_health].status == "overdue"  # never checked, 2.5 years
    assert dues[Item.tyre_rotation].status == "overdue"


def test_dues_are_sorted_most_urgent_first() -> None:
    oil = [ServiceRecord(Item.engine_oil, date(2026, 1, 2), 14_500)]  # the rest: never since 2024
    dues = due_items("phev", "比亚迪", 24_000, TODAY, oil, BOUGHT)
    assert [d.item for d in dues] == [
        Item.cabin_filter,  # 20 months past its 12: time, though also 4,000 km past
        Item.battery_12v,
        Item.battery_health,
        Item.tyre_rotation,  # 14,000 km past its 10,000
        Item.air_filter,
        Item.brake_fluid,
        Item.coolant,
        Item.engine_oil,  # due soon: 500 km left
        Item.battery_coolant,
        Item.spark_plugs,
    ]
    assert dues[0].reason == "time"
    assert [d.status for d in dues].count("overdue") == 7


# --- history that cannot be true ----------------------------------------------------------------


def test_service_recorded_above_the_current_odometer() -> None:
    history = [ServiceRecord(Item.engine_oil, date(2026, 10, 1), 41_000)]
    with pytest.raises(MaintenanceInputError, match="above today's 40000 km") as caught:
        ice_dues(40_000, history)
    error = caught.value
    assert error.key == "maintenance.error.service_above_odometer"
    assert error.params == {"item": "engine_oil", "service_km": 41_000, "odometer_km": 40_000}


def test_odometer_going_backwards_between_services() -> None:
    history = [
        ServiceRecord(Item.engine_oil, date(2025, 6, 1), 20_000),
        ServiceRecord(Item.cabin_filter, date(2025, 9, 1), 18_000),
    ]
    with pytest.raises(MaintenanceInputError, match="backwards") as caught:
        ice_dues(30_000, history)
    assert caught.value.code == "odometer_backwards"
    assert caught.value.params["earlier_km"] == 20_000


def test_odometer_below_the_reading_at_purchase() -> None:
    with pytest.raises(MaintenanceInputError, match="backwards"):
        due_items("ice", "", 9_000, TODAY, [], BOUGHT, first_odometer=10_000)
    late = [ServiceRecord(Item.engine_oil, date(2024, 5, 1), 9_500)]  # after purchase, below it
    with pytest.raises(MaintenanceInputError, match="backwards"):
        due_items("ice", "", 20_000, TODAY, late, BOUGHT, first_odometer=10_000)
    earlier = [ServiceRecord(Item.engine_oil, date(2023, 5, 1), 9_500)]  # a used car's past
    assert due_items("ice", "", 20_000, TODAY, earlier, BOUGHT, first_odometer=10_000)


def test_same_day_records_at_different_readings_are_fine() -> None:
    history = [
        ServiceRecord(Item.engine_oil, date(2026, 5, 1), 20_010),
        ServiceRecord(Item.cabin_filter, date(2026, 5, 1), 20_000),
    ]
    assert ice_dues(25_000, history)[Item.engine_oil].due_at_km == 30_010


@pytest.mark.parametrize(
    ("history", "bought", "code"),
    [
        (
            [ServiceRecord(Item.engine_oil, TODAY + timedelta(days=1), 100)],
            BOUGHT,
            "date_in_future",
        ),
        ([], TODAY + timedelta(days=1), "date_in_future"),
        ([ServiceRecord(Item.engine_oil, TODAY, -5)], BOUGHT, "negative_odometer"),
    ],
)
def test_impossible_dates_and_readings(
    history: list[ServiceRecord], bought: date, code: str
) -> None:
    with pytest.raises(MaintenanceInputError) as caught:
        due_items("ice", "", 1_000, TODAY, history, bought)
    assert caught.value.code == code


def test_add_months_clamps_to_the_month_end() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2027, 12, 31), 2) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 2), 12) == date(2027, 11, 2)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)


# --- the reminder -------------------------------------------------------------------------------


def test_no_reminder_when_everything_is_ok() -> None:
    dues = due_items("ice", "", 1_000, TODAY, serviced(date(2026, 10, 1), 500), BOUGHT)
    assert all(d.status == "ok" for d in dues)
    assert reminder(dues) is None
    assert reminder([]) is None


def test_one_reminder_groups_the_visit_most_urgent_first() -> None:
    history = serviced(date(2025, 10, 2), 30_000, (Item.engine_oil,))
    history += serviced(date(2026, 9, 1), 30_000, (Item.tyre_rotation, Item.cabin_filter))
    history += serviced(date(2026, 9, 1), 30_000, (Item.battery_12v, Item.brake_fluid))
    history += serviced(date(2026, 9, 1), 30_000, (Item.air_filter, Item.coolant))
    history += serviced(date(2026, 9, 1), 30_000, (Item.spark_plugs,))
    dues = due_items("ice", "", 39_500, TODAY, history, BOUGHT)
    sent = reminder(dues)
    assert sent is not None
    assert sent.status == "overdue"
    assert sent.items == (Item.engine_oil, Item.tyre_rotation)  # oil overdue; tyres due soon
    assert sent.key == "maintenance.reminder.overdue"
    assert sent.item_keys == ("maintenance.item.engine_oil", "maintenance.item.tyre_rotation")
    assert sent.params == {
        "item": "engine_oil",
        "items": ["engine_oil", "tyre_rotation"],
        "count": 2,
        "reason": "time",
        "km_left": 500,
        "due_at_km": 40_000,
        "days_left": -31,
        "due_on": "2026-10-02",
    }
    assert (sent.action, sent.action_key) == ("book", "maintenance.action.book")


def test_due_soon_reminder_and_a_distance_only_lead() -> None:
    history = serviced(date(2026, 9, 1), 30_000)
    sent = reminder(due_items("ice", "", 39_800, TODAY, history, BOUGHT))
    assert sent is not None
    assert sent.status == "due_soon"
    assert sent.key == "maintenance.reminder.due_soon"
    assert set(sent.items) == {Item.engine_oil, Item.tyre_rotation}
    assert sent.params["km_left"] == 200
    spark = Due(Item.spark_plugs, "overdue", 40_000, None, -10, None, "distance", -0.00025)
    lead = reminder([spark])
    assert lead is not None
    assert lead.params["due_on"] is None
    assert lead.params["days_left"] is None


# --- de-duplication -----------------------------------------------------------------------------


def make_reminder(status: str, *items: Item) -> Reminder:
    dues = [
        Due(item, "overdue" if status == "overdue" else "due_soon", 0, None, 0, None, "distance", 0)
        for item in items
    ]
    sent = reminder(dues)
    assert sent is not None
    return sent


def test_first_reminder_is_sent_and_nothing_is_sent_without_one() -> None:
    assert should_send(make_reminder("due_soon", Item.engine_oil), None, TODAY)
    assert not should_send(None, None, TODAY)


def test_same_reminder_waits_seven_days() -> None:
    oil = make_reminder("due_soon", Item.engine_oil)
    last = SentReminder.of(oil, TODAY)
    assert last == SentReminder(frozenset({Item.engine_oil}), "due_soon", TODAY)
    for days in range(7):
        assert not should_send(oil, last, TODAY + timedelta(days=days)), days
    assert should_send(oil, last, TODAY + timedelta(days=7))


def test_worse_status_goes_out_at_once_better_does_not() -> None:
    soon = make_reminder("due_soon", Item.engine_oil)
    overdue = make_reminder("overdue", Item.engine_oil)
    assert should_send(overdue, SentReminder.of(soon, TODAY), TODAY + timedelta(days=1))
    assert not should_send(soon, SentReminder.of(overdue, TODAY), TODAY + timedelta(days=1))


def test_a_new_item_goes_out_at_once_a_subset_does_not() -> None:
    both = make_reminder("due_soon", Item.engine_oil, Item.cabin_filter)
    oil = make_reminder("due_soon", Item.engine_oil)
    assert should_send(both, SentReminder.of(oil, TODAY), TODAY + timedelta(days=2))
    assert not should_send(oil, SentReminder.of(both, TODAY), TODAY + timedelta(days=2))


def test_a_last_send_dated_in_the_future_holds_back_only_the_same_reminder() -> None:
    oil = make_reminder("due_soon", Item.engine_oil)
    last = SentReminder.of(oil, TODAY + timedelta(days=3))
    assert not should_send(oil, last, TODAY)
    assert should_send(make_reminder("overdue", Item.engine_oil), last, TODAY)

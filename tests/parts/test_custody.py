"""The per-serial custody state machine: a full happy path and one test per rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from carecover.parts.service.custody import (
    TIME_TOLERANCE,
    UNKNOWN,
    CustodyEvent,
    CustodyKind,
    CustodyState,
    CustodyStatus,
    CustodyViolation,
    apply,
    replay,
)

T0 = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)
FACTORY = "https://id.gs1.org/414/9521234000006"
WAREHOUSE = "https://id.gs1.org/414/9521234000013"
SHOP = "https://id.gs1.org/414/9521234000020"
OTHER_SHOP = "https://id.gs1.org/414/9521234000037"
CAR = "urn:carecover:vehicle:" + "a1" * 16
OTHER_CAR = "urn:carecover:vehicle:" + "b2" * 16


def _ev(
    kind: CustodyKind,
    hours: float,
    location: str | None = None,
    *,
    destination: str | None = None,
    vehicle: str | None = None,
) -> CustodyEvent:
    return CustodyEvent(
        kind=kind,
        at=T0 + timedelta(hours=hours),
        location=location,
        destination=destination,
        vehicle_key=vehicle,
        org_id="org-1",
    )


def commissioned(hours: float = 0) -> CustodyEvent:
    return _ev(CustodyKind.COMMISSIONING, hours, FACTORY)


def shipped(hours: float, origin: str | None, to: str) -> CustodyEvent:
    return _ev(CustodyKind.SHIPPING, hours, origin, destination=to)


def received(hours: float, at: str | None) -> CustodyEvent:
    return _ev(CustodyKind.RECEIVING, hours, at)


def installed(hours: float, at: str | None, vehicle: str | None = CAR) -> CustodyEvent:
    return _ev(CustodyKind.INSTALLING, hours, at, vehicle=vehicle)


def removed(hours: float, at: str | None, vehicle: str | None = CAR) -> CustodyEvent:
    return _ev(CustodyKind.REMOVING, hours, at, vehicle=vehicle)


def destroyed(hours: float, at: str | None = SHOP) -> CustodyEvent:
    return _ev(CustodyKind.DESTROYING, hours, at)


HAPPY_PATH = [
    commissioned(0),
    shipped(1, FACTORY, WAREHOUSE),
    received(20, WAREHOUSE),
    shipped(30, WAREHOUSE, SHOP),
    received(40, SHOP),
    _ev(CustodyKind.INSPECTING, 41, SHOP),
    installed(42, SHOP),
    _ev(CustodyKind.OBSERVING, 500, "https://id.gs1.org/414/9521234000099"),
    removed(900, SHOP),
    destroyed(901),
]


def test_factory_to_warehouse_to_shop_to_vehicle_to_removal_to_destruction() -> None:
    states = []
    state = UNKNOWN
    for event in HAPPY_PATH:
        state = apply(state, event)
        states.append(state)
    assert [s.status for s in states] == [
        CustodyStatus.COMMISSIONED,
        CustodyStatus.IN_TRANSIT,
        CustodyStatus.AT_LOCATION,
        CustodyStatus.IN_TRANSIT,
        CustodyStatus.AT_LOCATION,
        CustodyStatus.AT_LOCATION,
        CustodyStatus.INSTALLED,
        CustodyStatus.INSTALLED,
        CustodyStatus.REMOVED,
        CustodyStatus.DESTROYED,
    ]
    assert states[0].location == FACTORY
    assert (states[3].location, states[3].destination) == (WAREHOUSE, SHOP)
    assert (states[6].vehicle_key, states[6].location) == (CAR, SHOP)
    assert states[8] == CustodyState(
        CustodyStatus.REMOVED, location=SHOP, last_at=states[8].last_at
    )
    assert replay(HAPPY_PATH) == states[-1]
    assert states[-1].last_at == T0 + timedelta(hours=901)


def test_line_fit_at_the_factory_and_refit_after_removal() -> None:
    state = replay([commissioned(), installed(1, FACTORY), removed(2, FACTORY)])
    state = apply(state, installed(3, FACTORY, OTHER_CAR))
    assert (state.status, state.vehicle_key) == (CustodyStatus.INSTALLED, OTHER_CAR)


def _violation(events: list[CustodyEvent]) -> CustodyViolation:
    with pytest.raises(CustodyViolation) as caught:
        replay(events)
    assert caught.value.index == len(events) - 1
    assert caught.value.message
    return caught.value


@pytest.mark.parametrize(
    ("events", "rule"),
    [
        ([commissioned(), commissioned(1)], "custody.already_commissioned"),
        ([shipped(1, FACTORY, SHOP)], "custody.not_commissioned"),
        ([received(1, SHOP)], "custody.not_commissioned"),
        ([installed(1, SHOP)], "custody.not_commissioned"),
        (
            [commissioned(), installed(1, FACTORY), installed(2, FACTORY, OTHER_CAR)],
            "custody.already_installed",
        ),
        (
            [commissioned(), installed(1, FACTORY), installed(2, FACTORY)],
            "custody.already_installed",
        ),
        ([commissioned(), destroyed(1), installed(2, SHOP)], "custody.after_destruction"),
        ([commissioned(), destroyed(1), shipped(2, SHOP, FACTORY)], "custody.after_destruction"),
        (
            [commissioned(), destroyed(1), _ev(CustodyKind.OBSERVING, 2, SHOP)],
            "custody.after_destruction",
        ),
        ([commissioned(), destroyed(1), destroyed(2)], "custody.after_destruction"),
        ([commissioned(), received(1, SHOP)], "custody.received_without_shipping"),
        (
            [commissioned(), shipped(1, FACTORY, SHOP), received(2, SHOP), received(3, SHOP)],
            "custody.received_without_shipping",
        ),
        (
            [commissioned(), shipped(1, FACTORY, SHOP), received(2, OTHER_SHOP)],
            "custody.received_at_wrong_location",
        ),
        (
            [commissioned(), shipped(1, FACTORY, SHOP), received(2, None)],
            "custody.missing_location",
        ),
        ([commissioned(), shipped(1, FACTORY, FACTORY)], "custody.ship_to_self"),
        ([commissioned(), shipped(1, None, FACTORY)], "custody.ship_to_self"),
        ([commissioned(), _ev(CustodyKind.SHIPPING, 1, FACTORY)], "custody.missing_destination"),
        ([commissioned(), shipped(1, WAREHOUSE, SHOP)], "custody.shipped_from_wrong_location"),
        (
            [commissioned(), shipped(1, FACTORY, SHOP), shipped(2, SHOP, WAREHOUSE)],
            "custody.already_in_transit",
        ),
        (
            [commissioned(), installed(1, FACTORY), shipped(2, FACTORY, SHOP)],
            "custody.ship_while_installed",
        ),
        ([commissioned(), installed(1, SHOP)], "custody.install_not_at_location"),
        (
            [commissioned(), shipped(1, FACTORY, SHOP), installed(2, SHOP)],
            "custody.install_not_at_location",
        ),
        ([commissioned(), installed(1, FACTORY, None)], "custody.missing_vehicle"),
        ([commissioned(), removed(1, FACTORY)], "custody.remove_not_installed"),
        (
            [commissioned(), installed(1, FACTORY), removed(2, FACTORY), removed(3, FACTORY)],
            "custody.remove_not_installed",
        ),
        (
            [commissioned(), installed(1, FACTORY), removed(2, FACTORY, OTHER_CAR)],
            "custody.removed_from_other_vehicle",
        ),
        ([commissioned(10), shipped(9, FACTORY, SHOP)], "custody.time_order"),
    ],
)
def test_rules(events: list[CustodyEvent], rule: str) -> None:
    assert _violation(events).rule == rule


def test_time_order_tolerance() -> None:
    latest = T0 + timedelta(hours=1)
    start = apply(UNKNOWN, commissioned(1))
    just_inside = CustodyEvent(
        CustodyKind.SHIPPING, latest - TIME_TOLERANCE, FACTORY, destination=SHOP
    )
    after = apply(start, just_inside)
    assert after.last_at == latest  # the latest time never moves backwards
    too_early = CustodyEvent(
        CustodyKind.RECEIVING, latest - TIME_TOLERANCE - timedelta(seconds=1), SHOP
    )
    with pytest.raises(CustodyViolation) as caught:
        apply(after, too_early)
    assert caught.value.rule == "custody.time_order"
    assert timedelta(seconds=60) == TIME_TOLERANCE


def test_naive_times_are_rejected() -> None:
    event = CustodyEvent(CustodyKind.COMMISSIONING, datetime(2026, 4, 1), FACTORY)  # noqa: DTZ001
    with pytest.raises(CustodyViolation) as caught:
        apply(UNKNOWN, event)
    assert caught.value.rule == "custody.naive_time"


def test_destroying_an_installed_part_is_allowed() -> None:
    state = replay([commissioned(), installed(1, FACTORY), destroyed(2, FACTORY)])
    assert state.status is CustodyStatus.DESTROYED
    assert state.vehicle_key is None


def test_violation_is_a_value_error_with_english_message() -> None:
    violation = _violation([commissioned(), shipped(1, FACTORY, SHOP), received(2, OTHER_SHOP)])
    assert isinstance(violation, ValueError)
    assert OTHER_SHOP in str(violation)
    assert SHOP in str(violation)

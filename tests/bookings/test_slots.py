"""Slots cut from weekly windows in Beijing time; a window's own capacity; open slots skip the
past and the full; defining a service checks its windows and who may define it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from carecover.bookings.errors import SlotUnknown
from carecover.bookings.service import setup, slots
from carecover.bookings.service.setup import Window
from carecover.partners.enums import PartnerType
from carecover.platform.auth.roles import Role
from carecover.platform.context import Actor
from carecover.platform.errors import Forbidden, InvalidFields
from tests.bookings.helpers import (
    MONDAY,
    NOW,
    SYSTEM,
    WASH,
    beijing,
    make_shop,
    offer,
)
from tests.factories.accounts import make_user


def test_slots_follow_the_windows_in_beijing_time(session: Session) -> None:
    shop = make_shop(session, partner_type=PartnerType.car_wash)
    svc = setup.define(
        session,
        SYSTEM,
        shop.location.id,
        WASH,
        duration_min=30,
        price_fen=3_000,
        capacity=2,
        hours=[
            Window(0, setup.minutes("08:00"), setup.minutes("12:00"), 60),
            Window(0, setup.minutes("13:30"), setup.minutes("15:00"), 45, capacity=5),
            Window(5, setup.minutes("09:00"), setup.minutes("10:10"), 30),
        ],
    )
    hours = slots.hours_of(session, [svc.id])[svc.id]
    monday = slots.day_slots(svc, hours, MONDAY)
    assert [s.starts_at for s in monday] == [
        beijing(MONDAY, t) for t in ("08:00", "09:00", "10:00", "11:00", "13:30", "14:15")
    ]
    assert monday[0].starts_at.isoformat() == "2026-12-07T00:00:00+00:00"  # 08:00 UTC+8
    assert [s.capacity for s in monday] == [2, 2, 2, 2, 5, 5]
    assert monday[-1].ends_at == beijing(MONDAY, "15:00")
    saturday = MONDAY + timedelta(days=5)
    assert [s.starts_at for s in slots.day_slots(svc, hours, saturday)] == [
        beijing(saturday, "09:00"),
        beijing(saturday, "09:30"),
    ]  # 10:00-10:30 would end after 10:10
    assert slots.day_slots(svc, hours, MONDAY + timedelta(days=1)) == []  # closed on Tuesday


def test_open_slots_skip_the_past_and_the_full(session: Session) -> None:
    shop = make_shop(session)
    svc = offer(session, shop, capacity=1, opens="08:00", closes="12:00")
    full = slots.slot_at(session, svc, beijing(MONDAY, "10:00"))
    assert slots.take_place(session, full)
    assert not slots.take_place(session, full)  # one place only
    found = slots.open_slots(session, [svc], now=NOW, days=2)[svc.id]
    # 09:30 now: 08:00 and 09:00 have begun, 10:00 is full.
    assert [s.starts_at for s in found[:2]] == [
        beijing(MONDAY, "11:00"),
        beijing(MONDAY + timedelta(days=1), "08:00"),
    ]
    assert len(found) == 1 + 4
    assert all(s.remaining == 1 for s in found)
    first_three = slots.open_slots(session, [svc], now=NOW, days=7, per_service=3)[svc.id]
    assert len(first_three) == 3
    slots.free_place(session, svc.id, full.starts_at)
    slots.free_place(session, svc.id, full.starts_at)  # never below zero
    assert slots.slot_at(session, svc, full.starts_at).booked == 0


def test_a_time_between_slots_is_not_a_slot(session: Session) -> None:
    svc = offer(session, make_shop(session))
    for hhmm in ("10:30", "07:00", "18:00"):
        with pytest.raises(SlotUnknown):
            slots.slot_at(session, svc, beijing(MONDAY, hhmm))
    with pytest.raises(SlotUnknown):
        slots.slot_at(session, svc, beijing(MONDAY, "10:00") + timedelta(seconds=1))


def test_windows_are_checked_and_only_the_partner_admin_or_network_defines_them(
    session: Session,
) -> None:
    shop = make_shop(session)
    overlapping = [
        Window(2, setup.minutes("08:00"), setup.minutes("12:00"), 60),
        Window(2, setup.minutes("11:00"), setup.minutes("14:00"), 60),
        Window(7, 0, 60, 30),
        Window(1, setup.minutes("10:00"), setup.minutes("10:20"), 30),
    ]
    with pytest.raises(InvalidFields) as bad:
        setup.define(
            session, SYSTEM, shop.location.id, WASH, duration_min=30, price_fen=1, capacity=1,
            hours=overlapping,
        )  # fmt: skip
    assert sorted(p.code for p in bad.value.problems) == [
        "booking.slot_too_long",
        "booking.weekday",
        "booking.windows_overlap",
    ]
    with pytest.raises(InvalidFields) as not_bookable:
        setup.define(
            session, SYSTEM, shop.location.id, setup.ServiceType.tow, duration_min=30,
            price_fen=1, capacity=1, hours=[],
        )  # fmt: skip
    assert [p.code for p in not_bookable.value.problems] == ["booking.service_not_bookable"]
    staff = make_user(session, role=Role.partner_staff, organisation=shop.organisation)
    admin = make_user(session, role=Role.partner_admin, organisation=shop.organisation)
    with pytest.raises(Forbidden):
        setup.define(
            session, Actor(staff.id, Role.partner_staff, shop.organisation.id),
            shop.location.id, WASH, duration_min=30, price_fen=3_000, capacity=2,
            hours=setup.week("09:00", "17:00", 60),
        )  # fmt: skip
    first = setup.define(
        session, Actor(admin.id, Role.partner_admin, shop.organisation.id),
        shop.location.id, WASH, duration_min=30, price_fen=3_000, capacity=2,
        hours=setup.week("09:00", "17:00", 60),
    )  # fmt: skip
    again = setup.define(
        session, SYSTEM, shop.location.id, WASH, duration_min=40, price_fen=3_200,
        capacity=3, hours=setup.week("10:00", "12:00", 30, days=[0]),
    )  # fmt: skip
    assert again.id == first.id  # one row per location and service, changed in place
    assert (again.price_fen, again.capacity) == (3_200, 3)
    assert [(w.weekday, w.opens_min, w.slot_min) for w in setup.windows_of(session, again.id)] == [
        (0, 600, 30)
    ]

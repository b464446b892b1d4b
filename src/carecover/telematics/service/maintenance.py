"""Maintenance reminders (F4): which services a car needs, by distance and by time.

Pure: no database, no clock, no I/O. ``schedule``: a car's intervals, its powertrain's row of
``SCHEDULES`` under the maker's own figures (``MAKER_OVERRIDES``). ``due_items``: every item from
its last service against today's date and odometer, due at its distance or its time limit,
whichever comes first. ``reminder``: the one message to send now, every item that needs the visit
grouped, most urgent first, as i18n keys with a "book" action. ``should_send``: once a week at
most unless things got worse.

The intervals are TYPICAL, ILLUSTRATIVE figures in the style of Chinese-market maker schedules
(保养手册), not any one maker's or model's: a maker's own schedule always overrides them, and the
``MAKER_OVERRIDES`` rows are samples that show how. Months count calendar months.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from itertools import pairwise
from typing import Any, Final, Literal

from carecover.vehicles.enums import Powertrain

Status = Literal["overdue", "due_soon", "ok"]
Reason = Literal["distance", "time"]
Params = dict[str, Any]
STATUSES: Final[tuple[Status, ...]] = ("ok", "due_soon", "overdue")  # by rank: worse is higher
_RANK: Final[dict[str, int]] = {status: rank for rank, status in enumerate(STATUSES)}


class Item(StrEnum):
    """A service item; its message key is ``maintenance.item.<value>``."""

    engine_oil = "engine_oil"  # engine oil and oil filter (机油、机滤)
    air_filter = "air_filter"  # engine air filter (空气滤芯); fuel cell: the stack's air intake
    cabin_filter = "cabin_filter"  # 空调滤芯
    brake_fluid = "brake_fluid"  # replacement (刹车油)
    spark_plugs = "spark_plugs"  # 火花塞
    coolant = "coolant"  # engine coolant (发动机冷却液)
    battery_coolant = "battery_coolant"  # traction battery / e-drive / stack loop (电池冷却液)
    tyre_rotation = "tyre_rotation"  # rotation and inspection (轮胎换位)
    battery_12v = "battery_12v"  # low-voltage battery check (小电瓶检测)
    battery_health = "battery_health"  # traction battery health check (动力电池检测)
    hydrogen_system = "hydrogen_system"  # hydrogen tank and line leak check (氢系统检测)


_ORDER: Final[dict[Item, int]] = {item: n for n, item in enumerate(Item)}


class MaintenanceInputError(ValueError):
    """Impossible readings; ``key`` (maintenance.error.<code>) and ``params`` tell people why."""

    def __init__(self, code: str, message: str, **params: Any) -> None:
        self.code, self.key, self.params = code, f"maintenance.error.{code}", params
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class Interval:
    """Every ``km`` km or every ``months`` months, whichever comes first (None: no such limit)."""

    km: int | None
    months: int | None

    def __post_init__(self) -> None:
        limits = [limit for limit in (self.km, self.months) if limit is not None]
        if not limits or min(limits) <= 0:
            raise ValueError("an interval needs a positive distance or time, or both")


POWERTRAINS: Final = ("ice", "hev", "phev", "erev", "bev", "fcev")
_ENGINE: Final = "ice hev phev erev"
_ALL: Final = " ".join(POWERTRAINS)
_ROWS: Final[tuple[tuple[Item, int | None, int | None, str], ...]] = (
    # item, every km, every months, the powertrains that have it
    (Item.engine_oil, 10_000, 12, _ENGINE),
    (Item.air_filter, 20_000, 24, _ENGINE),
    (Item.air_filter, 20_000, 12, "fcev"),  # the stack breathes more than an engine
    (Item.spark_plugs, 40_000, None, _ENGINE),
    (Item.coolant, 40_000, 24, _ENGINE),
    (Item.cabin_filter, 20_000, 12, _ALL),
    (Item.brake_fluid, 40_000, 24, _ALL),
    (Item.tyre_rotation, 10_000, None, _ALL),
    (Item.battery_12v, None, 12, _ALL),
    (Item.battery_coolant, 80_000, 48, "phev erev bev fcev"),
    (Item.battery_health, None, 12, "hev phev erev bev fcev"),
    (Item.hydrogen_system, 20_000, 12, "fcev"),
)
SCHEDULES: Final[Mapping[str, Mapping[Item, Interval]]] = {
    pt: {item: Interval(km, mo) for item, km, mo, pts in _ROWS if pt in pts.split()}
    for pt in POWERTRAINS
}
"""Typical, illustrative defaults (module docstring). Hybrids combine engine and electric items
(an HEV's small pack: the yearly check only); ``erev`` is accepted though ``Powertrain`` has it
under ``phev``."""

Plan = dict[Item, Interval]
Overrides = Mapping[str, Mapping[Item, Interval]]
MAKER_OVERRIDES: Final[Overrides] = {
    "toyota": {Item.engine_oil: Interval(5_000, 6)},
    "volkswagen": {Item.engine_oil: Interval(7_500, 12)},
    "bmw": {Item.engine_oil: Interval(15_000, 12)},
    "tesla": {Item.cabin_filter: Interval(None, 24), Item.brake_fluid: Interval(None, 48)},
}
"""Sample maker rows keyed by ``make_key``; an item the powertrain lacks is never added."""
_MAKE_ALIASES: Final = {"丰田": "toyota", "大众": "volkswagen", "宝马": "bmw", "特斯拉": "tesla"}


def make_key(make: str) -> str:
    """The override-table key of a make: "丰田", "Toyota" and " toyota " are all "toyota"."""
    key = make.strip().lower()
    return _MAKE_ALIASES.get(key, key)


def schedule(powertrain: Powertrain | str, make: str, overrides: Overrides | None = None) -> Plan:
    """The car's intervals: the powertrain's defaults, with the maker's figures where known."""
    code, key = str(powertrain).strip().lower(), make_key(make)
    if code not in SCHEDULES:
        message = f"unknown powertrain {powertrain!r}"
        raise MaintenanceInputError("unknown_powertrain", message, powertrain=code)
    plan = dict(SCHEDULES[code])
    for maker, items in (MAKER_OVERRIDES if overrides is None else overrides).items():
        if make_key(maker) == key:
            plan.update({item: iv for item, iv in items.items() if item in plan})
    return plan


@dataclass(frozen=True, slots=True)
class ServiceRecord:
    """One service done: the item, the day and the odometer then (whole km)."""

    item: Item
    done_at: date
    odometer_km: int


@dataclass(frozen=True, slots=True)
class SoonWindow:
    """An item is ``due_soon`` within this distance or this time of its limit, whichever first."""

    km: int = 1_000
    days: int = 30


@dataclass(frozen=True, slots=True)
class Due:
    """One item against its interval; a limit the item lacks is None (spark plugs: no date)."""

    item: Item
    status: Status  # overdue: past a limit; due_soon: at one or within the window
    due_at_km: int | None
    due_on_date: date | None
    km_left: int | None  # negative when past
    days_left: int | None
    reason: Reason  # the limit that comes first
    share_left: float  # of that limit's interval: 1.0 just serviced, 0 due, negative past it


def add_months(day: date, months: int) -> date:
    """``day`` plus calendar months, clamped to the month's end (31 January + 1 = 28/29 Feb)."""
    years, month0 = divmod(day.month - 1 + months, 12)
    year = day.year + years
    return date(year, month0 + 1, min(day.day, calendar.monthrange(year, month0 + 1)[1]))


def urgency(due: Due) -> tuple[int, float, int]:
    """Sort key, most urgent first: worse status, then less of the interval left."""
    return -_RANK[due.status], due.share_left, _ORDER[due.item]


def due_items(
    powertrain: Powertrain | str,
    make: str,
    odometer_km: int,
    today: date,
    history: Sequence[ServiceRecord],
    purchase_date: date,
    first_odometer: int = 0,
    *,
    soon: SoonWindow | None = None,
    overrides: Overrides | None = None,
) -> list[Due]:
    """Every scheduled item's state, most urgent first.

    Each item counts from its latest record in ``history`` (by date); one never serviced counts
    from ``purchase_date`` and ``first_odometer``, the reading at purchase (0 for a new car).
    Records of items outside the car's schedule (oil on an electric car) are ignored. Readings
    that cannot all be true (a service above today's odometer or after today, an odometer that
    goes backwards between dates) raise ``MaintenanceInputError``.
    """
    plan = schedule(powertrain, make, overrides)
    _check(odometer_km, today, history, purchase_date, first_odometer)
    window = soon or SoonWindow()
    base = {item: (first_odometer, purchase_date) for item in plan}
    for r in sorted(history, key=lambda r: (r.done_at, r.odometer_km)):
        if r.item in base:
            base[r.item] = (r.odometer_km, r.done_at)
    dues = [_due(i, iv, base[i], (odometer_km, today), window) for i, iv in plan.items()]
    return sorted(dues, key=urgency)


def _check(km: int, today: date, history: Sequence[ServiceRecord], bought: date, km0: int) -> None:
    if min(km, km0, *(r.odometer_km for r in history)) < 0:
        raise MaintenanceInputError("negative_odometer", "odometer readings must be ≥ 0")
    if max([bought, *(r.done_at for r in history)]) > today:
        raise MaintenanceInputError("date_in_future", f"purchase or service after today {today}")
    for r in history:
        if r.odometer_km > km:
            message = f"{r.item} recorded at {r.odometer_km} km, above today's {km} km"
            params = {"item": r.item.value, "service_km": r.odometer_km, "odometer_km": km}
            raise MaintenanceInputError("service_above_odometer", message, **params)
    points = [(bought, km0), (today, km), *((r.done_at, r.odometer_km) for r in history)]
    for (on0, km_0), (on1, km_1) in pairwise(sorted(points)):
        if km_1 < km_0:
            message = f"odometer went backwards: {km_0} km on {on0}, {km_1} km on {on1}"
            params = {"earlier_km": km_0, "later_km": km_1, "on": on1.isoformat()}
            raise MaintenanceInputError("odometer_backwards", message, **params)


def _due(
    item: Item, iv: Interval, base: tuple[int, date], now: tuple[int, date], soon: SoonWindow
) -> Due:
    (base_km, base_on), (odometer_km, today) = base, now
    due_km = km_left = due_on = days_left = None
    limits: list[tuple[int, float, Reason]] = []  # (status rank, share left, reason)
    if iv.km is not None:
        due_km = base_km + iv.km
        km_left = due_km - odometer_km
        limits.append((_rank(km_left, soon.km), km_left / iv.km, "distance"))
    if iv.months is not None:
        due_on = add_months(base_on, iv.months)
        days_left = (due_on - today).days
        limits.append((_rank(days_left, soon.days), days_left / (due_on - base_on).days, "time"))
    rank, share_left, reason = max(limits, key=lambda limit: (limit[0], -limit[1]))
    return Due(item, STATUSES[rank], due_km, due_on, km_left, days_left, reason, share_left)


def _rank(left: int, window: int) -> int:
    return 2 if left < 0 else 1 if left <= window else 0


@dataclass(frozen=True, slots=True)
class Reminder:
    """One message for one visit. ``key`` is ``maintenance.reminder.<status>``; ``item_keys`` are
    ``maintenance.item.<item>`` in ``items`` order, for the renderer to translate and join."""

    status: Status  # the worst of the items: overdue or due_soon
    items: tuple[Item, ...]  # most urgent first
    key: str
    item_keys: tuple[str, ...]
    params: Params  # JSON-able; the distance and date figures are the lead item's
    action: Literal["book"] = "book"  # a placeholder until booking orders land (Dispatch issue)
    action_key: str = "maintenance.action.book"  # the button; it books ``items``


def reminder(dues: Iterable[Due]) -> Reminder | None:
    """The reminder to send now: every item that is overdue or due soon, most urgent first,
    grouped into one visit; None when nothing needs a visit."""
    need = sorted((d for d in dues if d.status != "ok"), key=urgency)
    if not need:
        return None
    lead, items = need[0], tuple(d.item for d in need)
    names = [item.value for item in items]
    due_on = None if lead.due_on_date is None else lead.due_on_date.isoformat()
    params: Params = {"item": lead.item.value, "items": names, "count": len(items)}
    params |= {"reason": lead.reason, "km_left": lead.km_left, "due_at_km": lead.due_at_km}
    params |= {"days_left": lead.days_left, "due_on": due_on}
    item_keys = tuple(f"maintenance.item.{item}" for item in items)
    return Reminder(lead.status, items, f"maintenance.reminder.{lead.status}", item_keys, params)


@dataclass(frozen=True, slots=True)
class SentReminder:
    """What was last sent to the owner about maintenance, kept by the caller."""

    items: frozenset[Item]
    status: Status
    sent_on: date

    @classmethod
    def of(cls, sent: Reminder, on: date) -> SentReminder:
        return cls(frozenset(sent.items), sent.status, on)


def should_send(
    candidate: Reminder | None, last: SentReminder | None, today: date, quiet_days: int = 7
) -> bool:
    """Whether to send ``candidate`` now: always when nothing was sent or the last one is at least
    ``quiet_days`` old; inside that window only when things got worse: a worse status, or an item
    that was not in the last reminder (for that item, ok became due)."""
    if candidate is None:
        return False
    if last is None or (today - last.sent_on).days >= quiet_days:
        return True
    worse = _RANK[candidate.status] > _RANK[last.status]
    return worse or not last.items.issuperset(candidate.items)

"""Chain of custody of one serialised part, as a pure state machine.

``apply(state, event)`` returns the next :class:`CustodyState` or raises :class:`CustodyViolation`
(a ``ValueError``) whose ``rule`` names the broken rule; ``replay(events)`` folds a history in the
order given (ledger order, not re-sorted by time, so out-of-order histories are *detected*).

States: ``unknown`` (never commissioned) → ``commissioned`` (at its factory) → ``in_transit``
(``location`` = origin, ``destination`` = where it was shipped to) → ``at_location`` →
``installed`` (``vehicle_key`` + ``location``) → ``removed`` (``location``) → ``destroyed``.

Rules (``rule`` codes):

* ``custody.after_destruction`` — nothing may happen to a destroyed part;
* ``custody.time_order`` — an event more than :data:`TIME_TOLERANCE` (60 s) earlier than the
  latest accepted event. Partners' clocks differ by seconds, while real custody steps are minutes
  to days apart, so 60 s absorbs clock skew without hiding a real reordering. The latest time
  seen never moves backwards;
* ``custody.already_commissioned``, ``custody.not_commissioned``;
* shipping: ``custody.missing_destination``, ``custody.already_in_transit``,
  ``custody.ship_while_installed`` (remove it first), ``custody.shipped_from_wrong_location``
  (the event's location is not where the part is), ``custody.ship_to_self``;
* receiving: ``custody.received_without_shipping``, ``custody.missing_location``,
  ``custody.received_at_wrong_location`` (not where it was shipped to);
* installing: ``custody.missing_vehicle``, ``custody.already_installed`` (in this or any other
  vehicle: remove it first), ``custody.install_not_at_location`` (in transit, or at another
  place); a part may be installed from ``commissioned`` (line fit at the factory),
  ``at_location`` or ``removed`` (refitted where it was removed);
* removing: ``custody.remove_not_installed``, ``custody.removed_from_other_vehicle``;
* ``custody.naive_time`` — event times must be timezone-aware.

``destroying`` is accepted from any commissioned state (including installed: a scrapped vehicle).
``inspecting``/``observing`` change nothing but the latest time (scan plausibility is the clone
scorer's job, not custody's).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final


class CustodyStatus(StrEnum):
    UNKNOWN = "unknown"
    COMMISSIONED = "commissioned"
    IN_TRANSIT = "in_transit"
    AT_LOCATION = "at_location"
    INSTALLED = "installed"
    REMOVED = "removed"
    DESTROYED = "destroyed"


class CustodyKind(StrEnum):
    COMMISSIONING = "commissioning"
    SHIPPING = "shipping"
    RECEIVING = "receiving"
    INSTALLING = "installing"
    REMOVING = "removing"
    DESTROYING = "destroying"
    INSPECTING = "inspecting"
    OBSERVING = "observing"


#: How much earlier than the latest accepted event a new event may be (clock skew allowance).
TIME_TOLERANCE: Final = timedelta(seconds=60)


class CustodyViolation(ValueError):
    """An impossible custody history: ``rule`` is stable, ``message`` English, ``index`` is the
    position of the offending event when raised by :func:`replay`."""

    def __init__(self, rule: str, message: str, *, index: int | None = None) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.index = index


@dataclass(frozen=True, slots=True)
class CustodyEvent:
    """One custody step of one serial (built from an EPCIS event by the caller)."""

    kind: CustodyKind
    at: datetime
    location: str | None = None
    destination: str | None = None
    vehicle_key: str | None = None
    org_id: str | None = None


@dataclass(frozen=True, slots=True)
class CustodyState:
    status: CustodyStatus = CustodyStatus.UNKNOWN
    #: Where the part is; for ``in_transit`` the place it was shipped from.
    location: str | None = None
    #: For ``in_transit``: where it was shipped to.
    destination: str | None = None
    vehicle_key: str | None = None
    #: The latest event time accepted so far.
    last_at: datetime | None = None


UNKNOWN: Final = CustodyState()


def _violation(rule: str, message: str) -> CustodyViolation:
    return CustodyViolation(rule, message)


def _ship(state: CustodyState, event: CustodyEvent) -> CustodyState:
    if not event.destination:
        raise _violation("custody.missing_destination", "a shipping event needs a destination")
    if state.status is CustodyStatus.IN_TRANSIT:
        raise _violation(
            "custody.already_in_transit",
            f"the part is already in transit to {state.destination}; receive it first",
        )
    if state.status is CustodyStatus.INSTALLED:
        raise _violation(
            "custody.ship_while_installed",
            f"the part is installed in vehicle {state.vehicle_key}; remove it before shipping",
        )
    if event.location and state.location and event.location != state.location:
        raise _violation(
            "custody.shipped_from_wrong_location",
            f"shipped from {event.location} but the part is at {state.location}",
        )
    origin = event.location or state.location
    if event.destination == origin:
        raise _violation("custody.ship_to_self", f"shipped from {origin} to itself")
    return replace(
        state,
        status=CustodyStatus.IN_TRANSIT,
        location=origin,
        destination=event.destination,
        vehicle_key=None,
    )


def _receive(state: CustodyState, event: CustodyEvent) -> CustodyState:
    if state.status is not CustodyStatus.IN_TRANSIT:
        raise _violation(
            "custody.received_without_shipping",
            f"received while {state.status.value}; it was never shipped",
        )
    if not event.location:
        raise _violation("custody.missing_location", "a receiving event needs a location")
    if event.location != state.destination:
        raise _violation(
            "custody.received_at_wrong_location",
            f"received at {event.location} but it was shipped to {state.destination}",
        )
    return replace(
        state, status=CustodyStatus.AT_LOCATION, location=event.location, destination=None
    )


def _install(state: CustodyState, event: CustodyEvent) -> CustodyState:
    if not event.vehicle_key:
        raise _violation("custody.missing_vehicle", "an installing event needs a vehicle key")
    if state.status is CustodyStatus.INSTALLED:
        which = "this" if state.vehicle_key == event.vehicle_key else "another"
        raise _violation(
            "custody.already_installed",
            f"the part is already installed in {which} vehicle ({state.vehicle_key})",
        )
    if state.status is CustodyStatus.IN_TRANSIT:
        raise _violation(
            "custody.install_not_at_location",
            f"the part is in transit to {state.destination}; receive it before installing",
        )
    if event.location and state.location and event.location != state.location:
        raise _violation(
            "custody.install_not_at_location",
            f"installed at {event.location} but the part is at {state.location}",
        )
    return replace(
        state,
        status=CustodyStatus.INSTALLED,
        location=event.location or state.location,
        vehicle_key=event.vehicle_key,
    )


def _remove(state: CustodyState, event: CustodyEvent) -> CustodyState:
    if state.status is not CustodyStatus.INSTALLED:
        raise _violation(
            "custody.remove_not_installed",
            f"removed while {state.status.value}; it is not installed in any vehicle",
        )
    if event.vehicle_key and event.vehicle_key != state.vehicle_key:
        raise _violation(
            "custody.removed_from_other_vehicle",
            f"removed from vehicle {event.vehicle_key} but installed in {state.vehicle_key}",
        )
    return replace(
        state,
        status=CustodyStatus.REMOVED,
        location=event.location or state.location,
        vehicle_key=None,
    )


def apply(state: CustodyState, event: CustodyEvent) -> CustodyState:
    """The state after ``event``; :class:`CustodyViolation` if the step is impossible."""
    if event.at.tzinfo is None or event.at.utcoffset() is None:
        raise _violation("custody.naive_time", "custody event times must be timezone-aware")
    if state.status is CustodyStatus.DESTROYED:
        raise _violation(
            "custody.after_destruction", f"{event.kind.value} after the part was destroyed"
        )
    if state.last_at is not None and event.at < state.last_at - TIME_TOLERANCE:
        raise _violation(
            "custody.time_order",
            f"{event.kind.value} at {event.at.isoformat()} is earlier than the previous event "
            f"at {state.last_at.isoformat()} (tolerance {int(TIME_TOLERANCE.total_seconds())} s)",
        )
    last_at = event.at if state.last_at is None else max(state.last_at, event.at)
    kind = event.kind
    if kind is CustodyKind.COMMISSIONING:
        if state.status is not CustodyStatus.UNKNOWN:
            raise _violation(
                "custody.already_commissioned", f"the part is already {state.status.value}"
            )
        return CustodyState(CustodyStatus.COMMISSIONED, location=event.location, last_at=last_at)
    if state.status is CustodyStatus.UNKNOWN:
        raise _violation(
            "custody.not_commissioned", f"{kind.value} of a part that was never commissioned"
        )
    if kind is CustodyKind.SHIPPING:
        state = _ship(state, event)
    elif kind is CustodyKind.RECEIVING:
        state = _receive(state, event)
    elif kind is CustodyKind.INSTALLING:
        state = _install(state, event)
    elif kind is CustodyKind.REMOVING:
        state = _remove(state, event)
    elif kind is CustodyKind.DESTROYING:
        state = replace(
            state,
            status=CustodyStatus.DESTROYED,
            location=event.location or state.location,
            destination=None,
            vehicle_key=None,
        )
    return replace(state, last_at=last_at)


def replay(events: Iterable[CustodyEvent], initial: CustodyState = UNKNOWN) -> CustodyState:
    """Fold ``events`` (in the given order) from ``initial``; a :class:`CustodyViolation` carries
    the ``index`` of the first impossible event."""
    state = initial
    for index, event in enumerate(events):
        try:
            state = apply(state, event)
        except CustodyViolation as violation:
            violation.index = index
            raise
    return state

"""The bookings domain's services (they never commit: the caller owns the transaction).

- ``setup``: what a location offers in slots (service, price, places, weekly windows);
- ``slots``: slots cut from the windows, per-slot counters, taking and freeing a place;
- ``search``: where a service can be booked (one location, or the nearest with open slots);
- ``booking``: book (entitlement used with the booking) and cancel (given back before the cutoff);
- ``work``: the location's day, check-in, completion, no-show; owners' and cars' lists;
- ``offers``: slots offered for a maintenance reminder, confirmed by the owner;
- ``views``: the read shapes shared by the API and the pages.
"""

from carecover.bookings.service.booking import CANCEL_CUTOFF, book, cancel, cancel_cutoff
from carecover.bookings.service.search import Offered, location_slots, nearby, offered
from carecover.bookings.service.setup import Window, define, week
from carecover.bookings.service.slots import Slot, open_slots
from carecover.bookings.service.work import (
    check_in,
    complete,
    location_day,
    mine,
    no_show,
    of_customer,
    of_vehicle,
    partner_day,
)

__all__ = [
    "CANCEL_CUTOFF",
    "Offered",
    "Slot",
    "Window",
    "book",
    "cancel",
    "cancel_cutoff",
    "check_in",
    "complete",
    "define",
    "location_day",
    "location_slots",
    "mine",
    "nearby",
    "no_show",
    "of_customer",
    "of_vehicle",
    "offered",
    "open_slots",
    "partner_day",
    "week",
]

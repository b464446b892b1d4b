"""Service-order enumerations: what an order is, where it stands, who can serve it."""

from __future__ import annotations

from enum import StrEnum


class UnitKind(StrEnum):
    """A provider unit: a vehicle (or a person) that goes to the customer."""

    flatbed = "flatbed"
    """Flatbed tow truck (平板拖车): the only safe tow for electric and all-wheel-drive cars."""
    wheel_lift = "wheel_lift"
    """Wheel-lift / hook tow truck (拖吊车): fuel cars only."""
    service_van = "service_van"
    """Roadside service van (救援服务车): jump start, tyre change, lockout, small fixes."""
    mobile_charger = "mobile_charger"
    """Mobile charging van (移动充电车): emergency charging of an electric car."""
    designated_driver = "designated_driver"
    """A designated driver (代驾司机) on an e-scooter."""


class UnitStatus(StrEnum):
    available = "available"
    """On duty and free: can be offered a job."""
    busy = "busy"
    """Holding an offer or working a job."""
    offline = "offline"
    """Off duty; never offered anything."""


class OrderStatus(StrEnum):
    """An order's lifecycle (each step time-stamped in its timeline)."""

    requested = "requested"
    offered = "offered"
    """Offered to one unit, waiting for its answer until the offer expires."""
    accepted = "accepted"
    en_route = "en_route"
    on_site = "on_site"
    completed = "completed"
    cancelled = "cancelled"
    no_show = "no_show"
    """The customer was not there when the unit arrived."""
    gone_on_arrival = "gone_on_arrival"
    """The car had already been moved or fixed when the unit arrived (GOA)."""

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATUSES

    @property
    def is_active(self) -> bool:
        """A unit is working on it (accepted, driving there or on site)."""
        return self in (OrderStatus.accepted, OrderStatus.en_route, OrderStatus.on_site)


FINAL_STATUSES = frozenset(
    {
        OrderStatus.completed,
        OrderStatus.cancelled,
        OrderStatus.no_show,
        OrderStatus.gone_on_arrival,
    }
)


class OrderChannel(StrEnum):
    """How the order came in."""

    app = "app"
    """The owner, in the app or on the web, with the car's location."""
    alert = "alert"
    """From a telematics alert (crash, flat tyre, low charge) the owner tapped."""
    phone = "phone"
    """Staff on the phone with the customer."""
    charging_failure = "charging_failure"
    """A charger failed the owner: a free tow (MISSION.md D5)."""


class OfferOutcome(StrEnum):
    pending = "pending"
    accepted = "accepted"
    declined = "declined"
    expired = "expired"
    withdrawn = "withdrawn"
    """Taken back (the order was cancelled or reassigned by staff)."""

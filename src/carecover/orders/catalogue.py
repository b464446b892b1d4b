"""Which provider units can serve which service (the capability filter of dispatch), and which
services are dispatched at all (the others are booked at a location or issued at once)."""

from __future__ import annotations

from carecover.benefits.enums import ServiceType
from carecover.orders.enums import UnitKind

S = ServiceType
K = UnitKind

SERVED_BY: dict[ServiceType, frozenset[UnitKind]] = {
    S.tow: frozenset({K.flatbed, K.wheel_lift}),
    S.jump_start: frozenset({K.service_van, K.flatbed, K.wheel_lift}),
    S.tyre_change: frozenset({K.service_van}),
    S.lockout: frozenset({K.service_van}),
    S.emergency_charging: frozenset({K.mobile_charger}),
    S.designated_driver: frozenset({K.designated_driver}),
}
"""Services a unit drives out for. A replacement car is delivered by a rental partner, and car
wash, maintenance and inspection are booked at a location (``bookings``)."""

DISPATCHED = frozenset(SERVED_BY)


def kinds_for(
    service: ServiceType, *, electric: bool, all_wheel_drive: bool = False
) -> frozenset[UnitKind]:
    """The unit kinds that may take the job: an electric or all-wheel-drive car is towed on a
    flatbed only (lifting two wheels of a driven axle damages the motor or the transmission)."""
    kinds = SERVED_BY.get(service)
    if kinds is None:
        raise KeyError(f"{service.value} is not dispatched to a unit")
    if service is S.tow and (electric or all_wheel_drive):
        return frozenset({K.flatbed})
    return kinds

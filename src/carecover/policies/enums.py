"""Policy enumerations."""

from __future__ import annotations

from enum import StrEnum


class PolicyKind(StrEnum):
    """At most one bound or active policy of each kind per vehicle at any time."""

    compulsory = "compulsory"
    """交强险: compulsory traffic accident liability insurance."""
    commercial = "commercial"
    """商业险: voluntary commercial motor insurance (including the NEV clauses)."""


class Coverage(StrEnum):
    """A cover on a policy: main covers and riders."""

    compulsory_liability = "compulsory_liability"
    vehicle_damage = "vehicle_damage"
    third_party_liability = "third_party_liability"
    driver_seat = "driver_seat"
    passenger_seat = "passenger_seat"
    medical_outside_insurance = "medical_outside_insurance"
    """Rider: medical costs outside the social medical-insurance list (医保外医疗费用)."""
    body_scratch = "body_scratch"
    repair_period_compensation = "repair_period_compensation"
    holiday_limit_double = "holiday_limit_double"
    """Rider: third-party limit doubled on statutory holidays."""
    nev_external_grid_fault = "nev_external_grid_fault"
    """NEV rider: loss from an external power-grid fault while charging."""
    nev_charging_pile_loss = "nev_charging_pile_loss"
    """NEV rider: the owner's own charging pile damaged."""
    nev_charging_pile_liability = "nev_charging_pile_liability"
    """NEV rider: third-party liability caused by the owner's charging pile."""


class PolicyStatus(StrEnum):
    """quote → bound → active → expired | renewed | cancelled."""

    quote = "quote"
    bound = "bound"
    """Accepted and paid, starting in the future."""
    active = "active"
    expired = "expired"
    renewed = "renewed"
    """Ended and continued by a renewal policy."""
    cancelled = "cancelled"


class CancelReason(StrEnum):
    """Why a policy ends early; compulsory policies may end early only for the first three."""

    vehicle_scrapped = "vehicle_scrapped"
    vehicle_transferred = "vehicle_transferred"
    duplicate_policy = "duplicate_policy"
    customer_request = "customer_request"

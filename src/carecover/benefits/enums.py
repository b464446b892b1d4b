"""Service types and quota periods."""

from __future__ import annotations

from enum import StrEnum


class ServiceType(StrEnum):
    """Everything an entitlement can cover (the catalogue of services)."""

    tow = "tow"
    jump_start = "jump_start"
    tyre_change = "tyre_change"
    emergency_charging = "emergency_charging"
    lockout = "lockout"
    replacement_car = "replacement_car"
    designated_driver = "designated_driver"
    car_wash = "car_wash"
    basic_maintenance = "basic_maintenance"
    parking_voucher = "parking_voucher"
    battery_health_check = "battery_health_check"
    inspection = "inspection"
    plate_registration = "plate_registration"
    extended_warranty = "extended_warranty"
    tyre_replacement = "tyre_replacement"
    priority_repair = "priority_repair"
    green_channel = "green_channel"
    income_loss_cover = "income_loss_cover"
    oem_parts_discount = "oem_parts_discount"
    battery_warranty = "battery_warranty"


class QuotaPeriod(StrEnum):
    """Over what span a quota counts."""

    month = "month"
    """Resets on the first day of each calendar month (Beijing time)."""
    year = "year"
    """Resets each grant year, counted from the grant's start."""
    term = "term"
    """Once over the whole validity of the grant."""
    incident = "incident"
    """Per incident (for example one free tow per breakdown); no running count."""


class Audience(StrEnum):
    """Who a package is designed for."""

    fuel = "fuel"
    nev = "nev"
    new_car = "new_car"
    used_car = "used_car"
    ride_hailing = "ride_hailing"
    oem = "oem"

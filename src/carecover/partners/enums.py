"""Partner enumerations."""

from __future__ import annotations

from enum import StrEnum


class PartnerType(StrEnum):
    """What a partner business does for the insurer's customers."""

    repair_shop = "repair_shop"
    """Repairs and services vehicles (维修厂), the network shop of claims and maintenance."""
    rescue = "rescue"
    """Roadside rescue and towing (道路救援/拖车)."""
    car_wash = "car_wash"
    """Washes and details cars (洗车/美容)."""
    charging_operator = "charging_operator"
    """Runs public EV chargers (充电运营商)."""
    parking = "parking"
    """Runs car parks that accept parking vouchers (停车场)."""
    designated_driver = "designated_driver"
    """Sends drivers to drive the owner's own car (代驾)."""
    merchant = "merchant"
    """A retail merchant where owners redeem points and coupons (商户)."""
    parts_supplier = "parts_supplier"
    """Makes or distributes serialised replacement parts (配件供应商), commissions their labels."""


class PartnerStatus(StrEnum):
    """Where a partner stands in the network; only active partners receive orders."""

    applicant = "applicant"
    """Registered, admission not yet granted."""
    active = "active"
    """Admitted: receives orders and appears to owners."""
    suspended = "suspended"
    """Temporarily out of the network (a quality problem, an expired licence …)."""
    terminated = "terminated"
    """Removed for good (for example after three failed weekly evaluations)."""


class QualificationKind(StrEnum):
    """A licence or authorisation a partner holds; the brand kinds name the brand too."""

    business_licence = "business_licence"
    """Business licence (营业执照), every partner needs one."""
    repair_licence_class_1 = "repair_licence_class_1"
    """Class 1 motor vehicle repair licence (一类机动车维修经营许可)."""
    repair_licence_class_2 = "repair_licence_class_2"
    """Class 2 motor vehicle repair licence (二类机动车维修经营许可)."""
    nev_brand_authorisation = "nev_brand_authorisation"
    """A new-energy vehicle maker's authorisation to repair its cars (needs the brand)."""
    oem_authorisation = "oem_authorisation"
    """A vehicle maker's certified-shop authorisation (needs the brand)."""
    towing_licence = "towing_licence"
    """Permission to tow and recover vehicles (清障救援资质)."""
    charging_operation_permit = "charging_operation_permit"
    """Permission to operate public charging facilities (充电设施运营许可)."""

    @property
    def needs_brand(self) -> bool:
        return self in (
            QualificationKind.nev_brand_authorisation,
            QualificationKind.oem_authorisation,
        )


class QualificationStatus(StrEnum):
    """A qualification's standing on a given day."""

    not_yet_valid = "not_yet_valid"
    """Recorded ahead of its start date."""
    valid = "valid"
    expiring = "expiring"
    """Still valid, but ends within the warning window (30 days)."""
    expired = "expired"
    revoked = "revoked"

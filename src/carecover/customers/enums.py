"""Customer enumerations."""

from __future__ import annotations

from enum import StrEnum


class ConsentPurpose(StrEnum):
    """Why personal information is processed (PIPL Art. 13–17: purpose, scope, withdrawal)."""

    service_delivery = "service_delivery"
    """Performing the insurance contract and its services (claims, rescue, repair)."""
    telematics = "telematics"
    """Collecting vehicle data from devices (location, driving behaviour, battery)."""
    marketing = "marketing"
    """Offers, campaigns and renewal reminders."""
    partner_sharing = "partner_sharing"
    """Sharing the minimum needed with partner businesses that serve the customer."""
    sensitive_data = "sensitive_data"
    """Separate consent for sensitive data (ID number, precise location) — PIPL Art. 29."""

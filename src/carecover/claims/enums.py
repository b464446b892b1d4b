"""Claim enumerations."""

from __future__ import annotations

from enum import StrEnum


class ClaimStatus(StrEnum):
    """Where a claim stands. reported → (fast_tracked | adjuster_review) → approved/… → paid."""

    reported = "reported"
    """First notice received; photos checked; waiting for the assessment."""
    fast_tracked = "fast_tracked"
    """Approved automatically as a small claim (reasons recorded)."""
    adjuster_review = "adjuster_review"
    """On the adjuster desk, with the reasons it did not qualify for the fast track."""
    approved = "approved"
    partially_approved = "partially_approved"
    rejected = "rejected"
    more_photos_requested = "more_photos_requested"
    paid = "paid"
    closed = "closed"


class ClaimSource(StrEnum):
    """How the claim started."""

    owner_app = "owner_app"
    api = "api"
    telematics = "telematics"
    """From a telematics crash alert (the entry point exists; the alert feed comes later)."""

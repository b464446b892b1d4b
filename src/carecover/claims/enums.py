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


class Settlement(StrEnum):
    """How an approved claim is paid: to the owner, or to the certified shop that repairs it."""

    cash = "cash"
    repair = "repair"


class EstimateKind(StrEnum):
    assessment = "assessment"
    """Priced from the guided assessment (owner, adjuster or shop)."""
    counter = "counter"
    """A shop's counter-quote or supplement, waiting for the adjuster."""
    agreed = "agreed"
    """What the adjuster accepted line by line from a counter-quote."""


class EstimateStatus(StrEnum):
    current = "current"
    superseded = "superseded"
    proposed = "proposed"
    decided = "decided"


class DecisionKind(StrEnum):
    """What an adjuster (or the fast track) decided."""

    approve = "approve"
    partial = "partial"
    reject = "reject"
    request_photos = "request_photos"


class EventKind(StrEnum):
    """One entry of a claim's timeline (also its audit trail)."""

    reported = "reported"
    assessed = "assessed"
    fast_tracked = "fast_tracked"
    referred = "referred"
    assigned = "assigned"
    decided = "decided"
    photos_added = "photos_added"
    review_requested = "review_requested"
    note = "note"
    payout_instructed = "payout_instructed"
    paid = "paid"
    shop_chosen = "shop_chosen"
    repair_accepted = "repair_accepted"
    repair_declined = "repair_declined"
    milestone = "milestone"
    supplement_proposed = "supplement_proposed"
    supplement_decided = "supplement_decided"
    closed = "closed"


class PayoutStatus(StrEnum):
    instructed = "instructed"
    paid = "paid"
    failed = "failed"


class RepairStatus(StrEnum):
    """offered → accepted → in_repair → ready → delivered; or declined / cancelled."""

    offered = "offered"
    accepted = "accepted"
    declined = "declined"
    in_repair = "in_repair"
    ready = "ready"
    delivered = "delivered"
    cancelled = "cancelled"


class Milestone(StrEnum):
    """Repair milestones in their order; a shop may skip ahead but never go back."""

    received = "received"
    disassembly = "disassembly"
    parts_ordered = "parts_ordered"
    parts_replaced = "parts_replaced"
    painting = "painting"
    testing = "testing"
    ready = "ready"
    delivered = "delivered"

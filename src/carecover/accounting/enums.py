"""Kinds of accounts and of journal entries."""

from __future__ import annotations

from enum import StrEnum


class AccountKind(StrEnum):
    asset = "asset"
    liability = "liability"
    equity = "equity"
    income = "income"
    expense = "expense"


class EntryKind(StrEnum):
    claim_payout = "claim_payout"
    partner_settlement = "partner_settlement"
    refund = "refund"
    adjustment = "adjustment"
    reversal = "reversal"


class PartyType(StrEnum):
    customer = "customer"
    partner = "partner"
    vehicle = "vehicle"

"""Reading the journal: one account's balance, the trial balance."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from carecover.accounting.enums import PartyType
from carecover.accounting.errors import JournalInvalid
from carecover.accounting.models import Account, JournalEntry, JournalLine
from carecover.platform.errors import FieldProblem


class TrialBalanceRow(NamedTuple):
    account: Account
    debit_fen: int
    credit_fen: int
    net_fen: int


def balance(
    session: Session,
    account_code: str,
    *,
    party: tuple[PartyType, uuid.UUID] | None = None,
    until: datetime | None = None,
) -> int:
    """The signed sum of the account's lines (debits positive), optionally for one party and
    up to ``until`` (inclusive)."""
    if session.get(Account, account_code) is None:
        raise JournalInvalid(
            FieldProblem("account_code", "journal.account_unknown", {"code": account_code})
        )
    query = (
        select(func.coalesce(func.sum(JournalLine.amount_fen), 0))
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(JournalLine.account_code == account_code)
    )
    if party is not None:
        query = query.where(JournalLine.party_type == party[0], JournalLine.party_id == party[1])
    if until is not None:
        query = query.where(JournalEntry.posted_at <= until)
    return int(session.scalar(query) or 0)


def trial_balance(session: Session, until: datetime | None = None) -> list[TrialBalanceRow]:
    """Every account of the chart with its debits, credits and net; the nets sum to 0."""
    debit = func.coalesce(
        func.sum(case((JournalLine.amount_fen > 0, JournalLine.amount_fen), else_=0)), 0
    )
    credit = func.coalesce(
        func.sum(case((JournalLine.amount_fen < 0, -JournalLine.amount_fen), else_=0)), 0
    )
    query = (
        select(JournalLine.account_code, debit, credit)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .group_by(JournalLine.account_code)
    )
    if until is not None:
        query = query.where(JournalEntry.posted_at <= until)
    sums = {code: (int(d), int(c)) for code, d, c in session.execute(query)}
    rows = []
    for account in session.scalars(select(Account).order_by(Account.code)):
        d, c = sums.get(account.code, (0, 0))
        rows.append(TrialBalanceRow(account, d, c, d - c))
    return rows

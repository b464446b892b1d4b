"""What the journal API returns."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel

from carecover.accounting.enums import AccountKind, EntryKind, PartyType


class LineRead(BaseModel):
    line_no: int
    account_code: str
    amount_fen: int
    """Signed: a debit is positive, a credit negative."""
    party_type: PartyType | None
    party_id: uuid.UUID | None
    service_line: str | None
    city_adcode: str | None


class EntryRead(BaseModel):
    id: uuid.UUID
    number: str
    kind: EntryKind
    reference: str
    memo: str | None
    posted_at: datetime
    posted_by: uuid.UUID | None
    reversal_of: uuid.UUID | None
    lines: list[LineRead]


class TrialBalanceLine(BaseModel):
    account_code: str
    kind: AccountKind
    name: str
    debit_fen: int
    credit_fen: int
    net_fen: int


class TrialBalanceRead(BaseModel):
    until: datetime | None
    lines: list[TrialBalanceLine]
    total_debit_fen: int
    total_credit_fen: int
    total_net_fen: int
    """Always 0: every entry balances."""

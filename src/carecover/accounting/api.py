"""Journal API (read-only, staff): entries, one entry, the trial balance."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import func, select

from carecover.accounting import service
from carecover.accounting.enums import EntryKind
from carecover.accounting.errors import EntryNotFound, JournalInvalid
from carecover.accounting.models import JournalEntry
from carecover.accounting.schemas import (
    EntryRead,
    LineRead,
    TrialBalanceLine,
    TrialBalanceRead,
)
from carecover.platform.auth.roles import Permission
from carecover.platform.auth.service import Principal
from carecover.platform.errors import FieldProblem
from carecover.platform.http.deps import DbSession, request_language, require
from carecover.platform.i18n import translate
from carecover.platform.pagination import Limit, Offset, Page

router = APIRouter(prefix="/journal", tags=["journal"])

JournalReader = Annotated[Principal, Depends(require(Permission.journal_read), scope="function")]


def _aware(value: datetime | None, field: str) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise JournalInvalid(FieldProblem(field, "journal.naive_datetime"))
    return value


def to_read(entry: JournalEntry) -> EntryRead:
    return EntryRead(
        id=entry.id,
        number=entry.number,
        kind=entry.kind,
        reference=entry.reference,
        memo=entry.memo,
        posted_at=entry.posted_at,
        posted_by=entry.posted_by,
        reversal_of=entry.reversal_of,
        lines=[
            LineRead(
                line_no=x.line_no,
                account_code=x.account_code,
                amount_fen=x.amount_fen,
                party_type=x.party_type,
                party_id=x.party_id,
                service_line=x.service_line,
                city_adcode=x.city_adcode,
            )
            for x in entry.lines
        ],
    )


@router.get("/entries", response_model=Page[EntryRead])
def entries(
    session: DbSession,
    _principal: JournalReader,
    kind: EntryKind | None = None,
    reference: Annotated[str | None, Query(max_length=120)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[EntryRead]:
    query = select(JournalEntry)
    if kind is not None:
        query = query.where(JournalEntry.kind == kind)
    if reference is not None:
        query = query.where(JournalEntry.reference == reference)
    if (start := _aware(since, "since")) is not None:
        query = query.where(JournalEntry.posted_at >= start)
    if (end := _aware(until, "until")) is not None:
        query = query.where(JournalEntry.posted_at <= end)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(JournalEntry.posted_at.desc(), JournalEntry.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return Page[EntryRead](
        items=[to_read(e) for e in rows], total=total, limit=limit, offset=offset
    )


@router.get("/entries/{entry_id}", response_model=EntryRead)
def entry(session: DbSession, _principal: JournalReader, entry_id: uuid.UUID) -> EntryRead:
    found = session.get(JournalEntry, entry_id)
    if found is None:
        raise EntryNotFound()
    return to_read(found)


@router.get("/trial-balance", response_model=TrialBalanceRead)
def trial_balance(
    session: DbSession,
    _principal: JournalReader,
    request: Request,
    until: datetime | None = None,
) -> TrialBalanceRead:
    lang = request_language(request)
    rows = service.trial_balance(session, _aware(until, "until"))
    lines = [
        TrialBalanceLine(
            account_code=r.account.code,
            kind=r.account.kind,
            name=translate(f"account.{r.account.code}", lang),
            debit_fen=r.debit_fen,
            credit_fen=r.credit_fen,
            net_fen=r.net_fen,
        )
        for r in rows
    ]
    return TrialBalanceRead(
        until=until,
        lines=lines,
        total_debit_fen=sum(x.debit_fen for x in lines),
        total_credit_fen=sum(x.credit_fen for x in lines),
        total_net_fen=sum(x.net_fen for x in lines),
    )

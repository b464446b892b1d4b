"""Posting balanced entries to the journal, idempotently by reference, and reversing them."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from carecover.accounting.enums import EntryKind, PartyType
from carecover.accounting.errors import (
    AlreadyReversed,
    EntryNotFound,
    JournalInvalid,
    ReferenceConflict,
    ReversalNotReversible,
    Unbalanced,
)
from carecover.accounting.models import Account, JournalEntry, JournalLine
from carecover.platform.audit.service import record
from carecover.platform.clock import utc_now
from carecover.platform.context import Actor
from carecover.platform.errors import FieldProblem

_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


@dataclass(frozen=True, slots=True)
class LineIn:
    """One leg to post: ``amount_fen`` signed (debit positive, credit negative), never zero."""

    account_code: str
    amount_fen: int
    party_type: PartyType | None = None
    party_id: uuid.UUID | None = None
    service_line: str | None = None
    city_adcode: str | None = None


_Key = tuple[str, int, str | None, uuid.UUID | None, str | None, str | None]


def _key(line: LineIn | JournalLine) -> _Key:
    party = line.party_type.value if line.party_type is not None else None
    return (
        line.account_code,
        int(line.amount_fen),
        party,
        line.party_id,
        line.service_line,
        line.city_adcode,
    )


def _amount(value: object) -> int | None:
    """The value as whole fen, or None when it is not one (bool, float, a fractional Decimal)."""
    if isinstance(value, bool | float):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value)
    return None


def _check_time(at: datetime | None, field: str) -> datetime:
    if at is None:
        return utc_now()
    if not isinstance(at, datetime) or at.tzinfo is None or at.utcoffset() is None:
        raise JournalInvalid(FieldProblem(field, "journal.naive_datetime"))
    return at


def _validated(session: Session, lines: Sequence[LineIn]) -> list[LineIn]:
    problems: list[FieldProblem] = []
    if len(lines) < 2:
        problems.append(FieldProblem("lines", "journal.too_few_lines", {"count": len(lines)}))
    known = set(session.scalars(select(Account.code)))
    clean: list[LineIn] = []
    for i, line in enumerate(lines):
        amount = _amount(line.amount_fen)
        if amount is None:
            problems.append(FieldProblem(f"lines.{i}.amount_fen", "journal.amount_not_integer"))
        elif amount == 0:
            problems.append(FieldProblem(f"lines.{i}.amount_fen", "journal.amount_zero"))
        if line.account_code not in known:
            problems.append(
                FieldProblem(
                    f"lines.{i}.account_code",
                    "journal.account_unknown",
                    {"code": str(line.account_code)},
                )
            )
        if (line.party_type is None) != (line.party_id is None):
            problems.append(FieldProblem(f"lines.{i}.party", "journal.party_incomplete"))
        if amount is not None:
            clean.append(
                LineIn(
                    line.account_code,
                    amount,
                    line.party_type,
                    line.party_id,
                    line.service_line,
                    line.city_adcode,
                )
            )
    if problems:
        raise JournalInvalid(*problems)
    total = sum(line.amount_fen for line in clean)
    if total != 0:
        raise Unbalanced(total)
    return clean


def by_reference(session: Session, reference: str) -> JournalEntry | None:
    return session.scalars(select(JournalEntry).where(JournalEntry.reference == reference)).first()


def _same_or_conflict(
    found: JournalEntry, kind: EntryKind, reference: str, lines: Sequence[LineIn]
) -> JournalEntry:
    if found.kind is kind and [_key(x) for x in found.lines] == [_key(x) for x in lines]:
        return found
    raise ReferenceConflict(reference)


def _new_number(at: datetime) -> str:
    """``JE`` + date + 8 random characters."""
    return f"JE{at:%y%m%d}" + "".join(secrets.choice(_ALPHABET) for _ in range(8))


def _insert(
    session: Session,
    actor: Actor,
    *,
    kind: EntryKind,
    reference: str,
    lines: Sequence[LineIn],
    memo: str | None,
    at: datetime,
    reversal_of: uuid.UUID | None = None,
) -> JournalEntry:
    entry = JournalEntry(
        number=_new_number(at),
        kind=kind,
        reference=reference,
        memo=memo,
        posted_at=at,
        posted_by=actor.user_id,
        reversal_of=reversal_of,
    )
    entry.lines = [
        JournalLine(
            line_no=n,
            account_code=line.account_code,
            amount_fen=line.amount_fen,
            party_type=line.party_type,
            party_id=line.party_id,
            service_line=line.service_line,
            city_adcode=line.city_adcode,
        )
        for n, line in enumerate(lines, start=1)
    ]
    with session.begin_nested():
        session.add(entry)
        session.flush()
    record(
        session,
        actor,
        "journal.reversed" if reversal_of else "journal.posted",
        object_type="journal_entry",
        object_id=entry.id,
        details={
            "number": entry.number,
            "kind": kind.value,
            "reference": reference,
            "debit_fen": sum(x.amount_fen for x in lines if x.amount_fen > 0),
            **({"reversal_of": str(reversal_of)} if reversal_of else {}),
        },
    )
    return entry


def post(
    session: Session,
    actor: Actor,
    *,
    kind: EntryKind,
    reference: str,
    lines: Sequence[LineIn],
    memo: str | None = None,
    at: datetime | None = None,
) -> JournalEntry:
    """Post one balanced entry. The same reference with the same lines returns the entry
    already posted; with other lines it is a ``ReferenceConflict``. Nothing is written on a
    refusal."""
    posted_at = _check_time(at, "at")
    if not reference or len(reference) > 120:
        raise JournalInvalid(FieldProblem("reference", "journal.reference_invalid"))
    clean = _validated(session, lines)
    found = by_reference(session, reference)
    if found is not None:
        return _same_or_conflict(found, kind, reference, clean)
    try:
        return _insert(
            session, actor, kind=kind, reference=reference, lines=clean, memo=memo, at=posted_at
        )
    except IntegrityError:  # a concurrent post with the same reference won the insert
        winner = by_reference(session, reference)
        if winner is None:
            raise
        return _same_or_conflict(winner, kind, reference, clean)


def reverse(
    session: Session,
    actor: Actor,
    entry_id: uuid.UUID,
    *,
    reason: str,
    at: datetime | None = None,
) -> JournalEntry:
    """A new entry with every line of ``entry_id`` negated; an entry is reversed at most once
    and a reversal is not reversed."""
    posted_at = _check_time(at, "at")
    entry = session.get(JournalEntry, entry_id)
    if entry is None:
        raise EntryNotFound()
    if entry.kind is EntryKind.reversal or entry.reversal_of is not None:
        raise ReversalNotReversible()
    taken = session.scalars(
        select(JournalEntry.id).where(JournalEntry.reversal_of == entry.id)
    ).first()
    if taken is not None:
        raise AlreadyReversed()
    negated = [
        LineIn(
            x.account_code, -x.amount_fen, x.party_type, x.party_id, x.service_line, x.city_adcode
        )
        for x in entry.lines
    ]
    try:
        return _insert(
            session,
            actor,
            kind=EntryKind.reversal,
            reference=f"reversal:{entry.id}",
            lines=negated,
            memo=reason,
            at=posted_at,
            reversal_of=entry.id,
        )
    except IntegrityError as exc:  # a concurrent reversal won
        raise AlreadyReversed() from exc

"""The journal: balanced posts, every bad input refused with nothing written, idempotent
references, reversals, and the database refusing UPDATE and DELETE."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Uuid, bindparam, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from carecover.accounting import service
from carecover.accounting.enums import EntryKind, PartyType
from carecover.accounting.errors import (
    AlreadyReversed,
    EntryNotFound,
    JournalInvalid,
    ReferenceConflict,
    ReversalNotReversible,
    Unbalanced,
)
from carecover.accounting.models import JournalEntry, JournalLine
from carecover.accounting.service import LineIn
from carecover.platform.audit.models import AuditEntry
from carecover.platform.context import Actor

ACTOR = Actor.system("req-journal")
AT = datetime(2026, 12, 8, 1, 0, tzinfo=UTC)


def counts(session: Session) -> tuple[int, int]:
    return (
        session.scalar(select(func.count()).select_from(JournalEntry)) or 0,
        session.scalar(select(func.count()).select_from(JournalLine)) or 0,
    )


def claim_lines(amount: int) -> list[LineIn]:
    return [LineIn("6511", amount), LineIn("1002", -amount)]


def test_a_balanced_entry_is_posted_with_numbered_lines_and_audited(session: Session) -> None:
    customer = uuid.uuid4()
    entry = service.post(
        session,
        ACTOR,
        kind=EntryKind.claim_payout,
        reference="test:balanced",
        lines=[
            LineIn("6511", 120_000, PartyType.customer, customer, "claims", "310100"),
            LineIn("1002", -120_000, PartyType.customer, customer, "claims", "310100"),
        ],
        memo="一笔赔款",
        at=AT,
    )
    session.expire_all()
    stored = session.get(JournalEntry, entry.id)
    assert stored is not None
    assert stored.number.startswith("JE261208")
    assert stored.posted_at == AT
    assert [(x.line_no, x.account_code, x.amount_fen) for x in stored.lines] == [
        (1, "6511", 120_000),
        (2, "1002", -120_000),
    ]
    assert stored.lines[0].party_id == customer
    assert service.balance(session, "6511") == 120_000
    assert service.balance(session, "1002", party=(PartyType.customer, customer)) == -120_000
    assert service.balance(session, "1002", party=(PartyType.customer, uuid.uuid4())) == 0
    assert service.balance(session, "6511", until=AT - timedelta(seconds=1)) == 0
    audit = session.scalars(select(AuditEntry).where(AuditEntry.object_id == str(entry.id))).one()
    assert audit.action == "journal.posted"
    assert audit.details["debit_fen"] == 120_000


@pytest.mark.parametrize(
    ("lines", "field"),
    [
        ([LineIn("6511", 100)], "lines"),
        ([], "lines"),
        ([LineIn("6511", 0), LineIn("1002", 0)], "lines.0.amount_fen"),
        ([LineIn("6511", True), LineIn("1002", -1)], "lines.0.amount_fen"),
        ([LineIn("6511", 1.0), LineIn("1002", -1)], "lines.0.amount_fen"),  # type: ignore[arg-type]
        (
            [LineIn("6511", Decimal("1.5")), LineIn("1002", Decimal("-1.5"))],  # type: ignore[arg-type]
            "lines.0.amount_fen",
        ),
        ([LineIn("9999", 100), LineIn("1002", -100)], "lines.0.account_code"),
        ([LineIn("6511", 100, PartyType.partner), LineIn("1002", -100)], "lines.0.party"),
    ],
)
def test_bad_lines_are_refused_and_nothing_is_written(
    session: Session, lines: list[LineIn], field: str
) -> None:
    before = counts(session)
    with pytest.raises(JournalInvalid) as raised:
        service.post(session, ACTOR, kind=EntryKind.adjustment, reference="test:bad", lines=lines)
    assert field in [p.field for p in raised.value.problems]
    assert counts(session) == before


def test_a_whole_decimal_is_taken_as_fen(session: Session) -> None:
    entry = service.post(
        session,
        ACTOR,
        kind=EntryKind.adjustment,
        reference="test:decimal",
        lines=[LineIn("6511", Decimal("300")), LineIn("1002", Decimal("-300"))],  # type: ignore[arg-type]
    )
    assert [x.amount_fen for x in entry.lines] == [300, -300]


def test_an_unbalanced_entry_names_the_difference_and_writes_nothing(session: Session) -> None:
    before = counts(session)
    with pytest.raises(Unbalanced) as raised:
        service.post(
            session,
            ACTOR,
            kind=EntryKind.adjustment,
            reference="test:unbalanced",
            lines=[LineIn("6511", 10_000), LineIn("1002", -9_999)],
        )
    assert raised.value.difference_fen == 1
    assert counts(session) == before


def test_a_naive_time_is_refused(session: Session) -> None:
    before = counts(session)
    with pytest.raises(JournalInvalid):
        service.post(
            session,
            ACTOR,
            kind=EntryKind.adjustment,
            reference="test:naive",
            lines=claim_lines(5),
            at=datetime(2026, 12, 8, 1, 0),  # noqa: DTZ001
        )
    assert counts(session) == before


def test_the_same_reference_posts_once_and_other_lines_conflict(session: Session) -> None:
    first = service.post(
        session, ACTOR, kind=EntryKind.refund, reference="test:idem", lines=claim_lines(700)
    )
    again = service.post(
        session, ACTOR, kind=EntryKind.refund, reference="test:idem", lines=claim_lines(700)
    )
    assert again.id == first.id
    after = counts(session)
    with pytest.raises(ReferenceConflict):
        service.post(
            session, ACTOR, kind=EntryKind.refund, reference="test:idem", lines=claim_lines(701)
        )
    with pytest.raises(ReferenceConflict):
        service.post(
            session, ACTOR, kind=EntryKind.adjustment, reference="test:idem", lines=claim_lines(700)
        )
    assert counts(session) == after


def test_a_reversal_negates_every_line_once(session: Session) -> None:
    entry = service.post(
        session, ACTOR, kind=EntryKind.claim_payout, reference="test:rev", lines=claim_lines(900)
    )
    reversal = service.reverse(session, ACTOR, entry.id, reason="paid twice by mistake")
    assert reversal.kind is EntryKind.reversal
    assert reversal.reversal_of == entry.id
    assert reversal.memo == "paid twice by mistake"
    assert [(x.account_code, x.amount_fen) for x in reversal.lines] == [
        ("6511", -900),
        ("1002", 900),
    ]
    assert service.balance(session, "6511") == 0
    after = counts(session)
    with pytest.raises(AlreadyReversed):
        service.reverse(session, ACTOR, entry.id, reason="again")
    with pytest.raises(ReversalNotReversible):
        service.reverse(session, ACTOR, reversal.id, reason="undo the undo")
    with pytest.raises(EntryNotFound):
        service.reverse(session, ACTOR, uuid.uuid4(), reason="nothing")
    assert counts(session) == after
    actions = session.scalars(
        select(AuditEntry.action).where(AuditEntry.object_id == str(reversal.id))
    ).all()
    assert actions == ["journal.reversed"]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE accounting_entries SET memo = 'forged' WHERE id = :id",
        "DELETE FROM accounting_entries WHERE id = :id",
        "UPDATE accounting_lines SET amount_fen = 1 WHERE entry_id = :id",
        "DELETE FROM accounting_lines WHERE entry_id = :id",
    ],
)
def test_the_database_refuses_update_and_delete(session: Session, statement: str) -> None:
    entry = service.post(
        session, ACTOR, kind=EntryKind.adjustment, reference="test:raw", lines=claim_lines(42)
    )
    nested = session.begin_nested()
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(text(statement).bindparams(bindparam("id", type_=Uuid())), {"id": entry.id})
    nested.rollback()
    session.expire_all()
    kept = session.get(JournalEntry, entry.id)
    assert kept is not None
    assert kept.memo is None
    assert [x.amount_fen for x in kept.lines] == [42, -42]


ACCOUNTS = ["1002", "2202", "2241", "2251", "6031", "6051", "6401", "6402", "6511"]


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.lists(
            st.tuples(st.sampled_from(ACCOUNTS), st.integers(1, 10**12)), min_size=1, max_size=4
        ),
        min_size=1,
        max_size=6,
    )
)
def test_the_trial_balance_always_sums_to_zero(
    session: Session, entries: list[list[tuple[str, int]]]
) -> None:
    for legs in entries:
        lines = [LineIn(code, amount) for code, amount in legs]
        lines.append(LineIn("4001", -sum(amount for _, amount in legs)))
        service.post(
            session,
            ACTOR,
            kind=EntryKind.adjustment,
            reference=f"test:tb:{uuid.uuid4()}",
            lines=lines,
        )
    rows = service.trial_balance(session)
    assert sum(r.net_fen for r in rows) == 0
    assert sum(r.debit_fen for r in rows) == sum(r.credit_fen for r in rows)
    for code in ACCOUNTS:
        row = next(r for r in rows if r.account.code == code)
        assert row.net_fen == service.balance(session, code)

"""The first real poster: a sent claim payout is in the journal once, however often it is sent."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.accounting import service
from carecover.accounting.enums import EntryKind, PartyType
from carecover.accounting.models import JournalEntry
from carecover.claims.enums import PayoutStatus
from carecover.claims.service import payouts
from carecover.platform.payments import (
    PaymentInstruction,
    PaymentReceipt,
    PaymentRefused,
    use_payment_port,
)
from tests.claims.flows import SMALL, reported_and_assessed
from tests.factories.claims import make_insured


def entries_for(session: Session, reference: str) -> list[JournalEntry]:
    return list(session.scalars(select(JournalEntry).where(JournalEntry.reference == reference)))


def test_a_sent_payout_posts_claims_expense_against_cash_once(session: Session) -> None:
    claim = reported_and_assessed(session, make_insured(session), SMALL)
    payout = payouts.of_claim(session, claim.id)
    assert payout is not None
    reference = f"claim-payout:{payout.id}"
    assert entries_for(session, reference) == []  # instructed, not yet paid: nothing moved
    payouts.send(session, payout.id)
    payouts.send(session, payout.id)  # the outbox retries
    assert payout.status is PayoutStatus.paid
    [entry] = entries_for(session, reference)
    assert entry.kind is EntryKind.claim_payout
    assert entry.posted_at == payout.paid_at
    amount = payout.amount_fen
    assert amount > 0
    assert [(x.account_code, x.amount_fen) for x in entry.lines] == [
        ("6511", amount),
        ("1002", -amount),
    ]
    assert sum(x.amount_fen for x in entry.lines) == 0
    assert {(x.party_type, x.party_id) for x in entry.lines} == {
        (PartyType.customer, claim.customer_id)
    }
    assert service.balance(session, "6511", party=(PartyType.customer, claim.customer_id)) == (
        amount
    )
    assert sum(r.net_fen for r in service.trial_balance(session)) == 0


def test_a_payout_sent_again_through_the_journal_poster_is_not_doubled(session: Session) -> None:
    claim = reported_and_assessed(session, make_insured(session), SMALL)
    payout = payouts.of_claim(session, claim.id)
    assert payout is not None
    payouts.send(session, payout.id)
    # a retry that got past the status check (a crash after the post, before the commit of the
    # status) posts the same lines under the same reference: the existing entry comes back
    payouts._post_to_journal(session, payout, claim.customer_id)
    assert len(entries_for(session, f"claim-payout:{payout.id}")) == 1
    assert service.balance(session, "1002") == -payout.amount_fen


class RefusingBank:
    """A provider that refuses every instruction (the payee's account is closed)."""

    def send(self, instruction: PaymentInstruction) -> PaymentReceipt:
        raise PaymentRefused("payment.account_closed")


def test_a_refused_payment_posts_nothing(session: Session) -> None:
    claim = reported_and_assessed(session, make_insured(session), SMALL)
    payout = payouts.of_claim(session, claim.id)
    assert payout is not None
    previous = use_payment_port(RefusingBank())
    try:
        payouts.send(session, payout.id)
    finally:
        use_payment_port(previous)
    assert payout.status is PayoutStatus.failed
    assert entries_for(session, f"claim-payout:{payout.id}") == []
    assert service.balance(session, "6511") == 0

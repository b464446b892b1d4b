"""The journal API: staff with journal_read see entries and the trial balance; others do not."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from carecover.accounting import service
from carecover.accounting.enums import EntryKind
from carecover.accounting.service import LineIn
from carecover.platform.auth.roles import Role
from carecover.platform.context import Actor
from tests.accounts.test_api import sign_in
from tests.factories.accounts import make_user

AT = datetime(2026, 12, 8, 1, 0, tzinfo=UTC)


def post_two(session: Session) -> None:
    for n, amount in enumerate((1_000, 2_500)):
        service.post(
            session,
            Actor.system(),
            kind=EntryKind.refund if n else EntryKind.adjustment,
            reference=f"api:{n}",
            lines=[LineIn("2241", amount), LineIn("1002", -amount)],
            at=AT,
        )


def test_an_auditor_reads_entries_one_entry_and_the_trial_balance(
    client: TestClient, session: Session
) -> None:
    post_two(session)
    make_user(session, role=Role.auditor, username="journal.auditor", language="en")
    headers = sign_in(client, "journal.auditor")
    page = client.get("/api/v1/journal/entries", headers=headers).json()
    assert page["total"] == 2
    refunds = client.get("/api/v1/journal/entries?kind=refund", headers=headers).json()
    assert [e["reference"] for e in refunds["items"]] == ["api:1"]
    assert [x["amount_fen"] for x in refunds["items"][0]["lines"]] == [2_500, -2_500]
    by_ref = client.get("/api/v1/journal/entries?reference=api:0", headers=headers).json()
    assert by_ref["total"] == 1
    later = client.get(
        "/api/v1/journal/entries", params={"since": "2026-12-09T00:00:00Z"}, headers=headers
    ).json()
    assert later["total"] == 0
    naive = client.get(
        "/api/v1/journal/entries", params={"since": "2026-12-09T00:00:00"}, headers=headers
    )
    assert naive.status_code == 422
    assert naive.json()["code"] == "journal_invalid"
    one = client.get(f"/api/v1/journal/entries/{by_ref['items'][0]['id']}", headers=headers)
    assert one.status_code == 200
    assert one.json()["kind"] == "adjustment"
    missing = client.get(f"/api/v1/journal/entries/{uuid.uuid4()}", headers=headers)
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert missing.json()["code"] == "journal_entry_not_found"
    tb = client.get("/api/v1/journal/trial-balance", headers=headers).json()
    assert tb["total_net_fen"] == 0
    assert tb["total_debit_fen"] == tb["total_credit_fen"] == 3_500
    cash = next(x for x in tb["lines"] if x["account_code"] == "1002")
    assert (cash["credit_fen"], cash["net_fen"], cash["name"]) == (3_500, -3_500, "Cash at bank")


def test_the_trial_balance_names_accounts_in_chinese(client: TestClient, session: Session) -> None:
    make_user(session, role=Role.network_manager, username="journal.nm")
    headers = sign_in(client, "journal.nm") | {"Accept-Language": "zh-CN"}
    tb = client.get("/api/v1/journal/trial-balance", headers=headers).json()
    names = {x["account_code"]: x["name"] for x in tb["lines"]}
    assert names["6511"] == "赔付支出"


def test_an_adjuster_may_not_read_the_journal(client: TestClient, session: Session) -> None:
    make_user(session, role=Role.adjuster, username="journal.adjuster")
    headers = sign_in(client, "journal.adjuster")
    assert client.get("/api/v1/journal/entries", headers=headers).status_code == 403
    assert client.get("/api/v1/journal/trial-balance", headers=headers).status_code == 403

"""The adjuster desk over HTTP: the queue and its filters, assignment, internal notes, the
dashboard numbers, and the owner's request for a human review with its resolution."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from carecover.claims.models import Claim, ClaimEvent
from carecover.claims.service import metrics, payouts
from carecover.platform.auth.roles import Role
from carecover.platform.clock import ensure_utc, utc_now
from tests.claims.flows import SMALL
from tests.claims.test_api_assessment import (
    Headers,
    assess,
    conflict,
    decide,
    file_claim,
    invalid,
    owner,
    problem,
    referred_claim,
    staff,
    stored,
)
from tests.factories.claims import Insured

QUEUE = "/api/v1/desk/claims"


def fast_tracked(client: TestClient, session: Session, insured: Insured, headers: Headers) -> str:
    cid = file_claim(session, insured)
    response = assess(client, headers, cid, SMALL)
    assert response.status_code == 200, response.text
    assert response.json()["claim"]["status"] == "fast_tracked"
    return cid


def queue(client: TestClient, headers: Headers, **params: Any) -> list[dict[str, Any]]:
    response = client.get(QUEUE, params=params, headers=headers)
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()
    return rows


def ids(client: TestClient, headers: Headers, **params: Any) -> set[str]:
    return {row["id"] for row in queue(client, headers, **params)}


def ask_review(client: TestClient, headers: Headers, cid: str, text: str = "金额偏低") -> Any:
    return client.post(f"/api/v1/claims/{cid}/review", json={"text": text}, headers=headers)


def test_the_queue_filters_by_status_assignment_flag_sla_and_review(
    client: TestClient, session: Session
) -> None:
    me, desk = staff(client, session, "dq.me", Role.adjuster)
    other, _ = staff(client, session, "dq.other", Role.adjuster)
    first, first_headers = owner(client, session, "dq.first")
    open_ = referred_claim(client, session, first, first_headers)
    mine = referred_claim(client, session, first, first_headers)
    photos = referred_claim(client, session, first, first_headers)
    second, second_headers = owner(client, session, "dq.second")
    disputed = fast_tracked(client, session, second, second_headers)
    third, third_headers = owner(client, session, "dq.third")
    fast_tracked(client, session, third, third_headers)  # decided, never on the desk

    assigned = client.post(f"/api/v1/claims/{mine}/assign", json={}, headers=desk)
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["assigned_to"] == str(me.id)
    to_other = client.post(
        f"/api/v1/claims/{photos}/assign", json={"adjuster_id": str(other.id)}, headers=desk
    )
    assert to_other.json()["assigned_to"] == str(other.id)
    asked = decide(client, desk, photos, decision="request_photos", note="请补拍车牌")
    assert asked.json()["status"] == "more_photos_requested"
    assert ask_review(client, second_headers, disputed).status_code == 200

    assert ids(client, desk) == {open_, mine, photos, disputed}
    assert ids(client, desk, status="adjuster_review") == {open_, mine}
    assert ids(client, desk, status="more_photos_requested") == {photos}
    assert ids(client, desk, assigned="me") == {mine}
    assert ids(client, desk, assigned="unassigned") == {open_, disputed}
    assert ids(client, desk, flag="over_fast_track_limit") == {open_, mine, photos}
    assert ids(client, desk, flag="frequent_claims") == {photos}  # the owner's third claim
    assert ids(client, desk, flag="photo_reused") == set()
    reviews = queue(client, desk, review="true")
    assert [r["id"] for r in reviews] == [disputed]
    assert reviews[0]["review_requested"] is True
    assert reviews[0]["sla"] == "ok"  # an unanswered review runs on the desk's timer
    assert len(queue(client, desk, limit=1)) == 1

    now = utc_now()
    for cid, due in ((open_, now - timedelta(minutes=5)), (mine, now + timedelta(minutes=30))):
        session.execute(update(Claim).where(Claim.id == uuid.UUID(cid)).values(sla_due_at=due))
    session.flush()
    breached = queue(client, desk, sla="breached")
    assert [(r["id"], r["sla"]) for r in breached] == [(open_, "breached")]
    assert [(r["id"], r["sla"]) for r in queue(client, desk, sla="due_soon")] == [
        (mine, "due_soon")
    ]
    everything = queue(client, desk)
    assert everything[0]["id"] == open_  # most urgent first
    assert everything[1]["id"] == mine


def test_bad_queue_filters_and_non_adjusters_are_refused(
    client: TestClient, session: Session
) -> None:
    _, desk = staff(client, session, "dq.filters", Role.adjuster)
    for params, where in (
        ({"assigned": "bob"}, "assigned"),
        ({"sla": "late"}, "sla"),
        ({"status": "lost"}, "status"),
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"review": "maybe"}, "review"),
    ):
        refused = client.get(QUEUE, params=params, headers=desk)
        invalid(refused, ["query", where])
    _, headers = owner(client, session, "dq.owner")
    problem(client.get(QUEUE, headers=headers), 403, "forbidden")
    _, dispatcher = staff(client, session, "dq.dispatcher", Role.dispatcher)
    problem(client.get(QUEUE, headers=dispatcher), 403, "forbidden")
    problem(client.get(QUEUE), 401, "unauthenticated")


def test_assignment_takes_only_claim_handlers(client: TestClient, session: Session) -> None:
    insured, headers = owner(client, session, "da.owner")
    cid = referred_claim(client, session, insured, headers)
    _, desk = staff(client, session, "da.adjuster", Role.adjuster)
    dispatcher, dispatcher_headers = staff(client, session, "da.dispatcher", Role.dispatcher)
    url = f"/api/v1/claims/{cid}/assign"
    for target in (dispatcher.id, insured.owner.id, uuid.uuid4()):
        refused = client.post(url, json={"adjuster_id": str(target)}, headers=desk)
        invalid(refused, ["body", "adjuster_id"], "claim.not_an_adjuster")
    invalid(client.post(url, json={"adjuster_id": "me"}, headers=desk), ["body", "adjuster_id"])
    problem(client.post(url, json={}, headers=dispatcher_headers), 403, "forbidden")
    problem(client.post(url, json={}, headers=headers), 403, "forbidden")
    missing = client.post(f"/api/v1/claims/{uuid.uuid4()}/assign", json={}, headers=desk)
    problem(missing, 404, "not_found")
    assert stored(session, cid).assigned_to is None

    assert client.post(url, json={}, headers=desk).status_code == 200
    owner_view = client.get(f"/api/v1/claims/{cid}/timeline", headers=headers).json()
    staff_view = client.get(f"/api/v1/claims/{cid}/timeline", headers=desk).json()
    assert "assigned" not in [e["kind"] for e in owner_view]
    assert [e["kind"] for e in staff_view].count("assigned") == 1


def test_notes_are_internal_and_checked(client: TestClient, session: Session) -> None:
    insured, headers = owner(client, session, "dn.owner")
    cid = referred_claim(client, session, insured, headers)
    adjuster, desk = staff(client, session, "dn.adjuster", Role.adjuster)
    url = f"/api/v1/claims/{cid}/notes"
    saved = client.post(url, json={"text": "  已电话联系车主  "}, headers=desk)
    assert saved.status_code == 204
    invalid(client.post(url, json={"text": "   "}, headers=desk), ["body", "text"])
    invalid(client.post(url, json={"text": "x" * 2001}, headers=desk), ["body", "text"])
    invalid(client.post(url, json={"note": "wrong field"}, headers=desk), ["body", "text"])
    problem(client.post(url, json={"text": "mine"}, headers=headers), 403, "forbidden")
    missing = client.post(f"/api/v1/claims/{uuid.uuid4()}/notes", json={"text": "x"}, headers=desk)
    problem(missing, 404, "not_found")
    session.expire_all()
    notes = session.scalars(
        select(ClaimEvent).where(ClaimEvent.claim_id == uuid.UUID(cid), ClaimEvent.kind == "note")
    ).all()
    assert [(n.data["text"], n.internal, n.actor_id) for n in notes] == [
        ("已电话联系车主", True, adjuster.id)
    ]


def test_metrics_give_rates_between_zero_and_one_and_every_stage(
    client: TestClient, session: Session
) -> None:
    _, desk = staff(client, session, "dm.adjuster", Role.adjuster)
    quick, quick_headers = owner(client, session, "dm.quick")
    paid = fast_tracked(client, session, quick, quick_headers)
    slow, slow_headers = owner(client, session, "dm.slow")
    referred = referred_claim(client, session, slow, slow_headers)
    assert decide(client, desk, referred, decision="approve").status_code == 200
    assert ask_review(client, slow_headers, referred).status_code == 200
    waiting, waiting_headers = owner(client, session, "dm.waiting")
    referred_claim(client, session, waiting, waiting_headers)
    payout = payouts.of_claim(session, uuid.UUID(paid))
    assert payout is not None
    payouts.send(session, payout.id)  # what the outbox handler does after commit
    session.flush()

    response = client.get("/api/v1/desk/metrics", headers=desk)
    assert response.status_code == 200, response.text
    m = response.json()
    assert (m["reported"], m["decided"], m["fast_tracked"], m["paid"]) == (3, 2, 1, 1)
    assert (m["in_desk"], m["sla_breached"]) == (2, 0)  # the waiting claim and the review
    for rate in ("fast_track_rate", "touchless_rate", "dispute_rate"):
        assert 0 <= m[rate] <= 1, rate
    assert m["fast_track_rate"] == 0.5
    assert m["touchless_rate"] == 1.0
    assert m["dispute_rate"] == 0.5
    assert [s["stage"] for s in m["stages"]] == list(metrics.STAGES)
    stages = {s["stage"]: s for s in m["stages"]}
    assert stages["report_to_assess"]["count"] == 3
    assert stages["assess_to_decide"]["count"] == 2
    assert stages["report_to_pay"]["count"] == 1
    assert stages["repair_offer_to_delivery"] == {
        "stage": "repair_offer_to_delivery",
        "count": 0,
        "p50_hours": None,
        "p90_hours": None,
    }
    for s in m["stages"]:
        if s["count"]:
            assert 0 <= s["p50_hours"] <= s["p90_hours"]
    since = client.get("/api/v1/desk/metrics", params={"days": 7}, headers=desk).json()["since"]
    assert (
        abs(
            (
                utc_now() - timedelta(days=7) - ensure_utc(datetime.fromisoformat(since))
            ).total_seconds()
        )
        < 60
    )

    for days in (0, 367, "week"):
        url = "/api/v1/desk/metrics"
        invalid(client.get(url, params={"days": days}, headers=desk), ["query", "days"])
    problem(client.get("/api/v1/desk/metrics", headers=quick_headers), 403, "forbidden")


# --- the owner's request for a human review ------------------------------------------------------


def test_the_owner_asks_for_a_review_once_and_an_adjuster_upholds_it(
    client: TestClient, session: Session
) -> None:
    insured, headers = owner(client, session, "dr.owner")
    cid = fast_tracked(client, session, insured, headers)
    _, desk = staff(client, session, "dr.adjuster", Role.adjuster)
    problem(ask_review(client, desk, cid), 403, "forbidden")  # only the owner asks
    _, stranger = owner(client, session, "dr.stranger")
    problem(ask_review(client, stranger, cid), 404, "not_found")
    invalid(ask_review(client, headers, cid, text=" "), ["body", "text"])
    assert stored(session, cid).review_requested_at is None

    asked = ask_review(client, headers, cid, text="修理厂报价比估损高，请人工复核")
    assert asked.status_code == 200, asked.text
    assert asked.json()["review_requested_at"] is not None
    row = stored(session, cid)
    assert row.review_requested_at is not None
    assert row.disputed is True
    assert row.status.value == "fast_tracked"
    conflict(ask_review(client, headers, cid), "review_already_requested")
    assert ids(client, desk, review="true") == {cid}

    url = f"/api/v1/claims/{cid}/review/resolve"
    problem(client.post(url, json={"note": "ok"}, headers=headers), 403, "forbidden")
    invalid(client.post(url, json={"reopen": False}, headers=desk), ["body", "note"], "missing")
    body = conflict(
        client.post(url, json={"reopen": True, "note": "重新审核"}, headers=desk),
        "cannot_reopen",
    )
    assert "fast_tracked" in body["reason_text"]
    upheld = client.post(url, json={"reopen": False, "note": "估损与照片一致"}, headers=desk)
    assert upheld.status_code == 200, upheld.text
    assert upheld.json()["status"] == "fast_tracked"
    assert stored(session, cid).reviewed_at is not None
    conflict(client.post(url, json={"note": "again"}, headers=desk), "no_review_pending")
    assert ids(client, desk, review="true") == set()
    texts = [
        e["kind"] for e in client.get(f"/api/v1/claims/{cid}/timeline", headers=headers).json()
    ]
    assert texts.count("review_requested") == 1
    assert texts[-1] == "decided"  # the review's outcome, shown to the owner


def test_a_claim_not_yet_decided_has_nothing_to_review(
    client: TestClient, session: Session
) -> None:
    insured, headers = owner(client, session, "dr.early")
    cid = file_claim(session, insured)
    conflict(ask_review(client, headers, cid), "nothing_to_review")
    assert stored(session, cid).review_requested_at is None


def test_a_rejected_claim_is_reopened_on_review_and_decided_again(
    client: TestClient, session: Session
) -> None:
    insured, headers = owner(client, session, "dr.rejected")
    cid = referred_claim(client, session, insured, headers)
    _, desk = staff(client, session, "dr.reopener", Role.adjuster)
    rejected = decide(client, desk, cid, decision="reject", reason="excluded_cause")
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["payout"] is None
    assert ask_review(client, headers, cid, text="事故原因不属于免责").status_code == 200
    reopened = client.post(
        f"/api/v1/claims/{cid}/review/resolve",
        json={"reopen": True, "note": "重新审核"},
        headers=desk,
    )
    assert reopened.status_code == 200, reopened.text
    assert reopened.json()["status"] == "adjuster_review"
    assert reopened.json()["sla_due_at"] is not None
    row = stored(session, cid)
    assert row.decided_at is None
    assert row.reviewed_at is not None
    approved = decide(client, desk, cid, decision="approve")
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    assert approved.json()["payout"]["amount_fen"] == approved.json()["estimate_fen"]

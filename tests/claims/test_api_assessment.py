"""The claims API end to end: the owner's guided assessment and the small-claim fast track,
explained estimate lines in the caller's language, the timeline (internal notes for staff only),
bad input as RFC 9457 problems with the field's location, adjuster decisions and the one payout."""

from __future__ import annotations

import itertools
import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carecover.claims.models import Claim, ClaimEstimate, ClaimEvent, Payout
from carecover.platform.auth.models import User
from carecover.platform.auth.roles import Role
from carecover.platform.clock import utc_now
from carecover.platform.http.problems import PROBLEM_BASE
from tests.accounts.test_api import PROBLEM, sign_in
from tests.claims import flows
from tests.claims.flows import LARGE, SMALL
from tests.factories.accounts import make_user
from tests.factories.claims import Insured, make_insured, photo_bytes

Headers = dict[str, str]
SHANGHAI = (31.2304, 121.4737)  # 人民广场: a tier-1 city, near the test repair shops
_seeds = itertools.count(200)


# --- shared steps (the desk and repair API tests use them too) ----------------------------------


def owner(client: TestClient, session: Session, username: str) -> tuple[Insured, Headers]:
    insured = make_insured(session, username=username)
    return insured, sign_in(client, username)


def staff(client: TestClient, session: Session, username: str, role: Role) -> tuple[User, Headers]:
    user = make_user(session, role=role, username=username)
    return user, sign_in(client, username)


def file_claim(session: Session, insured: Insured, point: tuple[float, float] = SHANGHAI) -> str:
    """A reported claim filed through the service (the API's FNOL runs OCR on every photo: slow
    on a CPU, and covered by the owner tests here and in test_api.py); its id."""
    seed = next(_seeds)
    claim = flows.report(
        session, insured, key=f"svc-flow-{seed:06d}", seed=seed, lat=point[0], lng=point[1]
    )
    return str(claim.id)


def report(
    client: TestClient,
    headers: Headers,
    car_id: uuid.UUID,
    *,
    key: str | None = None,
    point: tuple[float, float] = SHANGHAI,
) -> dict[str, Any]:
    """File a first notice of loss (multipart) with one fresh photo; the new claim's JSON."""
    seed = next(_seeds)
    body = {
        "vehicle_id": str(car_id),
        "occurred_at": (utc_now() - timedelta(hours=2)).isoformat(),
        "description": "停车场倒车时被剐蹭",
        "idempotency_key": key or f"api-flow-{seed:06d}",
        "lat": point[0],
        "lng": point[1],
    }
    response = client.post(
        "/api/v1/claims",
        data={"report": json.dumps(body)},
        files=[("photos", ("damage.jpg", photo_bytes(seed), "image/jpeg"))],
        headers=headers,
    )
    assert response.status_code == 201, response.text
    claim: dict[str, Any] = response.json()
    assert claim["status"] == "reported"
    return claim


def assess(
    client: TestClient,
    headers: Headers,
    claim_id: object,
    items: list[dict[str, str]],
    lang: str | None = None,
) -> Response:
    extra = {"Accept-Language": lang} if lang else {}
    return client.post(
        f"/api/v1/claims/{claim_id}/assessment",
        json={"items": items},
        headers={**headers, **extra},
    )


def referred_claim(client: TestClient, session: Session, insured: Insured, headers: Headers) -> str:
    """A reported claim whose large damage the owner's assessment sends to the adjuster desk."""
    claim_id = file_claim(session, insured)
    response = assess(client, headers, claim_id, LARGE)
    assert response.status_code == 200, response.text
    assert response.json()["claim"]["status"] == "adjuster_review"
    return claim_id


def problem(response: Response, status: int, code: str) -> dict[str, Any]:
    """The response is an RFC 9457 problem document with this status and code."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == PROBLEM_BASE + code.replace("_", "-")
    assert body["detail"]
    return body


def conflict(response: Response, reason: str) -> dict[str, Any]:
    body = problem(response, 409, "claim_conflict")
    assert body["reason"] == reason
    assert body["reason_text"]
    assert body["reason_text"] != f"claim.conflict.{reason}"  # translated, not the bare key
    return body


def invalid(response: Response, loc: list[str], kind: str | None = None) -> dict[str, Any]:
    """A 422 whose first field error sits at ``loc`` (and has type ``kind``)."""
    body = problem(response, 422, "validation_failed")
    error: dict[str, Any] = body["errors"][0]
    assert error["loc"] == loc, body["errors"]
    if kind is not None:
        assert error["type"] == kind, body["errors"]
    assert error["msg"]
    return error


def stored(session: Session, claim_id: object) -> Claim:
    session.expire_all()
    claim = session.get(Claim, uuid.UUID(str(claim_id)))
    assert claim is not None
    return claim


def payouts_of(session: Session, claim_id: object) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Payout)
            .where(Payout.claim_id == uuid.UUID(str(claim_id)))
        )
        or 0
    )


def has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


# --- the owner's assessment and the fast track ---------------------------------------------------


def test_small_damage_is_fast_tracked_with_explained_lines_and_a_payout(
    client: TestClient, session: Session
) -> None:
    insured, headers = owner(client, session, "aa.small")
    claim = report(client, headers, insured.car.id)
    response = assess(client, headers, claim["id"], SMALL, lang="zh-CN")
    assert response.status_code == 200, response.text
    body = response.json()
    decided, estimate = body["claim"], body["estimate"]
    assert decided["status"] == "fast_tracked"
    assert decided["fast_track"] is True
    assert decided["settlement"] == "cash"
    assert decided["estimate_fen"] == estimate["total_fen"] > 0
    assert decided["approved_fen"] == estimate["total_fen"]  # no deductible on this policy
    assert estimate["kind"] == "assessment"
    assert estimate["status"] == "current"
    assert estimate["city_tier"] == 1
    assert estimate["lines"]
    for line in estimate["lines"]:
        assert line["part"] == "rear_bumper"
        assert line["explanation"].strip()
        assert has_cjk(line["explanation"]), line["explanation"]
        assert line["why"]["key"].startswith("estimate.why.")
    assert sum(line["amount_fen"] for line in estimate["lines"]) == estimate["total_fen"]
    payout = decided["payout"]
    assert payout["status"] == "instructed"
    assert payout["payee"] == "owner"
    assert payout["amount_fen"] == decided["approved_fen"]

    again = client.get(
        f"/api/v1/claims/{claim['id']}/estimate", headers={**headers, "Accept-Language": "en"}
    )
    assert again.status_code == 200
    english = again.json()
    assert english["total_fen"] == estimate["total_fen"]
    assert [ln["amount_fen"] for ln in english["lines"]] == [
        ln["amount_fen"] for ln in estimate["lines"]
    ]
    for line in english["lines"]:
        assert line["explanation"].strip()
        assert not has_cjk(line["explanation"]), line["explanation"]
        assert "Rear bumper" in line["explanation"]

    row = stored(session, claim["id"])
    assert row.status.value == "fast_tracked"
    assert row.approved_fen == decided["approved_fen"]
    assert payouts_of(session, claim["id"]) == 1


def test_the_owner_timeline_leaves_out_internal_notes(client: TestClient, session: Session) -> None:
    insured, headers = owner(client, session, "aa.timeline")
    cid = file_claim(session, insured)
    assert assess(client, headers, cid, SMALL).status_code == 200
    _, desk = staff(client, session, "aa.adjuster", Role.adjuster)
    note = client.post(
        f"/api/v1/claims/{cid}/notes",
        json={"text": "车主电话确认过，照片与描述一致"},
        headers=desk,
    )
    assert note.status_code == 204
    assert note.content == b""

    mine = client.get(f"/api/v1/claims/{cid}/timeline", headers=headers)
    assert mine.status_code == 200
    kinds = [e["kind"] for e in mine.json()]
    assert kinds[:3] == ["reported", "assessed", "fast_tracked"]
    assert "payout_instructed" in kinds
    assert "note" not in kinds
    assert all(e["text"] and not e["text"].startswith("claim.timeline.") for e in mine.json())

    theirs = client.get(f"/api/v1/claims/{cid}/timeline", headers=desk).json()
    notes = [e for e in theirs if e["kind"] == "note"]
    assert [n["data"]["text"] for n in notes] == ["车主电话确认过，照片与描述一致"]
    assert len(theirs) == len(kinds) + 1


# --- bad input -----------------------------------------------------------------------------------


def test_bad_damage_picks_are_422_with_the_item_and_store_nothing(
    client: TestClient, session: Session
) -> None:
    insured, headers = owner(client, session, "aa.badpick")
    cid = file_claim(session, insured)
    unknown_part = assess(client, headers, cid, [{"part": "spoiler", "damage": "dent"}], "en")
    error = invalid(unknown_part, ["body", "items", "0"], "estimate.unknown_code")
    assert error["msg"] == "Item 1: unknown part, damage or severity."
    unknown_damage = [SMALL[0], {"part": "hood", "damage": "melted"}]
    invalid(assess(client, headers, cid, unknown_damage), ["body", "items", "1"])
    bad_severity = [{"part": "hood", "damage": "dent", "severity": "extreme"}]
    invalid(assess(client, headers, cid, bad_severity), ["body", "items", "0"])
    glass_dent = [SMALL[0], {"part": "windshield", "damage": "dent"}]
    invalid(
        assess(client, headers, cid, glass_dent),
        ["body", "items", "1"],
        "estimate.invalid_damage_for_part",
    )
    twice = [SMALL[0], {"part": "rear_bumper", "damage": "dent"}]
    invalid(assess(client, headers, cid, twice), ["body", "items", "1"], "estimate.duplicate_part")
    invalid(assess(client, headers, cid, []), ["body", "items"], "too_short")
    extra_field = client.post(
        f"/api/v1/claims/{cid}/assessment",
        json={"items": [{**SMALL[0], "price_fen": 1}]},
        headers=headers,
    )
    invalid(extra_field, ["body", "items", "0", "price_fen"], "extra_forbidden")

    row = stored(session, cid)
    assert row.status.value == "reported"
    assert row.estimate_fen is None
    estimates = session.scalar(
        select(func.count()).select_from(ClaimEstimate).where(ClaimEstimate.claim_id == row.id)
    )
    assert estimates == 0
    problem(client.get(f"/api/v1/claims/{cid}/estimate", headers=headers), 404, "not_found")


def test_someone_elses_claim_is_not_found(client: TestClient, session: Session) -> None:
    insured, headers = owner(client, session, "aa.mine")
    cid = file_claim(session, insured)
    _, stranger = owner(client, session, "aa.stranger")
    problem(assess(client, stranger, cid, SMALL), 404, "not_found")
    problem(client.get(f"/api/v1/claims/{cid}/timeline", headers=stranger), 404, "not_found")
    problem(assess(client, headers, uuid.uuid4(), SMALL), 404, "not_found")
    assert stored(session, cid).status.value == "reported"


def test_a_second_assessment_after_the_decision_is_a_conflict(
    client: TestClient, session: Session
) -> None:
    insured, headers = owner(client, session, "aa.twice")
    cid = file_claim(session, insured)
    assert assess(client, headers, cid, SMALL).status_code == 200
    before = stored(session, cid).estimate_fen
    again = assess(client, headers, cid, LARGE, lang="en")
    body = conflict(again, "not_open_for_assessment")
    assert "fast_tracked" in body["reason_text"]
    assert stored(session, cid).estimate_fen == before


def test_the_owner_cannot_reprice_a_claim_on_the_desk(client: TestClient, session: Session) -> None:
    insured, headers = owner(client, session, "aa.inflate")
    cid = referred_claim(client, session, insured, headers)
    before = stored(session, cid).estimate_fen
    inflated = [*LARGE, {"part": "roof", "damage": "dent", "severity": "severe"}]
    body = conflict(assess(client, headers, cid, inflated, lang="en"), "not_open_for_assessment")
    assert "adjuster_review" in body["reason_text"]
    row = stored(session, cid)
    assert row.estimate_fen == before
    assert row.status.value == "adjuster_review"


def test_an_adjuster_reprices_a_referred_claim_but_others_may_not(
    client: TestClient, session: Session
) -> None:
    insured, headers = owner(client, session, "aa.reprice")
    cid = referred_claim(client, session, insured, headers)
    _, dispatcher = staff(client, session, "aa.dispatch", Role.dispatcher)
    problem(assess(client, dispatcher, cid, SMALL), 403, "forbidden")
    _, desk = staff(client, session, "aa.repricer", Role.adjuster)
    repriced = assess(client, desk, cid, SMALL)
    assert repriced.status_code == 200, repriced.text
    body = repriced.json()
    assert body["claim"]["status"] == "adjuster_review"  # the desk decides, not the fast track
    assert body["estimate"]["seq"] == 2
    row = stored(session, cid)
    assert row.estimate_fen == body["estimate"]["total_fen"]
    statuses = session.scalars(
        select(ClaimEstimate.status)
        .where(ClaimEstimate.claim_id == row.id)
        .order_by(ClaimEstimate.seq)
    ).all()
    assert [s.value for s in statuses] == ["superseded", "current"]


# --- adjuster decisions ---------------------------------------------------------------------------


def decide(client: TestClient, headers: Headers, claim_id: object, **body: Any) -> Response:
    return client.post(f"/api/v1/claims/{claim_id}/decisions", json=body, headers=headers)


@pytest.fixture
def on_desk(client: TestClient, session: Session) -> tuple[str, Headers, Headers]:
    """A referred claim, its owner's headers and an adjuster's headers."""
    insured, headers = owner(client, session, "aa.desk.owner")
    cid = referred_claim(client, session, insured, headers)
    _, desk = staff(client, session, "aa.desk.adjuster", Role.adjuster)
    return cid, headers, desk


def assert_undecided(session: Session, claim_id: object) -> None:
    row = stored(session, claim_id)
    assert row.status.value == "adjuster_review"
    assert row.approved_fen is None
    assert row.decided_at is None
    assert payouts_of(session, claim_id) == 0
    decided = session.scalar(
        select(func.count())
        .select_from(ClaimEvent)
        .where(ClaimEvent.claim_id == row.id, ClaimEvent.kind == "decided")
    )
    assert decided == 0


BAD_AMOUNTS: list[tuple[object, str]] = [
    (1200.5, "int_type"),
    ("1200", "int_type"),
    (True, "int_type"),
    ([1200], "int_type"),
    (-5, "greater_than"),
    (0, "greater_than"),
]


def test_a_decision_amount_must_be_a_positive_whole_number_of_fen(
    client: TestClient, session: Session, on_desk: tuple[str, Headers, Headers]
) -> None:
    cid, _, desk = on_desk
    for amount, kind in BAD_AMOUNTS:
        for decision in ("approve", "partial"):
            refused = decide(client, desk, cid, decision=decision, amount_fen=amount)
            invalid(refused, ["body", "amount_fen"], kind)
    assert_undecided(session, cid)


def test_partial_reject_and_missing_fields_are_422(
    client: TestClient, session: Session, on_desk: tuple[str, Headers, Headers]
) -> None:
    cid, _, desk = on_desk
    estimate = stored(session, cid).estimate_fen
    assert estimate is not None
    for amount in (estimate, estimate + 1):
        partial = decide(client, desk, cid, decision="partial", amount_fen=amount)
        invalid(partial, ["body", "amount_fen"], "claim.partial_amount")
    invalid(
        decide(client, desk, cid, decision="partial"),
        ["body", "amount_fen"],
        "claim.partial_amount",
    )
    for reason in (None, "because", ""):
        reject = decide(client, desk, cid, decision="reject", reason=reason)
        invalid(reject, ["body", "reason"], "claim.reject_reason")
    photos = decide(client, desk, cid, decision="request_photos", note="  ")
    invalid(photos, ["body", "note"], "claim.photos_what")
    invalid(decide(client, desk, cid, decision="pay"), ["body", "decision"], "literal_error")
    invalid(
        decide(client, desk, cid, decision="approve", settlement="voucher"),
        ["body", "settlement"],
        "literal_error",
    )
    assert_undecided(session, cid)


def test_only_adjusters_decide(
    client: TestClient, session: Session, on_desk: tuple[str, Headers, Headers]
) -> None:
    cid, headers, _ = on_desk
    problem(decide(client, headers, cid, decision="approve"), 403, "forbidden")
    _, dispatcher = staff(client, session, "aa.dispatcher", Role.dispatcher)
    problem(decide(client, dispatcher, cid, decision="approve"), 403, "forbidden")
    problem(
        client.post(f"/api/v1/claims/{cid}/decisions", json={"decision": "approve"}),
        401,
        "unauthenticated",
    )
    assert_undecided(session, cid)


def test_a_second_decision_is_a_conflict(
    client: TestClient, session: Session, on_desk: tuple[str, Headers, Headers]
) -> None:
    cid, _, desk = on_desk
    approved = decide(client, desk, cid, decision="approve", note="照片清晰")
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert body["status"] == "approved"
    assert body["approved_fen"] == body["estimate_fen"]
    assert body["fast_track"] is False
    assert [r["code"] for r in body["reasons"]] == ["decision.approve"]
    assert body["payout"]["status"] == "instructed"
    conflict(decide(client, desk, cid, decision="reject", reason="other"), "already_decided")
    row = stored(session, cid)
    assert row.status.value == "approved"
    assert payouts_of(session, cid) == 1


def test_a_partial_approval_pays_the_partial_amount(
    client: TestClient, session: Session, on_desk: tuple[str, Headers, Headers]
) -> None:
    cid, _, desk = on_desk
    partial = decide(client, desk, cid, decision="partial", amount_fen=300_000)
    assert partial.status_code == 200, partial.text
    assert partial.json()["status"] == "partially_approved"
    assert partial.json()["payout"]["amount_fen"] == 300_000
    row = stored(session, cid)
    assert row.approved_fen == 300_000
    assert session.scalars(select(Payout.amount_fen).where(Payout.claim_id == row.id)).all() == [
        300_000
    ]


def test_the_payout_is_refused_before_approval_and_the_same_after(
    client: TestClient, session: Session, on_desk: tuple[str, Headers, Headers]
) -> None:
    cid, headers, desk = on_desk
    url = f"/api/v1/claims/{cid}/payout"
    body = conflict(client.post(url, headers=desk), "not_payable")
    assert body["reason_text"] != body["detail"]
    assert payouts_of(session, cid) == 0
    problem(client.post(url, headers=headers), 403, "forbidden")

    assert decide(client, desk, cid, decision="approve").status_code == 200
    first = client.post(url, headers=desk)
    second = client.post(url, headers=desk)
    assert first.status_code == second.status_code == 200
    fields = ("amount_fen", "status", "payee", "instructed_at")
    assert {k: first.json()[k] for k in fields} == {k: second.json()[k] for k in fields}
    assert first.json()["amount_fen"] == stored(session, cid).approved_fen
    assert first.json()["payee"] == "owner"
    assert payouts_of(session, cid) == 1

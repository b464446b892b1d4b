"""The claims API: multipart first notice of loss, idempotent resubmission, owner isolation,
oversized and mislabelled uploads refused."""

from __future__ import annotations

import json
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carecover.claims.models import Claim
from carecover.platform.clock import utc_now
from tests.accounts.test_api import PROBLEM, sign_in
from tests.factories.claims import make_insured, photo_bytes


def report_json(car_id: object, key: str = "api-key-0001") -> str:
    return json.dumps(
        {
            "vehicle_id": str(car_id),
            "occurred_at": (utc_now() - timedelta(hours=1)).isoformat(),
            "description": "Rear-ended at a red light; boot lid and bumper dented",
            "idempotency_key": key,
            "lat": 30.259,
            "lng": 120.148,
        }
    )


def test_an_owner_reports_with_photos_and_a_retry_returns_the_same_claim(
    client: TestClient, session: Session
) -> None:
    insured = make_insured(session, username="api.claimant")
    headers = sign_in(client, "api.claimant")
    files = [
        ("photos", ("damage.jpg", photo_bytes(11), "image/jpeg")),
        ("photos", ("closeup.png", photo_bytes(12, fmt="PNG"), "image/png")),
    ]
    data = {"report": report_json(insured.car.id)}
    first = client.post("/api/v1/claims", data=data, files=files, headers=headers)
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["status"] == "reported"
    assert len(body["photos"]) == 2
    again = client.post("/api/v1/claims", data=data, files=files, headers=headers)
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]
    mine = client.get("/api/v1/me/claims", headers=headers).json()
    assert [c["claim_no"] for c in mine] == [body["claim_no"]]
    make_insured(session, username="api.other")
    other = client.get(f"/api/v1/claims/{body['id']}", headers=sign_in(client, "api.other"))
    assert other.status_code == 404


def test_bad_uploads_are_problems_and_store_nothing(client: TestClient, session: Session) -> None:
    insured = make_insured(session, username="api.bad")
    headers = sign_in(client, "api.bad")
    data = {"report": report_json(insured.car.id)}
    fake = [("photos", ("damage.jpg", b"%PDF-1.7 not a photo", "image/jpeg"))]
    refused = client.post("/api/v1/claims", data=data, files=fake, headers=headers)
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith(PROBLEM)
    assert refused.json()["errors"][0]["type"] == "claim.photo.not_an_image"
    bad_json = client.post(
        "/api/v1/claims",
        data={"report": '{"vehicle_id": "x", "amount": NaN}'},
        files=[("photos", ("a.jpg", photo_bytes(1), "image/jpeg"))],
        headers=headers,
    )
    assert bad_json.status_code == 422
    huge = client.post(
        "/api/v1/claims",
        content=b"x" * (41 * 1024 * 1024),
        headers={**headers, "content-type": "multipart/form-data; boundary=x"},
    )
    assert huge.status_code == 413
    assert session.scalar(select(func.count()).select_from(Claim)) == 0

"""Owner claim pages: report a loss with photos in the browser form, see retake prompts."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from PIL import Image, ImageFilter
from sqlalchemy.orm import Session

from carecover.claims.web.owner import BEIJING
from tests.accounts.test_web import csrf_of, web_sign_in
from tests.factories.claims import make_insured, photo_bytes


def blurred() -> bytes:
    image = Image.open(io.BytesIO(photo_bytes(21))).filter(ImageFilter.GaussianBlur(6))
    out = io.BytesIO()
    image.save(out, format="JPEG")
    return out.getvalue()


def test_an_owner_reports_a_loss_and_is_told_what_to_retake(
    client: TestClient, session: Session
) -> None:
    insured = make_insured(session, username="web.claimant")
    assert web_sign_in(client, "web.claimant").status_code == 303
    form = client.get("/owner/claims/new")
    assert 'data-testid="fnol-form"' in form.text
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', form.text)
    assert key is not None
    fields = {
        "csrf_token": csrf_of(form.text),
        "idempotency_key": key.group(1),
        "vehicle_id": str(insured.car.id),
        "occurred_at": (datetime.now(BEIJING) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "place": "杭州市西湖区",
        "description": "停车时被剐蹭，左前门划痕",
    }
    files = [
        ("photos", ("a.jpg", photo_bytes(20), "image/jpeg")),
        ("photos", ("b.jpg", blurred(), "image/jpeg")),
    ]
    done = client.post("/owner/claims", data=fields, files=files, follow_redirects=False)
    assert done.status_code == 303
    page = client.get(done.headers["location"])
    assert 'data-testid="claim-no"' in page.text
    assert page.text.count('data-testid="claim-photo"') == 2
    assert page.text.count('data-testid="retake"') == 1  # only the blurred one
    photo = client.get(done.headers["location"] + "/photos/0")
    assert photo.headers["content-type"] == "image/jpeg"
    listing = client.get("/owner/claims")
    assert listing.text.count('data-testid="claim-row"') == 1
    bad = client.post(
        "/owner/claims",
        data={**fields, "idempotency_key": "another-key-123"},
        files=[("photos", ("c.jpg", b"GIF89a not really", "image/jpeg"))],
    )
    assert bad.status_code == 422
    assert 'data-testid="form-error"' in bad.text

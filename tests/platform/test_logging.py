"""Logs never carry personal data in clear."""

from __future__ import annotations

from carecover.platform.logging import redact, scrub_text


def test_sensitive_keys_are_redacted_and_text_is_scrubbed() -> None:
    event = redact(
        None,
        "info",
        {
            "event": "owner 13812345678 called about 11010519491231002X",
            "phone": "13812345678",
            "password": "hunter2",
            "count": 3,
        },
    )
    assert event["phone"] == "[redacted]"
    assert event["password"] == "[redacted]"
    assert event["count"] == 3
    assert event["event"] == "owner 138****5678 called about 110105********002X"


def test_scrub_leaves_other_numbers_alone() -> None:
    assert scrub_text("order 20261125 total 5000") == "order 20261125 total 5000"

"""Identifiers: time-ordered UUIDs for rows, short random ids for requests."""

from __future__ import annotations

import os
import secrets
import time
import uuid


def new_id() -> uuid.UUID:
    """A UUIDv7 (RFC 9562): sortable by creation time, so indexes stay compact."""
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & 0xFFFFFFFFFFFF) << 80
    value |= 0x7 << 76
    value |= ((rand >> 62) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & 0x3FFFFFFFFFFFFFFF
    return uuid.UUID(int=value)


def new_request_id() -> str:
    """A short opaque id for one request, echoed in X-Request-ID and problem documents."""
    return secrets.token_hex(8)

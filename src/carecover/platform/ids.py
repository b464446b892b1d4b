"""Identifiers: time-ordered UUIDs for rows, short random ids for requests."""

from __future__ import annotations

import os
import secrets
import threading
import time
import uuid

_LOCK = threading.Lock()
_last = [0, 0]  # the last id's (milliseconds, 12-bit counter)


def new_id() -> uuid.UUID:
    """A UUIDv7 (RFC 9562): sortable by creation time, so indexes stay compact. Within one
    process ids are strictly increasing (RFC 9562 §6.2, method 1: the 12 bits after the
    timestamp count on within a millisecond), so rows written in one flush keep their order."""
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    counter = (rand >> 62) & 0xFFF
    with _LOCK:
        last_ms, last_counter = _last
        if ms <= last_ms:
            ms, counter = last_ms, last_counter + 1
            if counter > 0xFFF:
                ms, counter = ms + 1, 0
        _last[0], _last[1] = ms, counter
    value = (ms & 0xFFFFFFFFFFFF) << 80
    value |= 0x7 << 76
    value |= counter << 64
    value |= 0b10 << 62
    value |= rand & 0x3FFFFFFFFFFFFFFF
    return uuid.UUID(int=value)


def new_request_id() -> str:
    """A short opaque id for one request, echoed in X-Request-ID and problem documents."""
    return secrets.token_hex(8)

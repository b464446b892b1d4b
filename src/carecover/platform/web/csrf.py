"""CSRF protection for every form and HTMX request (signed double-submit token).

The browser holds a random ``cc_csrf`` cookie (HttpOnly, SameSite=Lax); pages embed
HMAC(secret, cookie) in each form (``csrf_token`` field) and in ``hx-headers`` (``X-CSRF-Token``).
A cross-site page can neither read the cookie nor compute the token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

CSRF_COOKIE = "cc_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def new_csrf_seed() -> str:
    return secrets.token_urlsafe(24)


def token_for(seed: str, secret: str) -> str:
    return hmac.new(secret.encode(), f"csrf:{seed}".encode(), hashlib.sha256).hexdigest()


def is_valid(seed: str | None, presented: str | None, secret: str) -> bool:
    if not seed or not presented:
        return False
    return hmac.compare_digest(token_for(seed, secret), presented)

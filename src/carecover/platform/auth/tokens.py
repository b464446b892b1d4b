"""Short-lived API access tokens (JWT, HS256) for the OAuth2 password flow."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from carecover.platform.auth.roles import Role
from carecover.platform.clock import utc_now
from carecover.platform.errors import InvalidToken

ISSUER = "carecover"
AUDIENCE = "carecover-api"
ALGORITHM = "HS256"


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: uuid.UUID
    role: Role
    organisation_id: uuid.UUID | None
    expires_at: datetime


def issue_access_token(
    *,
    secret: str,
    user_id: uuid.UUID,
    role: Role,
    organisation_id: uuid.UUID | None,
    ttl_seconds: int,
    now: datetime | None = None,
) -> tuple[str, datetime]:
    issued = now or utc_now()
    expires = issued + timedelta(seconds=ttl_seconds)
    payload = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": str(user_id),
        "role": role.value,
        "org": str(organisation_id) if organisation_id else None,
        "iat": int(issued.timestamp()),
        "nbf": int(issued.timestamp()),
        "exp": int(expires.timestamp()),
        "jti": uuid.uuid4().hex,
        "typ": "access",
    }
    return jwt.encode(payload, secret, algorithm=ALGORITHM), expires


def decode_access_token(token: str, *, secret: str) -> TokenClaims:
    """Verify signature, issuer, audience and expiry; anything wrong is ``InvalidToken``."""
    try:
        payload = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "aud", "iss", "jti"]},
        )
        if payload.get("typ") != "access":
            raise InvalidToken("wrong token type")
        org = payload.get("org")
        return TokenClaims(
            user_id=uuid.UUID(payload["sub"]),
            role=Role(payload["role"]),
            organisation_id=uuid.UUID(org) if org else None,
            expires_at=datetime.fromtimestamp(payload["exp"], tz=utc_now().tzinfo),
        )
    except (jwt.PyJWTError, ValueError, KeyError) as exc:
        raise InvalidToken(str(exc)) from exc

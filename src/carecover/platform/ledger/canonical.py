"""Strict JSON in, canonical JSON (RFC 8785 JCS) out, and salted commitments.

Everything that is hashed or signed for the ledger goes through :func:`loads_strict` and
:func:`canonical_bytes`, so two parties that hold "the same" JSON always hash the same bytes:

* :func:`loads_strict` refuses what ordinary parsers silently accept and what cannot be
  canonicalised: duplicate object keys (parsers keep the last one, so ``{"amount":100,
  "amount":100000}`` would mean different things to different readers), ``NaN``/``Infinity``,
  floats beyond the IEEE 754 double range (``1e400``), integers beyond ±(2**53 − 1) (JSON numbers
  are doubles; larger integers lose digits) and floats from 2**53 up to 1e21 (JCS would write
  them as exactly such integers), lone UTF-16 surrogates, nesting deeper than ``max_depth``
  (checked by a linear bracket scan *before* parsing, so no recursion can blow up) and inputs
  over ``max_bytes``. Whatever it accepts, canonicalised, is accepted again.
* :func:`canonical_bytes` is RFC 8785 via the ``rfc8785`` package: object keys sorted by UTF-16
  code units, ECMAScript number formatting, minimal string escaping, UTF-8. Strings are *not*
  Unicode-normalised: NFC and NFD spellings of a name stay different bytes (and hashes) on
  purpose; normalise at the input boundary if a field needs it. It serialises every finite
  double as RFC 8785 says, so a Python float between 2**53 and 1e21 comes out as an integer
  literal that :func:`loads_strict` refuses: keep such values out of ledger content.
* :func:`commitment` is ``"sha256:" + hex(SHA-256(salt ‖ content))``; with a fresh 32-byte
  :func:`new_salt` per record, deleting the salt (and content) makes the commitment unopenable.

Errors are :class:`CanonicalJsonError` (a ``ValueError``) with a stable ``code``:
``json.too_large``, ``json.depth``, ``json.syntax``, ``json.duplicate_key``, ``json.nan``,
``json.number_range``, ``json.surrogate`` and (canonicalising Python objects only) ``json.type``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
import secrets
from collections.abc import Iterator
from itertools import accumulate
from typing import Any, Final

import rfc8785

DEFAULT_MAX_BYTES: Final = 1024 * 1024
DEFAULT_MAX_DEPTH: Final = 64
MAX_SAFE_INTEGER: Final = 2**53 - 1
SALT_BYTES: Final = 32
MIN_SALT_BYTES: Final = 16
COMMITMENT_PREFIX: Final = "sha256:"

# A JSON string literal; possessive quantifiers, so no backtracking on hostile input.
_STRING_LITERAL: Final = re.compile(r'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_NOT_BRACKET: Final = re.compile(r"[^\[\]{}]++")
_BRACKET_DELTA: Final = {"[": 1, "{": 1, "]": -1, "}": -1}
_SURROGATE: Final = re.compile("[\ud800-\udfff]")
# 2**53 - 1 has 16 digits; longer digit strings are out of range without converting them.
_MAX_SAFE_DIGITS: Final = len(str(MAX_SAFE_INTEGER))
# From 1e21 on, ECMAScript/JCS number formatting switches to exponent form ("1e+21").
_EXPONENT_FORM_FROM: Final = 1e21


class CanonicalJsonError(ValueError):
    """Rejected JSON: a stable ``code``, an English ``message``, ``path`` (JSON pointer) or None."""

    def __init__(self, code: str, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.path = path


def _pointer(parts: tuple[str | int, ...]) -> str:
    """RFC 6901 JSON pointer for a path of keys and indexes."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _decode(data: bytes | str, max_bytes: int) -> str:
    if isinstance(data, str):
        # A str has at most as many code points as its UTF-8 encoding has bytes.
        if len(data) > max_bytes or len(data.encode("utf-8", "surrogatepass")) > max_bytes:
            raise CanonicalJsonError("json.too_large", f"JSON input is over {max_bytes} bytes")
        return data
    if len(data) > max_bytes:
        raise CanonicalJsonError("json.too_large", f"JSON input is over {max_bytes} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CanonicalJsonError(
            "json.syntax", f"JSON input is not valid UTF-8 (byte offset {exc.start})"
        ) from exc


def _check_depth(text: str, max_depth: int) -> None:
    """Reject nesting deeper than ``max_depth`` by counting brackets outside string literals."""
    brackets = _NOT_BRACKET.sub("", _STRING_LITERAL.sub("", text))
    if not brackets:
        return
    deepest = max(accumulate(map(_BRACKET_DELTA.__getitem__, brackets)))
    if deepest > max_depth:
        raise CanonicalJsonError(
            "json.depth", f"JSON nesting is {deepest} levels deep; at most {max_depth} allowed"
        )


def _reject_constant(name: str) -> Any:
    raise CanonicalJsonError("json.nan", f"JSON number {name} is not allowed (not canonical)")


def _parse_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise CanonicalJsonError(
            "json.number_range", f"JSON number {text[:40]} is outside the IEEE 754 double range"
        )
    if MAX_SAFE_INTEGER < abs(value) < _EXPONENT_FORM_FROM:
        # JCS writes these as plain integer literals, which this parser (rightly) refuses;
        # refusing them here keeps loads_strict(canonical_bytes(x)) working for all it accepts.
        raise CanonicalJsonError(
            "json.number_range",
            f"JSON number {text[:40]} is an integer beyond ±(2**53 - 1) in canonical form",
        )
    return value


def _parse_int(text: str) -> int:
    value = int(text) if len(text.lstrip("-")) <= _MAX_SAFE_DIGITS else None
    if value is None or abs(value) > MAX_SAFE_INTEGER:
        raise CanonicalJsonError(
            "json.number_range",
            f"JSON integer {text[:40]} is outside ±(2**53 - 1) and cannot be canonicalised",
        )
    return value


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise CanonicalJsonError("json.duplicate_key", f"duplicate JSON object key {key!r}")
        result[key] = value
    return result


def _walk(value: Any) -> Iterator[tuple[Any, tuple[str | int, ...]]]:
    """Every node with its path, iteratively (depth is already bounded)."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, ())]
    while stack:
        node, path = stack.pop()
        yield node, path
        if isinstance(node, dict):
            stack.extend((child, (*path, key)) for key, child in node.items())
        elif isinstance(node, list):
            stack.extend((child, (*path, index)) for index, child in enumerate(node))


def _check_surrogates(value: Any) -> None:
    for node, path in _walk(value):
        texts = [node] if isinstance(node, str) else list(node) if isinstance(node, dict) else []
        for text in texts:
            if _SURROGATE.search(text):
                where = _pointer(path)
                raise CanonicalJsonError(
                    "json.surrogate",
                    f"JSON string at {where or 'the top level'} contains a lone UTF-16 surrogate",
                    path=where,
                )


def loads_strict(
    data: bytes | str, *, max_bytes: int = DEFAULT_MAX_BYTES, max_depth: int = DEFAULT_MAX_DEPTH
) -> Any:
    """Parse JSON that is guaranteed canonicalisable, or raise :class:`CanonicalJsonError`."""
    text = _decode(data, max_bytes)
    _check_depth(text, max_depth)
    try:
        value = json.loads(
            text,
            object_pairs_hook=_object_without_duplicates,
            parse_constant=_reject_constant,
            parse_float=_parse_float,
            parse_int=_parse_int,
        )
    except json.JSONDecodeError as exc:
        raise CanonicalJsonError(
            "json.syntax", f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from exc
    except RecursionError as exc:  # unreachable after the depth scan; kept as a backstop
        raise CanonicalJsonError("json.depth", "JSON nesting is too deep") from exc
    _check_surrogates(value)
    return value


def _check_object_depth(obj: Any, max_depth: int) -> None:
    stack: list[tuple[Any, int]] = [(obj, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list | tuple):
            if depth + 1 > max_depth:
                raise CanonicalJsonError(
                    "json.depth", f"value nesting is deeper than {max_depth} levels"
                )
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)


_SAFE_INT = 2**53 - 1


def _plain(obj: Any) -> bool:
    """Whether JCS output equals sorted, compact ``json.dumps``: no floats (JCS formats numbers
    its own way), integers within ±(2^53 − 1), string keys of the Basic Multilingual Plane only
    (there UTF-16 and code-point order agree), and no other types."""
    stack = [obj]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is dict:
            for key, value in node.items():
                if type(key) is not str or any(ord(c) > 0xFFFF for c in key):
                    return False
                stack.append(value)
        elif kind is list:
            stack.extend(node)
        elif kind is int:
            if not -_SAFE_INT <= node <= _SAFE_INT:
                return False
        elif kind is not str and kind is not bool and node is not None:
            return False
    return True


def canonical_bytes(obj: Any, *, max_depth: int = DEFAULT_MAX_DEPTH) -> bytes:
    """RFC 8785 (JCS) serialisation of ``obj``; raises :class:`CanonicalJsonError`.

    Plain values (no floats; see :func:`_plain`) take a fast path through the standard library
    whose output is byte-identical to JCS (a property test holds it to ``rfc8785``); anything
    else goes through ``rfc8785`` itself.
    """
    _check_object_depth(obj, max_depth)
    if _plain(obj):
        try:
            text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
            return text.encode("utf-8")
        except UnicodeEncodeError:
            pass  # a lone surrogate: let rfc8785 name the problem
    try:
        return rfc8785.dumps(obj)
    except rfc8785.IntegerDomainError as exc:
        raise CanonicalJsonError("json.number_range", str(exc)) from exc
    except rfc8785.FloatDomainError as exc:
        raise CanonicalJsonError("json.nan", str(exc)) from exc
    except rfc8785.CanonicalizationError as exc:
        message = str(exc)
        code = "json.surrogate" if "UTF-8" in message else "json.type"
        raise CanonicalJsonError(code, message) from exc


def new_salt() -> bytes:
    """32 random bytes from the OS CSPRNG, one per committed record."""
    return secrets.token_bytes(SALT_BYTES)


def commitment(salt: bytes, content: bytes) -> str:
    """``"sha256:<hex>"`` of SHA-256(salt ‖ content); the salt must be at least 16 bytes."""
    if len(salt) < MIN_SALT_BYTES:
        raise ValueError(f"commitment salt must be at least {MIN_SALT_BYTES} bytes")
    return COMMITMENT_PREFIX + hashlib.sha256(salt + content).hexdigest()


def verify_commitment(salt: bytes, content: bytes, expected: str) -> bool:
    """Whether ``expected`` commits to ``content`` under ``salt`` (constant-time comparison)."""
    try:
        actual = commitment(salt, content)
    except ValueError:
        return False
    return hmac.compare_digest(actual.encode("ascii"), expected.encode("utf-8", "replace"))

"""Strict JSON for evidence: UTF-8 only, no duplicate keys, no NaN/Infinity, bounded depth.

Standard library only: this module is part of the standalone offline verifier.
"""

from __future__ import annotations

import json
import math
from typing import Any

MAX_DEPTH = 64


class StrictJSONError(ValueError):
    """The document is not strict JSON; the message says why."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise StrictJSONError(f"duplicate key {key!r}")
        obj[key] = value
    return obj


def _no_constants(name: str) -> Any:
    raise StrictJSONError(f"{name} is not allowed in JSON")


def _check_string(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise StrictJSONError("a string contains a lone surrogate escape") from exc


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise StrictJSONError(f"number {text[:20]} is out of range")
    return value


def _depth(value: Any) -> int:
    """The nesting depth of a parsed document (a scalar is 0), without recursion.

    Also rejects strings (keys included) that hold lone surrogates.
    """
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, str):
            _check_string(item)
            continue
        if isinstance(item, dict):
            for key in item:
                _check_string(key)
            children: list[Any] = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level + 1)
        stack.extend((child, level + 1) for child in children)
    return deepest


def loads(data: bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse UTF-8 JSON bytes strictly; raise :class:`StrictJSONError` with a reason."""
    if not isinstance(data, bytes):
        raise StrictJSONError("JSON input must be bytes")
    if data.startswith(b"\xef\xbb\xbf"):
        raise StrictJSONError("a byte order mark is not allowed")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise StrictJSONError(f"not valid UTF-8 (byte {exc.start})") from exc
    try:
        value = json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_constant=_no_constants,
            parse_float=_finite_float,
        )
    except RecursionError as exc:
        raise StrictJSONError(f"nested deeper than {max_depth} levels") from exc
    except StrictJSONError:
        raise
    except ValueError as exc:
        raise StrictJSONError(f"not valid JSON: {exc}") from exc
    if _depth(value) > max_depth:
        raise StrictJSONError(f"nested deeper than {max_depth} levels")
    return value

"""Masking for display: enough to recognise a value, never enough to reuse it."""

from __future__ import annotations


def mask_phone(value: str) -> str:
    """13812345678 → 138****5678; +8613812345678 → +86 138****5678."""
    digits = value.strip().replace(" ", "").replace("-", "")
    prefix = ""
    if digits.startswith("+86"):
        prefix, digits = "+86 ", digits[3:]
    if len(digits) < 7:
        return prefix + "*" * len(digits)
    return f"{prefix}{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def mask_id_number(value: str) -> str:
    """11010519491231002X → 110105********002X (region kept, birth date hidden)."""
    v = value.strip()
    if len(v) <= 10:
        return "*" * len(v)
    return v[:6] + "*" * (len(v) - 10) + v[-4:]


def mask_name(value: str) -> str:
    """张三丰 → 张**; Alice Smith → A**** S****."""
    v = value.strip()
    if not v:
        return v
    if v.isascii():
        return " ".join(part[0] + "*" * (len(part) - 1) for part in v.split())
    return v[0] + "*" * (len(v) - 1)


def mask_plate(value: str) -> str:
    """京A12345 → 京A***45."""
    v = value.strip()
    if len(v) <= 4:
        return v[:1] + "*" * (len(v) - 1)
    return v[:2] + "*" * (len(v) - 4) + v[-2:]

"""Identifier canonicalisation for the CBV 2.0 event hash: EPC URNs and GS1 Digital Link URIs.

CBV 2.0's event hash (see :mod:`.hashing`) writes every GS1 identifier as a
*constrained canonical* GS1 Digital Link URI:

* EPC pure-identity URNs (EPC Tag Data Standard) are converted: ``sgtin``, ``sscc``, ``sgln``,
  ``pgln``, ``grai``, ``giai``, ``gsrn`` and ``gdti`` (``urn:epc:id:…``), ``lgtin``
  (``urn:epc:class:…``) and an ``sgtin`` pattern whose serial is ``*`` (``urn:epc:idpat:…``).
  Other EPC schemes (``sgcn``, ``cpi``, ``itip``, ``upui``, ``gsrnp`` …) are left unchanged.
* Digital Link URIs on any host are rewritten to ``https://id.gs1.org``, lose their query string
  and fragment, and keep only the finest identification level: ``00``, ``01``, ``01/21``,
  ``01/10``, ``01/235``, ``253``, ``255``, ``401``, ``402``, ``414``, ``414/254``, ``417``,
  ``8003``, ``8004``, ``8006``, ``8006/21``, ``8006/10``, ``8010``, ``8010/8011``, ``8017``,
  ``8018``. A URI is treated as Digital Link only when its path holds a primary-key AI whose value
  has the right shape (digits and length) followed only by known qualifier pairs; GTIN-8/12/13
  are padded to 14 digits. Check digits are *not* verified here (validation is elsewhere).
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import quote, unquote, urlsplit

from carecover.parts.service.gs1 import mod10_check_digit

GS1_RESOLVER: Final = "https://id.gs1.org"

# Primary key AI → shape of its value.
_PRIMARY: Final[dict[str, re.Pattern[str]]] = {
    "00": re.compile(r"[0-9]{18}"),
    "01": re.compile(r"[0-9]{8}|[0-9]{12,14}"),
    "253": re.compile(r"[0-9]{13}[!-~]{0,17}"),
    "255": re.compile(r"[0-9]{13}[0-9]{0,12}"),
    "401": re.compile(r"[!-~]{1,30}"),
    "402": re.compile(r"[0-9]{17}"),
    "414": re.compile(r"[0-9]{13}"),
    "417": re.compile(r"[0-9]{13}"),
    "8003": re.compile(r"[0-9]{14}[!-~]{0,16}"),
    "8004": re.compile(r"[!-~]{1,30}"),
    "8006": re.compile(r"[0-9]{18}"),
    "8010": re.compile(r"[!-~]{1,30}"),
    "8017": re.compile(r"[0-9]{18}"),
    "8018": re.compile(r"[0-9]{18}"),
}
# Qualifiers each key may carry in a Digital Link path, and which one is kept (finest first).
_QUALIFIERS: Final[dict[str, tuple[str, ...]]] = {
    "01": ("22", "10", "21", "235"),
    "414": ("254", "7040"),
    "417": ("7040",),
    "8006": ("22", "10", "21"),
    "8010": ("8011",),
}
_KEPT_QUALIFIERS: Final[dict[str, tuple[str, ...]]] = {
    "01": ("21", "235", "10"),
    "414": ("254",),
    "8006": ("21", "10"),
    "8010": ("8011",),
}
_DIGITS: Final = re.compile(r"[0-9]+")
# Characters left as they are when an EPC URN component becomes a Digital Link path segment.
_DL_SAFE: Final = "!'()*+,-.:;=_"


gs1_check_digit = mod10_check_digit
"""The GS1 mod-10 check digit for any key length (SSCC, GLN, GRAI … as well as GTIN)."""


def _with_check(body: str) -> str:
    return body + gs1_check_digit(body)


def _segment(value: str) -> str:
    """An EPC URN component (TDS escapes ``%XX``) as a Digital Link path segment."""
    return quote(unquote(value), safe=_DL_SAFE)


def _digits(*parts: str) -> bool:
    return all(_DIGITS.fullmatch(p) for p in parts)


def _sgtin_gtin(company: str, indicator_item: str) -> str | None:
    if not _digits(company, indicator_item) or len(company) + len(indicator_item) != 13:
        return None
    return _with_check(indicator_item[0] + company + indicator_item[1:])


def _id_urn(scheme: str, parts: list[str]) -> str | None:
    if scheme == "sgtin" and len(parts) == 3:
        gtin = _sgtin_gtin(parts[0], parts[1])
        return gtin and f"{GS1_RESOLVER}/01/{gtin}/21/{_segment(parts[2])}"
    if scheme == "sscc" and len(parts) == 2 and _digits(*parts):
        company, ext_serial = parts
        if len(company) + len(ext_serial) != 17:
            return None
        return f"{GS1_RESOLVER}/00/{_with_check(ext_serial[0] + company + ext_serial[1:])}"
    if scheme == "sgln" and len(parts) == 3 and _digits(parts[0], parts[1]):
        if len(parts[0]) + len(parts[1]) != 12:
            return None
        base = f"{GS1_RESOLVER}/414/{_with_check(parts[0] + parts[1])}"
        return base if parts[2] == "0" else f"{base}/254/{_segment(parts[2])}"
    if scheme in ("pgln", "gsrn") and len(parts) == 2 and _digits(*parts):
        ai, length = ("417", 12) if scheme == "pgln" else ("8018", 17)
        if len(parts[0]) + len(parts[1]) != length:
            return None
        return f"{GS1_RESOLVER}/{ai}/{_with_check(parts[0] + parts[1])}"
    if scheme in ("grai", "gdti") and len(parts) == 3 and _digits(parts[0], parts[1]):
        if len(parts[0]) + len(parts[1]) != 12:
            return None
        key = _with_check(parts[0] + parts[1])
        if scheme == "grai":
            return f"{GS1_RESOLVER}/8003/0{key}{_segment(parts[2])}"
        return f"{GS1_RESOLVER}/253/{key}{_segment(parts[2])}"
    if scheme == "giai" and len(parts) == 2 and _digits(parts[0]):
        return f"{GS1_RESOLVER}/8004/{parts[0]}{_segment(parts[1])}"
    return None


def epc_urn_to_digital_link(urn: str) -> str | None:
    """The canonical Digital Link URI of an EPC URN, or None if the scheme is not supported."""
    match = re.fullmatch(r"urn:epc:(id|class|idpat):([a-z0-9]+):([^:]+)", urn)
    if match is None:
        return None
    kind, scheme, body = match.groups()
    parts = body.split(".")
    if kind == "id":
        return _id_urn(scheme, parts)
    if scheme not in ("lgtin", "sgtin") or len(parts) != 3:
        return None
    gtin = _sgtin_gtin(parts[0], parts[1])
    if gtin is None:
        return None
    if kind == "class" and scheme == "lgtin":
        return f"{GS1_RESOLVER}/01/{gtin}/10/{_segment(parts[2])}"
    if kind == "idpat" and scheme == "sgtin" and parts[2] == "*":
        return f"{GS1_RESOLVER}/01/{gtin}"
    return None


def _parse_dl_path(segments: list[str]) -> tuple[str, str, dict[str, str]] | None:
    """(primary AI, value, qualifiers) from the first position where the path is Digital Link."""
    for start in range(len(segments) - 1):
        ai, value = segments[start], segments[start + 1]
        shape = _PRIMARY.get(ai)
        if shape is None or not shape.fullmatch(unquote(value)):
            continue
        rest = segments[start + 2 :]
        allowed = _QUALIFIERS.get(ai, ())
        if len(rest) % 2:
            continue
        pairs = dict(zip(rest[::2], rest[1::2], strict=True))
        if len(pairs) * 2 != len(rest) or not set(pairs) <= set(allowed):
            continue
        order = [allowed.index(q) for q in rest[::2]]
        if order != sorted(order) or any(not v for v in pairs.values()):
            continue
        return ai, value, pairs
    return None


def constrain_digital_link(uri: str) -> str | None:
    """The constrained canonical form of a Digital Link URI, or None if ``uri`` is not one."""
    try:
        parts = urlsplit(uri)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    parsed = _parse_dl_path([s for s in parts.path.split("/") if s])
    if parsed is None:
        return None
    ai, value, qualifiers = parsed
    if ai == "01" and len(value) < 14:
        value = value.zfill(14)
    result = f"{GS1_RESOLVER}/{ai}/{value}"
    for qualifier in _KEPT_QUALIFIERS.get(ai, ()):
        if qualifier in qualifiers:
            return f"{result}/{qualifier}/{qualifiers[qualifier]}"
    return result


def canonical_identifier(value: str) -> str:
    """An EPC URN or Digital Link URI in constrained canonical Digital Link form; other values
    (other URIs, opaque URNs, ``geo:`` …) unchanged."""
    if value.startswith("urn:epc:"):
        return epc_urn_to_digital_link(value) or value
    if value.startswith(("http://", "https://", "HTTP://", "HTTPS://")):
        return constrain_digital_link(value) or value
    return value

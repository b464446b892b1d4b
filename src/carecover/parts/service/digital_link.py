"""GS1 Digital Link URIs for serialised parts on our resolver host, and their short MAC tags.

A label's QR code holds ``https://<host>/01/<gtin14>/21/<serial>?s=<tag>``. :func:`parse` is
the scan-to-verify entry point, so it is strict and rejects, each with its own code:

* anything not a string (``link.type``), over 2 KB (``link.too_long``), or with control, format
  or whitespace characters (``link.control_chars``);
* other schemes (``link.scheme``: ``javascript:``, ``data:`` …), plain ``http:``
  (``link.insecure_scheme``), ``https:`` without ``//host`` (``link.syntax``);
* a host that is not exactly the configured one: ``user@`` userinfo (``link.userinfo``), a port
  (``link.port``), a trailing dot (``link.host_trailing_dot``), IDN/punycode
  (``link.host_idn``), anything else (``link.host``); a fragment (``link.fragment``);
* path problems: ``link.path`` (shape), ``link.unknown_ai``, ``link.primary_key`` (not 01),
  ``link.duplicate_ai``, ``link.qualifier_order``, ``link.unsupported_ai`` (lot, variant …),
  ``link.serial_missing``, ``link.bad_escape``, ``link.unencoded_char``;
* query problems: ``link.query_repeats_path_ai`` (``?21=B``), ``link.unsupported_ai``,
  ``link.unknown_ai``, ``link.unknown_param``, ``link.duplicate_param``, ``link.query``,
  ``tag.format``;
* the identifiers themselves: every ``gtin.*`` and ``serial.*`` code of :mod:`.gs1`.

A badly configured resolver host raises ``link.config_host``; a short HMAC key
``tag.key_too_short``.

Percent-decoding happens exactly once, per path segment, after splitting on ``/``: ``%2F`` in a
serial is a "/" inside the serial, and a double-encoded ``%252F`` decodes to the three literal
characters ``%2F`` (all in charset 82, so it is a valid serial that no label of ours carries).

After our own checks, ``biip`` parses the same URI as a cross-check; both its
``gs1_digital_link_uri_error`` and its ``gtin_error`` must be empty (biip reports a bad GTIN
check digit only in the latter) and its element strings must match ours (``link.biip_mismatch``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass
from typing import Final
from urllib.parse import unquote

import biip
from biip import ParseError
from biip.gs1_application_identifiers import GS1ApplicationIdentifier

from carecover.parts.service.gs1 import SGTIN, PartsInputError, normalise_gtin, validate_serial

#: Longest URI :func:`parse` looks at, in UTF-8 bytes.
MAX_LINK_BYTES: Final = 2048
#: The query parameter that carries the MAC tag.
TAG_PARAM: Final = "s"
#: HMAC-SHA-256 truncated to this many bytes; base32 without padding makes 13 characters.
TAG_BYTES: Final = 8
TAG_LENGTH: Final = 13
#: Shortest HMAC key accepted.
MIN_KEY_BYTES: Final = 16

_TAG_CONTEXT: Final = b"carecover/parts/digital-link-tag/v1\n"
_TAG_RE = re.compile(r"[A-Z2-7]{13}")
_HOST_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOST_RE = re.compile(rf"{_HOST_LABEL}(?:\.{_HOST_LABEL})+")
_AI_KEY_RE = re.compile(r"[0-9]{2,4}")
_BAD_ESCAPE_RE = re.compile(r"%(?![0-9A-Fa-f]{2})")
# RFC 3986 pchar without "%" (escapes are checked separately).
_PCHAR: Final = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@%"
)
# The GTIN key qualifiers in the order the Digital Link standard requires.
_GTIN_QUALIFIERS: Final = ("22", "10", "21", "235")
_PATH_AIS: Final = frozenset({"01", "21"})


@dataclass(frozen=True, slots=True)
class ParsedLink:
    """A verified-shape Digital Link: the part, its tag (not yet checked) and canonical URI."""

    sgtin: SGTIN
    tag: str | None
    uri: str


def _fail(code: str, message: str, **params: str | int) -> PartsInputError:
    return PartsInputError(code, message, **params)


def _is_known_ai(key: str) -> bool:
    if _AI_KEY_RE.fullmatch(key) is None:
        return False
    try:
        return GS1ApplicationIdentifier.extract(key).ai == key
    except ParseError:
        return False


def normalise_host(host: str) -> str:
    """A configured resolver host as a lower-case ASCII DNS name (``id.carecover.example``).

    No scheme, port, path, trailing dot or IDN/punycode label; code ``link.config_host``.
    """
    candidate = host.lower() if isinstance(host, str) else ""
    if (
        len(candidate) > 253
        or _HOST_RE.fullmatch(candidate) is None
        or any(label.startswith("xn--") for label in candidate.split("."))
    ):
        raise _fail("link.config_host", "The resolver host must be a plain ASCII DNS name.")
    return candidate


def _validate_tag(tag: str) -> str:
    if not isinstance(tag, str) or _TAG_RE.fullmatch(tag) is None:
        raise _fail(
            "tag.format", f"A tag is {TAG_LENGTH} characters of upper-case base32 (A-Z, 2-7)."
        )
    return tag


def tag_for(sgtin: SGTIN, key: bytes) -> str:
    """The short MAC tag of a part: HMAC-SHA-256 over its canonical EPC URI (so it does not
    depend on the resolver host), truncated to 8 bytes, base32 upper-case without padding."""
    if len(key) < MIN_KEY_BYTES:
        raise _fail("tag.key_too_short", f"A tag key needs at least {MIN_KEY_BYTES} bytes.")
    mac = hmac.new(key, _TAG_CONTEXT + sgtin.epc_uri.encode("ascii"), hashlib.sha256).digest()
    return base64.b32encode(mac[:TAG_BYTES]).decode("ascii").rstrip("=")


def verify_tag(sgtin: SGTIN, tag: str, key: bytes) -> bool:
    """Whether ``tag`` is this part's tag under ``key``, compared in constant time.

    A malformed tag is simply not valid (False). With key rotation, call once per live key.
    """
    if not isinstance(tag, str) or _TAG_RE.fullmatch(tag) is None:
        return False
    return hmac.compare_digest(tag_for(sgtin, key).encode("ascii"), tag.encode("ascii"))


def build(sgtin: SGTIN, *, host: str, tag: str | None = None) -> str:
    """The Digital Link URI for a part on ``host``, with ``?s=<tag>`` when a tag is given."""
    resolver = normalise_host(host)
    uri = f"https://{resolver}" + sgtin.epc_uri.removeprefix("https://id.gs1.org")
    return uri if tag is None else f"{uri}?{TAG_PARAM}={_validate_tag(tag)}"


def _check_characters(uri: str) -> None:
    if len(uri.encode("utf-8", errors="surrogatepass")) > MAX_LINK_BYTES:
        raise _fail("link.too_long", f"A link has at most {MAX_LINK_BYTES} bytes.")
    for position, char in enumerate(uri):
        if char.isascii():
            bad = char <= " " or char == "\x7f"
        else:
            bad = unicodedata.category(char) in {"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"}
        if bad:
            raise _fail(
                "link.control_chars",
                f"A link cannot hold control, format or space characters (at {position + 1}).",
                position=position + 1,
            )


def _split_scheme(uri: str) -> str:
    """The part after ``https://``; rejects every other scheme."""
    scheme, sep, rest = uri.partition(":")
    scheme = scheme.lower()
    if not sep or scheme not in {"http", "https"}:
        raise _fail("link.scheme", "A link must be an https:// URL.")
    if scheme == "http":
        raise _fail("link.insecure_scheme", "A link must use https, not http.")
    if not rest.startswith("//"):
        raise _fail("link.syntax", "Expected https:// followed by the host.")
    return rest[2:]


def _check_host(authority: str, expected: str) -> None:
    if "@" in authority:
        raise _fail("link.userinfo", "A link cannot carry user information before the host.")
    if not authority.isascii():
        raise _fail("link.host_idn", "Internationalised host names are not accepted.")
    host = authority.lower()
    if "[" in host or "]" in host:
        raise _fail("link.host", "The link is not on the expected host.")
    if ":" in host:
        raise _fail("link.port", "A link cannot name a port.")
    if host.endswith("."):
        raise _fail("link.host_trailing_dot", "The host cannot end with a dot.")
    if any(label.startswith("xn--") for label in host.split(".")):
        raise _fail("link.host_idn", "Punycode host names are not accepted.")
    if host != expected:
        raise _fail("link.host", "The link is not on the expected host.")


def _decode_segment(raw: str) -> str:
    if _BAD_ESCAPE_RE.search(raw):
        raise _fail("link.bad_escape", "A % must be followed by two hex digits.")
    # Once only: "%252F" gives the text "%2F", never "/".
    return unquote(raw, errors="replace")


def _check_path_keys(keys: list[str]) -> None:
    for key in keys:
        if not _is_known_ai(key):
            raise _fail("link.unknown_ai", "The path holds an unknown application identifier.")
    if keys[0] != "01":
        raise _fail("link.primary_key", "Only a GTIN (AI 01) can be the primary key of a part.")
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            raise _fail("link.duplicate_ai", f"AI {key} appears twice.", ai=key)
        seen.add(key)
    last = -1
    for key in keys[1:]:
        if key not in _GTIN_QUALIFIERS:
            raise _fail("link.unsupported_ai", f"AI {key} cannot qualify a GTIN here.", ai=key)
        index = _GTIN_QUALIFIERS.index(key)
        if index < last:
            raise _fail("link.qualifier_order", "Qualifiers must follow the order 22, 10, 21, 235.")
        last = index
    for key in keys[1:]:
        if key != "21":
            raise _fail("link.unsupported_ai", f"AI {key} is not used on part labels.", ai=key)
    if "21" not in seen:
        raise _fail("link.serial_missing", "The link has no serial number (AI 21).")


def _parse_path(path: str) -> SGTIN:
    if not path.startswith("/"):
        raise _fail("link.path", "The link has no path.")
    segments = path[1:].split("/")
    if len(segments) % 2 != 0 or any(segment == "" for segment in segments):
        raise _fail("link.path", "The path must be pairs of /<AI>/<value>.")
    keys, values = segments[0::2], segments[1::2]
    _check_path_keys(keys)
    pairs = dict(zip(keys, values, strict=True))
    gtin = normalise_gtin(_decode_segment(pairs["01"]))
    serial = validate_serial(_decode_segment(pairs["21"]))
    for raw in (pairs["01"], pairs["21"]):
        if not set(raw) <= _PCHAR:
            raise _fail("link.unencoded_char", "A reserved character in the path is not encoded.")
    return SGTIN(gtin, serial)


def _parse_query(query: str, *, allow_extra_params: bool) -> str | None:
    tag: str | None = None
    if query == "":
        return None
    for part in query.split("&"):
        key, sep, value = part.partition("=")
        if not sep or not key:
            raise _fail("link.query", "Each query parameter must be name=value.")
        if key == TAG_PARAM:
            if tag is not None:
                raise _fail("link.duplicate_param", "The tag parameter appears twice.")
            tag = _validate_tag(value)
        elif key in _PATH_AIS:
            raise _fail("link.query_repeats_path_ai", f"AI {key} is already in the path.", ai=key)
        elif _is_known_ai(key):
            raise _fail("link.unsupported_ai", f"AI {key} is not used on part labels.", ai=key)
        elif key.isascii() and key.isdigit():
            raise _fail("link.unknown_ai", "The query holds an unknown application identifier.")
        elif not allow_extra_params:
            raise _fail("link.unknown_param", "The link has an unexpected query parameter.")
    return tag


def _cross_check_with_biip(result: biip.ParseResult, sgtin: SGTIN) -> None:
    """biip must agree: no Digital Link error, no GTIN error, and the same two elements."""
    link = result.gs1_digital_link_uri
    if result.gs1_digital_link_uri_error or result.gtin_error or link is None:
        raise _fail(
            "link.biip_mismatch",
            "The GS1 parser rejected the link: "
            f"{result.gs1_digital_link_uri_error or result.gtin_error or 'no Digital Link'}",
        )
    elements = [(element.ai.ai, element.value) for element in link.element_strings]
    if elements != [("01", sgtin.gtin), ("21", sgtin.serial)]:
        raise _fail("link.biip_mismatch", "The GS1 parser read different identifiers.")


def parse(uri: str, *, host: str, allow_extra_params: bool = False) -> ParsedLink:
    """Parse and strictly check a scanned Digital Link on our resolver ``host``.

    ``allow_extra_params`` ignores non-numeric query parameters other than the tag (messaging
    apps append some when a link is shared); numeric ones are still checked as AIs. The tag is
    only checked for shape here: call :func:`verify_tag` with the key.
    """
    expected = normalise_host(host)
    if not isinstance(uri, str):
        raise _fail("link.type", "A link must be text.")
    _check_characters(uri)
    after_scheme = _split_scheme(uri)
    authority_end = min(
        (i for i in (after_scheme.find(c) for c in "/?#") if i >= 0), default=len(after_scheme)
    )
    authority, rest = after_scheme[:authority_end], after_scheme[authority_end:]
    if not authority:
        raise _fail("link.syntax", "The link has no host.")
    _check_host(authority, expected)
    if "#" in rest:
        raise _fail("link.fragment", "A link cannot carry a #fragment.")
    path, _, query = rest.partition("?")
    sgtin = _parse_path(path)
    tag = _parse_query(query, allow_extra_params=allow_extra_params)
    _cross_check_with_biip(biip.parse(f"https://{expected}{path}"), sgtin)
    return ParsedLink(sgtin=sgtin, tag=tag, uri=build(sgtin, host=expected, tag=tag))

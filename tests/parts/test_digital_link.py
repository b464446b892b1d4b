"""Digital Link URIs on our resolver host: building, strict parsing, MAC tags."""

from __future__ import annotations

import base64
import hashlib
import hmac

import biip
import pytest
from hypothesis import given
from hypothesis import strategies as st

from carecover.parts.service.digital_link import (
    MAX_LINK_BYTES,
    ParsedLink,
    _cross_check_with_biip,
    build,
    normalise_host,
    parse,
    tag_for,
    verify_tag,
)
from carecover.parts.service.gs1 import CHARSET_82, SGTIN, PartsInputError

HOST = "id.carecover.example"
GTIN = "09521234543213"
BASE = f"https://{HOST}/01/{GTIN}"
KEY = bytes(range(32))
PART = SGTIN(GTIN, "0123456789ABCDEF")


def _code_of(uri: object, **kwargs: bool) -> str:
    with pytest.raises(PartsInputError) as excinfo:
        parse(uri, host=HOST, **kwargs)  # type: ignore[arg-type]
    return excinfo.value.code


# --- tags ----------------------------------------------------------------------------------


def test_tag_is_truncated_hmac_sha256_in_base32() -> None:
    tag = tag_for(PART, KEY)
    assert tag == "QWBFQSCTZBP52"  # regression vector: changing it invalidates printed labels
    message = b"carecover/parts/digital-link-tag/v1\n" + PART.epc_uri.encode()
    mac = hmac.new(KEY, message, hashlib.sha256).digest()[:8]
    assert tag == base64.b32encode(mac).decode().rstrip("=")
    assert len(tag) == 13


def test_tag_depends_on_part_and_key() -> None:
    assert tag_for(SGTIN(GTIN, "0123456789ABCDEG"), KEY) == "LKWRKW2PBC6PY"
    assert tag_for(PART, bytes(range(1, 33))) != tag_for(PART, KEY)


def test_verify_tag() -> None:
    tag = tag_for(PART, KEY)
    assert verify_tag(PART, tag, KEY)
    assert not verify_tag(PART, tag, bytes(range(1, 33)))  # another (revoked) key
    assert not verify_tag(PART, tag[:-1], KEY)  # truncated
    assert not verify_tag(PART, tag.lower(), KEY)
    assert not verify_tag(PART, tag_for(SGTIN(GTIN, "0123456789ABCDEG"), KEY), KEY)
    assert not verify_tag(PART, "ЅWBFQSCTZBP52", KEY)  # Cyrillic S: no TypeError, just False
    assert not verify_tag(PART, "", KEY)


def test_tag_key_must_be_long_enough() -> None:
    with pytest.raises(PartsInputError) as excinfo:
        tag_for(PART, b"short")
    assert excinfo.value.code == "tag.key_too_short"


# --- build and round trips -----------------------------------------------------------------


def test_build_and_parse_round_trip_with_tag() -> None:
    tag = tag_for(PART, KEY)
    uri = build(PART, host=HOST, tag=tag)
    assert uri == f"{BASE}/21/0123456789ABCDEF?s={tag}"
    assert parse(uri, host=HOST) == ParsedLink(sgtin=PART, tag=tag, uri=uri)


def test_build_without_tag() -> None:
    uri = build(PART, host="ID.CareCover.Example")
    assert uri == f"{BASE}/21/0123456789ABCDEF"
    assert parse(uri, host=HOST).tag is None


@given(st.text(alphabet=sorted(CHARSET_82), min_size=1, max_size=20))
def test_any_charset_82_serial_round_trips(serial: str) -> None:
    part = SGTIN(GTIN, serial)
    tag = tag_for(part, KEY)
    parsed = parse(build(part, host=HOST, tag=tag), host=HOST)
    assert parsed.sgtin == part
    assert verify_tag(parsed.sgtin, tag, KEY)


def test_build_rejects_bad_tag_and_host() -> None:
    with pytest.raises(PartsInputError) as excinfo:
        build(PART, host=HOST, tag="abc")
    assert excinfo.value.code == "tag.format"
    for host in [
        "https://id.carecover.example",
        "id.carecover.example:443",
        "localhost",
        "id.carecover.example.",
        "xn--d-gtb.carecover.example",
        "іd.carecover.example",
        "id.carecover.example/path",
        "",
    ]:
        with pytest.raises(PartsInputError) as excinfo:
            build(PART, host=host)
        assert excinfo.value.code == "link.config_host", host
    assert normalise_host("ID.CareCover.Example") == HOST


def test_scheme_and_host_are_case_insensitive() -> None:
    parsed = parse(f"HTTPS://ID.CAREcover.example/01/{GTIN}/21/X", host=HOST)
    assert parsed.uri == f"{BASE}/21/X"


def test_short_gtin_in_path_is_normalised() -> None:
    parsed = parse(f"https://{HOST}/01/9521234543213/21/X", host=HOST)
    assert parsed.sgtin.gtin == GTIN
    assert parsed.uri == f"{BASE}/21/X"


# --- percent-encoding ----------------------------------------------------------------------


def test_encoded_slash_is_part_of_the_serial() -> None:
    parsed = parse(f"{BASE}/21/A%2FB", host=HOST)
    assert parsed.sgtin.serial == "A/B"
    assert parsed.uri == f"{BASE}/21/A%2FB"


def test_double_encoding_is_decoded_exactly_once() -> None:
    # %252F -> the three characters "%2F", all in charset 82; never a "/".
    parsed = parse(f"{BASE}/21/A%252FB", host=HOST)
    assert parsed.sgtin.serial == "A%2FB"
    assert parsed.uri == f"{BASE}/21/A%252FB"


def test_needless_escapes_are_accepted_and_canonicalised() -> None:
    assert parse(f"{BASE}/21/%41%2fb", host=HOST).uri == f"{BASE}/21/A%2Fb"


# --- rejections, each with its own code ------------------------------------------------------


@pytest.mark.parametrize(
    ("uri", "code"),
    [
        # scheme
        (f"http://{HOST}/01/{GTIN}/21/A", "link.insecure_scheme"),
        ("javascript:alert(document.cookie)", "link.scheme"),
        ("data:text/html;base64,PHNjcmlwdD4=", "link.scheme"),
        (f"ftp://{HOST}/01/{GTIN}/21/A", "link.scheme"),
        (f"//{HOST}/01/{GTIN}/21/A", "link.scheme"),
        (f"{HOST}/01/{GTIN}/21/A", "link.scheme"),
        ("", "link.scheme"),
        (f"https:/{HOST}/01/{GTIN}/21/A", "link.syntax"),
        ("https:///01/09521234543213/21/A", "link.syntax"),
        # host
        (f"https://id.insurer.cn@evil.example/01/{GTIN}/21/A", "link.userinfo"),
        (f"https://{HOST}@evil.example/01/{GTIN}/21/A", "link.userinfo"),
        (f"https://evil.example\\@{HOST}/01/{GTIN}/21/A", "link.userinfo"),
        (f"https://{HOST}\\.evil.example/01/{GTIN}/21/A", "link.host"),
        (f"https://{HOST}./01/{GTIN}/21/A", "link.host_trailing_dot"),
        (f"https://{HOST}:443/01/{GTIN}/21/A", "link.port"),
        (f"https://{HOST}:8443/01/{GTIN}/21/A", "link.port"),
        (f"https://іd.carecover.example/01/{GTIN}/21/A", "link.host_idn"),  # Cyrillic і
        (f"https://id.carecover。example/01/{GTIN}/21/A", "link.host_idn"),  # ideographic dot
        (f"https://xn--d-gtb.carecover.example/01/{GTIN}/21/A", "link.host_idn"),
        (f"https://id.carecover.example.evil.cn/01/{GTIN}/21/A", "link.host"),
        (f"https://id-carecover.example/01/{GTIN}/21/A", "link.host"),
        (f"https://carecover.example/01/{GTIN}/21/A", "link.host"),
        (f"https://id%2Ecarecover.example/01/{GTIN}/21/A", "link.host"),
        (f"https://[::1]/01/{GTIN}/21/A", "link.host"),
        (f"https://{HOST}/01/{GTIN}/21/A#frag", "link.fragment"),
        # path shape and AIs
        (f"https://{HOST}", "link.path"),
        (f"https://{HOST}/", "link.path"),
        (f"https://{HOST}/01/{GTIN}/21/A/", "link.path"),
        (f"https://{HOST}/01/{GTIN}//21/A", "link.path"),
        (f"https://{HOST}/01/{GTIN}/21", "link.path"),
        (f"https://{HOST}/products/01/{GTIN}/21/A", "link.path"),
        (f"https://{HOST}/shop/x/01/{GTIN}/21/A", "link.unknown_ai"),
        (f"https://{HOST}/gtin/{GTIN}/ser/A", "link.unknown_ai"),
        (f"https://{HOST}/01/{GTIN}/9999/A", "link.unknown_ai"),
        (f"https://{HOST}/414/0614141000005/254/1", "link.primary_key"),
        (f"https://{HOST}/00/106141412345678908/21/A", "link.primary_key"),
        (f"https://{HOST}/01/{GTIN}/21/A/21/B", "link.duplicate_ai"),
        (f"https://{HOST}/01/{GTIN}/01/{GTIN}", "link.duplicate_ai"),
        (f"https://{HOST}/01/{GTIN}/21/A/10/B", "link.qualifier_order"),
        (f"https://{HOST}/01/{GTIN}/235/T/21/A", "link.qualifier_order"),
        (f"https://{HOST}/01/{GTIN}/10/LOT1/21/A", "link.unsupported_ai"),
        (f"https://{HOST}/01/{GTIN}/17/261231/21/A", "link.unsupported_ai"),
        (f"https://{HOST}/01/{GTIN}", "link.serial_missing"),
        (f"https://{HOST}/01/{GTIN}/10/LOT1", "link.unsupported_ai"),
        (f"https://{HOST}/01/{GTIN}/21/A%2", "link.bad_escape"),
        (f"https://{HOST}/01/{GTIN}/21/A%G0", "link.bad_escape"),
        (f'https://{HOST}/01/{GTIN}/21/A"B', "link.unencoded_char"),
        (f"https://{HOST}/01/{GTIN}/21/A<B>", "link.unencoded_char"),
        # the identifiers
        (f"https://{HOST}/01/09521234543214/21/A", "gtin.check_digit"),
        (f"https://{HOST}/01/09521234543/21/A", "gtin.length"),
        (f"https://{HOST}/01/０９５２１２３４５４３２１３/21/A", "gtin.not_digits"),
        (f"{BASE}/21/{'A' * 21}", "serial.too_long"),
        (f"{BASE}/21/中", "serial.charset"),
        (f"{BASE}/21/%E4%B8%AD", "serial.charset"),
        (f"{BASE}/21/A%20B", "serial.charset"),
        (f"{BASE}/21/A%00", "serial.charset"),
        (f"{BASE}/21/A%FF", "serial.charset"),  # not UTF-8
        (f"{BASE}/21/A%23", "serial.charset"),  # "#" is outside charset 82
        # query
        (f"{BASE}/21/A?21=B", "link.query_repeats_path_ai"),
        (f"{BASE}/21/A?01={GTIN}", "link.query_repeats_path_ai"),
        (f"{BASE}/21/A?17=261231", "link.unsupported_ai"),
        (f"{BASE}/21/A?9999=1", "link.unknown_ai"),
        (f"{BASE}/21/A?99999=1", "link.unknown_ai"),
        (f"{BASE}/21/A?utm_source=x", "link.unknown_param"),
        (f"{BASE}/21/A?S=QWBFQSCTZBP52", "link.unknown_param"),
        (f"{BASE}/21/A?s=QWBFQSCTZBP52&s=QWBFQSCTZBP52", "link.duplicate_param"),
        (f"{BASE}/21/A?s", "link.query"),
        (f"{BASE}/21/A?s=X&", "tag.format"),
        (f"{BASE}/21/A?s=QWBFQSCTZBP5", "tag.format"),  # truncated
        (f"{BASE}/21/A?s=qwbfqsctzbp52", "tag.format"),
        (f"{BASE}/21/A?s=QWBFQSCTZBP52=", "tag.format"),
        # characters and size
        (f"{BASE}/21/A B", "link.control_chars"),
        (f"{BASE}/21/A\x00", "link.control_chars"),
        (f"{BASE}/21/A\tB", "link.control_chars"),
        (f"{BASE}/21/A\x7f", "link.control_chars"),
        (f"{BASE}/21/A\u202eB", "link.control_chars"),  # right-to-left override
        (f"{BASE}/21/A\u200bB", "link.control_chars"),  # zero-width space
        (f"{BASE}/21/A\u3000B", "link.control_chars"),  # ideographic space
        (f"{BASE}/21/A\ud800", "link.control_chars"),  # lone surrogate
        (f" {BASE}/21/A", "link.control_chars"),
        (f"{BASE}/21/A\n", "link.control_chars"),
        (f"{BASE}/21/A?x={'a' * 3000}", "link.too_long"),
        ("\x00" * 5000, "link.too_long"),
    ],
)
def test_rejections(uri: str, code: str) -> None:
    assert _code_of(uri) == code


def test_non_text_is_rejected() -> None:
    assert _code_of(b"https://id.carecover.example/01/09521234543213/21/A") == "link.type"
    assert _code_of(None) == "link.type"


def test_length_limit_is_2_kib_inclusive() -> None:
    prefix = f"{BASE}/21/A?x="
    exactly = prefix + "a" * (MAX_LINK_BYTES - len(prefix))
    assert len(exactly) == MAX_LINK_BYTES
    assert parse(exactly, host=HOST, allow_extra_params=True).sgtin == SGTIN(GTIN, "A")
    assert _code_of(exactly + "a", allow_extra_params=True) == "link.too_long"
    # Bytes, not characters: 700 three-byte characters are over the limit.
    assert _code_of(f"{BASE}/21/A?x=" + "中" * 700) == "link.too_long"


def test_extra_params_can_be_allowed_but_ais_never() -> None:
    tag = tag_for(PART, KEY)
    shared = f"{build(PART, host=HOST, tag=tag)}&from=singlemessage&isappinstalled=0"
    assert _code_of(shared) == "link.unknown_param"
    parsed = parse(shared, host=HOST, allow_extra_params=True)
    assert parsed.tag == tag
    assert parsed.uri == build(PART, host=HOST, tag=tag)
    assert _code_of(f"{shared}&21=B", allow_extra_params=True) == "link.query_repeats_path_ai"
    assert _code_of(f"{shared}&10=L", allow_extra_params=True) == "link.unsupported_ai"


def test_empty_query_means_no_tag() -> None:
    assert parse(f"{BASE}/21/A?", host=HOST).tag is None


def test_parse_rejects_a_bad_configured_host() -> None:
    with pytest.raises(PartsInputError) as excinfo:
        parse(f"{BASE}/21/A", host="https://id.carecover.example")
    assert excinfo.value.code == "link.config_host"


# --- the biip cross-check --------------------------------------------------------------------


def test_biip_reports_a_bad_check_digit_only_in_gtin_error() -> None:
    result = biip.parse(f"https://{HOST}/01/09521234543214/21/A")
    assert result.gs1_digital_link_uri_error is None
    assert result.gtin_error is not None
    with pytest.raises(PartsInputError) as excinfo:
        _cross_check_with_biip(result, SGTIN(GTIN, "A"))
    assert excinfo.value.code == "link.biip_mismatch"


def test_biip_cross_check_compares_elements() -> None:
    result = biip.parse(f"{BASE}/21/A")
    _cross_check_with_biip(result, SGTIN(GTIN, "A"))
    with pytest.raises(PartsInputError) as excinfo:
        _cross_check_with_biip(result, SGTIN(GTIN, "B"))
    assert excinfo.value.code == "link.biip_mismatch"
    with pytest.raises(PartsInputError) as excinfo:
        _cross_check_with_biip(biip.parse(f"{BASE}/21/A%20B"), SGTIN(GTIN, "A"))
    assert excinfo.value.code == "link.biip_mismatch"

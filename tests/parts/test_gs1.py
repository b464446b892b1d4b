"""GS1 identifiers: GTIN and GLN check digits, AI 21 serials, SGTIN URIs and fresh serials."""

from __future__ import annotations

import base64
import random
import string

import pytest
from biip.checksums import gs1_standard_check_digit
from hypothesis import given
from hypothesis import strategies as st

from carecover.parts.service.gs1 import (
    CHARSET_82,
    CROCKFORD_ALPHABET,
    SGTIN,
    PartsInputError,
    gln_check_digit,
    gtin_check_digit,
    is_valid_gln,
    is_valid_gtin,
    new_serial,
    normalise_gtin,
    sgln_uri,
    validate_gln,
    validate_serial,
)

GTIN = "09521234543213"


def _code(excinfo: pytest.ExceptionInfo[PartsInputError]) -> str:
    return excinfo.value.code


# --- GTIN ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "digit"),
    [
        ("952123454321", "3"),  # GS1 China example GTIN-13 9521234543213
        ("400638133393", "1"),  # EAN-13 4006381333931
        ("03600029145", "2"),  # UPC-A 036000291452
        ("9638507", "4"),  # EAN-8 96385074
        ("8061414112345", "8"),  # GTIN-14 80614141123458 (EPC Tag Data Standard example)
    ],
)
def test_check_digit_known_vectors(body: str, digit: str) -> None:
    assert gtin_check_digit(body) == digit
    assert is_valid_gtin(body + digit)
    assert not is_valid_gtin(body + str((int(digit) + 1) % 10))


@given(
    st.sampled_from([7, 11, 12, 13]).flatmap(
        lambda n: st.text("0123456789", min_size=n, max_size=n)
    )
)
def test_check_digit_agrees_with_biip(body: str) -> None:
    assert gtin_check_digit(body) == str(gs1_standard_check_digit(body))


@pytest.mark.parametrize(
    ("value", "normal"),
    [
        ("96385074", "00000096385074"),
        ("036000291452", "00036000291452"),
        ("9521234543213", GTIN),
        (GTIN, GTIN),
        ("80614141123458", "80614141123458"),
    ],
)
def test_normalise_gtin_pads_to_14(value: str, normal: str) -> None:
    assert normalise_gtin(value) == normal


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("09521234543214", "gtin.check_digit"),
        ("9521234543210", "gtin.check_digit"),
        ("０９５２１２３４５４３２１３", "gtin.not_digits"),  # full-width digits
        (" 9521234543213", "gtin.not_digits"),
        ("952123454321-3", "gtin.not_digits"),
        ("", "gtin.not_digits"),
        ("123456789", "gtin.length"),
        ("1234567890", "gtin.length"),
        ("123456789012345", "gtin.length"),
        ("00000000", "gtin.zero"),
        ("00000000000000", "gtin.zero"),
    ],
)
def test_bad_gtins_have_distinct_codes(value: str, code: str) -> None:
    with pytest.raises(PartsInputError) as excinfo:
        normalise_gtin(value)
    assert _code(excinfo) == code
    assert isinstance(excinfo.value, ValueError)


def test_check_digit_error_names_the_expected_digit() -> None:
    with pytest.raises(PartsInputError) as excinfo:
        normalise_gtin("09521234543214")
    assert excinfo.value.params == {"expected": "3"}
    assert "should be 3" in str(excinfo.value)


def test_gtin_must_be_a_string() -> None:
    with pytest.raises(PartsInputError) as excinfo:
        normalise_gtin(9521234543213)  # type: ignore[arg-type]
    assert _code(excinfo) == "gtin.type"


@pytest.mark.parametrize(
    ("body", "code"), [("12345", "gtin.length"), ("12a4567", "gtin.not_digits")]
)
def test_check_digit_rejects_bad_bodies(body: str, code: str) -> None:
    with pytest.raises(PartsInputError) as excinfo:
        gtin_check_digit(body)
    assert _code(excinfo) == code


# --- serials (AI 21) ----------------------------------------------------------------------


def test_charset_82_is_exactly_the_gs1_table() -> None:
    expected = set(string.ascii_letters + string.digits + "!\"%&'()*+,-./:;<=>?_")
    assert set(CHARSET_82) == expected
    assert len(CHARSET_82) == 82
    for excluded in " #$@[\\]^`{|}~\t\x00":
        assert excluded not in CHARSET_82


@pytest.mark.parametrize("serial", ["A", "0123456789ABCDEFGHJK", "a/b%2F\"'()*+,-.:;<=>?_!&"[:20]])
def test_valid_serials_are_returned_unchanged(serial: str) -> None:
    assert validate_serial(serial) == serial


@pytest.mark.parametrize(
    ("serial", "code", "position"),
    [
        ("", "serial.empty", None),
        ("A" * 21, "serial.too_long", None),
        ("中", "serial.charset", 1),
        ("A B", "serial.charset", 2),
        ("AB\x00", "serial.charset", 3),
        ("A#", "serial.charset", 2),
        ("ＡB", "serial.charset", 1),  # full-width A
    ],
)
def test_bad_serials(serial: str, code: str, position: int | None) -> None:
    with pytest.raises(PartsInputError) as excinfo:
        validate_serial(serial)
    assert _code(excinfo) == code
    if position is not None:
        assert excinfo.value.params == {"position": position}


# --- SGTIN --------------------------------------------------------------------------------


def test_sgtin_normalises_gtin_and_compares_by_value() -> None:
    part = SGTIN("9521234543213", "ABC123")
    assert part.gtin == GTIN
    assert part == SGTIN(GTIN, "ABC123")
    assert hash(part) == hash(SGTIN(GTIN, "ABC123"))


def test_sgtin_rejects_bad_parts() -> None:
    with pytest.raises(PartsInputError) as excinfo:
        SGTIN("09521234543214", "A")
    assert _code(excinfo) == "gtin.check_digit"
    with pytest.raises(PartsInputError) as excinfo:
        SGTIN(GTIN, "A" * 21)
    assert _code(excinfo) == "serial.too_long"


def test_epc_uri_is_the_canonical_digital_link() -> None:
    assert SGTIN(GTIN, "ABC-1.2_3").epc_uri == f"https://id.gs1.org/01/{GTIN}/21/ABC-1.2_3"
    # Reserved characters of charset 82 are percent-encoded with upper-case hex.
    encoded = SGTIN(GTIN, "A/B\"%&'()*+,:;<=>?!").epc_uri
    assert encoded == (
        f"https://id.gs1.org/01/{GTIN}/21/A%2FB%22%25%26%27%28%29%2A%2B%2C%3A%3B%3C%3D%3E%3F%21"
    )


@given(st.text(alphabet=sorted(CHARSET_82), min_size=1, max_size=20))
def test_epc_uri_round_trips(serial: str) -> None:
    part = SGTIN(GTIN, serial)
    assert SGTIN.parse_epc(part.epc_uri) == part


@pytest.mark.parametrize(
    ("uri", "code"),
    [
        (f"http://id.gs1.org/01/{GTIN}/21/A", "epc.format"),
        (f"https://id.example.com/01/{GTIN}/21/A", "epc.format"),
        ("https://id.gs1.org/01/9521234543213/21/A", "epc.format"),  # GTIN-13, not 14
        (f"https://id.gs1.org/01/{GTIN}/21/A/10/B", "epc.format"),
        (f"https://id.gs1.org/01/{GTIN}/21/A?s=X", "epc.format"),
        (f"https://id.gs1.org/01/{GTIN}/21/", "epc.format"),
        (f"https://id.gs1.org/01/{GTIN}/21/A%2fB", "epc.not_canonical"),  # lower-case hex
        (f"https://id.gs1.org/01/{GTIN}/21/%41", "epc.not_canonical"),  # needless escape
        (f"https://id.gs1.org/01/{GTIN}/21/A%2", "epc.not_canonical"),
        (f"https://id.gs1.org/01/{GTIN}/21/A%20B", "serial.charset"),
        ("https://id.gs1.org/01/09521234543214/21/A", "gtin.check_digit"),
    ],
)
def test_parse_epc_is_strict(uri: str, code: str) -> None:
    with pytest.raises(PartsInputError) as excinfo:
        SGTIN.parse_epc(uri)
    assert _code(excinfo) == code


def test_urn_follows_the_tag_data_standard() -> None:
    assert SGTIN("80614141123458", "6789").urn(7) == "urn:epc:id:sgtin:0614141.812345.6789"
    # TDS escapes " % & / < > ? in the URN and leaves the other charset 82 characters alone.
    assert (
        SGTIN("80614141123458", '6789/&%"!?()').urn(7)
        == "urn:epc:id:sgtin:0614141.812345.6789%2F%26%25%22!%3F()"
    )
    assert SGTIN(GTIN, "X<>").urn(12) == "urn:epc:id:sgtin:952123454321.0.X%3C%3E"
    with pytest.raises(PartsInputError) as excinfo:
        SGTIN(GTIN, "X").urn(13)
    assert _code(excinfo) == "sgtin.prefix_length"


# --- new serials ---------------------------------------------------------------------------


def test_new_serial_is_16_crockford_characters_of_80_bits() -> None:
    serials = {new_serial() for _ in range(2000)}
    assert len(serials) == 2000
    for serial in serials:
        assert len(serial) == 16
        assert set(serial) <= set(CROCKFORD_ALPHABET)
        assert validate_serial(serial) == serial
        # Every character is unreserved in URIs: no percent-encoding on the label.
        assert SGTIN(GTIN, serial).epc_uri.endswith("/21/" + serial)


def test_new_serial_encodes_the_given_bytes() -> None:
    assert new_serial(lambda n: bytes(n)) == "0" * 16
    assert new_serial(lambda n: b"\xff" * n) == "Z" * 16
    raw = bytes(range(1, 11))
    rfc4648 = base64.b32encode(raw).decode()  # 80 bits -> 16 characters, no padding
    crockford = rfc4648.translate(
        str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", CROCKFORD_ALPHABET)
    )
    assert new_serial(lambda n: raw[:n]) == crockford == "041061050R3GG28A"
    assert new_serial(random.Random(7).randbytes) == new_serial(random.Random(7).randbytes)


def test_new_serial_rejects_a_short_source() -> None:
    with pytest.raises(ValueError, match="wrong number of bytes"):
        new_serial(lambda n: b"\x00")


# --- GLN / SGLN ----------------------------------------------------------------------------


@given(st.text("0123456789", min_size=12, max_size=12))
def test_gln_check_digit_agrees_with_biip(body: str) -> None:
    assert gln_check_digit(body) == str(gs1_standard_check_digit(body))


def test_gln_validation() -> None:
    assert validate_gln("0614141000005") == "0614141000005"
    assert is_valid_gln("6291041500213")
    assert not is_valid_gln("6291041500214")
    cases = {
        "6291041500214": "gln.check_digit",
        "629104150021": "gln.length",
        "62910415002133": "gln.length",
        "629104150021३": "gln.not_digits",  # Devanagari three
        "": "gln.not_digits",
    }
    for value, code in cases.items():
        with pytest.raises(PartsInputError) as excinfo:
            validate_gln(value)
        assert _code(excinfo) == code, value
    with pytest.raises(PartsInputError) as excinfo:
        gln_check_digit("12345")
    assert _code(excinfo) == "gln.length"


def test_sgln_uri() -> None:
    assert sgln_uri("0614141000005") == "https://id.gs1.org/414/0614141000005"
    assert sgln_uri("0614141000005", "122") == "https://id.gs1.org/414/0614141000005/254/122"
    assert sgln_uri("0614141000005", "bay/7") == "https://id.gs1.org/414/0614141000005/254/bay%2F7"
    for gln, extension, code in [
        ("0614141000006", "0", "gln.check_digit"),
        ("0614141000005", "", "gln_extension.empty"),
        ("0614141000005", "X" * 21, "gln_extension.too_long"),
        ("0614141000005", "bay 7", "gln_extension.charset"),
    ]:
        with pytest.raises(PartsInputError) as excinfo:
            sgln_uri(gln, extension)
        assert _code(excinfo) == code

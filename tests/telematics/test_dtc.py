"""SAE J2012 trouble codes: wire bytes for all four systems, mode 03 answers (legacy, CAN,
multi-frame), refusals, the project's code table, generic vs manufacturer, and round trips."""

from __future__ import annotations

import json
import re
from importlib.resources import files
from typing import Any

import obd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from carecover.telematics.service.dtc import (
    CODE_PATTERN,
    SEVERITIES,
    DtcError,
    classify,
    decode_dtc_bytes,
    default_severity,
    encode_dtc,
    is_generic,
    known_codes,
    parse_mode03,
    validate_code,
)
from carecover.telematics.service.obd import ObdDecodeError


@pytest.mark.parametrize(
    ("b1", "b2", "code"),
    [
        (0x01, 0x33, "P0133"),
        (0x03, 0x01, "P0301"),
        (0x0A, 0x80, "P0A80"),
        (0x1A, 0x23, "P1A23"),
        (0x3F, 0xFF, "P3FFF"),
        (0x00, 0x00, "P0000"),
        (0x40, 0x35, "C0035"),
        (0x51, 0x23, "C1123"),
        (0x80, 0x01, "B0001"),
        (0xA0, 0xD2, "B20D2"),
        (0xC1, 0x00, "U0100"),
        (0xC1, 0x21, "U0121"),
        (0xFF, 0xFF, "U3FFF"),
    ],
)
def test_two_bytes_become_a_code_in_every_system(b1: int, b2: int, code: str) -> None:
    assert decode_dtc_bytes(b1, b2) == code
    assert encode_dtc(code) == (b1, b2)


@pytest.mark.parametrize(("b1", "b2"), [(256, 0), (0, 256), (-1, 0), (0, -5)])
def test_bytes_out_of_range_are_refused(b1: int, b2: int) -> None:
    with pytest.raises(DtcError) as caught:
        decode_dtc_bytes(b1, b2)
    assert caught.value.code == "bad_byte"


@given(st.integers(0, 255), st.integers(0, 255))
def test_decode_then_encode_round_trips(b1: int, b2: int) -> None:
    code = decode_dtc_bytes(b1, b2)
    assert CODE_PATTERN.fullmatch(code)
    assert encode_dtc(code) == (b1, b2)


@given(st.from_regex(CODE_PATTERN, fullmatch=True))
def test_encode_then_decode_round_trips(code: str) -> None:
    assert decode_dtc_bytes(*encode_dtc(code)) == code


@given(st.integers(0, 255), st.integers(0, 255))
def test_byte_decoding_agrees_with_python_obd(b1: int, b2: int) -> None:
    theirs = obd.decoders.parse_dtc((b1, b2))  # None for the 00 00 padding pair
    if theirs is None:
        assert (b1, b2) == (0, 0)
    else:
        # python-OBD prints the hex digits in lower case ("P0a80"); J2012 codes are upper case.
        assert decode_dtc_bytes(b1, b2) == theirs[0].upper()


def test_codes_are_validated_and_normalised() -> None:
    assert validate_code("P0133") == "P0133"
    assert validate_code(" p0a80 ") == "P0A80"
    for bad in ["", "P4133", "X0133", "P013", "P01333", "P0G33", "P 0133", "0133", "U-100"]:
        with pytest.raises(DtcError, match=r"e\.g\. P0133") as caught:
            validate_code(bad)
        assert caught.value.code == "bad_code"
    with pytest.raises(DtcError):
        encode_dtc("Q0100")
    with pytest.raises(DtcError):
        classify("P01")


# --- mode 03 answers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("43 01 33 00 00 00 00", ["P0133"]),  # legacy: three slots, empty ones 00 00
        ("43 01 33 03 01 04 20", ["P0133", "P0301", "P0420"]),
        ("43 00 00 00 00 00 00", []),
        ("43 00 00 01 33 00 00", ["P0133"]),  # padding may sit anywhere
        ("43013300000000", ["P0133"]),
        ("43 0a 80 0a a6 c1 00", ["P0A80", "P0AA6", "U0100"]),
        ("43 00", []),  # CAN: count byte 0
        ("43 01 01 33", ["P0133"]),
        ("43 02 01 33 03 01", ["P0133", "P0301"]),
        ("43 01 01 33 00 00", ["P0133"]),  # zero padding after the announced codes
        ("43 01 33 03 01 04 20\r\n43 80 01 00 00 00 00\r\n", ["P0133", "P0301", "P0420", "B0001"]),
        ("43 02 01 33 C1 00\n43 01 C1 00\n", ["P0133", "U0100"]),  # two ECUs, U0100 once
        ("  43 01 01 33  \n\n", ["P0133"]),
    ],
)
def test_mode03_answers_parse(text: str, codes: list[str]) -> None:
    assert parse_mode03(text) == codes


def test_can_multi_frame_answers_parse() -> None:
    # Seven codes: 2 + 14 = 16 bytes over three frames; the adapter prints the length first.
    text = "010\r\n0: 43 07 01 33 03 01\r\n1: 03 02 04 20 C1 00 40\r\n2: 35 80 01 0A A6 00 00\r\n"
    expected = ["P0133", "P0301", "P0302", "P0420", "U0100", "C0035", "B0001"]
    assert parse_mode03(text) == expected
    # Without the length line the count byte bounds the codes; the tail is ISO-TP padding.
    no_length = "0: 43 03 01 33 03 01\n1: 04 20 55 55 55 55 55\n"
    assert parse_mode03(no_length) == ["P0133", "P0301", "P0420"]
    assert parse_mode03("0: 43 01 01 33 00 00\n1: 00 00 00 00 00 00 00") == ["P0133"]
    # A multi-frame answer followed by another ECU's single frame.
    mixed = "00A\n0: 43 04 01 33 03 01\n1: 04 20 C1 21 00 00 00\n43 01 0A 80\n"
    assert parse_mode03(mixed) == ["P0133", "P0301", "P0420", "U0121", "P0A80"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("\r\n  \r\n", "empty"),
        ("NO DATA", "no_data"),
        ("43 01 33 00 00 00 0G", "bad_hex"),
        ("43 01 33 00 00 00 0", "bad_hex"),
        ("44 01 33 00 00 00 00", "wrong_mode"),
        ("41 0C 1A F8", "wrong_mode"),
        ("7F 03 11", "negative_response"),
        ("43", "truncated"),
        ("43 03 01 33", "truncated"),  # three codes announced, one present
        ("43 01 33 00 00", "bad_length"),  # neither a legacy line nor a CAN frame
        ("43 01 01 33 03 01", "bad_count"),  # one code announced, two present
        ("00E\n0: 43 06 01 33 03 01\n1: 04 20 00 00", "truncated"),
        ("00A\n0: 43 04 01 33 03 01\n2: 04 20 C1 21 00 00 00", "bad_frame"),
        ("1: 43 01 01 33", "bad_frame"),
        ("00A\n43 01 01 33", "bad_frame"),
        ("00A", "truncated"),
        ("0: 43 01 01 33 03 01\n1: 04 20 00 00 00 00 00", "bad_count"),
    ],
)
def test_bad_mode03_answers_are_refused(text: str, code: str) -> None:
    with pytest.raises(DtcError) as caught:
        parse_mode03(text)
    assert caught.value.code == code
    assert isinstance(caught.value, ObdDecodeError)


# --- the project table -----------------------------------------------------------------------


def _raw_table() -> list[dict[str, Any]]:
    text = (
        files("carecover.telematics.service").joinpath("dtc_codes.json").read_text(encoding="utf-8")
    )
    rows: list[dict[str, Any]] = json.loads(text)["codes"]
    return rows


def test_the_table_is_whole_and_well_formed() -> None:
    rows = _raw_table()
    codes = [row["code"] for row in rows]
    assert len(rows) >= 250
    assert len(set(codes)) == len(codes)
    assert len(known_codes()) == len(rows)
    cjk = re.compile(r"[\u4e00-\u9fff]")
    for row in rows:
        assert set(row) == {"code", "severity", "en", "zh"}, row
        assert CODE_PATTERN.fullmatch(row["code"]), row
        assert row["severity"] in SEVERITIES, row
        assert row["en"].strip(), row
        assert row["en"].isascii(), row
        assert cjk.search(row["zh"]), row
        assert is_generic(row["code"]), row  # manufacturer codes (P1xxx …) stay out


def test_the_descriptions_are_our_own_words() -> None:
    theirs = {text.strip().lower() for text in obd.codes.DTC.values()}
    assert not [row["code"] for row in _raw_table() if row["en"].strip().lower() in theirs]


def test_the_table_covers_the_common_families() -> None:
    known = known_codes()
    required = (
        [f"P01{n:02d}" for n in range(100)]
        + [f"P02{n:02d}" for n in range(1, 13)]
        + [f"P030{n}" for n in range(9)]
        + ["P0420", "P0430", "P0440", "P0442", "P0455", "P0456", "P0457"]
        + ["P0500", "P0505", "P0520", "P0524", "P0562", "P0601", "P0700", "P0715", "P0750"]
        + ["U0100", "U0101", "U0121", "U0140", "U0155"]
        + ["C0035", "C0040", "C0045", "C0050", "P0A80", "P0AA6"]
        + [f"B00{n:02d}" for n in (1, 2, 3, 10, 11, 12, 20)]
    )
    assert [code for code in required if code not in known] == []


@pytest.mark.parametrize(
    ("code", "severity"),
    [
        *[(f"P030{n}", "stop_now") for n in range(9)],
        ("P0217", "stop_now"),
        ("P0524", "stop_now"),
        ("P0AA6", "stop_now"),
        ("B0001", "stop_now"),
        ("B0020", "stop_now"),
        ("U0151", "stop_now"),
        ("P0520", "service_soon"),
        ("P0523", "service_soon"),
        ("P0420", "service_soon"),
        ("P0A80", "service_soon"),
        ("C0035", "service_soon"),
        ("U0100", "service_soon"),
        ("P0442", "info"),
        ("P0457", "info"),
        ("P0137", "info"),  # downstream O2 sensor
        ("P0131", "service_soon"),  # upstream O2 sensor steers fuelling
    ],
)
def test_severity_classes_follow_the_documented_rationale(code: str, severity: str) -> None:
    assert classify(code).severity == severity


def test_classify_a_known_code() -> None:
    info = classify("p0301")
    assert info.code == "P0301"
    assert (info.system, info.generic, info.severity, info.known) == (
        "powertrain",
        True,
        "stop_now",
        True,
    )
    assert info.text_en == "Cylinder 1 misfire"
    assert info.text_zh == "第1缸失火"


@pytest.mark.parametrize(
    ("code", "system", "generic", "severity"),
    [
        ("P1A23", "powertrain", False, "service_soon"),
        ("P0999", "powertrain", True, "service_soon"),
        ("P2FFF", "powertrain", True, "service_soon"),
        ("P3000", "powertrain", False, "service_soon"),
        ("P33FF", "powertrain", False, "service_soon"),
        ("P3400", "powertrain", True, "service_soon"),
        ("P3F00", "powertrain", True, "service_soon"),
        ("C0999", "chassis", True, "service_soon"),
        ("C1234", "chassis", False, "service_soon"),
        ("C2100", "chassis", False, "service_soon"),
        ("C3000", "chassis", True, "service_soon"),
        ("B0017", "body", True, "stop_now"),  # restraints range B0000–B00FF
        ("B00FF", "body", True, "stop_now"),
        ("B0100", "body", True, "service_soon"),
        ("B1400", "body", False, "service_soon"),
        ("B2000", "body", False, "service_soon"),
        ("U0999", "network", True, "service_soon"),
        ("U1000", "network", False, "service_soon"),
        ("U2100", "network", False, "service_soon"),
        ("U3000", "network", True, "service_soon"),
    ],
)
def test_unknown_codes_classify_by_their_range(
    code: str, system: str, generic: bool, severity: str
) -> None:
    info = classify(code)
    assert (info.system, info.generic, info.severity, info.known) == (
        system,
        generic,
        severity,
        False,
    )
    assert (info.text_en, info.text_zh) == ("unknown code", "未知故障码")
    assert default_severity(code) == severity

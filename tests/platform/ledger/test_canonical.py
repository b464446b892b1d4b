"""Strict JSON, RFC 8785 canonical JSON and salted commitments."""

from __future__ import annotations

import hashlib
import json
import struct
import unicodedata
from typing import Any

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from carecover.platform.ledger.canonical import (
    MAX_SAFE_INTEGER,
    CanonicalJsonError,
    canonical_bytes,
    commitment,
    loads_strict,
    new_salt,
    verify_commitment,
)


def _canonical_text(text: str) -> str:
    return canonical_bytes(loads_strict(text)).decode("utf-8")


# --- RFC 8785 examples ----------------------------------------------------------------------


def test_rfc8785_section_3_2_2_example() -> None:
    # RFC 8785 §3.2.2: the input, then the exact canonical output.
    source = (
        '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],'
        ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",'
        ' "literals": [null, true, false]}'
    )
    expected = (
        '{"literals":[null,true,false],'
        '"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    )
    assert _canonical_text(source) == expected


def test_rfc8785_section_3_2_3_sorts_keys_by_utf16_code_units() -> None:
    source = (
        '{"\\u20ac": "Euro Sign", "\\r": "Carriage Return", '
        '"\\ufb33": "Hebrew Letter Dalet With Dagesh", "1": "One", '
        '"\\ud83d\\ude00": "Emoji: Grinning Face", "\\u0080": "Control", '
        '"\\u00f6": "Latin Small Letter O With Diaeresis"}'
    )
    keys = list(json.loads(_canonical_text(source)))
    # RFC 8785 §3.2.3 order: \r, 1, U+0080, ö, €, 😀 (surrogates D83D DE00), U+FB33.
    assert keys == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]
    assert canonical_bytes(loads_strict(source)).startswith(b'{"\\r":"Carriage Return","1":"One"')


# RFC 8785 Appendix B: IEEE 754 bit patterns and their ECMAScript serialisation.
APPENDIX_B = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]


@pytest.mark.parametrize(("bits", "expected"), APPENDIX_B)
def test_rfc8785_appendix_b_numbers(bits: str, expected: str) -> None:
    value = struct.unpack(">d", bytes.fromhex(bits))[0]
    assert canonical_bytes(value) == expected.encode("ascii")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1e21", "1e+21"),
        ("1e15", "1000000000000000"),
        ("1e-7", "1e-7"),
        ("1e-6", "0.000001"),
        ("-0", "0"),
        ("-0.0", "0"),
        ("333333333.33333329", "333333333.3333333"),
        ("12.50", "12.5"),
        ("1.0", "1"),
        (str(MAX_SAFE_INTEGER), str(MAX_SAFE_INTEGER)),
    ],
)
def test_number_serialisation(source: str, expected: str) -> None:
    assert _canonical_text(source) == expected


def test_strings_are_not_unicode_normalised() -> None:
    nfc = unicodedata.normalize("NFC", "Zoë 张三")
    nfd = unicodedata.normalize("NFD", "Zoë 张三")
    assert nfc != nfd
    a = canonical_bytes(loads_strict(json.dumps({"name": nfc})))
    b = canonical_bytes(loads_strict(json.dumps({"name": nfd})))
    assert a != b
    assert loads_strict(b)["name"] == nfd
    salt = bytes(32)
    assert commitment(salt, a) != commitment(salt, b)


def test_whitespace_and_key_order_do_not_matter() -> None:
    a = canonical_bytes(loads_strict('{ "b" : [1, 2], "a" : {"y": true, "x": null} }'))
    b = canonical_bytes(loads_strict(b'{"a":{"x":null,"y":true},"b":[1,2]}'))
    assert a == b == b'{"a":{"x":null,"y":true},"b":[1,2]}'


# --- strict parsing -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "code", "fragment"),
    [
        ('{"amount":100,"amount":100000}', "json.duplicate_key", "'amount'"),
        ('{"a":{"x":1,"x":1}}', "json.duplicate_key", "'x'"),
        ("NaN", "json.nan", "NaN"),
        ('{"v": Infinity}', "json.nan", "Infinity"),
        ("[-Infinity]", "json.nan", "-Infinity"),
        ("1e400", "json.number_range", "1e400"),
        ("[-1e400]", "json.number_range", "-1e400"),
        (str(2**53), "json.number_range", str(2**53)),
        (str(-(2**53)), "json.number_range", str(-(2**53))),
        ("1" * 5000, "json.number_range", "outside"),
        ('"\\ud800"', "json.surrogate", "top level"),
        ('{"k": ["ok", {"x": "a\\udc00b"}]}', "json.surrogate", "/k/1/x"),
        ('{"\\udbff": 1}', "json.surrogate", "surrogate"),
        ('{"a": 1,}', "json.syntax", "line 1"),
        ("", "json.syntax", "invalid JSON"),
        ("\ufeff{}", "json.syntax", "BOM"),
        ('{"a": "line\nbreak"}', "json.syntax", "control"),
    ],
)
def test_rejects(source: str, code: str, fragment: str) -> None:
    with pytest.raises(CanonicalJsonError) as caught:
        loads_strict(source)
    assert caught.value.code == code
    assert fragment in caught.value.message


def test_surrogate_error_has_a_json_pointer() -> None:
    with pytest.raises(CanonicalJsonError) as caught:
        loads_strict('{"a/b": [{"c~d": "\\ud83d"}]}')
    assert caught.value.path == "/a~1b/0/c~0d"


def test_paired_surrogates_are_one_character() -> None:
    assert loads_strict('"\\ud83d\\ude00"') == "\U0001f600"


def test_invalid_utf8_bytes_are_rejected() -> None:
    with pytest.raises(CanonicalJsonError) as caught:
        loads_strict(b'{"a": "\xff"}')
    assert caught.value.code == "json.syntax"
    assert "UTF-8" in caught.value.message


def test_depth_limit() -> None:
    assert loads_strict("[" * 64 + "]" * 64) is not None
    with pytest.raises(CanonicalJsonError) as caught:
        loads_strict("[" * 65 + "]" * 65)
    assert caught.value.code == "json.depth"
    assert loads_strict('{"a":' * 3 + "1" + "}" * 3, max_depth=3) == {"a": {"a": {"a": 1}}}
    with pytest.raises(CanonicalJsonError):
        loads_strict('{"a":' * 4 + "1" + "}" * 4, max_depth=3)


def test_brackets_inside_strings_do_not_count_as_depth() -> None:
    text = json.dumps({"s": "[" * 200 + '\\"{' * 100})
    assert loads_strict(text)["s"].startswith("[[[")


def test_ten_thousand_levels_fail_fast_without_recursion() -> None:
    with pytest.raises(CanonicalJsonError) as caught:
        loads_strict("[" * 10_000 + "]" * 10_000)
    assert caught.value.code == "json.depth"
    with pytest.raises(CanonicalJsonError) as caught:
        loads_strict('{"a":' * 10_000)  # unbalanced too: the depth scan still answers first
    assert caught.value.code == "json.depth"


def test_size_limit_bytes_and_str() -> None:
    body = '"' + "a" * 100 + '"'
    assert loads_strict(body, max_bytes=102) == "a" * 100
    with pytest.raises(CanonicalJsonError) as caught:
        loads_strict(body.encode(), max_bytes=101)
    assert caught.value.code == "json.too_large"
    with pytest.raises(CanonicalJsonError) as caught:
        loads_strict('"' + "张" * 40 + '"', max_bytes=100)  # 42 characters, 122 UTF-8 bytes
    assert caught.value.code == "json.too_large"
    with pytest.raises(CanonicalJsonError) as caught:
        loads_strict(b" " * (1024 * 1024 + 1))
    assert caught.value.code == "json.too_large"


# --- canonical_bytes on Python values -----------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (2**53, "json.number_range"),
        (float("nan"), "json.nan"),
        (float("inf"), "json.nan"),
        ({1: "non-string key"}, "json.type"),
        ({"a": {1, 2}}, "json.type"),
        ("\ud800", "json.surrogate"),
    ],
)
def test_canonical_bytes_rejects(value: Any, code: str) -> None:
    with pytest.raises(CanonicalJsonError) as caught:
        canonical_bytes(value)
    assert caught.value.code == code


@pytest.mark.parametrize(
    "source", ["9007199254740992.0", "1e16", "-1e20", "999999999999999900000.0"]
)
def test_floats_that_canonicalise_to_unsafe_integers_are_refused(source: str) -> None:
    with pytest.raises(CanonicalJsonError) as caught:
        loads_strict(source)
    assert caught.value.code == "json.number_range"


def test_floats_at_and_beyond_1e21_round_trip_in_exponent_form() -> None:
    assert canonical_bytes(loads_strict("[1e21, -2.5e300]")) == b"[1e+21,-2.5e+300]"
    assert loads_strict(b"[1e+21,-2.5e+300]") == [1e21, -2.5e300]


def test_canonical_bytes_depth_is_bounded() -> None:
    value: Any = []
    for _ in range(100):
        value = [value]
    with pytest.raises(CanonicalJsonError) as caught:
        canonical_bytes(value)
    assert caught.value.code == "json.depth"


def _safe_float(value: float) -> bool:
    return not MAX_SAFE_INTEGER < abs(value) < 1e21


_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-MAX_SAFE_INTEGER, max_value=MAX_SAFE_INTEGER)
    | st.floats(allow_nan=False, allow_infinity=False).filter(_safe_float)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@given(_json_values)
def test_canonical_form_is_a_fixed_point(value: Any) -> None:
    once = canonical_bytes(value)
    assert canonical_bytes(loads_strict(once)) == once


# --- commitments ----------------------------------------------------------------------------


def test_commitment_format_and_value() -> None:
    salt = bytes(range(32))
    expected = hashlib.sha256(salt + b"hello").hexdigest()
    assert commitment(salt, b"hello") == f"sha256:{expected}"
    assert expected == "e301c3733305cb982100a8c44467524d44e892e4fe2f59296e38c78bdf940b47"


def test_commitment_depends_on_salt_and_content() -> None:
    salt = new_salt()
    other = new_salt()
    assert len(salt) == 32
    assert salt != other
    assert commitment(salt, b"x") != commitment(other, b"x")
    assert commitment(salt, b"x") != commitment(salt, b"y")
    assert verify_commitment(salt, b"x", commitment(salt, b"x"))
    assert not verify_commitment(other, b"x", commitment(salt, b"x"))
    assert not verify_commitment(salt, b"x", "sha256:" + "0" * 64)


def test_short_salts_are_refused() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        commitment(b"", b"x")
    assert not verify_commitment(b"short", b"x", commitment(bytes(16), b"x"))


_plain_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53 - 1), max_value=2**53 - 1)
    | st.text(alphabet=st.characters(blacklist_categories=("Cs",))),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.text(alphabet=st.characters(blacklist_categories=("Cs",))), children, max_size=4
        )
    ),
    max_leaves=20,
)


@given(_plain_values)
def test_the_fast_path_is_byte_identical_to_rfc8785(value: object) -> None:
    assert canonical_bytes(value) == rfc8785.dumps(value)

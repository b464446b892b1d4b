"""Every identifier error code has a message in both languages, with the same placeholders."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

import pytest

from carecover.platform import cn, geo
from carecover.platform.i18n import catalogues, translate

_RAISED = re.compile(r'InvalidIdentifier\(\s*"([a-z_]+\.[a-z_]+)"((?:,\s*\w+=)?)')


def _raised_codes() -> set[str]:
    """The codes the cn and geo modules raise, read from their source."""
    codes: set[str] = set()
    for package in (cn, geo):
        for path in Path(package.__file__ or "").parent.glob("*.py"):
            codes |= {match[0] for match in _RAISED.findall(path.read_text(encoding="utf-8"))}
    return codes


def test_the_source_scan_finds_the_codes() -> None:
    assert {"vin.check_digit", "plate.special_use", "address.empty"} <= _raised_codes()


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_every_raised_code_has_a_message(lang: str) -> None:
    messages = catalogues()[lang]
    missing = {code for code in _raised_codes() if f"invalid.{code}" not in messages}
    assert not missing, sorted(missing)


def test_no_message_without_a_code() -> None:
    # Other packages may use the "invalid." prefix too, so only this package's files count.
    folder = Path(cn.__file__ or "").parent / "locales"
    for lang in ("zh-CN", "en"):
        keys = set(json.loads((folder / f"{lang}.json").read_text(encoding="utf-8")))
        assert keys == {f"invalid.{code}" for code in _raised_codes()}, lang


def test_placeholders_match_the_error_params() -> None:
    for code in _raised_codes():
        fields = {
            name
            for _, name, _, _ in string.Formatter().parse(catalogues()["en"][f"invalid.{code}"])
            if name
        }
        assert fields <= {"length", "suffix"}, code


def test_an_error_renders_with_its_params() -> None:
    with pytest.raises(cn.InvalidIdentifier) as caught:
        cn.validate_vin("LSV123")
    error = caught.value
    assert translate(error.message_key, "en", **error.params) == (
        "A VIN has 17 characters; this one has 6."
    )
    assert "6 位" in translate(error.message_key, "zh-CN", **error.params)

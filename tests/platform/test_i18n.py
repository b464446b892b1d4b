"""Both languages carry every message with the same placeholders."""

from __future__ import annotations

import string

import pytest

from carecover.platform.i18n import catalogues, negotiate, normalise_language, translate


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_catalogues_have_the_same_keys_and_placeholders() -> None:
    cats = catalogues()
    zh, en = cats["zh-CN"], cats["en"]
    assert set(zh) == set(en), sorted(set(zh) ^ set(en))
    assert len(zh) > 50
    for key in zh:
        assert placeholders(zh[key]) == placeholders(en[key]), key
        assert zh[key].strip(), key
        assert en[key].strip(), key


def test_every_error_code_has_a_message() -> None:
    from carecover.platform import errors

    codes = {
        cls.code
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.AppError)
    }
    for code in codes:
        assert f"error.{code}" in catalogues()["en"], code


def test_translate_with_parameters() -> None:
    assert translate("error.too_many_attempts", "en", minutes=2) == (
        "Too many failed sign-ins; try again in 2 minutes."
    )
    assert "2 分钟" in translate("error.too_many_attempts", "zh-CN", minutes=2)
    assert translate("no.such.key", "en") == "no.such.key"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "zh-CN"),
        ("en-US,en;q=0.9", "en"),
        ("fr-FR, en;q=0.5, zh;q=0.8", "zh-CN"),
        ("de", "zh-CN"),
        ("en;q=0, zh-TW;q=0.3", "zh-CN"),
        ("en;q=bogus, en-GB;q=0.4", "en"),
    ],
)
def test_accept_language_negotiation(header: str | None, expected: str) -> None:
    assert negotiate(header) == expected


def test_normalise_language() -> None:
    assert normalise_language("zh_Hans") == "zh-CN"
    assert normalise_language("EN") == "en"
    assert normalise_language("ja") is None

"""Translations (zh-CN default, en) and language negotiation.

Each package may keep a ``locales/`` folder with ``zh-CN.json`` and ``en.json`` (flat key → text);
every such folder under ``carecover`` is merged into one catalogue at first use.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

SUPPORTED_LANGUAGES: tuple[str, ...] = ("zh-CN", "en")
DEFAULT_LANGUAGE = "zh-CN"
LANGUAGE_NAMES = {"zh-CN": "中文", "en": "English"}

_PACKAGE_ROOT = Path(__file__).resolve().parents[2]


class MissingTranslationError(KeyError):
    """A key that one of the catalogues lacks (tests make this impossible to ship)."""


@lru_cache(maxsize=1)
def catalogues() -> dict[str, dict[str, str]]:
    """All messages, by language, merged from every ``locales`` folder in the package: its
    ``<lang>.json`` and any ``<lang>/*.json`` topic files."""
    merged: dict[str, dict[str, str]] = {lang: {} for lang in SUPPORTED_LANGUAGES}
    for folder in sorted(_PACKAGE_ROOT.rglob("locales")):
        if not folder.is_dir():
            continue
        for lang in SUPPORTED_LANGUAGES:
            for path in [folder / f"{lang}.json", *sorted((folder / lang).glob("*.json"))]:
                if not path.exists():
                    continue
                data: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
                duplicates = set(data) & set(merged[lang])
                if duplicates:
                    raise ValueError(f"duplicate message keys in {path}: {sorted(duplicates)}")
                merged[lang].update(data)
    return merged


def normalise_language(value: str | None) -> str | None:
    """Map 'zh', 'zh-cn', 'zh_Hans', 'en-US' … onto a supported language, or None."""
    if not value:
        return None
    tag = value.strip().replace("_", "-").lower()
    if tag.startswith("zh"):
        return "zh-CN"
    if tag.startswith("en"):
        return "en"
    return None


def negotiate(accept_language: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """Pick a language from an Accept-Language header by its q-values."""
    if not accept_language:
        return default
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")):
        pieces = part.strip().split(";")
        quality = 1.0
        for param in pieces[1:]:
            name, _, raw = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(raw)
                except ValueError:
                    quality = 0.0
        lang = normalise_language(pieces[0])
        if lang and quality > 0:
            ranked.append((-quality, index, lang))
    return sorted(ranked)[0][2] if ranked else default


def translate(key: str, lang: str, /, **params: Any) -> str:
    """The message for ``key`` in ``lang`` (falls back to zh-CN, then to the key itself)."""
    cats = catalogues()
    text = cats.get(lang, {}).get(key) or cats[DEFAULT_LANGUAGE].get(key)
    if text is None:
        return key
    return text.format(**params) if params else text

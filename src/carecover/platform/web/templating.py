"""One Jinja2 environment for all three faces; domains add their own template folders."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode

from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from carecover import __version__
from carecover.platform.i18n import LANGUAGE_NAMES, SUPPORTED_LANGUAGES, translate

WEB_ROOT = Path(__file__).resolve().parent
PACKAGE_ROOT = WEB_ROOT.parents[1]
STATIC_DIR = WEB_ROOT / "static"


def template_dirs() -> list[Path]:
    """The platform's templates first, then every ``<package>/templates`` folder."""
    dirs = [WEB_ROOT / "templates"]
    for candidate in sorted(PACKAGE_ROOT.glob("*/templates")):
        if candidate.is_dir() and candidate not in dirs:
            dirs.append(candidate)
    for candidate in sorted(PACKAGE_ROOT.glob("entrypoints/*/templates")):
        if candidate.is_dir() and candidate not in dirs:
            dirs.append(candidate)
    return dirs


@lru_cache(maxsize=1)
def templates() -> Jinja2Templates:
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(d)) for d in template_dirs()]),
        autoescape=select_autoescape(["html", "xml"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["merge_query"] = merge_query
    env.filters["money"] = money
    env.globals.update(
        translate=translate,
        LANGUAGES=SUPPORTED_LANGUAGES,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        VERSION=__version__,
    )
    return Jinja2Templates(env=env)


def merge_query(params: Mapping[str, object], **changes: object) -> str:
    """Query string from ``params`` with ``changes`` applied; empty values are dropped."""
    merged = {**params, **changes}
    return urlencode({k: v for k, v in merged.items() if v not in (None, "")})


def money(fen: int | None) -> str:
    """Integer fen as yuan for display: 123456 → ¥1,234.56."""
    if fen is None:
        return "—"
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}¥{yuan:,}.{cents:02d}"

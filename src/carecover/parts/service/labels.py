"""Part labels: QR codes (SVG for inline HTML, PNG for printing) and a sheet layout model.

A 16-character serial with an 8-byte tag on ``id.carecover.example`` is an 82-character URI,
which fits a version 5 QR code (37 x 37 modules) at error correction M. Micro QR is never used:
phone cameras do not read it. segno may raise the error-correction level when that does not
make the symbol bigger, so a label asked for at M may carry Q.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Final, Literal

import segno

from carecover.parts.service.gs1 import SGTIN, PartsInputError

ErrorLevel = Literal["l", "m", "q", "h"]

#: Longest URI a label will encode, in bytes (the same bound the link parser uses).
MAX_LABEL_URI_BYTES: Final = 2048
#: Quiet zone in modules; the QR specification asks for 4.
QUIET_ZONE: Final = 4
#: Labels per row a sheet may have.
MAX_PER_ROW: Final = 12

_ERROR_LEVELS: Final = frozenset({"l", "m", "q", "h"})


def _make(uri: str, error: str) -> segno.QRCode:
    if error not in _ERROR_LEVELS:
        raise PartsInputError("label.error_level", "Error correction is one of l, m, q, h.")
    if not isinstance(uri, str) or not uri or not uri.isascii():
        raise PartsInputError("label.uri", "A label encodes a non-empty ASCII URI.")
    if len(uri) > MAX_LABEL_URI_BYTES:
        raise PartsInputError("label.uri_too_long", "The URI is too long for a part label.")
    return segno.make(uri, error=error, micro=False)


def qr_version(uri: str, *, error: ErrorLevel = "m") -> int:
    """The QR version (1-40) :func:`qr_svg` and :func:`qr_png` use for ``uri``."""
    version = _make(uri, error).version
    if not isinstance(version, int):  # Only Micro QR has versions like "M4".
        raise RuntimeError("unexpected Micro QR symbol")
    return version


def qr_svg(
    uri: str,
    *,
    scale: int = 4,
    error: ErrorLevel = "m",
    title: str | None = None,
    css_class: str = "part-qr",
) -> str:
    """An SVG of the QR code for inline HTML: no XML declaration or namespace, a ``<title>`` and
    ``role="img"`` with an ``aria-label`` (both ``title``, or the URI itself by default)."""
    if not 1 <= scale <= 40:
        raise PartsInputError("label.scale", "The scale is 1 to 40 pixels per module.")
    label = uri if title is None else title
    svg = _make(uri, error).svg_inline(
        scale=scale,
        border=QUIET_ZONE,
        title=label,
        svgclass=css_class,
        lineclass=None,
    )
    if not svg.startswith("<svg "):
        raise RuntimeError("segno changed its SVG output")
    accessible = f'<svg role="img" aria-label="{escape(label, quote=True)}" '
    return accessible + svg.removeprefix("<svg ").strip()


def qr_png(uri: str, *, scale: int = 4, error: ErrorLevel = "m") -> bytes:
    """A black-on-white PNG of the QR code with the standard 4-module quiet zone."""
    if not 1 <= scale <= 40:
        raise PartsInputError("label.scale", "The scale is 1 to 40 pixels per module.")
    out = io.BytesIO()
    _make(uri, error).save(out, kind="png", scale=scale, border=QUIET_ZONE)
    return out.getvalue()


@dataclass(frozen=True, slots=True)
class LabelData:
    """What one printed label shows: the QR code of ``uri`` and human-readable lines."""

    sgtin: SGTIN
    uri: str
    part_name: str

    @property
    def lines(self) -> tuple[str, str, str]:
        """GS1 human-readable interpretation, then the part name:
        ``("(01) 09521234543213", "(21) 0123456789ABCDEF", "前保险杠")``."""
        return (f"(01) {self.sgtin.gtin}", f"(21) {self.sgtin.serial}", self.part_name)


def label_sheet(parts: Sequence[LabelData], per_row: int = 3) -> list[list[LabelData]]:
    """The labels in rows of ``per_row`` (the last row may be shorter), in the given order."""
    if not 1 <= per_row <= MAX_PER_ROW:
        raise PartsInputError(
            "label.per_row", f"A sheet has 1 to {MAX_PER_ROW} labels per row.", per_row=per_row
        )
    return [list(parts[start : start + per_row]) for start in range(0, len(parts), per_row)]

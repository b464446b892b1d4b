"""Part labels: QR symbol size, SVG fit for inline HTML, PNG, and the sheet layout."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET

import pytest

from carecover.parts.service.digital_link import build, tag_for
from carecover.parts.service.gs1 import SGTIN, PartsInputError, new_serial
from carecover.parts.service.labels import LabelData, label_sheet, qr_png, qr_svg, qr_version

HOST = "id.carecover.example"
GTIN = "09521234543213"
KEY = bytes(range(32))


def _label_uri(serial: str = "0123456789ABCDEF") -> str:
    part = SGTIN(GTIN, serial)
    return build(part, host=HOST, tag=tag_for(part, KEY))


def test_tagged_link_for_a_16_char_serial_fits_version_5_at_m() -> None:
    uri = _label_uri()
    assert len(uri) == 82
    assert qr_version(uri, error="m") == 5  # 37 x 37 modules
    for _ in range(50):
        assert qr_version(_label_uri(new_serial()), error="m") <= 6


def test_higher_error_correction_costs_versions() -> None:
    uri = _label_uri()
    assert qr_version(uri, error="l") == 5  # L gains nothing: v4-L holds only 78 bytes
    assert qr_version(uri, error="q") == 7
    assert qr_version(uri, error="h") == 8


def test_svg_is_inline_html_with_accessible_name() -> None:
    svg = qr_svg(_label_uri(), scale=4)
    assert svg.startswith('<svg role="img" aria-label="https://id.carecover.example/01/')
    assert "<?xml" not in svg
    assert "xmlns" not in svg
    assert svg.endswith("</svg>")
    # Version 5 is 37 modules, plus a 4-module quiet zone each side, at 4 px per module.
    assert 'width="180" height="180"' in svg
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    assert root.tag == "svg"
    title = root.find("title")
    assert title is not None
    assert title.text == _label_uri()
    assert root.get("class") == "part-qr"


def test_svg_title_is_escaped() -> None:
    svg = qr_svg(_label_uri(), title='Part "A" <bumper> & co')
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    assert root.get("aria-label") == 'Part "A" <bumper> & co'
    title = root.find("title")
    assert title is not None
    assert title.text == 'Part "A" <bumper> & co'
    assert "<bumper>" not in svg


def test_png_has_the_expected_size() -> None:
    png = qr_png(_label_uri(), scale=3)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (45 * 3, 45 * 3)


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda: qr_svg("https://x.example/", error="x"), "label.error_level"),  # type: ignore[arg-type]
        (lambda: qr_svg(""), "label.uri"),
        (lambda: qr_svg("https://例子.example/"), "label.uri"),
        (lambda: qr_svg("https://x.example/" + "a" * 2100), "label.uri_too_long"),
        (lambda: qr_svg("https://x.example/", scale=0), "label.scale"),
        (lambda: qr_png("https://x.example/", scale=41), "label.scale"),
    ],
)
def test_bad_label_inputs(call: object, code: str) -> None:
    with pytest.raises(PartsInputError) as excinfo:
        call()  # type: ignore[operator]
    assert excinfo.value.code == code


def test_qr_decodes_back_to_the_uri_when_a_decoder_is_installed() -> None:
    zxingcpp = pytest.importorskip("zxingcpp")
    np = pytest.importorskip("numpy")
    import segno

    uri = _label_uri()
    symbol = segno.make(uri, error="m", micro=False)
    image = np.array(
        [[0 if dark else 255 for dark in row] for row in symbol.matrix_iter(scale=4, border=4)],
        dtype=np.uint8,
    )
    results = zxingcpp.read_barcodes(image)
    assert [r.text for r in results] == [uri]


def test_label_lines() -> None:
    label = LabelData(sgtin=SGTIN(GTIN, "0123456789ABCDEF"), uri=_label_uri(), part_name="前保险杠")
    assert label.lines == ("(01) 09521234543213", "(21) 0123456789ABCDEF", "前保险杠")


def test_label_sheet_rows() -> None:
    labels = [
        LabelData(sgtin=SGTIN(GTIN, f"S{i}"), uri=_label_uri(f"S{i}"), part_name=f"Part {i}")
        for i in range(7)
    ]
    sheet = label_sheet(labels)
    assert [len(row) for row in sheet] == [3, 3, 1]
    assert [label.sgtin.serial for row in sheet for label in row] == [f"S{i}" for i in range(7)]
    assert [len(row) for row in label_sheet(labels, per_row=7)] == [7]
    assert [len(row) for row in label_sheet(labels, per_row=1)] == [1] * 7
    assert label_sheet([], per_row=3) == []
    for per_row in (0, -1, 13):
        with pytest.raises(PartsInputError) as excinfo:
            label_sheet(labels, per_row=per_row)
        assert excinfo.value.code == "label.per_row"

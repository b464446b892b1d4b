"""Plates and VINs in claim photos: extraction rules (pure) and rapidocr on rendered photos."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from carecover.claims.service.ocr import (
    MAX_SIDE,
    OcrOutcome,
    RapidOcrReader,
    TextHit,
    TextReader,
    VehicleText,
    _bgr_pixels,
    extract,
    get_reader,
    match_vehicle,
    read_vehicle_text,
)
from carecover.platform.cn.vin import validate_vin, vin_check_digit, with_check_digit
from carecover.platform.config import Settings

VIN = "LSVAU218XN2183294"  # check digit X (remainder 10)
OTHER_VIN = "LSGPC52U6AF102554"
BAD_CHECK_VIN = "LSVAU2180N2183294"  # the same VIN with 0 where the check digit X belongs


def hits(*texts: str, score: float = 0.98) -> list[TextHit]:
    return [TextHit(text, score) for text in texts]


def test_the_sample_vins_are_what_the_tests_say() -> None:
    assert validate_vin(VIN) == VIN
    assert validate_vin(OTHER_VIN) == OTHER_VIN
    assert vin_check_digit(BAD_CHECK_VIN) == "X" != BAD_CHECK_VIN[8]


# --- extract -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("texts", "plates"),
    [
        (("京A·12345",), ("京A12345",)),
        (("京A 12345",), ("京A12345",)),
        (("苏E-5F2G8",), ("苏E5F2G8",)),
        (("沪AD12345",), ("沪AD12345",)),  # small NEV, pure electric
        (("粤B·F1234 5",), ("粤BF12345",)),  # small NEV, hybrid; OCR split the serial
        (("浙A12345D",), ("浙A12345D",)),  # large NEV: energy letter last
        (("ＡＢ", "京Ａ·１２３４５"), ("京A12345",)),  # full-width forms folded
        (("京A", "12345"), ("京A12345",)),  # split at the separator: neighbouring lines joined
        (("苏E·I2O45",), ("苏E12045",)),  # plates never contain I or O
        (("A12345",), ("A12345",)),  # province character not read: a partial serial
        (("AD12345",), ("AD12345",)),  # partial NEV serial
        (("京A12345", "A12345"), ("京A12345",)),  # the partial is the full plate's tail
        (("TOYOTA",), ()),  # a word, not a serial
        (("HONDA1",), ()),  # too few digits for a serial without its province
        (("京A1234",), ()),  # too short
        (("京A12345678",), ()),  # too long
        (("京AD1234X",), ()),  # 6-character serial that is not an NEV serial
        (("亰A12345",), ("A12345",)),  # a misread province character: the serial still counts
        (("京A1234警",), ()),  # special-use plate, not a private car's
        (("电话 13812345678",), ()),  # a phone number
    ],
)
def test_plates(texts: tuple[str, ...], plates: tuple[str, ...]) -> None:
    assert extract(hits(*texts)).plates == plates


@pytest.mark.parametrize(
    ("texts", "vins"),
    [
        ((VIN,), (VIN,)),
        ((VIN.lower(),), (VIN,)),
        (("LSVAU 218X N218 3294",), (VIN,)),
        (("LSVAU218XN2I83294",), (VIN,)),  # I read for 1
        (("LSGPC52U6AFIO2554",), (OTHER_VIN,)),  # I and O read for 1 and 0
        (("LSGPC52U6AF1Q2554",), (OTHER_VIN,)),  # Q read for 0
        ((f"VIN: {VIN}",), (VIN,)),
        ((f"车架号：{VIN}",), (VIN,)),
        ((f"VIN{VIN}",), (VIN,)),  # label glued on
        ((f"VINNO.{VIN}",), (VIN,)),
        ((f"{VIN}1",), (VIN,)),  # a frame edge read as 1
        ((VIN[:10], VIN[10:]), (VIN,)),  # split over two lines
        ((BAD_CHECK_VIN,), ()),  # wrong check digit: not a VIN
        ((VIN[:16],), ()),
        ((f"{VIN}ABCDEFG",), ()),  # too much glued on to tell
        ((with_check_digit("LSVAU2180U2183294"),), ()),  # U is not a model-year code
    ],
)
def test_vins(texts: tuple[str, ...], vins: tuple[str, ...]) -> None:
    assert extract(hits(*texts)).vins == vins


def test_plate_and_vin_in_one_photo_and_low_scores_ignored() -> None:
    found = extract([TextHit("京A·12345", 0.97), TextHit(VIN, 0.91), TextHit("沪B54321", 0.3)])
    assert found == VehicleText(plates=("京A12345",), vins=(VIN,))
    assert extract([TextHit("沪B54321", 0.3)], min_score=0.2).plates == ("沪B54321",)


# --- match_vehicle -------------------------------------------------------------------------------


def test_matched_by_vin_or_plate() -> None:
    by_vin = match_vehicle(VehicleText((), (OTHER_VIN, VIN)), plate="沪A12345", vin=VIN.lower())
    assert (by_vin.outcome, by_vin.vin_read, by_vin.plate_read) == ("matched", VIN, None)
    by_plate = match_vehicle(VehicleText(("京A12345",), ()), plate="京A·12345", vin=None)
    assert (by_plate.outcome, by_plate.plate_read) == (OcrOutcome.matched, "京A12345")
    partial = match_vehicle(VehicleText(("A12345",), ()), plate="京A12345", vin=VIN)
    assert partial.outcome is OcrOutcome.matched
    # a plate matches even when a VIN in the photo is another car's (a neighbour's windscreen)
    mixed = match_vehicle(VehicleText(("京A12345",), (OTHER_VIN,)), plate="京A12345", vin=VIN)
    assert mixed.outcome is OcrOutcome.matched


def test_mismatch_is_a_flag_with_what_was_read() -> None:
    other = match_vehicle(VehicleText(("京B67890",), (OTHER_VIN,)), plate="京A12345", vin=VIN)
    assert (other.outcome, other.plate_read, other.vin_read) == ("mismatch", "京B67890", OTHER_VIN)
    # a partial serial only matches the same serial; another province's full plate does not
    assert match_vehicle(VehicleText(("A12346",), ()), plate="京A12345", vin=None).outcome == (
        OcrOutcome.mismatch
    )
    assert match_vehicle(VehicleText(("沪A12345",), ()), plate="京A12345", vin=None).outcome == (
        OcrOutcome.mismatch
    )
    unknown_car = match_vehicle(VehicleText(("京A12345",), ()), plate=None, vin=None)
    assert unknown_car.outcome is OcrOutcome.mismatch


def test_nothing_read_is_unreadable() -> None:
    result = match_vehicle(VehicleText((), ()), plate="京A12345", vin=VIN)
    assert (result.outcome, result.plate_read, result.vin_read) == ("unreadable", None, None)


# --- the reader ----------------------------------------------------------------------------------


class FakeReader:
    def __init__(self, *texts: str) -> None:
        self.texts = texts

    def read(self, image: Image.Image) -> list[TextHit]:
        return hits(*self.texts)


def test_read_vehicle_text_with_any_reader() -> None:
    reader: TextReader = FakeReader("粤B·D12345", "abc", VIN)
    found = read_vehicle_text(reader, Image.new("RGB", (10, 10)))
    assert found == VehicleText(("粤BD12345",), (VIN,))


def test_engine_setting_and_reader_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().ocr_engine == "rapidocr"
    monkeypatch.setenv("CARECOVER_OCR_ENGINE", "off")
    assert Settings().ocr_engine == "off"
    assert get_reader("off") is None
    reader = get_reader("rapidocr")
    assert isinstance(reader, RapidOcrReader)
    assert get_reader("rapidocr") is reader
    with pytest.raises(ValueError, match="unknown OCR engine"):
        get_reader("tesseract")


def test_large_photos_are_downscaled_before_ocr() -> None:
    image = Image.new("RGB", (4032, 3024), (10, 20, 30))
    pixels = _bgr_pixels(image)
    assert pixels.shape == (960, MAX_SIDE, 3)
    assert pixels[0, 0].tolist() == [30, 20, 10]  # BGR
    assert _bgr_pixels(Image.new("L", (800, 600), 7)).shape == (600, 800, 3)


def photo(*lines: str, seed: int = 5) -> Image.Image:
    """A 1000×750 noisy 'photo' with each line on a light plate-coloured panel."""
    rng = np.random.default_rng(seed)
    image = Image.fromarray(rng.integers(40, 200, (750, 1000, 3), dtype=np.uint8), "RGB")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=48)
    for row, text in enumerate(lines):
        top = 150 + 220 * row
        right = draw.textbbox((0, 0), text, font=font)[2]
        draw.rectangle((160, top - 24, 240 + right, top + 80), fill=(232, 236, 226))
        draw.text((200, top), text, fill=(25, 25, 30), font=font)
    return image


@pytest.fixture(scope="module")
def reader() -> TextReader:
    found = get_reader("rapidocr")
    assert found is not None
    return found


def test_rapidocr_reads_the_vin_and_plate_serial(reader: TextReader) -> None:
    found = read_vehicle_text(reader, photo("A12345", VIN))
    assert found == VehicleText(plates=("A12345",), vins=(VIN,))
    assert match_vehicle(found, plate="京A12345", vin=VIN).outcome is OcrOutcome.matched
    other_car = match_vehicle(found, plate="京B67890", vin=OTHER_VIN)
    assert (other_car.outcome, other_car.vin_read) == (OcrOutcome.mismatch, VIN)


def test_rapidocr_on_a_photo_of_another_car(reader: TextReader) -> None:
    found = read_vehicle_text(reader, photo(OTHER_VIN, seed=6).resize((2000, 1500)))
    assert found.vins == (OTHER_VIN,)
    assert match_vehicle(found, plate="京A12345", vin=VIN).outcome is OcrOutcome.mismatch


def test_rapidocr_on_a_photo_without_text(reader: TextReader) -> None:
    assert reader.read(Image.new("RGB", (1000, 750), (128, 128, 128))) == []
    found = read_vehicle_text(reader, photo())  # noise only
    assert match_vehicle(found, plate="京A12345", vin=VIN).outcome is OcrOutcome.unreadable

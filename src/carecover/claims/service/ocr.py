"""Plates and VINs read from claim photos, checked against the car on the policy (offline, CPU).

The reader is rapidocr's Chinese + English PP-OCR ONNX models, which ship inside the ``rapidocr``
wheel and run on onnxruntime's CPU provider. The model files are passed by path, so rapidocr never
reaches for its download fallback: no network is used, ever.

* :class:`RapidOcrReader` builds the engine once per process (behind a lock) on its first read
  and serialises inference: each call already spreads over every core.
* :func:`extract` turns OCR lines into plate and VIN candidates. Chinese plates follow GA 36
  (province, authority letter, 5-character serial or 6-character NEV serial); a plate whose
  province character OCR dropped is kept as a partial serial (``A12345``). A VIN is 17 characters
  of the ISO 3779 alphabet with a valid check digit at position 9 and a model-year code at
  position 10 (GB 16735 makes both mandatory), so a misread VIN is not a VIN.
* :func:`match_vehicle` compares them with the car's plate and VIN. A mismatch is a flag for the
  adjuster, never an exception.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from PIL import Image

from carecover.platform.cn.errors import InvalidIdentifier
from carecover.platform.cn.plate import PROVINCES, normalise_plate, validate_plate
from carecover.platform.cn.vin import model_year, validate_vin

MAX_SIDE = 1280  # larger photos are downscaled first: plates stay legible, OCR stays fast
VIN_LENGTH = 17
_MAX_VIN_JUNK = 2  # stray characters OCR may glue to a VIN's end (a frame edge read as 1)
_VIN_LABEL = re.compile(r"^(?:VIN)?(?:NO)?(?:CODE)?")  # "VIN NO.", "VIN CODE" glued on
_MIN_PARTIAL_DIGITS = 3  # a serial without its province needs digits (not a word like TOYOTA)

# I, O and Q never appear in a VIN and I, O never in a plate: OCR read 1 or 0.
_DIGIT_LOOKALIKES = str.maketrans({"O": "0", "Q": "0", "I": "1"})
_PLATE_LOOKALIKES = str.maketrans({"O": "0", "I": "1"})
_RUN = re.compile(r"[A-Z0-9]+")
_PROVINCE_CLASS = "".join(sorted(PROVINCES))
_FULL_PLATE = re.compile(rf"([{_PROVINCE_CLASS}])([A-Z])([A-Z0-9]{{5,6}})(?![A-Z0-9])")
_PARTIAL_PLATE = re.compile(rf"(?<![{_PROVINCE_CLASS}A-Z0-9])([A-Z][A-Z0-9]{{5,6}})(?![A-Z0-9])")
# A province character some other province's plate could stand in for when validating a partial.
_ANY_PROVINCE = "京"


@dataclass(frozen=True, slots=True)
class TextHit:
    """One line of text the OCR engine read, with its recognition confidence (0–1)."""

    text: str
    score: float


class TextReader(Protocol):
    """Reads the lines of text in a photo."""

    def read(self, image: Image.Image) -> list[TextHit]: ...


@dataclass(frozen=True, slots=True)
class VehicleText:
    """Plates (``京A12345``, or ``A12345`` when the province was not read) and VINs in a photo."""

    plates: tuple[str, ...]
    vins: tuple[str, ...]


class OcrOutcome(StrEnum):
    matched = "matched"
    """The photo shows the insured car's plate or VIN."""
    mismatch = "mismatch"
    """A plate or VIN was read and none of them is the insured car's: a flag for the adjuster."""
    unreadable = "unreadable"
    """No plate or VIN could be read (not in the frame, too small, blurred)."""


@dataclass(frozen=True, slots=True)
class OcrMatch:
    """How a photo's plate/VIN compares with the car's; what was read, for the adjuster."""

    outcome: OcrOutcome
    plate_read: str | None
    vin_read: str | None


class OcrUnavailable(RuntimeError):
    """The OCR engine cannot be built (its bundled model files are missing)."""


def _rapidocr_model_paths() -> dict[str, str]:
    """The bundled model files by rapidocr parameter: passing paths disables its downloader."""
    import rapidocr  # imported here: onnxruntime and OpenCV load only where OCR is used

    root = Path(rapidocr.__file__).resolve().parent / "models"
    paths = {
        "Det.model_path": root / "PP-OCRv6_det_small.onnx",
        "Cls.model_path": root / "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
        "Rec.model_path": root / "PP-OCRv6_rec_small.onnx",
    }
    missing = [str(path) for path in paths.values() if not path.is_file()]
    if missing:
        raise OcrUnavailable(f"rapidocr model files missing: {', '.join(missing)}")
    return {key: str(path) for key, path in paths.items()}


class RapidOcrReader:
    """rapidocr on onnxruntime's CPU provider, built once on first use and shared by threads."""

    def __init__(self) -> None:
        self._engine: Any = None
        self._build_lock = threading.Lock()
        self._run_lock = threading.Lock()

    def _get_engine(self) -> Any:
        if self._engine is None:
            with self._build_lock:
                if self._engine is None:
                    from rapidocr import RapidOCR

                    params: dict[str, Any] = {
                        "Global.log_level": "error",
                        "EngineConfig.onnxruntime.use_cuda": False,
                        **_rapidocr_model_paths(),
                    }
                    self._engine = RapidOCR(params=params)
        return self._engine

    def read(self, image: Image.Image) -> list[TextHit]:
        """The lines of text in ``image`` (downscaled to a long side of :data:`MAX_SIDE`)."""
        engine = self._get_engine()
        pixels = _bgr_pixels(image)
        with self._run_lock:
            result = engine(pixels)
        texts = getattr(result, "txts", None) or ()
        scores = getattr(result, "scores", None) or ()
        return [
            TextHit(text=str(text), score=float(score))
            for text, score in zip(texts, scores, strict=False)
            if str(text).strip()
        ]


def _bgr_pixels(image: Image.Image) -> np.ndarray[Any, np.dtype[np.uint8]]:
    """The image as a contiguous BGR array (what OpenCV-based rapidocr expects), downscaled."""
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    long_side = max(rgb.size)
    if long_side > MAX_SIDE:
        scale = MAX_SIDE / long_side
        size = (max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale)))
        rgb = rgb.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    array = np.asarray(rgb, dtype=np.uint8)
    return np.ascontiguousarray(array[:, :, ::-1])


_readers: dict[str, TextReader] = {}
_readers_lock = threading.Lock()


def get_reader(engine: str) -> TextReader | None:
    """The process-wide reader for the configured engine (``CARECOVER_OCR_ENGINE``); off: None."""
    if engine == "off":
        return None
    if engine != "rapidocr":
        raise ValueError(f"unknown OCR engine {engine!r}")
    with _readers_lock:
        reader = _readers.get(engine)
        if reader is None:
            reader = _readers[engine] = RapidOcrReader()
        return reader


def _candidate_texts(hits: Sequence[TextHit], min_score: float) -> Iterator[tuple[str, bool]]:
    """Each confident line normalised, then each pair of neighbouring lines joined (``True``).

    OCR often splits a plate at its separator (``京A`` / ``12345``) or a VIN at a gap.
    """
    lines = [normalise_plate(hit.text) for hit in hits if hit.score >= min_score]
    for line in lines:
        yield line, False
    for first, second in pairwise(lines):
        yield first + second, True


def _vins_in(text: str, *, exact: bool) -> Iterator[str]:
    """VINs in ``text``: runs of exactly 17; unless ``exact``, also a run with a label glued on
    before it (``VINLSV…``) or a stray character or two at either end.

    Only the first and last 17 characters of a longer run are tried: every extra window is
    another 1-in-11 chance that noise passes the check digit.
    """
    for run in _RUN.findall(text):
        if not exact and len(run) > VIN_LENGTH:
            run = _VIN_LABEL.sub("", run, count=1)  # a 17-character VIN never has I or O
        if not VIN_LENGTH <= len(run) <= VIN_LENGTH + (0 if exact else _MAX_VIN_JUNK):
            continue
        fixed = run.translate(_DIGIT_LOOKALIKES)
        for candidate in dict.fromkeys((fixed[:VIN_LENGTH], fixed[-VIN_LENGTH:])):
            try:
                vin = validate_vin(candidate)
            except InvalidIdentifier:
                continue
            if model_year(vin) is not None:
                yield vin


def _valid_plate(number: str) -> str | None:
    try:
        return validate_plate(number).number
    except InvalidIdentifier:
        return None


def _plates_in(text: str) -> Iterator[str]:
    for province, authority, serial in _FULL_PLATE.findall(text):
        plate = _valid_plate(province + authority + serial.translate(_PLATE_LOOKALIKES))
        if plate is not None:
            yield plate
    for run in _PARTIAL_PLATE.findall(text):
        partial = run[0] + run[1:].translate(_PLATE_LOOKALIKES)
        if sum(char.isdigit() for char in partial[1:]) < _MIN_PARTIAL_DIGITS:
            continue
        plate = _valid_plate(_ANY_PROVINCE + partial)
        if plate is not None:
            yield plate[1:]


def extract(hits: Sequence[TextHit], min_score: float = 0.5) -> VehicleText:
    """The plates and VINs in OCR lines whose confidence is at least ``min_score``.

    Plates come first-seen first; a partial serial is dropped when a full plate ends with it.
    """
    plates: dict[str, None] = {}
    vins: dict[str, None] = {}
    for text, joined in _candidate_texts(hits, min_score):
        for vin in _vins_in(text, exact=joined):
            vins.setdefault(vin)
        for plate in _plates_in(text):
            plates.setdefault(plate)
    full = [plate for plate in plates if plate[0] in PROVINCES]
    kept = [
        plate for plate in plates if plate[0] in PROVINCES or not any(f[1:] == plate for f in full)
    ]
    return VehicleText(plates=tuple(kept), vins=tuple(vins))


def match_vehicle(found: VehicleText, *, plate: str | None, vin: str | None) -> OcrMatch:
    """Compare what a photo shows with the car's plate and VIN (either may be unknown)."""
    car_plate = normalise_plate(plate) if plate else None
    car_vin = vin.strip().upper() if vin else None
    vin_hit = next((v for v in found.vins if v == car_vin), None)
    plate_hit = next((p for p in found.plates if _same_plate(p, car_plate)), None)
    plate_read = plate_hit or (found.plates[0] if found.plates else None)
    vin_read = vin_hit or (found.vins[0] if found.vins else None)
    if vin_hit is not None or plate_hit is not None:
        outcome = OcrOutcome.matched
    elif found.plates or found.vins:
        outcome = OcrOutcome.mismatch
    else:
        outcome = OcrOutcome.unreadable
    return OcrMatch(outcome=outcome, plate_read=plate_read, vin_read=vin_read)


def _same_plate(read: str, car_plate: str | None) -> bool:
    if not car_plate:
        return False
    if read[0] in PROVINCES:
        return read == car_plate
    return read == car_plate[1:]


def read_vehicle_text(reader: TextReader, image: Image.Image) -> VehicleText:
    """OCR a photo and extract the plates and VINs in it."""
    return extract(reader.read(image))

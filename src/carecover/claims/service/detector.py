"""The damage-detector port (A1) and an adapter for an insurer-supplied ONNX model (CPU).

No model ships with CareCover. Without one the product says so (``claim.detector.not_configured``)
and the assessment relies on the guided flow.

The model contract (a YOLOv8-style detection export; anything else is refused at load):

* one input, float32, NCHW ``(1, 3, 640, 640)`` (batch and sides may be symbolic): RGB scaled to
  [0, 1], the photo letterboxed: resized to fit 640×640 keeping its aspect ratio, centred on
  grey (114, 114, 114) padding;
* one output, float32 ``(1, 4 + C, N)``: for each of N candidates the box centre x, centre y,
  width and height in the 640×640 input's pixels, then C per-class scores in [0, 1];
* ``CARECOVER_DAMAGE_MODEL_CLASSES`` names the C classes in output order, comma-separated.
  Names map onto the damage codes case-insensitively (CarDD's ``glass shatter``, ``lamp broken``,
  ``tire flat`` …); unknown classes are ignored.

Low scores are dropped, overlapping boxes of one class merged (greedy NMS), boxes returned in the
photo's pixels. Whatever a model finds is a suggestion for the adjuster, never a decision.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from PIL import Image

from carecover.claims.service.catalogue import DamageType

INPUT_SIDE = 640
_PAD_GREY = (114, 114, 114)
_PROVIDERS = ["CPUExecutionProvider"]  # never a GPU, even where onnxruntime-gpu is installed
_ALIASES = {"tyre_flat": "tire_flat", "flat_tire": "tire_flat", "flat_tyre": "tire_flat",
            "broken_glass": "glass_shatter", "broken_lamp": "lamp_broken",
            "paint_scratch": "scratch", "missing_part": "missing"}  # fmt: skip

Array = np.ndarray[Any, Any]


class DetectorError(RuntimeError):
    """A model that does not fit the contract (or cannot be loaded); ``code`` is stable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Detection:
    """One damage found: its code, the model's score (0–1) and box (x1, y1, x2, y2) in pixels."""

    damage: DamageType
    score: float
    box: tuple[float, float, float, float]


class DamageDetector(Protocol):
    """Finds damage in a photo (already safely decoded, RGB)."""

    def detect(self, image: Image.Image) -> list[Detection]: ...


def damage_type(name: str) -> DamageType | None:
    """The damage code a model class name stands for (``Glass Shatter`` → glass_shatter)."""
    key = "_".join(name.strip().lower().replace("-", " ").replace("_", " ").split())
    key = _ALIASES.get(key, key)
    return DamageType(key) if key in DamageType.__members__ else None


def parse_classes(classes: str) -> tuple[str, ...]:
    """The class names of ``CARECOVER_DAMAGE_MODEL_CLASSES``, positions kept."""
    return tuple(name.strip() for name in classes.split(",")) if classes.strip() else ()


def _fixed(dim: object) -> int | None:  # a static dimension, or None for a symbolic one
    return dim if isinstance(dim, int) and dim > 0 else None


class OnnxDamageDetector:
    """A YOLO-style ONNX damage model on onnxruntime's CPU provider (contract above)."""

    def __init__(
        self,
        model_path: Path | str,
        class_names: Sequence[str],
        *,
        score_threshold: float = 0.25,
        iou_threshold: float = 0.45,
        max_detections: int = 100,
    ) -> None:
        import onnxruntime as ort  # loaded only where a model is configured

        self._classes = {i: d for i, n in enumerate(class_names) if (d := damage_type(n))}
        if not self._classes:
            raise DetectorError("no_known_classes", "no class name maps to a damage type")
        self._width = 4 + len(class_names)
        self._score_threshold, self._iou_threshold = score_threshold, iou_threshold
        self._max_detections = max_detections
        try:
            self._session = ort.InferenceSession(str(model_path), providers=_PROVIDERS)
        except Exception as exc:  # onnxruntime's own errors subclass Exception only
            raise DetectorError("bad_model", f"onnxruntime cannot load the model: {exc}") from exc
        self._input_name = self._check_contract()

    def _check_contract(self) -> str:
        inputs, outputs = self._session.get_inputs(), self._session.get_outputs()
        if len(inputs) != 1 or len(outputs) != 1:
            raise DetectorError("bad_model", "the model must have exactly one input and output")
        shape = list(inputs[0].shape)
        if (
            inputs[0].type != "tensor(float)"
            or len(shape) != 4
            or _fixed(shape[0]) not in (None, 1)
            or shape[1] != 3
            or any(_fixed(side) not in (None, INPUT_SIDE) for side in shape[2:])
        ):
            raise DetectorError("bad_model", f"input must be float (1, 3, 640, 640), not {shape}")
        out = list(outputs[0].shape)
        dims = [_fixed(dim) for dim in out]
        if len(out) != 3 or dims[0] not in (None, 1) or dims[1] not in (None, self._width):
            expected = f"(1, 4 + {self._width - 4} classes, N)"
            raise DetectorError("bad_model", f"output must be {expected}, not {out}")
        return str(inputs[0].name)

    def detect(self, image: Image.Image) -> list[Detection]:
        """The damage the model finds, strongest first, boxes in ``image``'s pixels."""
        tensor, scale, pad_x, pad_y = _letterbox(image)
        output = np.asarray(self._session.run(None, {self._input_name: tensor})[0])
        if output.ndim != 3 or output.shape[0] != 1 or output.shape[1] != self._width:
            raise DetectorError("bad_output", f"output shape {output.shape} breaks the contract")
        rows = output[0].T.astype(np.float32)  # (N, 4 + C)
        best = rows[:, 4:].argmax(axis=1)
        score = rows[np.arange(len(rows)), 4 + best]
        keep = np.isin(best, list(self._classes)) & (score >= self._score_threshold)
        rows, best, score = rows[keep], best[keep], score[keep]
        half = rows[:, 2:4] / 2
        boxes = np.concatenate([rows[:, :2] - half, rows[:, :2] + half], axis=1)
        boxes = (boxes - np.array([pad_x, pad_y, pad_x, pad_y])) / scale
        boxes = boxes.clip(0, [image.width, image.height, image.width, image.height])
        detections = []
        for i in _nms(boxes, score, best, self._iou_threshold, self._max_detections):
            x1, y1, x2, y2 = (float(v) for v in boxes[i])
            damage = self._classes[int(best[i])]
            detections.append(Detection(damage, float(score[i]), (x1, y1, x2, y2)))
        return detections


def _letterbox(image: Image.Image) -> tuple[Array, float, float, float]:
    """The model input (1, 3, 640, 640) and how it maps back: scale and left/top padding."""
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    scale = min(INPUT_SIDE / rgb.width, INPUT_SIDE / rgb.height)
    width, height = max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale))
    canvas = Image.new("RGB", (INPUT_SIDE, INPUT_SIDE), _PAD_GREY)
    pad_x, pad_y = (INPUT_SIDE - width) // 2, (INPUT_SIDE - height) // 2
    canvas.paste(rgb.resize((width, height), Image.Resampling.BILINEAR), (pad_x, pad_y))
    array = np.asarray(canvas, dtype=np.float32) / 255.0
    return np.ascontiguousarray(array.transpose(2, 0, 1)[None]), scale, pad_x, pad_y


def _nms(boxes: Array, scores: Array, classes: Array, iou: float, limit: int) -> list[int]:
    """Greedy non-maximum suppression within each class; at most ``limit`` indices, best first."""
    x1, y1, x2, y2 = boxes.T
    areas = (x2 - x1) * (y2 - y1)
    suppressed = np.zeros(len(boxes), dtype=bool)
    kept: list[int] = []
    for i in np.argsort(-scores, kind="stable"):
        if suppressed[i]:
            continue
        kept.append(int(i))
        if len(kept) == limit:
            break
        width = (np.minimum(x2[i], x2) - np.maximum(x1[i], x1)).clip(0)
        inter = width * (np.minimum(y2[i], y2) - np.maximum(y1[i], y1)).clip(0)
        overlap = inter / np.maximum(areas[i] + areas - inter, 1e-9)
        suppressed |= (overlap > iou) & (classes == classes[i])
    return kept


class DetectorState(StrEnum):
    not_configured = "not_configured"
    classes_missing = "classes_missing"
    file_missing = "file_missing"
    bad_model = "bad_model"
    no_known_classes = "no_known_classes"
    ready = "ready"


@dataclass(frozen=True, slots=True)
class DetectorStatus:
    """Whether a damage model is configured and usable; ``message_key`` explains it to people."""

    configured: bool
    reason: DetectorState
    detail: str = ""

    @property
    def ready(self) -> bool:
        return self.reason is DetectorState.ready

    @property
    def message_key(self) -> str:
        return f"claim.detector.{self.reason}"


_cache: dict[tuple[str, str, int, int], tuple[DetectorStatus, OnnxDamageDetector | None]] = {}
_cache_lock = threading.Lock()


def _load(
    path: Path | str | None, classes: str | None
) -> tuple[DetectorStatus, OnnxDamageDetector | None]:
    if path is None or not str(path).strip():
        return DetectorStatus(False, DetectorState.not_configured), None
    names = parse_classes(classes or "")
    if not names:
        return DetectorStatus(True, DetectorState.classes_missing), None
    model = Path(path)
    try:
        stat = model.stat()
    except OSError:
        return DetectorStatus(True, DetectorState.file_missing, str(model)), None
    key = (str(model.resolve()), ",".join(names), stat.st_mtime_ns, stat.st_size)
    with _cache_lock:  # one load per model file version, even when requests race
        if key not in _cache:
            try:
                found: OnnxDamageDetector | None = OnnxDamageDetector(model, names)
                status = DetectorStatus(True, DetectorState.ready)
            except DetectorError as exc:
                found, state = None, DetectorState.__members__.get(exc.code)
                status = DetectorStatus(True, state or DetectorState.bad_model, exc.message)
            if len(_cache) >= 8:
                _cache.clear()
            _cache[key] = (status, found)
        return _cache[key]


def detector_status(path: Path | str | None, classes: str | None) -> DetectorStatus:
    """Why a damage model can or cannot be used (from the two ``CARECOVER_DAMAGE_MODEL_*``)."""
    return _load(path, classes)[0]


def get_detector(path: Path | str | None, classes: str | None) -> DamageDetector | None:
    """The configured damage model, loaded once per file; None when none can be used."""
    return _load(path, classes)[1]

"""The damage-detector port: an ONNX model's contract, class mapping, NMS, boxes, status."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from PIL import Image

from carecover.claims.service.catalogue import DamageType
from carecover.claims.service.detector import (
    DetectorError,
    DetectorState,
    OnnxDamageDetector,
    damage_type,
    detector_status,
    get_detector,
    parse_classes,
)
from carecover.platform.config import Settings
from carecover.platform.i18n import catalogues

CLASSES = "Dent, glass shatter, sticker, tire flat"  # CarDD-style names and one unknown class


def candidate(cx: float, cy: float, w: float, h: float, scores: Sequence[float]) -> list[float]:
    return [cx, cy, w, h, *scores]


# Candidates in the 640×640 letterboxed input's pixels: (cx, cy, w, h, dent, glass, sticker, tire)
CANDIDATES = [
    candidate(320, 320, 100, 50, [0.90, 0.0, 0.0, 0.0]),  # dent
    candidate(325, 322, 100, 50, [0.80, 0.0, 0.0, 0.0]),  # the same dent again: NMS drops it
    candidate(100, 250, 40, 40, [0.0, 0.70, 0.0, 0.0]),  # glass shatter
    candidate(320, 320, 100, 50, [0.0, 0.60, 0.0, 0.0]),  # other class on the dent's box: kept
    candidate(500, 400, 60, 60, [0.0, 0.0, 0.95, 0.0]),  # sticker: not a damage type, ignored
    candidate(600, 200, 30, 30, [0.0, 0.0, 0.0, 0.10]),  # flat tyre below the threshold
    candidate(630, 470, 40, 40, [0.0, 0.0, 0.0, 0.50]),  # flat tyre reaching into the padding
]


def constant_model(
    path: Path,
    output: np.ndarray,
    *,
    input_shape: Sequence[int | str] = (1, 3, 640, 640),
    output_shape: Sequence[int | str] | None = None,
) -> Path:
    """An ONNX model that ignores its input and always answers ``output``."""
    node = helper.make_node(
        "Constant", [], ["output0"], value=numpy_helper.from_array(output.astype(np.float32))
    )
    graph = helper.make_graph(
        [node],
        "constant-detector",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, list(input_shape))],
        [
            helper.make_tensor_value_info(
                "output0", TensorProto.FLOAT, list(output_shape or output.shape)
            )
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return path


def yolo_output(candidates: Sequence[Sequence[float]]) -> np.ndarray:
    return np.array(candidates, dtype=np.float32).T[None]  # (1, 4 + C, N)


@pytest.fixture
def model(tmp_path: Path) -> Path:
    return constant_model(tmp_path / "damage.onnx", yolo_output(CANDIDATES))


def test_detections_classes_nms_and_boxes_in_photo_pixels(model: Path) -> None:
    detector = OnnxDamageDetector(model, parse_classes(CLASSES))
    # 1280×640 → scale 0.5 into 640×320, centred: 160 px of padding above and below
    found = detector.detect(Image.new("RGB", (1280, 640), (90, 90, 90)))
    assert [(d.damage, round(d.score, 2)) for d in found] == [
        (DamageType.dent, 0.9),
        (DamageType.glass_shatter, 0.7),
        (DamageType.glass_shatter, 0.6),
        (DamageType.tire_flat, 0.5),
    ]
    assert found[0].box == pytest.approx((540, 270, 740, 370))
    assert found[1].box == pytest.approx((160, 140, 240, 220))
    assert found[2].box == found[0].box
    # (610, 450, 650, 490) → x2 past the input's edge, y2 in the padding: clipped to the photo
    assert found[3].box == pytest.approx((1220, 580, 1280, 640))


def test_thresholds_limit_and_other_image_modes(model: Path) -> None:
    strict = OnnxDamageDetector(model, parse_classes(CLASSES), score_threshold=0.75)
    assert [d.damage for d in strict.detect(Image.new("L", (640, 640)))] == ["dent"]
    loose = OnnxDamageDetector(model, parse_classes(CLASSES), iou_threshold=0.99)
    assert len(loose.detect(Image.new("RGB", (640, 640)))) == 5  # the duplicate dent kept
    capped = OnnxDamageDetector(model, parse_classes(CLASSES), max_detections=2)
    portrait = capped.detect(Image.new("RGBA", (320, 640)))  # scale 1, 160 px padding left
    assert [d.score for d in portrait] == pytest.approx([0.9, 0.7])
    assert portrait[0].box == pytest.approx((110, 295, 210, 345))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("dent", DamageType.dent),
        ("Scratch", DamageType.scratch),
        ("glass shatter", DamageType.glass_shatter),
        ("Glass-Shatter", DamageType.glass_shatter),
        ("lamp broken", DamageType.lamp_broken),
        ("broken lamp", DamageType.lamp_broken),
        ("tire flat", DamageType.tire_flat),
        ("Tyre flat", DamageType.tire_flat),
        ("tire_flat", DamageType.tire_flat),
        (" crack ", DamageType.crack),
        ("missing part", DamageType.missing),
        ("tear", DamageType.tear),
        ("sticker", None),
        ("", None),
    ],
)
def test_class_names_map_onto_damage_codes(name: str, expected: DamageType | None) -> None:
    assert damage_type(name) == expected


def test_class_lists() -> None:
    assert parse_classes("dent, ,scratch") == ("dent", "", "scratch")  # positions kept
    assert parse_classes(" ") == ()


@pytest.mark.parametrize(
    ("output", "input_shape", "output_shape", "message"),
    [
        (np.zeros((1, 5, 8)), (1, 3, 640, 640), None, "output must be"),  # (1, N, 4 + C)
        (np.zeros((1, 9, 8)), (1, 3, 640, 640), None, "output must be"),  # 5 classes, 4 named
        (np.zeros((8, 5)), (1, 3, 640, 640), None, "output must be"),
        (np.zeros((1, 8, 5)), (1, 3, 320, 320), None, "input must be"),
        (np.zeros((1, 8, 5)), (1, 1, 640, 640), None, "input must be"),
        (np.zeros((1, 8, 5)), (1, 640, 640, 3), None, "input must be"),
    ],
)
def test_models_that_break_the_contract_are_refused(
    tmp_path: Path,
    output: np.ndarray,
    input_shape: tuple[int, ...],
    output_shape: tuple[int, ...] | None,
    message: str,
) -> None:
    path = constant_model(tmp_path / "m.onnx", output, input_shape=input_shape)
    with pytest.raises(DetectorError, match=message) as caught:
        OnnxDamageDetector(path, parse_classes(CLASSES))
    assert caught.value.code == "bad_model"
    status = detector_status(path, CLASSES)
    assert (status.configured, status.reason, status.ready) == (True, "bad_model", False)
    assert message in status.detail


def reshaped_model(path: Path, output: np.ndarray) -> Path:
    """A model whose output shape only exists at run time: ``output`` reshaped to a target that
    depends on the input's (symbolic) shape, so no static shape inference can know it."""
    dynamic: list[str | int] = ["batch", 3, "height", "width"]
    nodes = [
        helper.make_node("Constant", [], ["flat"], value=numpy_helper.from_array(output.ravel())),
        helper.make_node(
            "Constant",
            [],
            ["dims"],
            value=numpy_helper.from_array(np.array(output.shape, dtype=np.int64)),
        ),
        helper.make_node("Shape", ["images"], ["input_shape"], start=0, end=3),
        helper.make_node("Mul", ["input_shape", "zero"], ["nothing"]),
        helper.make_node("Add", ["dims", "nothing"], ["target"]),
        helper.make_node("Reshape", ["flat", "target"], ["output0"]),
    ]
    zero = numpy_helper.from_array(np.zeros(3, dtype=np.int64), "zero")
    graph = helper.make_graph(
        nodes,
        "reshaped-detector",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, dynamic)],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, ["batch", "rows", "n"])],
        initializer=[zero],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return path


def test_symbolic_dimensions_are_checked_when_the_model_runs(tmp_path: Path) -> None:
    image = Image.new("RGB", (640, 640))
    good = OnnxDamageDetector(
        reshaped_model(tmp_path / "good.onnx", yolo_output(CANDIDATES)), parse_classes(CLASSES)
    )
    assert len(good.detect(image)) == 4
    bad_model = reshaped_model(tmp_path / "bad.onnx", np.zeros((1, 7, 3), dtype=np.float32))
    bad = OnnxDamageDetector(bad_model, parse_classes(CLASSES))
    with pytest.raises(DetectorError, match="breaks the contract") as caught:
        bad.detect(image)
    assert caught.value.code == "bad_output"


def test_status_reasons(tmp_path: Path, model: Path) -> None:
    garbage = tmp_path / "garbage.onnx"
    garbage.write_bytes(b"not a model")
    cases = [
        (None, None, False, DetectorState.not_configured),
        ("", CLASSES, False, DetectorState.not_configured),
        (model, None, True, DetectorState.classes_missing),
        (model, " ", True, DetectorState.classes_missing),
        (tmp_path / "absent.onnx", CLASSES, True, DetectorState.file_missing),
        (garbage, CLASSES, True, DetectorState.bad_model),
        (model, "sticker,logo,wheel,door", True, DetectorState.no_known_classes),
        (model, CLASSES, True, DetectorState.ready),
    ]
    for path, classes, configured, reason in cases:
        status = detector_status(path, classes)
        assert (status.configured, status.reason) == (configured, reason), (path, classes)
        assert (get_detector(path, classes) is not None) == (reason is DetectorState.ready)


def test_nothing_configured_says_so_in_both_languages() -> None:
    settings = Settings()
    assert settings.damage_model_path is None
    assert settings.damage_model_classes is None
    status = detector_status(settings.damage_model_path, settings.damage_model_classes)
    assert status.reason is DetectorState.not_configured
    assert get_detector(settings.damage_model_path, settings.damage_model_classes) is None
    assert status.message_key == "claim.detector.not_configured"
    en, zh = catalogues()["en"][status.message_key], catalogues()["zh-CN"][status.message_key]
    assert "No damage-detection model is installed" in en
    assert "guided flow" in en
    assert "未安装" in zh
    assert "引导" in zh
    for state in DetectorState:
        assert f"claim.detector.{state}" in catalogues()["en"]
        assert f"claim.detector.{state}" in catalogues()["zh-CN"]


def test_the_settings_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, model: Path
) -> None:
    monkeypatch.setenv("CARECOVER_DAMAGE_MODEL_PATH", str(model))
    monkeypatch.setenv("CARECOVER_DAMAGE_MODEL_CLASSES", CLASSES)
    settings = Settings()
    assert settings.damage_model_path == model
    detector = get_detector(settings.damage_model_path, settings.damage_model_classes)
    assert detector is not None
    assert detector is get_detector(str(model), CLASSES)  # loaded once per model file

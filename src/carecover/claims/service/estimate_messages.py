"""Texts of the estimate: labels of parts, damage, severities, classes and operations, and the
explanation of every line, in zh-CN and en; :func:`render` fills one explanation."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from carecover.claims.service import catalogue as cat

Params = dict[str, str | int]
_E = TypeVar("_E", bound=StrEnum)


_EN: dict[str, str] = {
    "estimate.why.replace_part": "{part}, {severity} {damage}: replaced. {class} list price"
    " ¥{list} × {brand} parts factor {brand_pct}% = ¥{unit}",
    "estimate.why.replace_tyre": "{part}, {severity} {damage}: new tyre. {class} tyre"
    " ¥{list} × {brand} parts factor {brand_pct}% = ¥{unit}",
    "estimate.why.replace_wheel": "{part}, {damage}: new rim ¥{rim} + tyre ¥{tyre} ({class})"
    " × {brand} parts factor {brand_pct}% = ¥{unit}",
    "estimate.why.replace_labour": "{part}: remove and fit the new part,"
    " {hours} h × ¥{rate}/h (tier-{tier} city rate)",
    "estimate.why.repair_labour": "{part}, {severity} {damage}: repaired, {base_hours} h × {factor}"
    " = {hours} h × ¥{rate}/h (tier-{tier} city rate)",
    "estimate.why.paint": "{part}: refinish, {hours} h × ¥{rate}/h (tier-{tier} city rate)"
    " + {class} paint ¥{material_rate}/panel × {panels} = ¥{materials}",
    "estimate.why.shop_quote": "Repair shop's quote: {note}",
    "estimate.empty": "Pick at least one damaged part.",
    "estimate.invalid_damage_for_part": "Item {item}: {part} cannot have damage “{damage}”.",
    "estimate.duplicate_part": "Item {item}: {part} is already item {first_item}.",
    "estimate.unknown_tier": "The city tier must be 1, 2, 3 or 4.",
    "estimate.unknown_code": "Item {item}: unknown part, damage or severity.",
    "estimate.unknown_powertrain": "Unknown powertrain “{powertrain}”.",
    "estimate.invalid_price": "The purchase price cannot be negative.",
    "estimate.inconsistent_line": "{part}: the amount does not match quantity, hours and price.",
    "estimate.duplicate_line": "Each part and operation can appear once in an estimate.",
    "estimate.total_mismatch": "The total does not equal the sum of the lines.",
    "estimate.currency": "Estimates are in CNY, not {currency}.",
    "estimate.unknown_line": "No estimate has the line {part} / {operation}.",
}
_ZH: dict[str, str] = {
    "estimate.why.replace_part": "{part}{severity}{damage}，需更换：{class}参考价"
    " ¥{list} × {brand}配件系数 {brand_pct}% = ¥{unit}",
    "estimate.why.replace_tyre": "{part}{severity}{damage}，更换轮胎：{class}轮胎"
    " ¥{list} × {brand}配件系数 {brand_pct}% = ¥{unit}",
    "estimate.why.replace_wheel": "{part}{damage}，更换轮毂 ¥{rim} + 轮胎 ¥{tyre}（{class}）"
    "× {brand}配件系数 {brand_pct}% = ¥{unit}",
    "estimate.why.replace_labour": "{part}拆装更换：{hours} 小时 × ¥{rate}/小时"
    "（{tier}档城市工时费）",
    "estimate.why.repair_labour": "{part}{severity}{damage}，修复：{base_hours} 小时 × {factor}"
    " = {hours} 小时 × ¥{rate}/小时（{tier}档城市工时费）",
    "estimate.why.paint": "{part}喷漆：{hours} 小时 × ¥{rate}/小时（{tier}档城市工时费）"
    " + {class}漆料 ¥{material_rate}/幅 × {panels} 幅 = ¥{materials}",
    "estimate.why.shop_quote": "维修厂报价：{note}",
    "estimate.empty": "请至少选择一个受损部位。",
    "estimate.invalid_damage_for_part": "第 {item} 项：{part}不会出现“{damage}”。",
    "estimate.duplicate_part": "第 {item} 项：{part}已在第 {first_item} 项中。",
    "estimate.unknown_tier": "城市档位必须是 1、2、3 或 4。",
    "estimate.unknown_code": "第 {item} 项：未知的部位、损伤类型或程度。",
    "estimate.unknown_powertrain": "未知的动力类型“{powertrain}”。",
    "estimate.invalid_price": "购车价不能为负数。",
    "estimate.inconsistent_line": "{part}：金额与数量、工时和单价不符。",
    "estimate.duplicate_line": "同一部位的同一项目在估损单中只能出现一次。",
    "estimate.total_mismatch": "合计金额与各行之和不符。",
    "estimate.currency": "估损单以人民币计价，不支持 {currency}。",
    "estimate.unknown_line": "两份估损单中都没有 {part} / {operation} 这一行。",
}
LANGUAGES = ("zh-CN", "en")


def _keyed(prefix: str, labels: dict[str, dict[_E, str]]) -> dict[str, dict[str, str]]:
    return {
        lang: {f"{prefix}.{code}": text for code, text in labels[lang].items()}
        for lang in LANGUAGES
    }


def _messages() -> dict[str, dict[str, str]]:
    merged = {"en": dict(_EN), "zh-CN": dict(_ZH)}
    for labels in (
        _keyed("part", cat.PART_LABELS),
        _keyed("part_group", cat.GROUP_LABELS),
        _keyed("damage", cat.DAMAGE_LABELS),
        _keyed("severity", cat.SEVERITY_LABELS),
        _keyed("vehicle_class", cat.CLASS_LABELS),
        _keyed("estimate.operation", cat.OPERATION_LABELS),
        _keyed("estimate.change", cat.CHANGE_LABELS),
    ):
        for lang in LANGUAGES:
            merged[lang] |= labels[lang]
    return merged


MESSAGES: dict[str, dict[str, str]] = _messages()
"""Flat key → text per language, for the locale JSON files: labels (part.<code>, part_group.,
damage., severity., vehicle_class., estimate.operation., estimate.change.), the explanation keys
(estimate.why.*) and the error codes (estimate.*)."""
_CODED = {"part": "part", "damage": "damage", "severity": "severity", "class": "vehicle_class"}
_CODED["operation"] = "estimate.operation"


def render(key: str, params: Params, lang: str = "zh-CN") -> str:
    """The text for ``key`` in ``lang``, coded parameters (part, damage, …) translated first."""
    texts = MESSAGES[lang]
    shown = {
        name: texts.get(f"{_CODED[name]}.{value}", str(value)) if name in _CODED else value
        for name, value in params.items()
    }
    return texts[key].format(**shown)

"""The damage-estimate catalogue (A1, A4): part taxonomy, vehicle classes and price tables, as data.

All figures are ILLUSTRATIVE: plausible Chinese-market levels (OEM parts at a franchised 4S
dealer, 2024–2025) for a transparent demo, not a tariff of any insurer, manufacturer or shop.
Every estimate line says which row of which table it came from, so a shop or adjuster who
disagrees can point at the number.

Units: money is integer fen; labour is integer tenths of an hour (25 = 2.5 h); factors are integer
percent (or tenths, for paint panel sizes) so that every computation stays in integers.

Ranges: parts 100 (economy fog lamp) … 15,000 CNY (luxury NEV matrix headlamp); tyres 350 …
3,500 CNY; paint materials 200 … 900 CNY per standard panel; labour 150 CNY/h (tier-1 city) …
80 CNY/h (tier 4); brand factors on part prices 85% … 150% (unknown makes: 100%).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, TypeVar

YUAN = 100
_E = TypeVar("_E", bound=StrEnum)


class PartGroup(StrEnum):
    """What a part is made of and how it is fixed: drives valid damage types and paint."""

    panel = "panel"
    glass = "glass"
    lamp = "lamp"
    wheel = "wheel"
    trim = "trim"


class CarPart(StrEnum):
    """The car diagram's parts (stable codes; i18n key ``part.<code>``)."""

    front_bumper = "front_bumper"
    rear_bumper = "rear_bumper"
    hood = "hood"
    trunk_lid = "trunk_lid"
    roof = "roof"
    left_front_door = "left_front_door"
    right_front_door = "right_front_door"
    left_rear_door = "left_rear_door"
    right_rear_door = "right_rear_door"
    left_front_fender = "left_front_fender"
    right_front_fender = "right_front_fender"
    left_rear_quarter = "left_rear_quarter"
    right_rear_quarter = "right_rear_quarter"
    left_side_skirt = "left_side_skirt"
    right_side_skirt = "right_side_skirt"
    windshield = "windshield"
    rear_window = "rear_window"
    left_front_window = "left_front_window"
    right_front_window = "right_front_window"
    left_headlamp = "left_headlamp"
    right_headlamp = "right_headlamp"
    left_taillamp = "left_taillamp"
    right_taillamp = "right_taillamp"
    left_fog_lamp = "left_fog_lamp"
    right_fog_lamp = "right_fog_lamp"
    grille = "grille"
    lower_grille = "lower_grille"
    left_mirror = "left_mirror"
    right_mirror = "right_mirror"
    left_front_wheel = "left_front_wheel"
    right_front_wheel = "right_front_wheel"
    left_rear_wheel = "left_rear_wheel"
    right_rear_wheel = "right_rear_wheel"


class DamageType(StrEnum):
    """The CarDD classes (dent … tire_flat) plus missing and tear."""

    dent = "dent"
    scratch = "scratch"
    crack = "crack"
    glass_shatter = "glass_shatter"
    lamp_broken = "lamp_broken"
    tire_flat = "tire_flat"
    missing = "missing"
    tear = "tear"


class Severity(StrEnum):
    light = "light"
    moderate = "moderate"
    severe = "severe"


class VehicleClass(StrEnum):
    """Price band × powertrain; see ``vehicle_class`` for the bands."""

    economy = "economy"
    midsize = "midsize"
    premium = "premium"
    luxury = "luxury"
    nev_economy = "nev_economy"
    nev_midsize = "nev_midsize"
    nev_premium = "nev_premium"
    nev_luxury = "nev_luxury"


class Operation(StrEnum):
    """What an estimate line pays for."""

    replace_part = "replace_part"
    repair_labour = "repair_labour"
    replace_labour = "replace_labour"
    paint = "paint"


class LineChange(StrEnum):
    """How a counter-quote line differs from the base estimate's."""

    added = "added"
    removed = "removed"
    changed = "changed"
    unchanged = "unchanged"


P, G = CarPart, PartGroup
CLASS_ORDER: tuple[VehicleClass, ...] = tuple(VehicleClass)

# part → (group, zh-CN, en). Wheels are the rim with its tyre; the tyre is priced separately.
PARTS: dict[CarPart, tuple[PartGroup, str, str]] = {
    P.front_bumper: (G.panel, "前保险杠", "Front bumper"),
    P.rear_bumper: (G.panel, "后保险杠", "Rear bumper"),
    P.hood: (G.panel, "发动机盖", "Hood"),
    P.trunk_lid: (G.panel, "行李箱盖", "Trunk lid"),
    P.roof: (G.panel, "车顶", "Roof"),
    P.left_front_door: (G.panel, "左前门", "Left front door"),
    P.right_front_door: (G.panel, "右前门", "Right front door"),
    P.left_rear_door: (G.panel, "左后门", "Left rear door"),
    P.right_rear_door: (G.panel, "右后门", "Right rear door"),
    P.left_front_fender: (G.panel, "左前翼子板", "Left front fender"),
    P.right_front_fender: (G.panel, "右前翼子板", "Right front fender"),
    P.left_rear_quarter: (G.panel, "左后翼子板", "Left rear quarter panel"),
    P.right_rear_quarter: (G.panel, "右后翼子板", "Right rear quarter panel"),
    P.left_side_skirt: (G.panel, "左侧裙", "Left side skirt"),
    P.right_side_skirt: (G.panel, "右侧裙", "Right side skirt"),
    P.windshield: (G.glass, "前挡风玻璃", "Windshield"),
    P.rear_window: (G.glass, "后挡风玻璃", "Rear window"),
    P.left_front_window: (G.glass, "左前车窗玻璃", "Left front window"),
    P.right_front_window: (G.glass, "右前车窗玻璃", "Right front window"),
    P.left_headlamp: (G.lamp, "左前大灯", "Left headlamp"),
    P.right_headlamp: (G.lamp, "右前大灯", "Right headlamp"),
    P.left_taillamp: (G.lamp, "左尾灯", "Left tail lamp"),
    P.right_taillamp: (G.lamp, "右尾灯", "Right tail lamp"),
    P.left_fog_lamp: (G.lamp, "左雾灯", "Left fog lamp"),
    P.right_fog_lamp: (G.lamp, "右雾灯", "Right fog lamp"),
    P.grille: (G.trim, "中网", "Grille"),
    P.lower_grille: (G.trim, "前保险杠下格栅", "Lower bumper grille"),
    P.left_mirror: (G.trim, "左后视镜", "Left mirror"),
    P.right_mirror: (G.trim, "右后视镜", "Right mirror"),
    P.left_front_wheel: (G.wheel, "左前轮", "Left front wheel"),
    P.right_front_wheel: (G.wheel, "右前轮", "Right front wheel"),
    P.left_rear_wheel: (G.wheel, "左后轮", "Left rear wheel"),
    P.right_rear_wheel: (G.wheel, "右后轮", "Right rear wheel"),
}
PART_GROUP: dict[CarPart, PartGroup] = {part: row[0] for part, row in PARTS.items()}
PAINTED_GROUPS = frozenset({PartGroup.panel})
"""Only body panels are refinished; glass, lamps, wheels and trim come finished."""

PART_LABELS: dict[str, dict[CarPart, str]] = {
    "zh-CN": {part: row[1] for part, row in PARTS.items()},
    "en": {part: row[2] for part, row in PARTS.items()},
}


def _labels(members: type[_E], zh: str, en: str) -> dict[str, dict[_E, str]]:
    """Labels by language from '|'-separated texts in member order."""
    return {
        "zh-CN": dict(zip(members, zh.split("|"), strict=True)),
        "en": dict(zip(members, en.split("|"), strict=True)),
    }


GROUP_LABELS = _labels(PartGroup, "钣金件|玻璃|灯具|车轮|饰件", "Body panel|Glass|Lamp|Wheel|Trim")
DAMAGE_LABELS = _labels(
    DamageType,
    "凹陷|刮擦|开裂|玻璃破碎|灯具破损|轮胎亏气|缺失|撕裂",
    "dent|scratch|crack|shattered glass|broken lamp|flat tyre|missing part|tear",
)
SEVERITY_LABELS = _labels(Severity, "轻度|中度|重度", "light|moderate|severe")
CLASS_LABELS = _labels(
    VehicleClass,
    "经济型|中级|高端|豪华|新能源经济型|新能源中级|新能源高端|新能源豪华",
    "economy|midsize|premium|luxury|NEV economy|NEV midsize|NEV premium|NEV luxury",
)
OPERATION_LABELS = _labels(
    Operation, "更换配件|修复工时|拆装工时|喷漆", "New part|Repair labour|Fit labour|Paint"
)
CHANGE_LABELS = _labels(LineChange, "新增|删除|变更|未变", "added|removed|changed|unchanged")

# --- repair or replace --------------------------------------------------------------------------

Decision = Literal["repair", "replace"]
R: Decision = "repair"
X: Decision = "replace"
D = DamageType

RULES: dict[tuple[PartGroup, DamageType], tuple[Decision, Decision, Decision]] = {
    # (group, damage): decision for (light, moderate, severe). A pair not listed is invalid.
    (G.panel, D.dent): (R, R, X),  # paintless/body-shop repair until the panel is torn or kinked
    (G.panel, D.scratch): (R, R, R),  # surface damage: filler and refinish, never a new panel
    (G.panel, D.crack): (R, X, X),  # plastic welding for a light crack (bumpers); else new
    (G.panel, D.missing): (X, X, X),
    (G.glass, D.scratch): (R, R, X),  # polished out unless it sits deep in the driver's view
    (G.glass, D.crack): (R, X, X),  # a light chip/star is resin-filled; a running crack is not
    (G.glass, D.glass_shatter): (X, X, X),
    (G.glass, D.missing): (X, X, X),
    (G.lamp, D.scratch): (R, R, X),  # lens polishing
    (G.lamp, D.crack): (X, X, X),  # a cracked housing lets water in: replaced
    (G.lamp, D.lamp_broken): (X, X, X),
    (G.lamp, D.missing): (X, X, X),
    (G.trim, D.scratch): (R, R, X),
    (G.trim, D.crack): (X, X, X),
    (G.trim, D.tear): (X, X, X),
    (G.trim, D.missing): (X, X, X),
    (G.wheel, D.tire_flat): (R, X, X),  # light: a tread puncture is plugged; else a new tyre
    (G.wheel, D.scratch): (R, R, R),  # kerb rash: rim refurbished
    (G.wheel, D.dent): (R, R, X),  # a bent rim is straightened, unless badly bent
    (G.wheel, D.crack): (X, X, X),  # a cracked rim is never welded
    (G.wheel, D.missing): (X, X, X),  # rim and tyre
}
VALID_DAMAGE: dict[PartGroup, frozenset[DamageType]] = {
    group: frozenset(damage for (g, damage) in RULES if g is group) for group in PartGroup
}
SEVERITY_FACTOR: dict[Severity, int] = {Severity.light: 1, Severity.moderate: 2, Severity.severe: 3}
"""Repair hours = the part's base (light) repair hours × this factor."""

# --- vehicle class and brand --------------------------------------------------------------------

NEV_POWERTRAINS = frozenset({"bev", "phev", "erev", "fcev"})
ICE_POWERTRAINS = frozenset({"ice", "hev"})
PRICE_BANDS_FEN: tuple[int, ...] = (120_000 * YUAN, 250_000 * YUAN, 500_000 * YUAN)
"""Purchase price band edges: < 120k economy, < 250k midsize, < 500k premium, else luxury."""


@dataclass(frozen=True, slots=True)
class Brand:
    name: str
    aliases: tuple[str, ...]
    part_pct: int
    """Part prices relative to the class list price, in percent."""
    floor: int
    """Lowest band for this make (0 economy … 3 luxury): a cheap BMW still has BMW parts."""


DEFAULT_BRAND = Brand("其他", (), 100, 0)
BRANDS: tuple[Brand, ...] = (
    Brand("大众", ("volkswagen", "vw", "一汽-大众", "上汽大众"), 100, 0),
    Brand("丰田", ("toyota",), 100, 0),
    Brand("本田", ("honda",), 100, 0),
    Brand("日产", ("nissan",), 95, 0),
    Brand("别克", ("buick",), 100, 0),
    Brand("吉利", ("geely",), 90, 0),
    Brand("长安", ("changan",), 85, 0),
    Brand("比亚迪", ("byd",), 90, 0),
    Brand("特斯拉", ("tesla",), 115, 1),
    Brand("理想", ("li auto", "lixiang"), 110, 1),
    Brand("小鹏", ("xpeng",), 105, 1),
    Brand("问界", ("aito",), 110, 1),
    Brand("小米", ("xiaomi",), 110, 1),
    Brand("蔚来", ("nio",), 120, 2),
    Brand("奥迪", ("audi",), 120, 2),
    Brand("雷克萨斯", ("lexus",), 120, 2),
    Brand("宝马", ("bmw",), 130, 2),
    Brand("奔驰", ("mercedes-benz", "mercedes", "benz"), 135, 2),
    Brand("保时捷", ("porsche",), 150, 3),
)
_BRAND_INDEX = {key: b for b in BRANDS for key in (b.name.lower(), *b.aliases)}


def brand_of(make: str) -> Brand:
    """The brand row for a make ("宝马", "BMW", " bmw "); unknown makes get DEFAULT_BRAND."""
    return _BRAND_INDEX.get(make.strip().lower(), DEFAULT_BRAND)


def is_nev_powertrain(powertrain: str) -> bool:
    """True for bev/phev/erev/fcev, False for ice/hev; ValueError for anything else."""
    code = powertrain.strip().lower()
    if code in NEV_POWERTRAINS:
        return True
    if code in ICE_POWERTRAINS:
        return False
    raise ValueError(f"unknown powertrain {powertrain!r}")


def vehicle_class(make: str, purchase_price_fen: int, powertrain: str) -> VehicleClass:
    """The class whose tables price this car.

    Band by purchase price (new, incl. VAT): below 120,000 CNY economy; below 250,000 midsize;
    below 500,000 premium; otherwise luxury. The make can lift the band (``Brand.floor``: BMW,
    Mercedes-Benz, Audi, Lexus, NIO are at least premium; Porsche luxury; Tesla, Li Auto, XPeng,
    AITO, Xiaomi at least midsize). NEVs (bev, phev, erev, fcev) take the nev_ class of the band:
    their bumpers carry radar, glass carries ADAS cameras, panels are often aluminium.
    """
    if purchase_price_fen < 0:
        raise ValueError("purchase price cannot be negative")
    band = sum(1 for edge in PRICE_BANDS_FEN if purchase_price_fen >= edge)
    band = max(band, brand_of(make).floor)
    return CLASS_ORDER[band + (4 if is_nev_powertrain(powertrain) else 0)]


# --- tables -------------------------------------------------------------------------------------

# Replacement part list price, CNY, per class in CLASS_ORDER:
#   economy, midsize, premium, luxury, nev_economy, nev_midsize, nev_premium, nev_luxury.
# Wheels: the rim alone (the tyre is TYRE_PRICE). A right-hand part costs what its left twin does.
_PRICE_CNY: dict[CarPart, tuple[int, int, int, int, int, int, int, int]] = {
    P.front_bumper: (600, 1_200, 3_500, 8_000, 800, 1_800, 4_500, 9_000),
    P.rear_bumper: (550, 1_100, 3_200, 7_500, 700, 1_600, 4_000, 8_500),
    P.hood: (700, 1_300, 4_000, 9_500, 800, 1_800, 5_500, 11_000),
    P.trunk_lid: (700, 1_300, 3_800, 8_500, 800, 1_700, 4_500, 9_500),
    P.roof: (900, 1_600, 4_500, 10_000, 1_000, 2_000, 6_000, 12_000),
    P.left_front_door: (900, 1_600, 4_200, 9_000, 1_100, 2_200, 5_500, 11_000),
    P.left_rear_door: (850, 1_500, 3_900, 8_500, 1_000, 2_000, 5_000, 10_000),
    P.left_front_fender: (300, 600, 1_800, 4_500, 400, 900, 2_500, 5_500),
    P.left_rear_quarter: (700, 1_300, 3_500, 8_000, 900, 1_800, 4_500, 9_500),
    P.left_side_skirt: (250, 500, 1_500, 3_500, 300, 700, 2_000, 4_000),
    P.windshield: (700, 1_300, 3_500, 8_000, 1_000, 2_500, 6_000, 12_000),
    P.rear_window: (500, 900, 2_500, 5_500, 600, 1_200, 3_000, 6_500),
    P.left_front_window: (200, 350, 900, 2_000, 250, 450, 1_200, 2_500),
    P.left_headlamp: (600, 1_500, 5_500, 12_000, 1_000, 2_500, 7_000, 15_000),
    P.left_taillamp: (300, 700, 2_200, 5_000, 500, 1_200, 3_000, 6_500),
    P.left_fog_lamp: (100, 200, 600, 1_500, 150, 300, 800, 1_800),
    P.grille: (250, 500, 2_000, 5_000, 300, 600, 2_500, 6_000),
    P.lower_grille: (100, 200, 600, 1_500, 120, 250, 700, 1_800),
    P.left_mirror: (300, 700, 2_200, 5_000, 500, 1_200, 3_000, 6_000),
    P.left_front_wheel: (600, 1_200, 3_000, 6_500, 800, 1_600, 3_800, 7_500),
    P.left_rear_wheel: (600, 1_200, 3_000, 6_500, 800, 1_600, 3_800, 7_500),
}


def left_twin(part: CarPart) -> CarPart:
    """The left-hand twin of a right-hand part (itself for any other part)."""
    return CarPart(part.replace("right_", "left_", 1)) if part.startswith("right_") else part


PART_PRICE_FEN: dict[tuple[CarPart, VehicleClass], int] = {
    (part, cls): cny * YUAN
    for part in CarPart
    for cls, cny in zip(CLASS_ORDER, _PRICE_CNY[left_twin(part)], strict=True)
}
TYRE_PRICE_FEN: dict[VehicleClass, int] = {
    cls: cny * YUAN
    for cls, cny in zip(CLASS_ORDER, (350, 600, 1_500, 3_000, 500, 900, 1_800, 3_500), strict=True)
}
PAINT_MATERIAL_FEN: dict[VehicleClass, int] = {
    cls: cny * YUAN
    for cls, cny in zip(CLASS_ORDER, (200, 300, 500, 800, 220, 320, 550, 900), strict=True)
}
"""Paint and consumables for one standard panel (a front door); scaled by the panel's size."""


@dataclass(frozen=True, slots=True)
class Hours:
    """Labour per part in tenths of an hour, and the panel's size for paint materials."""

    repair: int
    """Light repair; moderate and severe multiply by SEVERITY_FACTOR."""
    replace: int
    """Remove the damaged part and fit the new one (incl. calibration of what it carries)."""
    paint: int = 0
    """Refinish the whole panel (Chinese shops price paint per panel, 每幅)."""
    panels: int = 0
    """Panel size in tenths of a standard panel: paint materials = class rate × panels / 10."""


_PART_HOURS = {
    P.front_bumper: Hours(15, 10, 25, 12),
    P.rear_bumper: Hours(15, 10, 25, 12),
    P.hood: Hours(20, 8, 30, 15),
    P.trunk_lid: Hours(20, 8, 25, 12),
    P.roof: Hours(30, 60, 35, 18),  # a roof skin is cut out and welded in
    P.left_front_door: Hours(20, 15, 25, 10),
    P.left_rear_door: Hours(20, 15, 25, 10),
    P.left_front_fender: Hours(15, 10, 20, 8),
    P.left_rear_quarter: Hours(25, 80, 25, 10),  # welded to the body: sectioned in
    P.left_side_skirt: Hours(15, 20, 15, 6),
    P.windshield: Hours(5, 20),  # bonded screen plus ADAS camera calibration
}
_GROUP_HOURS = {  # the same for every part of a group
    G.glass: Hours(5, 15),
    G.lamp: Hours(5, 8),
    G.trim: Hours(5, 5),
    G.wheel: Hours(10, 5),  # rim refurbish / straighten; mount and balance
}
HOURS: dict[CarPart, Hours] = {
    part: _PART_HOURS.get(left_twin(part)) or _GROUP_HOURS[group]
    for part, group in PART_GROUP.items()
}
TYRE_REPAIR_HOURS = 5
"""A plugged puncture: dismount, plug, remount and balance (tenths of an hour)."""
LABOUR_RATE_FEN: dict[int, int] = {1: 150 * YUAN, 2: 120 * YUAN, 3: 100 * YUAN, 4: 80 * YUAN}
"""Body-shop labour per hour by city tier (platform.geo: city_by_adcode(...).tier)."""

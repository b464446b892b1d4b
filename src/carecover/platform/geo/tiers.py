"""City tiers (一线/新一线/二线/other) as a project-owned table.

The tiers follow the commonly published city-tier lists (business media rankings); they are an
input for demo data and pricing, not an official government classification. Keys are the city
names exactly as cpca's adcodes.csv spells them (municipalities by their province-level row).
"""

from __future__ import annotations

#: The tier of every city this table names; any other city is DEFAULT_TIER.
DEFAULT_TIER = 4

_TIER_1 = ("北京市", "上海市", "广州市", "深圳市")
# 新一线 ("new first tier").
_TIER_2 = (
    "成都市",
    "重庆市",
    "杭州市",
    "武汉市",
    "西安市",
    "郑州市",
    "青岛市",
    "长沙市",
    "天津市",
    "苏州市",
    "南京市",
    "东莞市",
    "沈阳市",
    "合肥市",
    "佛山市",
)
# 二线: the larger provincial capitals and strong coastal manufacturing cities.
_TIER_3 = (
    "昆明市",
    "福州市",
    "无锡市",
    "厦门市",
    "哈尔滨市",
    "长春市",
    "南昌市",
    "济南市",
    "宁波市",
    "大连市",
    "贵阳市",
    "温州市",
    "石家庄市",
    "泉州市",
    "南宁市",
    "金华市",
    "常州市",
    "珠海市",
    "惠州市",
    "嘉兴市",
    "南通市",
    "中山市",
    "保定市",
    "兰州市",
    "台州市",
    "徐州市",
    "太原市",
    "绍兴市",
    "烟台市",
    "廊坊市",
)

CITY_TIERS: dict[str, int] = {
    **dict.fromkeys(_TIER_1, 1),
    **dict.fromkeys(_TIER_2, 2),
    **dict.fromkeys(_TIER_3, 3),
}


def tier_of(city_name: str) -> int:
    """The tier (1 highest … 4) of a city given by its full name, e.g. 杭州市."""
    return CITY_TIERS.get(city_name, DEFAULT_TIER)

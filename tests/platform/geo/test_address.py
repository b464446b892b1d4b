"""Address parsing through cpca, with municipalities mapped to themselves."""

from __future__ import annotations

import pytest

from carecover.platform.cn import InvalidIdentifier
from carecover.platform.geo import ParsedAddress, parse_address


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "上海市徐汇区虹漕路461号",
            ParsedAddress("上海市", "上海市", "徐汇区", "虹漕路461号", "310104", "310000"),
            id="shanghai-municipality",
        ),
        pytest.param(
            "广东省深圳市南山区科技园",
            ParsedAddress("广东省", "深圳市", "南山区", "科技园", "440305", "440300"),
            id="shenzhen-full",
        ),
        pytest.param(
            "  深圳南山区  ",
            ParsedAddress("广东省", "深圳市", "南山区", "", "440305", "440300"),
            id="short-names-padded",
        ),
        pytest.param(
            "重庆市巫山县",
            ParsedAddress("重庆市", "重庆市", "巫山县", "", "500237", "500000"),
            id="chongqing-county",
        ),
        pytest.param(
            "北京",
            ParsedAddress("北京市", "北京市", None, "", "110000", "110000"),
            id="municipality-only",
        ),
        pytest.param(
            "浙江杭州",
            ParsedAddress("浙江省", "杭州市", None, "", "330100", "330100"),
            id="city-without-district",
        ),
        pytest.param(
            "湖北省仙桃市仙桃大道",
            ParsedAddress("湖北省", "仙桃市", "仙桃市", "仙桃大道", "429004", "429004"),
            id="county-level-city-run-by-province",
        ),
    ],
)
def test_addresses_are_parsed(text: str, expected: ParsedAddress) -> None:
    assert parse_address(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        pytest.param("", "address.empty", id="empty"),
        pytest.param(" \t\n", "address.empty", id="blank"),
        pytest.param("胡说八道abc", "address.unrecognised", id="nonsense"),
        pytest.param("12345", "address.unrecognised", id="digits"),
        pytest.param("浙江省某某路", "address.unrecognised", id="province-without-city"),
        pytest.param("香港九龙", "address.unrecognised", id="hong-kong"),
    ],
)
def test_unusable_addresses_name_the_problem(text: str, code: str) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        parse_address(text)
    assert caught.value.code == code

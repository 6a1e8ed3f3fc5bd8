from decimal import Decimal

import polars as pl
import pytest

from minqing.sources.normalizers.money import integer, money

ROUNDED = "金额已四舍五入到分"
WAN = "以“万”为单位, 已换算为元"


def one(fn, raw, **options):
    checked = fn(pl.Series("金额", [raw], dtype=pl.String), options)
    return checked.value[0], checked.error[0], checked.flag[0]


@pytest.mark.parametrize(
    ("raw", "value", "flag"),
    [
        ("1234", "1234.00", None),
        ("1234.5", "1234.50", None),
        ("1,234.50", "1234.50", None),
        ("1，234", "1234.00", None),
        ("1234元", "1234.00", None),
        ("¥1234", "1234.00", None),
        ("￥1,234.00", "1234.00", None),
        ("人民币 630 元", "630.00", None),
        ("１２３４", "1234.00", None),
        ("630.0", "630.00", None),
        (".5", "0.50", None),
        ("5.", "5.00", None),
        ("+5", "5.00", None),
        ("0", "0.00", None),
        ("-0", "0.00", None),
        ("1.2万", "12000.00", WAN),
        ("1.2万元", "12000.00", WAN),
        ("0.00015万", "1.50", WAN),
        ("12.345", "12.35", ROUNDED),
        ("12.3449", "12.34", ROUNDED),
        ("0.005", "0.01", ROUNDED),
        ("0.004", "0.00", ROUNDED),
        ("2.675", "2.68", ROUNDED),  # half up, not to even and not through a float
        ("999999999999.99", "999999999999.99", None),
        ("99999999万", "999999990000.00", WAN),
    ],
)
def test_amounts(raw, value, flag):
    got = one(money, raw)
    assert got == (Decimal(value), None, flag)


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ("-5", "金额不能为负数"),
        ("-0.01", "金额不能为负数"),
        ("(5)", "金额不能为负数"),
        ("abc", "金额格式不正确"),
        ("1.2.3", "金额格式不正确"),
        ("1e3", "金额格式不正确"),
        ("万", "金额格式不正确"),
        ("五百", "金额格式不正确"),
        ("1000000000000", "金额超出范围"),
        ("999999999999.995", "金额超出范围"),
        ("100000000万", "金额超出范围"),
    ],
)
def test_rejected_amounts(raw, error):
    assert one(money, raw) == (None, error, None)


@pytest.mark.parametrize("raw", [None, "", "  ", "-", "—", "/", "无"])
def test_empty_amounts(raw):
    assert one(money, raw) == (None, None, None)


def test_negative_allowed_and_bounds():
    assert one(money, "-5", allow_negative=True) == (Decimal("-5.00"), None, None)
    assert one(money, "(5)", allow_negative=True)[0] == Decimal("-5.00")
    assert one(money, "100", max=50)[1] == "大于最大值50"
    assert one(money, "10", min=50)[1] == "小于最小值50"
    assert one(money, "50", min=50, max=50) == (Decimal("50.00"), None, None)


def test_money_dtype_and_mixed_rows():
    raw = pl.Series("月保障金额", ["630", "1,234.5", None, "-1", "630"] * 1000)
    checked = money(raw, {})
    assert checked.value.dtype == pl.Decimal(14, 2)
    assert checked.value.name == "月保障金额"
    assert checked.value[:5].to_list() == [
        Decimal("630.00"), Decimal("1234.50"), None, None, Decimal("630.00"),
    ]  # fmt: skip
    assert checked.error[:5].to_list() == [None, None, None, "金额不能为负数", None]


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("3", 3),
        (" 3 ", 3),
        ("3.0", 3),
        ("3.00", 3),
        ("+3", 3),
        ("-3", -3),
        ("1,234", 1234),
        ("３", 3),
        ("三", 3),
        ("十", 10),
        ("十一", 11),
        ("二十", 20),
        ("二十三", 23),
        ("九十九", 99),
        ("两", 2),
        ("零", 0),
        ("〇", 0),
        ("0", 0),
        ("999999999999999999", 999999999999999999),
    ],
)
def test_integers(raw, value):
    assert one(integer, raw) == (value, None, None)


@pytest.mark.parametrize(
    ("raw", "error", "options"),
    [
        ("3.5", "不是整数", {}),
        ("abc", "无法识别的数字", {}),
        ("一百", "无法识别的数字", {}),
        ("三", "无法识别的数字", {"chinese_numerals": False}),
        ("99999999999999999999", "数值超出范围", {}),
        ("-1", "小于最小值0", {"min": 0}),
        ("131", "大于最大值130", {"min": 0, "max": 130}),
    ],
)
def test_rejected_integers(raw, error, options):
    assert one(integer, raw, **options) == (None, error, None)


@pytest.mark.parametrize("raw", ["0", "130"])
def test_integer_bounds_are_inclusive(raw):
    assert one(integer, raw, min=0, max=130)[1] is None


@pytest.mark.parametrize("raw", [None, "", " "])
def test_empty_integers(raw):
    assert one(integer, raw) == (None, None, None)

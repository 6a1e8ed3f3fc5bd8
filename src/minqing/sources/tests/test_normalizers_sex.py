import polars as pl
import pytest

from minqing.sources.normalizers.sex import sex


def one(raw):
    checked = sex(pl.Series("性别", [raw], dtype=pl.String), {})
    return checked.value[0], checked.error[0], checked.flag[0]


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("男", "M"),
        ("女", "F"),
        ("男性", "M"),
        ("女性", "F"),
        (" 男 ", "M"),
        ("M", "M"),
        ("m", "M"),
        ("F", "F"),
        ("f", "F"),
        ("Ｍ", "M"),
        ("male", "M"),
        ("Female", "F"),
        ("1", "M"),
        ("2", "F"),
        ("1.0", "M"),
        ("２", "F"),
    ],
)
def test_recognized(raw, value):
    assert one(raw) == (value, None, None)


@pytest.mark.parametrize("raw", ["未知", "不详", "未说明", "0", "9"])
def test_unknown_is_empty_with_a_remark(raw):
    assert one(raw) == (None, None, "性别未知")


@pytest.mark.parametrize("raw", ["男女", "X", "3", "公", "woman"])
def test_unrecognized(raw):
    assert one(raw) == (None, "性别无法识别", None)


@pytest.mark.parametrize("raw", [None, "", " "])
def test_empty(raw):
    assert one(raw) == (None, None, None)


def test_a_million_repeated_values_keep_their_order():
    raw = pl.Series(["男", "女", None, "x"] * 250_000)
    checked = sex(raw, {})
    assert checked.value[:4].to_list() == ["M", "F", None, None]
    assert checked.error[:4].to_list() == [None, None, None, "性别无法识别"]
    assert checked.value.null_count() == 500_000

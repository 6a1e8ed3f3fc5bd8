import polars as pl
import pytest

from minqing.sources.normalizers.text import choice, text

LEVELS = {
    "一级": "1",
    "二级": "2",
    "三级": "3",
    "四级": "4",
    "1": "1",
    "2": "2",
    "3": "3",
    "4": "4",
}


def one(fn, raw, options):
    checked = fn(pl.Series("c", [raw], dtype=pl.String), options)
    return checked.value[0], checked.error[0], checked.flag[0]


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("  路灯不亮  ", "路灯不亮"),
        ("路灯\n\n不亮", "路灯 不亮"),
        ("a \t b", "a b"),
        ("ＡＢＣ１２３", "ABC123"),
        ("全角　空格", "全角 空格"),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_text_is_trimmed_folded_and_collapsed(raw, value):
    assert one(text, raw, {}) == (value, None, None)


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ("12345", None),
        ("123456", "超过最大长度5个字(实为6个)"),
        ("一二三四五", None),
        ("一二三四五六七", "超过最大长度5个字(实为7个)"),
        (" 12345 ", None),
    ],
)
def test_text_max_length(raw, error):
    value, got, _ = one(text, raw, {"max_length": 5})
    assert got == error
    assert (value is None) == (error is not None)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("一级", "1"),
        ("1", "1"),
        (" 二级 ", "2"),
        ("三 级", "3"),
        ("４", "4"),
        ("四級", None),
    ],
)
def test_choice_maps_spellings_to_values(raw, value):
    got, error, _ = one(choice, raw, {"choices": LEVELS})
    assert got == value
    assert (error is None) == (value is not None)


def test_choice_error_names_the_value_and_one_spelling_per_choice():
    assert one(choice, "五级", {"choices": LEVELS}) == (
        None,
        "不是可选值: 五级(可选: 一级、二级、三级、四级)",
        None,
    )


def test_choice_ignores_latin_case_and_accepts_a_list():
    options = {"choices": {"焦我办APP": "焦我办APP", "12345热线": "12345热线"}}
    assert one(choice, "焦我办app", options)[0] == "焦我办APP"
    assert one(choice, "是", {"choices": ["是", "否"]}) == ("是", None, None)
    assert one(choice, "对", {"choices": ["是", "否"]})[1] == "不是可选值: 对(可选: 是、否)"


def test_choice_long_lists_are_shortened():
    options = {"choices": [f"选项{i}" for i in range(20)]}
    error = one(choice, "别的", options)[1]
    assert error.endswith("选项11等20项)")


@pytest.mark.parametrize("raw", [None, "", "  "])
def test_choice_empty(raw):
    assert one(choice, raw, {"choices": LEVELS}) == (None, None, None)


def test_choice_without_choices_is_a_definition_error():
    with pytest.raises(ValueError, match="choices"):
        choice(pl.Series(["a"]), {})

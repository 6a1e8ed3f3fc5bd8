import polars as pl
import pytest

from minqing.sources.normalizers.names import name, simplified_chars

TRADITIONAL = "繁体已转为简体"
PARTIAL = "仅有称呼, 非全名"


def one(raw, **options):
    checked = name(pl.Series("姓名", [raw], dtype=pl.String), options)
    return checked.value[0], checked.error[0], checked.flag[0]


@pytest.mark.parametrize(
    ("raw", "value", "flag"),
    [
        ("张伟", "张伟", None),
        (" 张伟 ", "张伟", None),
        ("张 伟", "张伟", None),
        ("张　伟", "张伟", None),  # U+3000 inside
        ("张\t伟\n", "张伟", None),
        ("张伟 ", "张伟", None),
        ("\u3000张伟\u3000", "张伟", None),
        ("张\u200b伟", "张伟", None),  # zero-width space from a web form
        ("欧阳娜娜", "欧阳娜娜", None),
        ("ＺＨＡＮＧ", "ZHANG", None),
        ("Ali Khan", "Ali Khan", None),
        ("  Ali    Khan ", "Ali Khan", None),
        ("Ａｌｉ　Ｋｈａｎ", "Ali Khan", None),
        ("A B C", "A B C", None),
        ("阿依古丽·买买提", "阿依古丽·买买提", None),
        ("阿依古丽•买买提", "阿依古丽·买买提", None),
        ("阿依古丽・买买提", "阿依古丽·买买提", None),
        ("阿依古丽･买买提", "阿依古丽·买买提", None),
        ("阿依古丽.买买提", "阿依古丽·买买提", None),
        ("阿依古丽 · 买买提", "阿依古丽·买买提", None),
        ("張偉華", "张伟华", TRADITIONAL),
        ("劉德華", "刘德华", TRADITIONAL),
        ("陳 麗", "陈丽", TRADITIONAL),
        ("於小明", "於小明", None),  # 於 is a standard surname, not traditional 于
        ("乾隆", "乾隆", None),
        ("王女士", "王女士", PARTIAL),
        ("张先生", "张先生", PARTIAL),
        ("李阿姨", "李阿姨", PARTIAL),
        ("老王", "老王", PARTIAL),
        ("小李", "小李", PARTIAL),
        ("王师傅", "王师傅", PARTIAL),
        ("刘老师", "刘老师", PARTIAL),
        ("欧阳女士", "欧阳女士", PARTIAL),
        ("王某", "王某", PARTIAL),
        ("陳女士", "陈女士", f"{TRADITIONAL}；{PARTIAL}"),
        ("王", "王", None),
        ("一" * 20, "一" * 20, None),
    ],
)
def test_accepted_names(raw, value, flag):
    assert one(raw) == (value, None, flag)


@pytest.mark.parametrize("raw", ["匿名", "无", "不详", " 匿名 ", "未知", "-", "無"])
def test_no_name_given(raw):
    assert one(raw) == (None, None, "未提供姓名")


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ("张3", "姓名含数字"),
        ("张三3", "姓名含数字"),
        ("张三３", "姓名含数字"),
        ("2", "姓名含数字"),
        ("一" * 21, "姓名过长(超过20个字)"),
        ("张三(已故)", "姓名含非法字符"),
        ("张三、李四", "姓名含非法字符"),
        ("·买买提", "姓名含非法字符"),
        ("阿依古丽··买买提", "姓名含非法字符"),
        ("张@三", "姓名含非法字符"),
    ],
)
def test_rejected_names(raw, error):
    assert one(raw) == (None, error, None)


@pytest.mark.parametrize("raw", [None, "", "  ", "\u3000"])
def test_empty_cells_stay_empty(raw):
    assert one(raw) == (None, None, None)


def test_many_rows_mixed_and_input_untouched():
    raw = pl.Series("姓名", ["张伟", " 张 伟", None, "張偉", "张3"] * 1000)
    before = raw.to_list()
    checked = name(raw, {})
    assert raw.to_list() == before
    assert checked.value.name == "姓名"
    assert checked.value.to_list()[:5] == ["张伟", "张伟", None, "张伟", None]
    assert checked.error.to_list()[:5] == [None, None, None, None, "姓名含数字"]
    assert len(checked.flag) == 5000


def test_traditional_map_covers_the_synthetic_errors_and_keeps_exceptions():
    chars = simplified_chars()
    assert chars["張"] == "张" and chars["華"] == "华"
    assert not set("於乾昇徵") & set(chars)
    assert all(len(v) == 1 for v in chars.values())

import polars as pl
import pytest

from minqing.sources.normalizers.pinyin import char_readings, name_pinyins, surname_readings

# surnames whose reading is not the character's first (or most common) one
SURNAMES = {
    "单": "shan", "曾": "zeng", "解": "xie", "仇": "qiu", "朴": "piao", "查": "zha", "区": "ou",
    "盖": "ge", "缪": "miao", "乐": "yue", "覃": "qin", "召": "shao", "种": "chong", "员": "yun",
    "尉": "yu", "翟": "zhai", "繁": "po", "秘": "bi", "任": "ren", "华": "hua", "便": "pian",
    "过": "guo", "宓": "fu", "能": "nai", "祭": "zhai", "那": "na", "莘": "shen", "隗": "wei",
    "冼": "xian", "宿": "su", "郇": "huan", "谌": "chen", "眭": "sui", "贲": "ben", "阚": "kan",
    "黑": "he",
}  # fmt: skip
COMPOUNDS = {
    "长孙": "zhangsun", "尉迟": "yuchi", "万俟": "moqi", "欧阳": "ouyang", "司马": "sima",
    "诸葛": "zhuge", "上官": "shangguan", "令狐": "linghu", "皇甫": "huangfu",
    "东方": "dongfang", "夏侯": "xiahou", "公孙": "gongsun", "慕容": "murong", "司徒": "situ",
    "西门": "ximen", "宇文": "yuwen", "端木": "duanmu", "澹台": "tantai", "呼延": "huyan",
}  # fmt: skip


def pinyins(names: list) -> list[tuple[str, str]]:
    return name_pinyins(pl.Series(names, dtype=pl.String)).rows()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        *[(s + "明", (r + "ming", r)) for s, r in SURNAMES.items()],
        *[(s + "明", (r + "ming", r)) for s, r in COMPOUNDS.items()],
        ("张伟", ("zhangwei", "zhang")),
        ("单田芳", ("shantianfang", "shan")),
        ("曾国藩", ("zengguofan", "zeng")),
        ("欧阳娜娜", ("ouyangnana", "ouyang")),
        ("诸葛亮", ("zhugeliang", "zhuge")),
        ("吕丽", ("lvli", "lv")),  # ü written v
        # 长孙 is a surname only at the start, 长 reads chang as a surname, zhang in a given name
        ("长孙无忌", ("zhangsunwuji", "zhangsun")),
        ("长城", ("changcheng", "chang")),
        ("王长孙", ("wangzhangsun", "wang")),
        # a compound surname needs a given name after it: 欧阳 alone is 欧 + 阳
        ("欧阳", ("ouyang", "ou")),
        # the override only applies to the surname: 单 in a given name keeps its first reading
        ("王单", ("wangdan", "wang")),
        ("曾曾", ("zengceng", "zeng")),
        ("王", ("wang", "wang")),
        # no Chinese surname: the letters of the whole name
        ("买买提·艾力", ("maimaitiaili", "")),
        ("Ali Khan", ("alikhan", "")),
        ("阿依古丽·Smith", ("ayigulismith", "")),
        ("", ("", "")),
        (None, ("", "")),
    ],
)
def test_name_and_surname_pinyin(name, expected):
    assert pinyins([name]) == [expected]


@pytest.mark.parametrize(("a", "b"), [("李丽", "李莉"), ("王伟", "汪卫"), ("张静", "章婧")])
def test_homophones_give_the_same_pinyin(a, b):
    first, second = pinyins([a, b])
    assert first[0] == second[0]


def test_given_names_are_read_character_by_character_not_by_phrase():
    # as a phrase pypinyin reads 重庆 chongqing and 长大 zhangda; here each character has one reading
    assert pinyins(["王重庆", "王重", "李长大", "李长"]) == [
        ("wangzhongqing", "wang"),
        ("wangzhong", "wang"),
        ("lizhangda", "li"),
        ("lizhang", "li"),
    ]


def test_every_surname_in_the_table_has_a_lower_case_reading():
    table = surname_readings()
    assert {**SURNAMES, **COMPOUNDS}.items() <= table.items()
    assert all(
        len(s) in (1, 2) and r.isascii() and r.isalpha() and r.islower() for s, r in table.items()
    )


def test_characters_pypinyin_cannot_read_stay_as_they_are():
    assert char_readings(["丽", "莉", "兙"]) == {"丽": "li", "莉": "li"}
    assert pinyins(["王兙明"]) == [("wang兙ming", "wang")]


def test_a_column_keeps_its_order_and_length():
    names = ["张伟", None, "欧阳娜娜"] * 1000
    out = name_pinyins(pl.Series(names))
    assert out.columns == ["name_pinyin", "surname_pinyin"]
    assert out.height == 3000
    assert out.row(2999) == ("ouyangnana", "ouyang") and out.row(1) == ("", "")

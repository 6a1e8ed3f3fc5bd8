"""The person model on hand-made records: which errors it repairs and which it refuses to merge.

The model is one trained by `minqing link` on a synthetic district (tests/data/person_model.json),
scored with Splink on DuckDB, then clustered as a run would."""

import json
import math
from pathlib import Path

import polars as pl
import pytest

from minqing.core.idnumbers import check_char
from minqing.linkage.cluster import clusters
from minqing.linkage.engine import (
    M_FLOOR,
    SURNAME_MISHEARD,
    parameters,
    regularized,
    train_and_score,
)
from minqing.linkage.model import PARTIAL_OTHER_SURNAME, PARTIAL_SAME_SURNAME
from minqing.linkage.prepare import COMPARISON_COLUMNS, dwelling, id_valid

MODEL = (Path(__file__).parent / "data" / "person_model.json").read_text(encoding="utf-8")


def valid(first17: str) -> str:
    return first17 + check_char(first17)


WANG = valid("41081119800101123")  # 王丽, woman (odd-even: 3 → man; see below)
LI = valid("41081119750505101")
ZHAO = valid("41081119520303202")

# person, name, pinyin, surname, id, phone, building, room, birth given
ROWS = [
    # 王丽: register, a homophone (王莉) on the 低保 roll, an ID typo on 社保, a transposition on 医保
    ("wl", "王丽", "wangli", "wang", WANG, None, "B1", "1-101", True),
    ("wl", "王莉", "wangli", "wang", WANG, "13800000001", "B1", "1-101", False),
    (
        "wl",
        "王丽",
        "wangli",
        "wang",
        WANG[:10] + str((int(WANG[10]) + 3) % 10) + WANG[11:],
        None,
        None,
        None,
        False,
    ),
    (
        "wl",
        "王丽",
        "wangli",
        "wang",
        WANG[:12] + WANG[13] + WANG[12] + WANG[14:],
        None,
        None,
        None,
        False,
    ),
    # 李强: register and 失业 (phone), and a hotline call "李先生" from his phone at home
    ("lq", "李强", "liqiang", "li", LI, None, "B1", "1-102", True),
    ("lq", "李强", "liqiang", "li", LI, "13900000002", "B1", "1-102", False),
    ("lq", None, None, "li", None, "13900000002", "B1", "1-102", False),
    # … and another "李先生" from a phone no list knows: his home, surname and sex are all there is
    ("lq", None, None, "li", None, "13900000009", "B1", "1-102", False),
    # 赵兰: register; a 医保 row carrying 李强's ID number under her own name (a relative's number)
    ("zl", "赵兰", "zhaolan", "zhao", ZHAO, "13700000003", "B1", "1-102", True),
    ("zl", "赵兰", "zhaolan", "zhao", LI, "13700000003", None, None, False),
    # two strangers called 张伟 in other buildings, no shared ID or phone: never merged
    ("zw1", "张伟", "zhangwei", "zhang", valid("41081119900101001"), None, "B2", "2-201", True),
    ("zw2", "张伟", "zhangwei", "zhang", valid("41081119910202002"), None, "B3", "3-301", True),
]

# person, name, pinyin, surname, id, phone, village, house, birth given, and what else a list
# states (disability "<category>/<grade>", a roll's age): rural addresses name the village and
# the house, no building
VILLAGE_ROWS = [
    # 高芳 of 西于村 6组130号: the register, and a hotline call giving her name and her house
    (
        "gf",
        "高芳",
        "gaofang",
        "gao",
        valid("41081119930101012"),
        None,
        "410811200202",
        "6-130",
        True,
        None,
    ),
    ("gf", "高芳", "gaofang", "gao", None, "18500000001", "410811200202", "6-130", False, None),
    # a namesake at the same house number of another village
    (
        "gf2",
        "高芳",
        "gaofang",
        "gao",
        valid("41081119880808024"),
        None,
        "410811200203",
        "6-130",
        True,
        None,
    ),
    # 段秀英 of 东王村 2组15号: the register, her 残联 card, and a 两项补贴 row kept without its ID
    # number (name and community only) — and a namesake of the same village without a card
    (
        "dz",
        "段秀英",
        "duanxiuying",
        "duan",
        valid("41081119700303032"),
        None,
        "410811200205",
        "2-15",
        True,
        None,
    ),
    (
        "dz",
        "段秀英",
        "duanxiuying",
        "duan",
        valid("41081119700303032"),
        None,
        "410811200205",
        None,
        False,
        {"disability": "肢体/2"},
    ),
    (
        "dz",
        "段秀英",
        "duanxiuying",
        "duan",
        None,
        None,
        "410811200205",
        None,
        False,
        {"disability": "肢体/2"},
    ),
    (
        "dz2",
        "段秀英",
        "duanxiuying",
        "duan",
        valid("41081119820606046"),
        None,
        "410811200205",
        "4-8",
        True,
        None,
    ),
    # 孟桂兰 of 东王村 5组3号, born 1940: the register, and a 高龄津贴 row kept without its ID number
    # (name, community and the age 86) — and a namesake of the same village born 1975
    (
        "md",
        "孟桂兰",
        "mengguilan",
        "meng",
        valid("41081119400707012"),
        None,
        "410811200205",
        "5-3",
        True,
        None,
    ),
    ("md", "孟桂兰", "mengguilan", "meng", None, None, "410811200205", None, False, {"age": 86}),
    (
        "md2",
        "孟桂兰",
        "mengguilan",
        "meng",
        valid("41081119750909014"),
        None,
        "410811200205",
        "7-1",
        True,
        None,
    ),
]

# Strangers around them, so that names have realistic frequencies (term-frequency weights) and
# the five people above are not the whole world
GIVEN = "伟芳娜敏静秀英华慧巧美娟玉桂兰霞平刚明永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发武新利清飞彬富顺信子杰涛昌成康星光天达安岩中茂进林有坚和彪博诚先敬震振壮会思群豪心邦承乐绍功松善厚庆磊民友裕河哲江超浩亮政谦亨奇固之轮翰朗伯宏言若鸣朋斌梁栋维启克伦翔旭鹏泽晨辰士以建家致树炎德行时泰盛雄琛钧冠策腾楠榕风航弘"
SURNAMES = "陈杨黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"


def _strangers(n: int) -> list[tuple]:
    return [
        (
            f"s{i}",
            SURNAMES[i % len(SURNAMES)]
            + GIVEN[(i * 7) % len(GIVEN)]
            + GIVEN[(i * 13 + i // 1000) % len(GIVEN)],
            None,
            None,
            valid(f"410811{1940 + i % 60}{1 + i % 12:02d}{1 + i % 28:02d}{i % 1000:03d}"),
            None,
            f"S{i % 40}",
            f"{i}",
            True,
        )
        for i in range(n)
    ]


STRANGERS = _strangers(400)


def frame(strangers: int = len(STRANGERS)) -> pl.DataFrame:
    """ROWS, VILLAGE_ROWS and the first `strangers` of the strangers, in that order, as the
    frame linkage compares."""
    from pypinyin import lazy_pinyin

    strangers = [
        (p, n, "".join(lazy_pinyin(n)), lazy_pinyin(n[0])[0], *rest)
        for p, n, _, _, *rest in _strangers(strangers)
    ]
    columns = ["name", "name_pinyin", "surname_pinyin", "id_number", "phone"]
    on_estates = pl.DataFrame(
        [r[1:] for r in ROWS + strangers],
        schema=[*columns, "building_code", "room", "birth_given"],
        orient="row",
    ).with_columns(
        community_code=pl.when(pl.col("building_code").is_not_null()).then(pl.lit("410811001001"))
    )
    in_villages = pl.DataFrame(
        [(*r[1:9], (r[9] or {}).get("disability"), (r[9] or {}).get("age")) for r in VILLAGE_ROWS],
        schema=[*columns, "community_code", "room", "birth_given", "disability", "age"],
        orient="row",
    ).with_columns(building_code=pl.lit(None, dtype=pl.String))
    records = pl.concat(
        [on_estates.head(len(ROWS)), in_villages, on_estates.tail(len(strangers))],
        how="diagonal",
    )
    birth = (
        pl.col("id_number")
        .str.slice(6, 8)
        .str.to_date("%Y%m%d", strict=False)
        .dt.strftime("%Y-%m-%d")
    )
    # the ID number's 17th digit tells the sex; a caller without one is known by their title:
    # 先生 on the estate, a woman (高芳) in the village
    from_id = (
        pl.when(pl.col("id_number").str.slice(16, 1).cast(pl.Int64, strict=False) % 2 == 1)
        .then(pl.lit("M"))
        .otherwise(pl.lit("F"))
    )
    untold = pl.when(pl.col("building_code").is_null()).then(pl.lit("F")).otherwise(pl.lit("M"))
    return (
        records.with_columns(
            unique_id=pl.int_range(1, pl.len() + 1, dtype=pl.Int64),
            birth_on=birth,
            birth_from_id=~pl.col("birth_given") & pl.col("id_number").is_not_null(),
            id_valid=id_valid(pl.col("id_number")),
            sex=pl.when(pl.col("id_number").is_null()).then(untold).otherwise(from_id),
            estate_code=pl.col("building_code"),
            # the year of the date, else of the data (2026) less the age a roll states
            birth_year=birth.str.slice(0, 4).cast(pl.Int64).fill_null(2026 - pl.col("age")),
            birth_year_from_age=birth.is_null() & pl.col("age").is_not_null(),
        )
        .with_columns(
            dwelling=dwelling(
                pl.col("building_code"),
                pl.col("estate_code"),
                pl.col("community_code"),
                pl.col("room"),
            ),
        )
        .select("unique_id", *COMPARISON_COLUMNS)
    )


@pytest.fixture(scope="module")
def persons() -> dict[str, set]:
    records = frame()
    scored = train_and_score(records, model_json=MODEL)
    result = clusters(records["unique_id"], scored.pairs, threshold=0.8)
    label = dict(zip(result["unique_id"].to_list(), result["cluster"].to_list(), strict=True))
    found: dict[str, set] = {}
    for uid, row in enumerate(ROWS + VILLAGE_ROWS + STRANGERS, start=1):
        found.setdefault(row[0], set()).add(label[uid])
    return found


def test_homophone_typo_and_swapped_digits_are_the_same_person(persons):
    assert len(persons["wl"]) == 1


def test_a_hotline_caller_who_gave_only_a_title_joins_by_phone_and_home(persons):
    assert len(persons["lq"]) == 1


def test_a_villager_is_found_at_her_house_without_a_building(persons):
    assert len(persons["gf"]) == 1
    assert persons["gf"].isdisjoint(persons["gf2"])


def _labels(records: pl.DataFrame) -> dict[int, int]:
    scored = train_and_score(records, model_json=MODEL)
    clustered = clusters(records["unique_id"], scored.pairs, threshold=0.8)
    return dict(clustered.select("unique_id", "cluster").rows())


def _row_id(person: str) -> int:
    """The unique id of the one row of ROWS + VILLAGE_ROWS of `person` without an ID number."""
    (found,) = [i for i, r in enumerate(ROWS + VILLAGE_ROWS, 1) if r[0] == person and r[4] is None]
    return found


@pytest.fixture(scope="module")
def district():
    """The people among 6,000 strangers: a name then weighs about what one person's name weighs
    in a district (the 400 of `persons` make every name common)."""
    records = frame(strangers=6000)
    labels = _labels(records)
    found: dict[str, set] = {}
    for uid, row in enumerate(ROWS + VILLAGE_ROWS, start=1):
        found.setdefault(row[0], set()).add(labels[uid])
    return records, found


def test_a_roll_row_without_its_id_number_joins_the_namesake_whose_card_it_matches(district):
    # name and village alone leave 段秀英's 两项补贴 row between her and her namesake; the
    # disability her card states and the row repeats decides
    records, found = district
    assert len(found["dz"]) == 1
    assert found["dz"].isdisjoint(found["dz2"])
    row = _row_id("dz")
    labels = _labels(
        records.with_columns(
            disability=pl.when(pl.col("unique_id") == row).then(None).otherwise("disability")
        )
    )
    assert list(labels.values()).count(labels[row]) == 1  # without it, the row stays alone


def test_a_roll_row_with_an_age_instead_of_a_birth_date_joins_the_namesake_of_that_age(district):
    records, found = district
    assert len(found["md"]) == 1
    assert found["md"].isdisjoint(found["md2"])
    row = _row_id("md")
    labels = _labels(
        records.with_columns(
            birth_year=pl.when(pl.col("unique_id") == row).then(None).otherwise("birth_year")
        )
    )
    assert list(labels.values()).count(labels[row]) == 1


def test_a_title_only_callers_surname_counts_for_what_it_says():
    # EM never reaches these levels (m untrained); u as a 100k-household district's sample gives
    model = regularized(
        {
            "comparisons": [
                {
                    "output_column_name": "name",
                    "comparison_levels": [
                        {"label_for_charts": PARTIAL_SAME_SURNAME, "u_probability": 0.0002},
                        {"label_for_charts": PARTIAL_OTHER_SURNAME, "u_probability": 0.004},
                    ],
                }
            ]
        }
    )
    weights = {r["level"]: r["weight"] for r in parameters(json.dumps(model))}
    # a shared surname is about as telling as it is rare among strangers (1 in 20 here) …
    assert weights[PARTIAL_SAME_SURNAME] == pytest.approx(math.log2(0.0042 * 0.98 / 0.0002))
    # … and another surname counts against, as far as the floor on m lets one level count
    assert weights[PARTIAL_OTHER_SURNAME] == pytest.approx(math.log2(M_FLOOR / 0.004))
    assert 0.0042 * SURNAME_MISHEARD < M_FLOOR


def test_a_relatives_id_number_does_not_merge_two_people(persons):
    assert persons["zl"].isdisjoint(persons["lq"])


def test_namesakes_without_anything_else_in_common_stay_apart(persons):
    assert persons["zw1"] != persons["zw2"]
    strangers = [persons[f"s{i}"] for i in range(400)]
    assert all(len(s) == 1 for s in strangers) and len(set().union(*strangers)) == 400


def test_records_sharing_no_blocking_key_score_no_pairs():
    strangers = frame().filter(
        pl.col("unique_id").is_in([1, 10])
    )  # 王丽 and a 张伟: nothing shared
    scored = train_and_score(strangers, model_json=MODEL)
    assert scored.pairs.height == 0
    assert {"unique_id_l", "unique_id_r", "match_probability"} <= set(scored.pairs.columns)
    alone = clusters(strangers["unique_id"], scored.pairs, threshold=0.8)
    assert alone["cluster"].n_unique() == 2


def test_the_models_parameters_read_as_a_table():
    rows = parameters(MODEL)
    assert {r["comparison"] for r in rows} == {
        "姓名",
        "身份证号",
        "电话",
        "出生日期",
        "地址",
        "性别",
        "残疾类别和等级",
        "名册年龄",
    }
    same_id = next(r for r in rows if r["level"] == "身份证号相同")
    assert same_id["weight"] > 10 and same_id["m"] > 0.9

"""One trained model, two engines: scored on Spark it links the same records as on DuckDB.

The records are written by hand, no database: 21 people in 62 records of the kinds the
department lists hold — homophones (秀英/秀瑛), one wrong character, an ID number with a wrong or
swapped digit, a son's ID number in his mother's row, hotline callers known only as 王阿姨,
records without an ID number, and two pairs of different people with the same name.
"""

from __future__ import annotations

import os
import shutil

import polars as pl
import pytest

from minqing.core.idnumbers import birth_date, check_char
from minqing.linkage import cluster, engine, prepare
from minqing.linkage.actions import MATCH_THRESHOLD

pytestmark = pytest.mark.spark

# key, name, surname and given name in pinyin, sex, birth date, ID sequence, phone, community,
# estate, building, room
PEOPLE = {
    "wxy": ("王秀英", "wang", "xiuying", "F", "1948-03-12", 24, "13903910001", 1, 1, 1, "2-402"),
    "wjg": ("王建国", "wang", "jianguo", "M", "1946-07-30", 13, "13903910002", 1, 1, 1, "2-402"),
    "lm": ("李明", "li", "ming", "M", "1985-11-02", 35, "13903910003", 1, 1, 2, "1-101"),
    "zw": ("张伟", "zhang", "wei", "M", "1990-01-15", 11, "13903910004", 1, 2, 3, "3-301"),
    "zw2": ("张伟", "zhang", "wei", "M", "1991-06-08", 57, "13903910005", 3, 5, 9, "1-502"),
    "ll": ("刘丽", "liu", "li", "F", "1972-09-21", 42, "13903910006", 1, 2, 4, "2-201"),
    "czq": ("陈志强", "chen", "zhiqiang", "M", "1965-04-05", 19, "13903910007", 2, 3, 5, "1-602"),
    "yf": ("杨芳", "yang", "fang", "F", "1988-02-28", 26, "13903910008", 2, 3, 6, "4-102"),
    "lh": ("李浩", "li", "hao", "M", "2012-08-19", 31, "", 2, 3, 6, "4-102"),
    "hm": ("黄敏", "huang", "min", "F", "1979-05-12", 48, "13903910010", 2, 4, 7, "2-303"),
    "zj": ("周杰", "zhou", "jie", "M", "1995-12-01", 15, "13903910011", 2, 4, 8, "5-501"),
    "wgl": ("吴桂兰", "wu", "guilan", "F", "1940-10-10", 62, "13903910012", 3, 5, 9, "1-101"),
    "xh": ("徐海", "xu", "hai", "M", "1970-03-03", 73, "13903910013", 3, 5, 10, "2-202"),
    "sxl": ("孙秀兰", "sun", "xiulan", "F", "1952-06-17", 84, "13903910014", 3, 6, 11, "3-102"),
    "mq": ("马强", "ma", "qiang", "M", "1983-07-07", 95, "13903910015", 4, 7, 12, "1-201"),
    "zh": ("朱红", "zhu", "hong", "F", "1975-01-30", 16, "13903910016", 4, 7, 13, "6-601"),
    "hj": ("胡军", "hu", "jun", "M", "1968-12-24", 27, "13903910017", 4, 8, 14, "2-102"),
    "gj": ("郭静", "guo", "jing", "F", "1992-04-14", 38, "13903910018", 4, 8, 15, "3-402"),
    "lf": ("林峰", "lin", "feng", "M", "1980-08-08", 49, "13903910019", 1, 1, 2, "4-401"),
    "hyz": ("何玉珍", "he", "yuzhen", "F", "1945-02-02", 50, "13903910020", 2, 4, 7, "1-102"),
    "wxy2": ("王秀英", "wang", "xiuying", "F", "1950-11-11", 64, "13903910021", 4, 8, 15, "1-301"),
}
# what each list holds besides the name and sex; the registers give a birth date, the others
# have one read off the ID number at import
SOURCES = {
    "huji": ("id_number", "birth_on", "address"),
    "gaoling": ("id_number", "birth_on", "phone"),
    "dibao": ("id_number", "phone", "address"),
    "shebao": ("id_number", "phone"),
    "hotline": ("phone", "address"),
}


def _id(key: str) -> str:
    _, _, _, _, birth, seq, *_ = PEOPLE[key]
    first17 = f"410811{birth.replace('-', '')}{seq:03d}"
    return first17 + check_char(first17)


def _record(key: str, source: str, **changes: str) -> dict:
    name, surname, given, sex, birth, _, phone, community, estate, building, room = PEOPLE[key]
    held = SOURCES[source]
    row = {
        "person": key,
        "name": name,
        "name_pinyin": surname + given,
        "surname_pinyin": surname,
        "id_number": _id(key) if "id_number" in held else "",
        "sex": sex,
        "birth_on": birth if "birth_on" in held else "",
        "phone": phone if "phone" in held else "",
        "community_code": f"41081100100{community}" if "address" in held else "",
        "estate_code": f"E{estate:02d}" if "address" in held else "",
        "building_code": f"B{building:02d}" if "address" in held else "",
        "room": room if "address" in held else "",
        "flags": "",
        "fields": "{}",
        "valid_from": "2026-10-31",
        "birth_given": "birth_on" in held,
    }
    row.update(changes)
    if not row["birth_given"] and row["id_number"]:
        read = birth_date(row["id_number"])
        row["birth_on"] = read.isoformat() if read else ""
    return row


def _typo(number: str, at: int, digit: str) -> str:
    return number[:at] + digit + number[at + 1 :]


def _swapped(number: str, at: int) -> str:
    return number[:at] + number[at + 1] + number[at] + number[at + 2 :]


PARTIAL = {"flags": prepare.PARTIAL_NAME, "name_pinyin": "", "sex": ""}
RECORDS = [
    _record("wxy", "huji"),
    _record("wxy", "dibao", name="王秀瑛"),
    _record("wxy", "hotline", name="王阿姨", **PARTIAL),
    _record("wjg", "huji"),
    _record("wjg", "dibao"),
    _record("wjg", "hotline", phone="13903910092"),
    _record("lm", "huji"),
    _record("lm", "dibao", id_number=_typo(_id("lm"), 15, "7")),
    _record("lm", "shebao"),
    _record("zw", "huji"),
    _record("zw", "dibao"),
    _record("zw", "shebao"),
    _record("zw2", "huji"),
    _record("zw2", "shebao"),
    _record("ll", "huji"),
    _record("ll", "dibao", name="刘莉"),
    _record("ll", "hotline", name="刘女士", **PARTIAL),
    _record("czq", "huji"),
    _record("czq", "dibao", id_number=_swapped(_id("czq"), 9)),
    _record("czq", "hotline"),
    _record("yf", "huji"),
    # her son's number written in her row
    _record("yf", "dibao", id_number=_id("lh")),
    _record("yf", "hotline", name="杨女士", **PARTIAL),
    _record("lh", "huji"),
    _record("lh", "dibao"),
    _record("hm", "huji"),
    _record("hm", "gaoling", birth_on="1979-05-21", birth_given=True),
    _record("hm", "dibao"),
    _record("zj", "huji"),
    _record("zj", "dibao", name="周洁"),
    _record("zj", "hotline"),
    _record("wgl", "huji"),
    _record("wgl", "gaoling"),
    _record("wgl", "dibao", name="吴柱兰", name_pinyin="wuzhulan"),
    _record("xh", "huji"),
    _record("xh", "dibao", id_number=""),
    _record("xh", "shebao"),
    _record("sxl", "huji"),
    _record("sxl", "gaoling"),
    _record("sxl", "hotline", name="孙奶奶", **PARTIAL),
    _record("mq", "huji"),
    _record("mq", "shebao"),
    _record("mq", "dibao", phone="13903910085"),
    _record("zh", "huji"),
    _record("zh", "dibao"),
    _record("hj", "huji"),
    _record("hj", "dibao"),
    _record("hj", "shebao"),
    _record("gj", "huji"),
    _record("gj", "shebao", id_number=_typo(_id("gj"), 17, "0" if _id("gj")[17] != "0" else "1")),
    _record("gj", "hotline"),
    _record("lf", "huji"),
    _record("lf", "hotline"),
    _record("lf", "dibao"),
    _record("hyz", "huji"),
    _record("hyz", "gaoling", name="何玉贞"),
    _record("hyz", "hotline", name="何奶奶", **PARTIAL),
    _record("wxy2", "huji"),
    _record("wxy2", "gaoling"),
    _record("wxy2", "shebao"),
    _record("wjg", "shebao"),
    _record("lm", "hotline", name="李先生", **PARTIAL),
]


def _frame() -> pl.DataFrame:
    records = pl.DataFrame(RECORDS).with_columns(
        unique_id=pl.int_range(1, len(RECORDS) + 1, dtype=pl.Int64),
        birth_on=pl.col("birth_on").str.to_date(strict=False),
    )
    return prepare.comparison_frame(records).select("unique_id", *prepare.COMPARISON_COLUMNS)


@pytest.fixture(scope="module")
def spark():
    if _java() is None:
        pytest.skip("Spark needs Java 17 or later: none in JAVA_HOME or on PATH")
    session = engine.spark_session(
        "minqing-test",
        master="local[2]",
        shuffle_partitions=2,
        # a few seconds of work: the JIT's optimizing compiler would cost more than it saves
        config={"spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1"},
    )
    yield session
    session.stop()


def _java() -> str | None:
    home = os.environ.get("JAVA_HOME")
    return shutil.which("java", path=os.path.join(home, "bin")) if home else shutil.which("java")


def _linked(pairs: pl.DataFrame) -> pl.DataFrame:
    return pairs.filter(pl.col("match_probability") > 0.5).select(
        "unique_id_l", "unique_id_r", "match_probability"
    )


def _partition(ids: pl.Series, pairs: pl.DataFrame, threshold: float) -> set[frozenset[int]]:
    clustered = cluster.clusters(ids, pairs, threshold=threshold)
    groups = clustered.group_by("cluster").agg("unique_id")["unique_id"].to_list()
    return {frozenset(g) for g in groups}


def test_a_model_trained_on_duckdb_links_the_same_records_on_spark(spark):
    frame = _frame()
    trained = engine.train_and_score(frame)
    on_duckdb = engine.train_and_score(frame, model_json=trained.model_json)
    on_spark = engine.train_and_score(
        frame, engine="spark", model_json=trained.model_json, spark=spark
    )

    duck, spark_pairs = _linked(on_duckdb.pairs), _linked(on_spark.pairs)
    # not an agreement about nothing: most people's records link
    assert duck.height >= 40
    key = ["unique_id_l", "unique_id_r"]
    assert set(duck.select(key).iter_rows()) == set(spark_pairs.select(key).iter_rows())
    both = duck.join(spark_pairs, on=key, suffix="_spark")
    gap = (pl.col("match_probability") - pl.col("match_probability_spark")).abs().max()
    assert both.select(gap).item() < 1e-6
    for threshold in (0.5, MATCH_THRESHOLD):
        assert _partition(frame["unique_id"], on_duckdb.pairs, threshold) == _partition(
            frame["unique_id"], on_spark.pairs, threshold
        )

    # the same session serves the next run (the records of the last one are replaced)
    again = engine.train_and_score(
        frame, engine="spark", model_json=on_spark.model_json, spark=spark
    )
    assert again.pairs.sort(key).equals(on_spark.pairs.sort(key))

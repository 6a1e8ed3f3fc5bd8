"""The records linkage reads: every current source record with a person in it, as one frame.

The comparison columns were normalized at import (sources/pipeline.py); what is decided here is
what linkage makes of them: a hotline caller who gave only "王女士" has a surname and a sex but
no name to compare; an ID number failing its check digit is still compared (a typo links by edit
distance); a birth date read off the ID number says nothing the ID does not already say.
"""

from __future__ import annotations

import polars as pl

from minqing.core.bulk import read_frame
from minqing.core.idnumbers import CHECK_CHARS, WEIGHTS
from minqing.linkage.golden import DEATH_FIELDS
from minqing.sources.models import Source, SourceRecord

RECORD_SCHEMA = {
    "unique_id": pl.Int64,
    "source_id": pl.Int64,
    "key": pl.String,
    "name": pl.String,
    "name_pinyin": pl.String,
    "surname_pinyin": pl.String,
    "id_number": pl.String,
    "sex": pl.String,
    "birth_on": pl.Date,
    "phone": pl.String,
    "address": pl.String,
    "area_code": pl.String,
    "community_code": pl.String,
    "estate_code": pl.String,
    "building_code": pl.String,
    "room": pl.String,
    "flags": pl.String,
    "fields": pl.String,
    "valid_from": pl.String,
}
# what linkage compares (model.py), besides unique_id
COMPARISON_COLUMNS = [
    "name",
    "name_pinyin",
    "surname_pinyin",
    "birth_on",
    "birth_from_id",
    "id_number",
    "id_valid",
    "phone",
    "sex",
    "community_code",
    "estate_code",
    "building_code",
    "room",
    "dwelling",
    "disability",
    "birth_year",
    "birth_year_from_age",
]
PARTIAL_NAME = "仅有称呼"
# the lists that state a person's disability (category and grade), which linkage compares: a
# 两项补贴 row kept without its ID number names only the person, the community and that
DISABILITY_SOURCES = {"canlian_zheng", "minzheng_liangxiang"}
# the rolls that state an age (年龄) instead of a birth date where a row has no ID number: 高龄津贴
# and 特困 rows kept without one name only the person, the community and that
AGE_SOURCES = {"minzheng_gaoling", "minzheng_tekun"}
# the lists whose normalized fields are read: households' (households.py), deaths', disabilities'
# and ages'
FIELDS_NEEDED = (
    {"gongan_huji", "minzheng_dibao"} | set(DEATH_FIELDS) | DISABILITY_SOURCES | AGE_SOURCES
)
FEMALE_TITLES = "女士|小姐|阿姨|大妈|大娘|大婶|婶子|奶奶|阿婆|老太|大姐|姐姐|姐|嫂"
MALE_TITLES = "先生|叔叔|大叔|阿叔|大爷|爷爷|阿公|老汉|大哥|哥哥|哥|叔|伯"


def load_records() -> pl.DataFrame:
    """Every record in force that names a person (a name, an ID number or a phone)."""
    table = SourceRecord._meta.db_table
    codes = dict(Source.objects.values_list("id", "code"))
    # the normalized fields are read only where households or deaths need them (the register's
    # 户号, relation and 人员状态, the 低保 roll's head, the cremation list's 死亡日期): elsewhere
    # they are most of the bytes and none of the use
    wanted = [pk for pk, code in codes.items() if code in FIELDS_NEEDED] or [0]
    select = {
        "unique_id": "id AS unique_id",
        "fields": f"CASE WHEN source_id IN ({', '.join(map(str, wanted))}) THEN fields ELSE '{{}}' END AS fields",
    }
    columns = ", ".join(select.get(c, c) for c in RECORD_SCHEMA)
    frame = read_frame(
        f"SELECT {columns} FROM {table} WHERE valid_to IS NULL "
        "AND (name <> '' OR id_number <> '' OR phone <> '') ORDER BY id",
        schema=RECORD_SCHEMA,
    )
    given_birth = {
        s.pk
        for s in Source.objects.all()
        if any(f.get("field") == "birth_on" for f in s.definition.get("fields", []))
    }
    return comparison_frame(
        frame.with_columns(
            source=pl.col("source_id").replace_strict(codes, return_dtype=pl.String),
            birth_given=pl.col("source_id").is_in(list(given_birth)),
        )
    )


def id_valid(ids: pl.Expr) -> pl.Expr:
    """18 characters whose last is the GB 11643 check character of the first 17 digits."""
    total = pl.sum_horizontal(
        [ids.str.slice(i, 1).cast(pl.Int64, strict=False) * w for i, w in enumerate(WEIGHTS)]
    )
    check = (total % 11).replace_strict(dict(enumerate(CHECK_CHARS)), return_dtype=pl.String)
    ok = (ids.str.len_chars() == 18) & ids.str.slice(0, 17).str.contains(r"^[0-9]{17}$")
    return (ok & (ids.str.slice(17, 1) == check)).fill_null(False)


def comparison_frame(records: pl.DataFrame) -> pl.DataFrame:
    """Add what the model compares: blanks as nulls, the ID number a 残疾人证 number holds,
    partial names, ID validity, birth source, the dwelling, the disability ("<category>/<grade>"
    where the record's fields state both), the birth year (the birth date's; else, where a roll
    states an age, the year of the record's valid_from less that age: birth_year_from_age)."""
    text = [c for c, t in records.schema.items() if t == pl.String and c not in ("fields", "flags")]
    frame = records.with_columns([pl.col(c).replace("", None) for c in text])
    # a 残疾人证 number is its holder's ID number and two digits (category, grade): where it
    # makes a valid ID number that the row's own column does not give (left blank, mistyped, a
    # relative's), the card's is compared, and the birth date it holds where the list gives none
    card = pl.col("fields").str.json_path_match("$.disability_card_number").str.slice(0, 18)
    from_card = id_valid(card) & card.ne_missing(pl.col("id_number"))
    frame = frame.with_columns(
        id_number=pl.when(from_card).then(card).otherwise(pl.col("id_number")),
        birth_on=pl.when(from_card & ~pl.col("birth_given"))
        .then(card.str.slice(6, 8).str.to_date("%Y%m%d", strict=False))
        .otherwise(pl.col("birth_on")),
    )
    partial = pl.col("flags").fill_null("").str.contains(PARTIAL_NAME)
    title_sex = (
        pl.when(pl.col("name").str.contains(f"(?:{FEMALE_TITLES})$"))
        .then(pl.lit("F"))
        .when(pl.col("name").str.contains(f"(?:{MALE_TITLES})$"))
        .then(pl.lit("M"))
    )
    stated_year = pl.col("valid_from").str.slice(0, 4).cast(pl.Int64, strict=False) - pl.col(
        "fields"
    ).str.json_path_match("$.age").cast(pl.Int64, strict=False)
    return frame.with_columns(
        name=pl.when(partial).then(None).otherwise(pl.col("name")),
        name_pinyin=pl.when(partial).then(None).otherwise(pl.col("name_pinyin")),
        sex=pl.col("sex").fill_null(pl.when(partial).then(title_sex)),
        id_valid=id_valid(pl.col("id_number")),
        birth_from_id=~pl.col("birth_given") & pl.col("id_number").is_not_null(),
        birth_on=pl.col("birth_on").dt.strftime("%Y-%m-%d"),
        birth_year=pl.col("birth_on").dt.year().cast(pl.Int64).fill_null(stated_year),
        birth_year_from_age=pl.col("birth_on").is_null() & stated_year.is_not_null(),
        dwelling=dwelling(
            pl.col("building_code"), pl.col("estate_code"), pl.col("community_code"), pl.col("room")
        ),
        disability=pl.concat_str(
            pl.col("fields").str.json_path_match("$.disability_category"),
            pl.col("fields").str.json_path_match("$.disability_grade"),
            separator="/",
        ),
    )


def dwelling(building: pl.Expr, estate: pl.Expr, community: pl.Expr, room: pl.Expr) -> pl.Expr:
    """One key per dwelling: the room in its building on an estate ("<building>/2-402"), the house
    in its village, where a rural address names neither estate nor building ("<village>/3-15");
    null without a room, and for an estate's room whose building is not written (402 of which
    building?). Blanks must already be nulls."""
    place = pl.when(building.is_not_null()).then(building).when(estate.is_null()).then(community)
    return pl.concat_str([place, room], separator="/")

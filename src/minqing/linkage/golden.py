"""The golden record of each person: one value per attribute, with where it came from.

The value is chosen from the person's records by source authority (the household register says
who someone is; a hand-kept roll less so), then by how many records agree, then by the newest.
Every value keeps its source, record key and date; disagreements the data cannot settle — two
valid ID numbers, two birth dates — become conflicts for a person to look at.

Whether the person died is decided apart (deaths()): not by authority, but by what any of two
lists says; assessment reads the same rule (assessment/facts.py).
"""

from __future__ import annotations

import polars as pl

from minqing.core.frames import json_list
from minqing.core.jsonfields import extract_fields

# lower is more authoritative; a source not listed comes after these
AUTHORITY = {
    "gongan_huji": 0,
    "minzheng_dibao": 1,
    "minzheng_tekun": 1,
    "canlian_zheng": 2,
    "jiaoyu_xueji": 2,
    "renshe_shebao": 3,
    "yibao_feiyong": 3,
}
ATTRIBUTES = ["name", "id_number", "sex", "birth_on", "phone", "address", "area_code"]
LABELS = {"id_number": "身份证号", "birth_on": "出生日期"}
# the lists that say a person died, and the fields read of each: the register's 人员状态 and
# 注销日期, the funeral homes' 死亡日期
DEATH_FIELDS = {"gongan_huji": ["status", "deregistered_on"], "minzheng_binzang": ["died_on"]}


def deaths(records: pl.DataFrame) -> pl.DataFrame:
    """person_id → is_dead (always true), died_on, recorded_on: one row per person who died.

    records: person_id, source, fields (JSON text), valid_from; the current records only."""

    def newest(source: str) -> pl.DataFrame:
        rows = records.filter(pl.col("source") == source).select(
            "person_id", "fields", "valid_from"
        )
        return extract_fields(newest_per_person(rows), DEATH_FIELDS[source])

    return deaths_from(newest("gongan_huji"), newest("minzheng_binzang"))


def newest_per_person(rows: pl.DataFrame) -> pl.DataFrame:
    """Each person's newest record of `rows` (by valid_from). Of a person's records of one
    valid_from, the least by their other columns: which one is arbitrary, but it is the same
    whatever order the rows come in (PostgreSQL's parallel scans give them in none, and two runs
    on the same data must agree). Rows in no order."""
    several = rows["person_id"].is_duplicated()  # most persons have one record of a list
    others = [c for c in rows.columns if c not in ("person_id", "valid_from")]
    chosen = (
        rows.filter(several)
        .sort(
            ["valid_from", *others],
            descending=[True] + [False] * len(others),
            nulls_last=True,
        )
        .filter(pl.col("person_id").is_first_distinct())
    )
    return pl.concat([rows.filter(~several), chosen])


def deaths_from(register: pl.DataFrame, cremated: pl.DataFrame) -> pl.DataFrame:
    """The rule of `deaths`, on each person's newest record of either list with DEATH_FIELDS
    decoded (person_id, valid_from, f__<field>; assessment/facts.py decodes them with the rest).

    Dead when the newest register record says 死亡注销, or a funeral home cremated the person (the
    register de-registers late or never). died_on: the register's 注销日期, else the cremation
    list's 死亡日期; null when neither gives one. recorded_on: the day the record saying so took
    effect (its valid_from), a date the person had died by."""
    recorded_on = pl.col("valid_from").str.slice(0, 10).str.to_date(strict=False)
    deregistered = register.filter(pl.col("f__status").str.contains("死亡")).select(
        "person_id",
        recorded_on=recorded_on,
        deregistered_on=pl.col("f__deregistered_on").str.to_date(strict=False),
    )
    cremations = cremated.select(
        "person_id",
        recorded_on=recorded_on,
        cremated_died_on=pl.col("f__died_on").str.to_date(strict=False),
    )
    both = deregistered.join(
        cremations, on="person_id", how="full", coalesce=True, suffix="_cremated"
    )
    return both.sort("person_id").select(
        "person_id",
        is_dead=pl.lit(True),
        died_on=pl.coalesce("deregistered_on", "cremated_died_on"),
        recorded_on=pl.coalesce("recorded_on", "recorded_on_cremated"),
    )


def golden_records(records: pl.DataFrame) -> pl.DataFrame:
    """person_id → name, sex, birth_on, id_number, phone, golden (JSON), conflicts (JSON), count.

    records: person_id, source, key, valid_from, id_valid, and the ATTRIBUTES."""
    base = records.with_columns(
        authority=pl.col("source").replace_strict(AUTHORITY, default=9, return_dtype=pl.Int64),
        # an ID failing its check digit is never chosen while a valid one exists
        id_number=pl.when(pl.col("id_valid")).then(pl.col("id_number")),
    )
    long = base.unpivot(
        index=["person_id", "source", "key", "valid_from", "authority"],
        on=ATTRIBUTES,
        variable_name="attribute",
        value_name="value",
    ).drop_nulls("value")
    ranked = (
        long.with_columns(agree=pl.len().over("person_id", "attribute", "value"))
        .sort(["authority", "agree", "valid_from"], descending=[False, True, True])
        .group_by("person_id", "attribute", maintain_order=True)
    )
    chosen = ranked.first()
    values = chosen.pivot(on="attribute", index="person_id", values="value")
    for attribute in ATTRIBUTES:
        if attribute not in values.columns:
            values = values.with_columns(pl.lit(None, dtype=pl.String).alias(attribute))
    provenance = values.select("person_id")
    for attribute in ATTRIBUTES:
        provenance = provenance.join(
            chosen.filter(pl.col("attribute") == attribute).select(
                "person_id",
                pl.struct(
                    pl.col("value"),
                    pl.col("source"),
                    pl.col("key"),
                    pl.col("valid_from").alias("at"),
                ).alias(attribute),
            ),
            on="person_id",
            how="left",
        )
    provenance = provenance.select("person_id", golden=pl.struct(ATTRIBUTES).struct.json_encode())
    distinct = (
        long.filter(pl.col("attribute").is_in(list(LABELS)))
        .group_by("person_id", "attribute", "value")
        .agg(sources=pl.col("source").unique().sort())
        .filter(pl.len().over("person_id", "attribute") > 1)
        .sort("person_id", "attribute", "value")
        .with_columns(label=pl.col("attribute").replace_strict(LABELS, return_dtype=pl.String))
    )
    conflicts = (
        distinct.group_by("person_id", maintain_order=True)
        .agg(conflicts=pl.struct("attribute", "label", "value", "sources"))
        .select(
            "person_id",
            conflicts=json_list("conflicts"),
        )
    )
    counts = records.group_by("person_id").agg(record_count=pl.len())
    out = (
        values.join(provenance, on="person_id", how="left")
        .join(conflicts, on="person_id", how="left")
        .join(counts, on="person_id", how="left")
        .sort("person_id")
    )
    return out.select(
        "person_id",
        pl.col("name").fill_null(""),
        pl.col("sex").fill_null(""),
        pl.col("birth_on"),
        pl.col("id_number").fill_null(""),
        pl.col("phone").fill_null(""),
        "record_count",
        "golden",
        pl.col("conflicts").fill_null("[]"),
    )

"""The golden record of each person: one value per attribute, with where it came from.

The value is chosen from the person's records by source authority (the household register says
who someone is; a hand-kept roll less so), then by how many records agree, then by the newest.
Every value keeps its source, record key and date; disagreements the data cannot settle — two
valid ID numbers, two birth dates — become conflicts for a person to look at.
"""

from __future__ import annotations

import polars as pl

from minqing.core.frames import json_list

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

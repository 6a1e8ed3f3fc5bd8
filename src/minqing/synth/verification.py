"""The synthetic district's 核对中心 (居民家庭经济状况核对): answers a request list with reports.

In the real process (../shared/reference/policy-facts.md, "How 核对 compares data") civil affairs
sends name + ID number, with the family's signed authorization, to public security, housing,
social security, market regulation, tax and the banks, and gets back what each holds; the 核对
report states the family's verified income, financial assets and, for 特困, whether a person with
a legal duty of support is able to support them. Here the generator plays all those departments:
it answers from its own true facts, for the requested people's true households only.

    answer_requests(district, requested_ids, on=…) -> one row per living member of each household
    write_answers(district, requests_xlsx, on=…)   -> extracts/民政_核对结果.xlsx

Not every family signs: a share of requested households (REFUSED_RATE, fixed per household by
the seed) gets a row per person asked saying 未授权 and nothing else, and their facts stay
unknown. A person with no true household (an ID
number that is not the district's) gets nothing. The report describes the true household — the
family as it lives — whatever linkage made of it.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import polars as pl

from minqing.core.bulkxlsx import write_xlsx
from minqing.sources.readers import read_table

FILENAME = "民政_核对结果.xlsx"
SHEET = "核对结果"
REFUSED_RATE = 0.08  # families that do not sign the authorization
REQUEST_ID_COLUMN = "身份证号"


def answer_requests(
    persons: pl.DataFrame, households: pl.DataFrame, ids: list[str], *, on: dt.date, seed: int
) -> pl.DataFrame:
    """persons / households: the truth's persons.parquet and households.parquet. ids: the
    requested ID numbers. One row per living member of every requested household that signed
    (核对状态 已核对); for a household that did not sign, one row per person asked (未授权, no
    figures: nothing was looked up)."""
    asked = persons.join(
        pl.DataFrame({"id_number": ids}, schema={"id_number": pl.String}).unique(),
        on="id_number",
        how="semi",
    )
    refused = (
        np.random.default_rng(np.random.SeedSequence([seed, 40])).random(
            int(households["household_id"].max() or 0) + 1
        )
        < REFUSED_RATE
    )
    declined = pl.DataFrame({"household_id": np.flatnonzero(refused).astype(np.int64)})
    wanted = asked.select("household_id").unique().join(declined, on="household_id", how="anti")
    alive = persons.filter(pl.col("died_on").is_null() | (pl.col("died_on") > on))
    members = alive.join(wanted, on="household_id").join(
        households.select("household_id", "deposits", "has_supporter"), on="household_id"
    )
    size = pl.len().over("household_id")
    report = pl.format(
        "HD{}{}", pl.lit(on.strftime("%Y%m")), pl.col("household_id").cast(pl.String).str.zfill(7)
    )

    def answer(frame: pl.DataFrame, status: str, **figures: pl.Expr) -> pl.DataFrame:
        return frame.select(
            "household_id",
            "person_id",
            姓名=pl.col("name"),
            身份证号=pl.col("id_number"),
            核对报告编号=report,
            核对日期=pl.lit(on.isoformat()),
            核对状态=pl.lit(status),
            **figures,
        )

    checked = answer(
        members,
        "已核对",
        共同生活人数=size.cast(pl.Int64),
        # income as the report states it: wages, pensions, benefits, business and farm income
        月收入_元=pl.col("monthly_income").cast(pl.Int64),
        # the family's deposits, securities and insurance, shared out per member by the banks
        金融资产_元=(pl.col("deposits") / size).round(0).cast(pl.Int64),
        法定赡养人=pl.when(pl.col("has_supporter"))
        .then(pl.lit("有赡养能力"))
        .otherwise(pl.lit("无或无赡养能力")),
    )
    unsigned = answer(
        asked.join(declined, on="household_id"),
        "未授权",
        共同生活人数=pl.lit(None, pl.Int64),
        月收入_元=pl.lit(None, pl.Int64),
        金融资产_元=pl.lit(None, pl.Int64),
        法定赡养人=pl.lit(None, pl.String),
    )
    return (
        pl.concat([checked, unsigned])
        .sort("household_id", "person_id")
        .drop("household_id", "person_id")
        .rename({"月收入_元": "月收入(元)", "金融资产_元": "金融资产(元)"})
    )


def write_answers(district: Path, requests: Path, *, on: dt.date) -> dict:
    """Answer the request list (an xlsx with a 身份证号 column) from the district's truth and
    write extracts/民政_核对结果.xlsx. Returns the counts."""
    manifest = json.loads((district / "manifest.json").read_text(encoding="utf-8"))
    frame = read_table(requests, kind="xlsx").frame
    if REQUEST_ID_COLUMN not in frame.columns:
        raise ValueError(f"申请名单缺少「{REQUEST_ID_COLUMN}」列: {requests}")
    ids = frame[REQUEST_ID_COLUMN].drop_nulls().cast(pl.String).str.strip_chars().to_list()
    persons = pl.read_parquet(district / "truth" / "persons.parquet")
    households = pl.read_parquet(district / "truth" / "households.parquet")
    answers = answer_requests(persons, households, ids, on=on, seed=int(manifest["seed"]))
    out = district / "extracts" / FILENAME
    write_xlsx(out, [(SHEET, answers)])
    signed = answers.filter(pl.col("核对状态") == "已核对")
    return {
        "requested": len(set(ids)),
        "households": signed["核对报告编号"].n_unique(),
        "refused": answers["核对报告编号"].n_unique() - signed["核对报告编号"].n_unique(),
        "rows": answers.height,
        "file": str(out),
    }

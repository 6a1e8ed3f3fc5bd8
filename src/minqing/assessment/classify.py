"""Family types, category and risk score of each household: explicit rules, each explained.

Family types (a household may have several; any type puts it forward for the ledger):

| type | code | when |
|---|---|---|
| 生活困难 | hardship | eligible for 低保 (城市 or 农村), 特困, 低保边缘, 刚性支出 or 临时救助 |
| 教育管理缺失 | guardianship_gap | a child without parental care, a dropout, or a left-behind child whose youngest adult is 70 or older |
| 零就业 | zero_employment | eligible for 零就业家庭就业援助 |
| 其他需要关注 | attention | only when no other type applies: an elderly person (≥ 70) living alone, or a severely disabled or seriously ill member where per-capita income is below twice the 低保 standard |

Category (one per household with a type):
- 重大疑难问题类 (major): two or more types; or a child without parental care; or serious illness
  in a hardship household;
- 政策保障类 (policy): otherwise hardship, zero employment, or a benefit missed (漏保);
- 一般生活类 (general): otherwise.

Risk score (0–100): the sum of the weights of the factors present, capped at 100; the factors are
kept with the score so the number explains itself.

Pure Polars, no Django. `eligible` is the long output of `minqing.policies.evaluate`;
`indicators` comes from indicators.household_indicators; `missed` is one row per household with
a missed benefit (household_id), and `dibao_standard` the per-person monthly standard in force.
"""

from __future__ import annotations

import polars as pl

HARDSHIP_POLICIES = [
    "dibao_urban",
    "dibao_rural",
    "tekun",
    "dibao_edge",
    "rigid_expense",
    "temporary_aid",
]
TYPE_LABELS = {
    "hardship": "生活困难",
    "guardianship_gap": "教育管理缺失",
    "zero_employment": "零就业",
    "attention": "其他需要关注",
}
CATEGORY_LABELS = {"major": "重大疑难问题类", "policy": "政策保障类", "general": "一般生活类"}
# factor → (label, weight)
RISK_FACTORS = {
    "hardship": ("生活困难", 30),
    "child_without_care": ("儿童无人照料", 30),
    "zero_employment": ("零就业", 20),
    "dropout": ("辍学", 15),
    "serious_illness": ("有重病成员", 15),
    "severe_disability": ("有重度残疾成员", 15),
    "missed_benefit": ("应享未享(漏保)", 15),
    "elderly_alone": ("高龄独居", 10),
    "left_behind_old_carers": ("留守儿童由高龄老人照料", 10),
    "hotline_help": ("曾向12345求助", 5),
}


def classify(
    indicators: pl.DataFrame,
    eligible: pl.DataFrame,
    *,
    missed: pl.DataFrame | None = None,
    dibao_standard: float,
) -> pl.DataFrame:
    """household_id → types (list of codes), category (code or null), risk (int), factors (list
    of {factor, label, weight})."""
    found = eligible.filter(pl.col("eligible").fill_null(False)).select(
        "household_id", pl.col("policy").cast(pl.String)
    )

    def eligible_for(policies: list[str]) -> pl.Expr:
        ids = found.filter(pl.col("policy").is_in(policies))["household_id"]
        return pl.col("household_id").is_in(ids.implode())

    missed_ids = missed["household_id"] if missed is not None else pl.Series([], dtype=pl.Int64)
    frame = indicators.with_columns(
        hardship=eligible_for(HARDSHIP_POLICIES),
        zero_employment=eligible_for(["zero_employment"]),
        child_without_care=pl.col("children_without_care") > 0,
        dropout=pl.col("dropouts") > 0,
        left_behind_old_carers=pl.col("left_behind_with_old_grandparents"),
        elderly_alone=pl.col("lives_alone_elderly"),
        serious_illness=pl.col("seriously_ill") > 0,
        severe_disability=pl.col("severely_disabled") > 0,
        missed_benefit=pl.col("household_id").is_in(missed_ids.implode()),
        hotline_help=pl.col("hotline_help_requests") > 0,
        low_income=pl.col("per_capita_income").fill_null(0) < 2 * dibao_standard,
    )
    frame = frame.with_columns(
        guardianship_gap=pl.col("child_without_care")
        | pl.col("dropout")
        | pl.col("left_behind_old_carers"),
    )
    frame = frame.with_columns(
        attention=~(pl.col("hardship") | pl.col("guardianship_gap") | pl.col("zero_employment"))
        & (
            pl.col("elderly_alone")
            | ((pl.col("severe_disability") | pl.col("serious_illness")) & pl.col("low_income"))
        )
    )
    # the types as a bit mask, then its list from a table of every combination (16 rows):
    # concat_list over a million rows took a second, this join a few hundredths
    names = list(TYPE_LABELS)
    combinations = pl.DataFrame(
        {
            "type_mask": range(2 ** len(names)),
            "types": [
                [t for bit, t in enumerate(names) if mask >> bit & 1]
                for mask in range(2 ** len(names))
            ],
        },
        schema={"type_mask": pl.Int32, "types": pl.List(pl.String)},
    )
    frame = frame.with_columns(
        type_mask=pl.sum_horizontal(
            pl.col(t).cast(pl.Int32) * (1 << bit) for bit, t in enumerate(names)
        ),
        type_count=pl.sum_horizontal(pl.col(t).cast(pl.Int32) for t in names),
    ).join(combinations, on="type_mask", how="left", maintain_order="left")
    frame = frame.with_columns(
        category=pl.when(pl.col("type_count") == 0)
        .then(pl.lit(None, dtype=pl.String))
        .when(
            (pl.col("type_count") >= 2)
            | pl.col("child_without_care")
            | (pl.col("serious_illness") & pl.col("hardship"))
        )
        .then(pl.lit("major"))
        .when(pl.col("hardship") | pl.col("zero_employment") | pl.col("missed_benefit"))
        .then(pl.lit("policy"))
        .otherwise(pl.lit("general"))
    )
    # the factors present, long (one row per household × factor), then one list per household:
    # concat_list over struct columns is slow at a million rows
    table = pl.DataFrame(
        {
            "factor": list(RISK_FACTORS),
            "label": [label for label, _ in RISK_FACTORS.values()],
            "weight": [weight for _, weight in RISK_FACTORS.values()],
        },
        schema_overrides={"weight": pl.Int64},
    )
    present = (
        frame.select("household_id", *RISK_FACTORS)
        .unpivot(index="household_id", variable_name="factor", value_name="present")
        .filter(pl.col("present"))
        .join(table, on="factor", maintain_order="left")
        .group_by("household_id", maintain_order=True)
        .agg(
            factors=pl.struct("factor", "label", "weight"),
            risk=pl.col("weight").sum(),
        )
    )
    frame = frame.join(present, on="household_id", how="left")
    return frame.select(
        "household_id",
        "types",
        "category",
        risk=pl.min_horizontal(pl.col("risk").fill_null(0), pl.lit(100)).cast(pl.Int32),
        # in the order of RISK_FACTORS already: unpivot lists them column by column, and the
        # join and the group_by keep that order
        factors=pl.col("factors").fill_null([]),
    ).sort("household_id")

"""Ground truth of the synthetic district: which policies each household truly qualifies for,
which benefits it really receives (with deliberate 漏保 and 错保), its family types and category.

The rules here are the generator's own statement of the policies (docs/synth.md), computed from
the true facts. The pipeline never reads this: it is what assessment is measured against.
Parameters are demo values (../shared/reference/policy-facts.md): Henan's 2022 floors for 低保.
"""

from __future__ import annotations

import numpy as np
import polars as pl

PARAMS = {
    "dibao_urban_monthly": 630,  # 元/人/月, Henan floor from 2022-01-01
    "dibao_rural_monthly": 420,
    "edge_factor": 1.5,  # 低保边缘: income < 1.5 × 低保
    "deposit_months": 24,  # financial assets per person ≤ 24 months of the standard
    # 2+ homes fail only above twice the local floor area per person (40 ㎡, demo): 80 ㎡
    "housing_m2_per_capita_limit": 80,
    "disposable_income_urban_annual": 38_000,  # demo: last year's per-capita disposable income
    "disposable_income_rural_annual": 21_000,
    "rigid_expense_ratio": 0.7,  # 刚性支出 / income above this
    "medical_burden_ratio": 0.5,  # 因病致贫: medical spending above this share of income
    "old_age_allowance_age": 80,
    "elderly_alone_age": 70,
    "attention_income_factor": 2.0,  # 其他需关注: illness/disability with income < 2 × 低保
    "miss_rate": 0.15,  # share of truly eligible households not covered (漏保)
    "mismatch_rate": 0.2,  # share of near-miss households covered anyway (错保)
    "dead_still_paid_rate": 0.3,  # deceased recipients still on the roll
}

POLICIES = {
    "dibao_urban": "城市低保",
    "dibao_rural": "农村低保",
    "tekun": "特困人员救助供养",
    "dibao_edge": "低保边缘家庭",
    "rigid_expense": "刚性支出困难家庭",
    "temporary_aid": "临时救助",
    "medical_aid": "医疗救助",
    "zero_employment": "零就业家庭就业援助",
    "child_welfare": "困境儿童/事实无人抚养儿童",
    "disability_living": "困难残疾人生活补贴",
    "disability_care": "重度残疾人护理补贴",
    "old_age_allowance": "高龄津贴",
    "education_aid": "教育资助",
}
# Benefits that are paid and so appear on a roll (民政 lists); the rest are findings only.
PAID = [
    "dibao_urban",
    "dibao_rural",
    "tekun",
    "disability_living",
    "disability_care",
    "old_age_allowance",
]

FAMILY_TYPES = {
    "hardship": "生活困难家庭",
    "guardianship_gap": "教育管理缺失家庭",
    "zero_employment": "零就业家庭",
    "attention": "其他需要关注家庭",
}
CATEGORIES = {"general": "一般生活类", "policy": "政策保障类", "major": "重大疑难问题类"}


def fund_paid(total: pl.Expr) -> pl.Expr:
    """What 医保's pooled fund paid of a person's medical spending (older people get more back);
    the rest is the family's own share (个人自付), which the rules weigh against income."""
    share = pl.when(pl.col("age") >= 60).then(0.62).otherwise(0.55)
    return (total * share).round(0)


def self_paid(total: pl.Expr) -> pl.Expr:
    return total - fund_paid(total)


def household_truth(persons: pl.DataFrame, households: pl.DataFrame, seed: int) -> pl.DataFrame:
    """One row per household: indicators, eligibility per policy, receipt, family types, category."""
    p = PARAMS
    alive = pl.col("died_on").is_null()
    per_h = persons.group_by("household_id").agg(
        members=alive.sum(),
        income=pl.col("monthly_income").filter(alive).sum(),
        basic_pension=pl.col("pension").filter(alive & (pl.col("employment") == "elderly")).sum(),
        medical=self_paid(pl.col("medical_spend_12m")).filter(alive).sum(),
        able_working=(
            alive
            & pl.col("employment").is_in(
                ["employed", "self_employed", "farmer", "unemployed_registered", "unemployed"]
            )
        ).sum(),
        registered_unemployed=(alive & (pl.col("employment") == "unemployed_registered")).sum(),
        no_capacity=(
            alive
            & (
                (pl.col("age") >= 60)
                | (pl.col("age") < 16)
                | pl.col("disability_grade").is_between(1, 2)
            )
        ).sum(),
        under_16=(alive & (pl.col("age") < 16)).sum(),
        disabled=(alive & (pl.col("disability_grade") > 0)).sum(),
        severe_disabled=(alive & pl.col("disability_grade").is_between(1, 2)).sum(),
        serious_ill=(alive & (pl.col("serious_illness") != "")).sum(),
        oldest=pl.col("age").filter(alive).max(),
        over_80=(alive & (pl.col("age") >= p["old_age_allowance_age"])).sum(),
        students=(alive & pl.col("school_stage").is_in(["小学", "初中", "高中", "中职"])).sum(),
        dropouts=(alive & pl.col("is_dropout")).sum(),
        unsupported_children=(
            alive & (pl.col("age") < 18) & pl.col("parents_status").is_in(["dead", "unable"])
        ).sum(),
        left_behind=(alive & pl.col("is_left_behind")).sum(),
        deceased=(~alive).sum(),
    )
    df = households.join(per_h, on="household_id", how="left").sort("household_id")
    std = (
        pl.when(pl.col("hukou_rural"))
        .then(p["dibao_rural_monthly"])
        .otherwise(p["dibao_urban_monthly"])
    )
    disposable = (
        pl.when(pl.col("hukou_rural"))
        .then(p["disposable_income_rural_annual"])
        .otherwise(p["disposable_income_urban_annual"])
    )
    df = df.with_columns(
        standard=std,
        per_capita_income=(pl.col("income") / pl.col("members").clip(1)).round(2),
        assets_ok=(pl.col("vehicles") == 0)
        & ~pl.col("has_business")
        & (
            (pl.col("homes") <= 1)
            # a second home is registered at 0.8 × the first's floor area (synth/extracts.py)
            | (
                pl.col("home_area_m2")
                * (1 + 0.8 * (pl.col("homes") - 1))
                / pl.col("members").clip(1)
                <= p["housing_m2_per_capita_limit"]
            )
        )
        & (pl.col("deposits") <= p["deposit_months"] * std * pl.col("members").clip(1)),
    )
    below = pl.col("per_capita_income") < pl.col("standard")
    # 特困 is each member's: a household whose members all lack the capacity to work (a lone
    # elderly person, an elderly couple, 五保 siblings), none under 16 (children are assessed for
    # 低保 or as orphans), with no able supporter outside it and per-capita income, without the
    # basic pension, under the standard
    tekun = (
        (pl.col("members") >= 1)
        & (pl.col("no_capacity") == pl.col("members"))
        & (pl.col("under_16") == 0)
        & ~pl.col("has_supporter")
        & (
            (pl.col("income") - pl.col("basic_pension")) / pl.col("members").clip(1)
            < pl.col("standard")
        )
        & pl.col("assets_ok")
    )
    df = df.with_columns(tekun=tekun)
    dibao = ~pl.col("tekun") & below & pl.col("assets_ok") & (pl.col("members") > 0)
    df = df.with_columns(
        dibao_urban=dibao & ~pl.col("hukou_rural"),
        dibao_rural=dibao & pl.col("hukou_rural"),
    )
    in_dibao = pl.col("dibao_urban") | pl.col("dibao_rural") | pl.col("tekun")
    annual = pl.col("income") * 12
    df = df.with_columns(
        dibao_edge=~in_dibao
        & (pl.col("per_capita_income") < p["edge_factor"] * pl.col("standard"))
        & pl.col("assets_ok")
        & (pl.col("members") > 0),
    )
    in_edge = in_dibao | pl.col("dibao_edge")
    under_disposable = (annual / pl.col("members").clip(1)) < disposable
    df = df.with_columns(
        rigid_expense=~in_edge
        & under_disposable
        & pl.col("assets_ok")
        & (pl.col("medical") > p["rigid_expense_ratio"] * annual)
        & (pl.col("medical") > 0),
        # 急难型 (an emergency) or 支出型 (rigid spending beyond the family's means)
        temporary_aid=(
            (pl.col("emergency") != "")
            | (
                pl.col("assets_ok")
                & (pl.col("medical") > p["rigid_expense_ratio"] * annual)
                & (pl.col("medical") > 0)
            )
        )
        & under_disposable
        & (pl.col("members") > 0),
        zero_employment=~pl.col("hukou_rural")
        & (pl.col("able_working") > 0)
        & (pl.col("registered_unemployed") == pl.col("able_working")),
        child_welfare=pl.col("unsupported_children") > 0,
        disability_living=in_dibao & (pl.col("disabled") > 0),
        disability_care=pl.col("severe_disabled") > 0,
        old_age_allowance=pl.col("over_80") > 0,
    )
    df = df.with_columns(
        medical_aid=(
            (in_edge & (pl.col("serious_ill") > 0))
            | (
                (pl.col("medical") > p["medical_burden_ratio"] * annual)
                & (pl.col("serious_ill") > 0)
            )
        ),
        education_aid=(pl.col("students") > 0)
        & (in_edge | pl.col("zero_employment") | pl.col("child_welfare")),
    )

    # --- who actually receives the paid benefits: mostly the eligible, with 漏保 and 错保 ------------
    rng = np.random.default_rng(np.random.SeedSequence([seed, 20]))
    n = df.height
    receipt = {}
    hardship_seeded = df["hardship_seeded"].to_numpy()
    last_member_died = (df["members"].to_numpy() == 0) & (df["deceased"].to_numpy() > 0)
    for policy in PAID:
        eligible = df[policy].to_numpy()
        covered = eligible & (rng.random(n) >= p["miss_rate"])
        # 错保: near-miss hardship households still on the roll (income rose, bought a car …)
        near = hardship_seeded & ~eligible
        if policy in ("dibao_urban", "dibao_rural"):
            rural = df["hukou_rural"].to_numpy()
            near &= rural if policy == "dibao_rural" else ~rural
        elif policy == "disability_living" or policy == "disability_care":
            near &= df["disabled"].to_numpy() > 0
        elif policy == "old_age_allowance":
            near &= df["oldest"].fill_null(0).to_numpy() >= 77
        covered |= near & (
            rng.random(n) < p["mismatch_rate"] / (4 if policy != "dibao_urban" else 1)
        )
        # the recipient died and the roll was not updated
        covered |= (
            last_member_died
            & (rng.random(n) < p["dead_still_paid_rate"])
            & (
                rng.random(n)
                < (0.5 if policy in ("dibao_urban", "old_age_allowance", "tekun") else 0.05)
            )
        )
        receipt[f"receives_{policy}"] = covered
    df = df.with_columns(**{k: pl.Series(v) for k, v in receipt.items()})

    missed = [pl.col(pol) & ~pl.col(f"receives_{pol}") for pol in PAID]
    mismatched = [~pl.col(pol) & pl.col(f"receives_{pol}") for pol in PAID]
    df = df.with_columns(
        missed=pl.concat_list(
            [pl.when(e).then(pl.lit(pol)) for pol, e in zip(PAID, missed, strict=True)]
        ).list.drop_nulls(),
        mismatched=pl.concat_list(
            [pl.when(e).then(pl.lit(pol)) for pol, e in zip(PAID, mismatched, strict=True)]
        ).list.drop_nulls(),
        eligible=pl.concat_list(
            [pl.when(pl.col(pol)).then(pl.lit(pol)) for pol in POLICIES]
        ).list.drop_nulls(),
    )

    hardship = (
        pl.col("dibao_urban")
        | pl.col("dibao_rural")
        | pl.col("tekun")
        | pl.col("dibao_edge")
        | pl.col("rigid_expense")
        | pl.col("temporary_aid")
    )
    guardianship = (
        (pl.col("unsupported_children") > 0)
        | (pl.col("dropouts") > 0)
        | ((pl.col("left_behind") > 0) & (pl.col("oldest") >= p["elderly_alone_age"]))
    )
    # severe disability or serious illness needs attention where money is short too
    low_income = pl.col("per_capita_income") < p["attention_income_factor"] * pl.col("standard")
    attention = ((pl.col("members") == 1) & (pl.col("oldest") >= p["elderly_alone_age"])) | (
        ((pl.col("severe_disabled") > 0) | (pl.col("serious_ill") > 0)) & low_income
    )
    df = df.with_columns(
        type_hardship=hardship,
        type_guardianship_gap=guardianship,
        type_zero_employment=pl.col("zero_employment"),
    )
    df = df.with_columns(
        type_attention=attention
        & ~pl.col("type_hardship")
        & ~pl.col("type_guardianship_gap")
        & ~pl.col("type_zero_employment"),
    )
    n_types = pl.sum_horizontal(
        pl.col("type_hardship"),
        pl.col("type_guardianship_gap"),
        pl.col("type_zero_employment"),
        pl.col("type_attention"),
    )
    df = df.with_columns(
        family_types=pl.concat_list(
            [pl.when(pl.col(f"type_{t}")).then(pl.lit(t)) for t in FAMILY_TYPES]
        ).list.drop_nulls(),
        in_ledger=n_types > 0,
        category=pl.when(n_types == 0)
        .then(pl.lit(None, pl.String))
        .when(
            (n_types >= 2)
            | (pl.col("unsupported_children") > 0)
            | ((pl.col("serious_ill") > 0) & pl.col("type_hardship"))
        )
        .then(pl.lit("major"))
        .when(
            pl.col("type_hardship")
            | pl.col("type_zero_employment")
            | (pl.col("missed").list.len() > 0)
        )
        .then(pl.lit("policy"))
        .otherwise(pl.lit("general")),
    )
    return df

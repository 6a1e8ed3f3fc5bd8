"""Indicators per household, from its linked members and their facts (facts.py).

Pure Polars over all households at once. Every indicator is documented here, since findings and
family types are explained by them:

| indicator | rule |
|---|---|
| members | living members (the register's 死亡注销 are not counted) |
| children, elderly, members_80_plus | living members aged < 16, ≥ 60, ≥ 80 on the assessment date (age counts from the birthday: a person born on this day 60 years ago is 60) |
| monthly_income | Σ over living members of wage (社保 缴费基数 while contributing) + pension + unemployment benefit (demo amount per month when the list says 领取); a member with a valid 核对 report (REPORT_VALID_DAYS) counts the report's verified income instead |
| verified_members | living members with a valid 核对 report |
| per_capita_income | monthly_income / members |
| medical_self_pay_12m, medical_burden | Σ self-paid medical spending; burden = that / (12 × monthly_income), null when there is no income |
| working_age_able | living members aged 16–59, not disabled grade 1–2, not in school |
| working_age_without_work | of those, the ones registered unemployed or with no job on any list |
| students, dropouts | members on the school roll; those marked 辍学 |
| children_without_care | children on the roll whose parents are both dead, or severely disabled / imprisoned (父母双亡, 父母重残/服刑), or marked orphans |
| left_behind_with_old_grandparents | left-behind children (父母外出务工) in a household whose youngest adult is ≥ 70 |
| lives_alone_elderly | one living member, aged ≥ 70 |
| disabled, severely_disabled | members with a disability card; grade 1–2 |
| seriously_ill | members with a 重大疾病 |
| vehicles, homes, home_area_m2, businesses | Σ over members |
| hotline_help_requests | Σ 求助 work orders from members |
| receives_* | any member on the roll |
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

# a registered unemployed person receiving 失业保险金: monthly amount, demo value (Henan pays a
# share of the minimum wage; 1,450 元 here, as in the synthetic district) until the list carries
# the amount
UNEMPLOYMENT_BENEFIT_DEMO = 1450.0
# a 核对 report speaks for a year (低保 is reviewed yearly); a report dated after the assessment
# date is not yet known on it
REPORT_VALID_DAYS = 365


def report_valid(on: date) -> pl.Expr:
    """Over persons joined with their facts: whether their 核对 report counts on the date."""
    checked = pl.col("verified_on")
    return (
        checked.is_not_null()
        & (checked <= pl.lit(on))
        & (checked > pl.lit(on - timedelta(days=REPORT_VALID_DAYS)))
    ).fill_null(False)


def listed_income() -> pl.Expr:
    """What the lists account for of a person's monthly income (元)."""
    return (
        pl.col("monthly_wage").fill_null(0)
        + pl.col("monthly_pension").fill_null(0)
        + pl.when(pl.col("receives_unemployment_benefit").fill_null(False))
        .then(pl.lit(UNEMPLOYMENT_BENEFIT_DEMO))
        .otherwise(0.0)
    )


def age_on(birth: pl.Expr, on: date) -> pl.Expr:
    """Whole years on the date; the birthday itself counts (born 1966-03-01 → 60 on 2026-03-01).
    Someone born on 29 February comes of age on 1 March in common years."""
    years = pl.lit(on.year) - birth.dt.year()
    before_birthday = (pl.lit(on.month) < birth.dt.month()) | (
        (pl.lit(on.month) == birth.dt.month()) & (pl.lit(on.day) < birth.dt.day())
    )
    return (years - before_birthday.cast(pl.Int32)).cast(pl.Int32)


def household_indicators(members: pl.DataFrame, facts: pl.DataFrame, *, on: date) -> pl.DataFrame:
    """members: household_id, person_id, relation, birth_on (Date). facts: facts.FACTS_SCHEMA.
    One row per household with the indicators of the table above."""
    people = members.join(facts, on="person_id", how="left").with_columns(
        age=age_on(pl.col("birth_on"), on),
        living=~pl.col("is_dead").fill_null(False),
    )
    people = people.with_columns(
        verified=report_valid(on),
        income=pl.when(report_valid(on))
        .then(pl.col("verified_income").fill_null(0))
        .otherwise(listed_income()),
        able=(
            pl.col("age").is_between(16, 59)
            & ~(pl.col("disability_grade").fill_null(9) <= 2)
            & pl.col("school_stage").is_null()
        ),
        without_work=pl.col("employment").is_null()
        | (pl.col("employment") == "registered_unemployed"),
        without_care=pl.col("guardianship").is_in(["父母双亡", "父母重残/服刑"])
        | pl.col("is_orphan").fill_null(False),
    )
    living = pl.col("living")
    grouped = people.group_by("household_id").agg(
        members=living.sum().cast(pl.Int32),
        children=(living & (pl.col("age") < 16)).sum().cast(pl.Int32),
        elderly=(living & (pl.col("age") >= 60)).sum().cast(pl.Int32),
        members_80_plus=(living & (pl.col("age") >= 80)).sum().cast(pl.Int32),
        youngest_adult_age=pl.col("age").filter(living & (pl.col("age") >= 18)).min(),
        oldest_age=pl.col("age").filter(living).max(),
        monthly_income=pl.col("income").filter(living).sum(),
        verified_members=(living & pl.col("verified")).sum().cast(pl.Int32),
        medical_self_pay_12m=pl.col("medical_self_pay_12m").fill_null(0).sum(),
        working_age_able=(living & pl.col("able")).sum().cast(pl.Int32),
        working_age_without_work=(living & pl.col("able") & pl.col("without_work"))
        .sum()
        .cast(pl.Int32),
        students=(living & pl.col("school_stage").is_not_null()).sum().cast(pl.Int32),
        dropouts=(living & pl.col("is_dropout").fill_null(False)).sum().cast(pl.Int32),
        children_without_care=(
            living & pl.col("school_stage").is_not_null() & pl.col("without_care")
        )
        .sum()
        .cast(pl.Int32),
        left_behind=(living & pl.col("is_left_behind").fill_null(False)).sum().cast(pl.Int32),
        disabled=(living & pl.col("disability_grade").is_not_null()).sum().cast(pl.Int32),
        severely_disabled=(living & (pl.col("disability_grade") <= 2)).sum().cast(pl.Int32),
        seriously_ill=(living & pl.col("has_serious_illness").fill_null(False))
        .sum()
        .cast(pl.Int32),
        vehicles=pl.col("vehicles").fill_null(0).sum(),
        homes=pl.col("homes").fill_null(0).sum(),
        home_area_m2=pl.col("home_area_m2").fill_null(0).sum(),
        businesses=pl.col("businesses").fill_null(0).sum(),
        hotline_help_requests=pl.col("hotline_help_requests").fill_null(0).sum(),
        hukou_type=pl.col("hukou_type").sort_by(pl.col("relation") != "head").drop_nulls().first(),
        receives_dibao=pl.col("receives_dibao").fill_null(False).any(),
        receives_tekun=pl.col("receives_tekun").fill_null(False).any(),
        receives_disability_living=pl.col("receives_disability_living").fill_null(False).any(),
        receives_disability_care=pl.col("receives_disability_care").fill_null(False).any(),
        receives_old_age=pl.col("receives_old_age").fill_null(False).any(),
    )
    return grouped.with_columns(
        per_capita_income=pl.when(pl.col("members") > 0).then(
            pl.col("monthly_income") / pl.col("members")
        ),
        medical_burden=pl.when(pl.col("monthly_income") > 0).then(
            pl.col("medical_self_pay_12m") / (12 * pl.col("monthly_income"))
        ),
        left_behind_with_old_grandparents=(pl.col("left_behind") > 0)
        & (pl.col("youngest_adult_age").fill_null(0) >= 70),
        lives_alone_elderly=(pl.col("members") == 1) & (pl.col("oldest_age").fill_null(0) >= 70),
    ).sort("household_id")

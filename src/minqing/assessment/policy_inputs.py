"""The two frames `minqing.policies.evaluate` reads, built from what linkage and the lists know.

households: one row per linked household (its grid's code, the head's hukou type, the members'
vehicles, homes and businesses); members: one row per membership with the person's golden birth
date and sex and their facts (facts.py). What no list carries stays null — deposits, education
spending, supporters outside the household — and the rules then say "unknown" rather than guess
(docs/policies.md). A household's emergency is the newest one, on or before the assessment date,
that befell a member, as the 应急指挥中心 registered it (应急 突发事件) or as the member told the
12345 hotline of it (a 求助 naming a fire, a traffic accident, a sudden serious illness or an
accidental injury), with its day: whether it is recent enough is the rule's to say
(has_emergency, parameter temporary_aid_recent_days). Pure Polars, no Django.

Where a member has a valid 核对 report (民政 核对结果, requested for the households whose findings
hang on what no list carries: assessment/verification.py), the report decides: its verified
income replaces the listed one, the members' financial assets are the family's deposits, and its
法定赡养人 answer is has_supporter.

A member of working age with no job on any list whose grade 1–2 disability or 重大疾病 the
lists show is taken as unable to work (employment "unable"). A member's income is unknown, not
zero, when the lists cannot account for it: an adult of working age, able to work and not in
school, who is on no list as contributing to 社保, retired or registered unemployed (farming,
informal work and the unregistered jobless all look like this), who runs a business (市场监管
lists the business, nobody lists its profit), or whose 社保 contribution base is at the floor (the
wage may be lower: CONTRIBUTION_BASE_FLOOR_DEMO). The rules decide on the known part where it is
enough (policies/conditions.py); otherwise the household is to be visited.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from minqing.assessment.indicators import (
    REPORT_VALID_DAYS,
    age_on,
    listed_income,
    members_with_facts,
    report_valid,
)

# 社保 缴费基数下限: contributions are paid on at least this monthly base, whatever the wage; set
# yearly by the province's 人社 (demo value: the local figure was not found)
CONTRIBUTION_BASE_FLOOR_DEMO = 3500.0

PARENTS_STATUS = {
    "父母监护": "present",
    "父母外出务工": "away",
    "父母双亡": "dead",
    "父母重残/服刑": "unable",
}


def unable_to_work() -> pl.Expr:
    """Over members joined with their facts: no capacity to work as the lists show it — a grade
    1–2 disability (残联) or a 重大疾病 (卫健)."""
    return (pl.col("disability_grade").fill_null(9) <= 2) | pl.col("has_serious_illness").fill_null(
        False
    )


def income_unknown(on: date) -> pl.Expr:
    """Over members joined with their facts: whether no list accounts for the member's income."""
    age = age_on(pl.col("birth_on"), on)
    able_adult = age.is_between(16, 59) & ~unable_to_work() & pl.col("school_stage").is_null()
    # 社保 contributions are paid on at least the floor: a base at the floor says only that the
    # wage is no higher
    at_floor = (pl.col("employment") == "employed") & (
        pl.col("monthly_wage") <= CONTRIBUTION_BASE_FLOOR_DEMO
    )
    return (
        (able_adult & pl.col("employment").is_null())
        | (pl.col("businesses").fill_null(0) > 0)
        | at_floor.fill_null(False)
    ) & ~report_valid(on)


def policy_inputs(
    households: pl.DataFrame,
    members: pl.DataFrame,
    facts: pl.DataFrame,
    indicators: pl.DataFrame,
    *,
    on: date,
    people: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """households: household_id, area_code. members: household_id, person_id, sex, birth_on.
    facts: facts.FACTS_SCHEMA. indicators: indicators.household_indicators(). `on`: the
    assessment date (ages). `people`, when the caller has it: members_with_facts()."""
    if people is None:
        people = members_with_facts(members, facts, on=on)
    member_frame = people.select(
        "household_id",
        sex=pl.col("sex").replace("", None),
        birth_on="birth_on",
        died_on=pl.when(pl.col("is_dead").fill_null(False)).then(
            # dead, date unknown: the register's date, else a date before any assessment
            pl.col("died_on").fill_null(date(1900, 1, 1))
        ),
        is_excluded=pl.lit(False),
        monthly_income=pl.when(report_valid(on))
        .then(pl.col("verified_income").fill_null(0))
        .when(~income_unknown(on))
        .then(listed_income()),
        basic_pension=pl.when(pl.col("pension_kind").str.contains("城乡居民"))
        .then(pl.col("monthly_pension"))
        .otherwise(0.0),
        # in school; else what 人社 says; else, with no job on any list, a member whose disability
        # or serious illness the lists show is taken as unable to work (not "unknown")
        employment=pl.when(pl.col("school_stage").is_not_null())
        .then(pl.lit("student"))
        .when(pl.col("employment").is_not_null())
        .then(pl.col("employment"))
        .when(unable_to_work())
        .then(pl.lit("unable")),
        disability_grade=pl.col("disability_grade"),
        disability_category=pl.col("disability_category"),
        has_serious_illness=pl.col("has_serious_illness").fill_null(False),
        # the family's own share: what the rules weigh against income
        medical_spend_12m=pl.col("medical_self_pay_12m"),
        school_stage=pl.col("school_stage"),
        parents_status=pl.col("guardianship").replace_strict(
            PARENTS_STATUS, default=None, return_dtype=pl.String
        ),
    )
    # what the family's 核对 reports say: known only where a member has a valid report
    alive = ~pl.col("is_dead").fill_null(False)
    reports = (
        people.filter(report_valid(on) & alive)
        .group_by("household_id")
        .agg(
            deposits=pl.col("financial_assets").fill_null(0).sum(),
            has_supporter=pl.when((pl.col("supporter") == "able").any())
            .then(True)
            .when((pl.col("supporter") == "none").any())
            .then(False),
        )
    )
    household_frame = (
        households.select("household_id", "area_code")
        .join(
            # with the newest emergency (indicators.py): 急难型 临时救助 if recent, the rule says
            indicators.select(
                "household_id",
                "hukou_type",
                "vehicles",
                "homes",
                "home_area_m2",
                "businesses",
                "emergency_kind",
                "emergency_on",
            ),
            on="household_id",
            how="left",
        )
        .with_columns(
            pl.col("vehicles").fill_null(0).cast(pl.Int64),
            pl.col("homes").fill_null(0).cast(pl.Int64),
            pl.col("businesses").fill_null(0).cast(pl.Int64),
            pl.col("home_area_m2").fill_null(0.0),
            education_spend_12m=pl.lit(None, dtype=pl.Float64),
        )
        .join(reports, on="household_id", how="left")
        .join(_declined(people, on), on="household_id", how="left")
        .with_columns(
            pl.col("deposits").cast(pl.Float64),
            pl.col("has_supporter").cast(pl.Boolean),
            pl.col("verification_declined").fill_null(False),
        )
    )
    return household_frame, member_frame


def _declined(people: pl.DataFrame, on: date) -> pl.DataFrame:
    """household_id, verification_declined: a member answered 未授权 (on or before `on`, within
    a report's validity) and no member has a valid report. Over members joined with their facts."""
    refused = pl.col("refused_on")
    declined = (
        refused.is_not_null()
        & (refused <= pl.lit(on))
        & (refused > pl.lit(on - timedelta(days=REPORT_VALID_DAYS)))
    ).fill_null(False)
    return people.group_by("household_id").agg(
        verification_declined=declined.any() & ~report_valid(on).any()
    )

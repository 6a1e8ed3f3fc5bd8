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
| emergency_kind, emergency_on | the newest emergency known on the assessment date that befell a member (registered by the 应急指挥中心 or told to the 12345 hotline: facts.py), and its day; whether it is recent enough for 临时救助 is the rule's to say |
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
SUMMED = ["medical_self_pay_12m", "vehicles", "homes", "home_area_m2", "businesses"]
SUMMED += ["hotline_help_requests"]
# the indicators' order, as stored (assessment.HouseholdAssessment.indicators)
COLUMNS = [
    "household_id",
    "members",
    "children",
    "elderly",
    "members_80_plus",
    "youngest_adult_age",
    "oldest_age",
    "monthly_income",
    "verified_members",
    "medical_self_pay_12m",
    "working_age_able",
    "working_age_without_work",
    "students",
    "dropouts",
    "children_without_care",
    "left_behind",
    "disabled",
    "severely_disabled",
    "seriously_ill",
    "vehicles",
    "homes",
    "home_area_m2",
    "businesses",
    "hotline_help_requests",
    "emergency_kind",
    "emergency_on",
    "hukou_type",
    "receives_dibao",
    "receives_tekun",
    "receives_disability_living",
    "receives_disability_care",
    "receives_old_age",
]
RECEIVES = [
    "receives_dibao",
    "receives_tekun",
    "receives_disability_living",
    "receives_disability_care",
    "receives_old_age",
]


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


def members_with_facts(members: pl.DataFrame, facts: pl.DataFrame, *, on: date) -> pl.DataFrame:
    """Each member with their person's facts (null where no list names them), in person order:
    both sides sorted by person make it a merge join, 2–3× the hash join at a million homes.
    A member whose birth date no list gives but whose roll states an age (高龄津贴, 特困) is
    taken as born that many years before `on`: a roll row kept without its ID number, that
    linkage could not place, is such a person, and is 80 all the same (birth_from_roll: their
    age does not change with the date)."""
    joined = members.sort("person_id").join(
        facts.sort("person_id"), on="person_id", how="left", maintain_order="left"
    )
    from_roll = pl.date(pl.lit(on.year) - pl.col("listed_age"), on.month, min(on.day, 28))
    return joined.with_columns(
        pl.col("birth_on").fill_null(from_roll),
        birth_from_roll=pl.col("birth_on").is_null() & pl.col("listed_age").is_not_null(),
    )


def household_indicators(
    members: pl.DataFrame,
    facts: pl.DataFrame,
    *,
    on: date,
    people: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """members: household_id, person_id, relation, birth_on (Date). facts: facts.FACTS_SCHEMA.
    One row per household with the indicators of the table above. `people`, when the caller
    has it, is members_with_facts(members, facts, on=on)."""
    if people is None:
        people = members_with_facts(members, facts, on=on)
    people = people.with_columns(
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
    age = pl.col("age")

    def count(expr: pl.Expr) -> pl.Expr:
        return living & expr.fill_null(False)

    # per person first, then plain sums, minima and maxima per household: the group_by fast
    # path (filters and conditions inside .agg() are not)
    per_person = {
        "members": living,
        "children": count(age < 16),
        "elderly": count(age >= 60),
        "members_80_plus": count(age >= 80),
        "verified_members": count(pl.col("verified")),
        "working_age_able": count(pl.col("able")),
        "working_age_without_work": count(pl.col("able") & pl.col("without_work")),
        "students": count(pl.col("school_stage").is_not_null()),
        "dropouts": count(pl.col("is_dropout")),
        "children_without_care": count(
            pl.col("school_stage").is_not_null() & pl.col("without_care")
        ),
        "left_behind": count(pl.col("is_left_behind")),
        "disabled": count(pl.col("disability_grade").is_not_null()),
        "severely_disabled": count(pl.col("disability_grade") <= 2),
        "seriously_ill": count(pl.col("has_serious_illness")),
    }
    hukou_rank = pl.when(pl.col("hukou_type").is_in(["urban", "rural"])).then(
        pl.col("person_id") * 2 + (pl.col("hukou_type") == "rural").cast(pl.Int64)
    )
    people = people.with_columns(
        youngest_adult_age=pl.when(living & (age >= 18)).then(age),
        oldest_age=pl.when(living).then(age),
        monthly_income=pl.when(living).then(pl.col("income")),
        # the hukou type as a number that sorts by person: person_id × 2 + (1 if rural), so
        # min() per household picks the first person's, a plain aggregation (first() with
        # ignore_nulls is not, and took most of this group_by)
        hukou_rank=hukou_rank,
        head_hukou_rank=pl.when(pl.col("relation") == "head").then(hukou_rank),
        **{name: expr.cast(pl.Int32) for name, expr in per_person.items()},
        **{name: pl.col(name).fill_null(0) for name in SUMMED},
        **{name: pl.col(name).fill_null(False) for name in RECEIVES},
    )
    grouped = (
        people.group_by("household_id")
        .agg(
            pl.col(list(per_person)).sum().cast(pl.Int32),
            pl.col("youngest_adult_age").min(),
            pl.col("oldest_age").max(),
            pl.col("monthly_income", *SUMMED).sum(),
            pl.col(RECEIVES).any(),
            pl.col("head_hukou_rank", "hukou_rank").min(),
        )
        .with_columns(
            # the head's hukou type, else the one of the member with the lowest person id who has one
            hukou_type=pl.coalesce("head_hukou_rank", "hukou_rank")
            .mod(2)
            .replace_strict({0: "urban", 1: "rural"}, default=None, return_dtype=pl.String)
        )
    )
    # the few members an emergency befell, newest last: filtered before grouping
    emergencies = (
        people.filter((pl.col("emergency_on") <= pl.lit(on)).fill_null(False))
        .sort("emergency_on")
        .group_by("household_id")
        .agg(pl.col("emergency_kind", "emergency_on").last())
    )
    grouped = grouped.join(emergencies, on="household_id", how="left").with_columns(
        pl.col("emergency_kind").cast(pl.String), pl.col("emergency_on").cast(pl.Date)
    )
    return (
        grouped.select(COLUMNS)
        .with_columns(
            per_capita_income=pl.when(pl.col("members") > 0).then(
                pl.col("monthly_income") / pl.col("members")
            ),
            medical_burden=pl.when(pl.col("monthly_income") > 0).then(
                pl.col("medical_self_pay_12m") / (12 * pl.col("monthly_income"))
            ),
            left_behind_with_old_grandparents=(pl.col("left_behind") > 0)
            & (pl.col("youngest_adult_age").fill_null(0) >= 70),
            lives_alone_elderly=(pl.col("members") == 1)
            & (pl.col("oldest_age").fill_null(0) >= 70),
        )
        .sort("household_id")
    )

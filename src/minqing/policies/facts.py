"""The input contract and the household facts every condition reads.

`prepare(households, members, on=…, table=…)` checks the two input frames against CONTRACT,
attaches the parameters in force on `on` for each household's area, computes each member's age
on that date, and aggregates the members into one row of facts per household. Conditions
(conditions.py) are expressions over that frame, so all of them run in one pass.

Null means unknown everywhere: a condition whose facts are unknown is neither passed nor failed.
The column-by-column contract, with the department list each column is filled from, is in
docs/policies.md and in CONTRACT below.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from minqing.policies.parameters import PROVINCE, ParameterError, ParameterTable

# (column, dtype, allowed values or None, meaning and where it comes from)
HOUSEHOLD_COLUMNS: list[tuple[str, type[pl.DataType] | pl.DataType, tuple | None, str]] = [
    ("household_id", pl.Int64, None, "key; any dtype, the same in members (linkage Household)"),
    ("area_code", pl.String, None, "finest area code (grid/community/street/district); null = 41"),
    ("hukou_type", pl.String, ("urban", "rural"), "公安 户口性质: 非农业→urban, 农业→rural"),
    ("vehicles", pl.Int64, None, "车管 motor vehicles of members, minus exempt ones"),
    ("homes", pl.Int64, None, "住建 residential properties of members"),
    ("home_area_m2", pl.Float64, None, "住建 total floor area of those homes, ㎡"),
    ("businesses", pl.Int64, None, "市场监管 operating entities a member represents or runs"),
    ("deposits", pl.Float64, None, "family financial assets, 元 (only from 核对; usually null)"),
    ("education_spend_12m", pl.Float64, None, "12-month education spending, 元 (null = 0)"),
    (
        "emergency_kind",
        pl.String,
        None,
        "the newest emergency: 火灾, 交通事故, 突发重病 … (应急, 12345, visits); null = none",
    ),
    ("emergency_on", pl.Date, None, "the day of that emergency; null = not known"),
    ("has_supporter", pl.Boolean, None, "an able person with a legal duty of support outside"),
]
MEMBER_COLUMNS: list[tuple[str, type[pl.DataType] | pl.DataType, tuple | None, str]] = [
    ("household_id", pl.Int64, None, "the household's key"),
    ("sex", pl.String, ("M", "F"), "公安 性别 / ID number"),
    ("birth_on", pl.Date, None, "公安 出生日期 / ID number"),
    (
        "died_on",
        pl.Date,
        None,
        "公安 注销日期 where 人员状态 = 死亡注销, else 民政 火化信息 死亡日期; null = alive",
    ),
    (
        "is_excluded",
        pl.Boolean,
        None,
        "not a 共同生活家庭成员 (prison, rehab, missing …); null = no",
    ),
    ("monthly_income", pl.Float64, None, "元/月: wages, pensions, unemployment benefit, other"),
    (
        "basic_pension",
        pl.Float64,
        None,
        "元/月: 城乡居民基础养老金 inside monthly_income; null = 0",
    ),
    (
        "employment",
        pl.String,
        (
            "employed",
            "self_employed",
            "farmer",
            "registered_unemployed",
            "unregistered_unemployed",
            "retired",
            "unable",
            "student",
            "soldier",
        ),
        "人社 社保/失业登记, 市场监管, 学籍, 残联/卫健 (unable)",
    ),
    ("disability_grade", pl.Int64, (0, 1, 2, 3, 4), "残联 残疾等级 1–4; null or 0 = none"),
    (
        "disability_category",
        pl.String,
        ("视力", "听力", "言语", "肢体", "智力", "精神", "多重"),
        "残联 残疾类别",
    ),
    ("has_serious_illness", pl.Boolean, None, "卫健 疾病类型 = 重大疾病"),
    ("medical_spend_12m", pl.Float64, None, "医保 个人自付 over 12 months, 元; null = 0"),
    ("school_stage", pl.String, None, "学籍 学段 of pupils 在读 (学前 小学 初中 高中 中职)"),
    (
        "parents_status",
        pl.String,
        ("present", "away", "dead", "unable"),
        "学籍 是否孤儿/监护情况 for children",
    ),
]
# Money per person is compared in 元 to the fen (rounded to 2 decimals), as a clerk computes it.
# Parameters the rules read; each must be in force for every household's area.
REQUIRED_PARAMETERS = (
    "dibao_urban",
    "dibao_rural",
    "tekun_living_factor",
    "tekun_age_min",
    "tekun_age_below",
    "tekun_mental_grade_max",
    "tekun_physical_grade_max",
    "edge_factor",
    "edge_spending_type",
    "deposit_months",
    "housing_area_per_capita_m2",
    "housing_area_factor",
    "disposable_income_urban",
    "disposable_income_rural",
    "rigid_expense_ratio",
    "medical_burden_ratio",
    "temporary_aid_cap_months",
    "temporary_aid_recent_days",
    "working_age_min",
    "retirement_age_male",
    "retirement_age_female",
    "child_age_below",
    "old_age_allowance_min_age",
    "old_age_allowance_80",
    "old_age_allowance_90",
    "old_age_allowance_100",
    "disability_living_subsidy",
    "disability_care_subsidy",
    "disability_care_mental_grade_max",
)
PUPIL_STAGES = ("小学", "初中", "高中", "中职")
NOT_IN_LABOUR_FORCE = ("student", "retired", "unable", "soldier")
# The parameters the member aggregation needs (joined onto every member row).
_MEMBER_PARAMETERS = (
    "tekun_age_min",
    "tekun_age_below",
    "tekun_mental_grade_max",
    "tekun_physical_grade_max",
    "working_age_min",
    "retirement_age_male",
    "retirement_age_female",
    "child_age_below",
    "old_age_allowance_min_age",
    "old_age_allowance_80",
    "old_age_allowance_90",
    "old_age_allowance_100",
    "disability_care_mental_grade_max",
)


class ContractError(ValueError):
    """The input frames do not follow the contract; the message lists every problem."""


def p(name: str) -> pl.Expr:
    """The value of parameter `name` in force for the row's area."""
    return pl.col(f"p__{name}")


def age_on(birth: pl.Expr, on: dt.date) -> pl.Expr:
    """Completed years on `on`: a person born on 2010-05-01 is 16 on 2026-05-01, 15 the day
    before. Born on 29 February, one has the new age on 1 March in common years."""
    birthday_passed = (birth.dt.month().cast(pl.Int32) * 100 + birth.dt.day().cast(pl.Int32)) <= (
        on.month * 100 + on.day
    )
    return (on.year - birth.dt.year().cast(pl.Int32) - (~birthday_passed).cast(pl.Int32)).cast(
        pl.Int32
    )


def _conform(frame: pl.DataFrame, columns, what: str, errors: list[str]) -> pl.DataFrame:
    missing = [c for c, *_ in columns if c not in frame.columns]
    if missing:
        errors.append(f"{what}缺少列: {', '.join(missing)}")
        return frame
    casts = []
    for name, dtype, _allowed, _ in columns:
        if name == "household_id":
            continue  # any key type, as long as both frames agree
        if frame.schema[name] != dtype:
            casts.append(pl.col(name).cast(dtype, strict=True))
    try:
        frame = frame.with_columns(casts) if casts else frame
    except pl.exceptions.PolarsError as e:
        errors.append(f"{what}的列类型不符合约定: {e}")
        return frame
    for name, _dtype, allowed, _ in columns:
        if allowed is None:
            continue
        bad = frame.filter(pl.col(name).is_not_null() & ~pl.col(name).is_in(list(allowed)))
        if bad.height:
            values = bad[name].unique().sort().head(5).to_list()
            errors.append(
                f"{what}的 {name} 有不允许的取值 {values}（允许: {', '.join(map(str, allowed))}）"
            )
    return frame


def conform(households: pl.DataFrame, members: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Check both frames against the contract and cast them to its dtypes."""
    errors: list[str] = []
    households = _conform(households, HOUSEHOLD_COLUMNS, "户表(households)", errors)
    members = _conform(members, MEMBER_COLUMNS, "成员表(members)", errors)
    if not errors:
        if households["household_id"].is_duplicated().any():
            errors.append("户表(households)的 household_id 有重复")
        if households.schema["household_id"] != members.schema["household_id"]:
            errors.append(
                "两表 household_id 类型不一致: "
                f"{households.schema['household_id']} / {members.schema['household_id']}"
            )
    if errors:
        raise ContractError("输入不符合约定:\n" + "\n".join(errors))
    return households, members


def parameter_columns(table: ParameterTable, on: dt.date, areas: pl.Series) -> pl.DataFrame:
    """One row per distinct area code: p__<name> (value), s__<name> (source), d__<name> (demo)."""
    long = table.in_force(on, areas.unique())
    frame = pl.DataFrame({"area_code": pl.Series(areas.unique(), dtype=pl.String)})
    missing = []
    for name in REQUIRED_PARAMETERS:
        rows = long.filter(pl.col("name") == name).select(
            "area_code",
            pl.col("value").alias(f"p__{name}"),
            pl.col("source").alias(f"s__{name}"),
            pl.col("is_demo").alias(f"d__{name}"),
        )
        frame = frame.join(rows, on="area_code", how="left", maintain_order="left")
        gaps = frame.filter(pl.col(f"p__{name}").is_null())["area_code"].to_list()
        if gaps:
            missing.append(f"{name}（地区 {', '.join(sorted(gaps)[:5])}）")
    if missing:
        raise ParameterError(f"{on} 没有生效的参数: " + "; ".join(missing))
    return frame


def prepare(
    households: pl.DataFrame, members: pl.DataFrame, *, on: dt.date, table: ParameterTable
) -> pl.DataFrame:
    """One row of facts per household, in the input order, with its parameters attached."""
    households, members = conform(households, members)
    declined = (
        pl.col("verification_declined").fill_null(False)
        if "verification_declined" in households.columns
        else pl.lit(False)
    )
    households = households.with_columns(
        pl.col("area_code").fill_null(PROVINCE),
        verification_declined=declined,
        # how long ago the emergency was, on the assessment date (has_emergency asks for a recent one)
        emergency_days=(pl.lit(on) - pl.col("emergency_on")).dt.total_days(),
    )
    params = parameter_columns(table, on, households["area_code"])
    h = households.join(params, on="area_code", how="left", maintain_order="left")

    member_params = [f"p__{n}" for n in _MEMBER_PARAMETERS]
    values = params.select(member_params).unique()
    if values.height == 1:
        # every area has the same: constants, not a join of every member with their household
        # (members of a household not in `households` drop out at the join below)
        m = members.with_columns(
            pl.lit(values[c][0], dtype=values.schema[c]).alias(c) for c in member_params
        )
    else:
        m = members.join(h.select("household_id", *member_params), on="household_id", how="inner")
    m = m.with_columns(age=age_on(pl.col("birth_on"), on))
    # sorted on both sides, the join below is a merge join
    agg = m.lazy().pipe(_member_facts, on).sort("household_id").collect()
    facts = h.join(agg, on="household_id", how="left", maintain_order="left")
    counts = [c for c in agg.columns if c.startswith("n_")]
    facts = facts.with_columns(pl.col(counts).fill_null(0))
    return facts.with_columns(_household_facts()).with_columns(_derived_facts())


def _member_facts(m: pl.LazyFrame, on: dt.date) -> pl.LazyFrame:
    age = pl.col("age")
    alive = (pl.col("died_on").is_null() | (pl.col("died_on") > on)) & (
        pl.col("birth_on").is_null() | (pl.col("birth_on") <= on)
    )
    counted = alive & ~pl.col("is_excluded").fill_null(False)
    grade = pl.when(pl.col("disability_grade") > 0).then(pl.col("disability_grade"))
    category = pl.col("disability_category")
    # 特困: no capacity to work (Kleene OR: a severe disability settles it without a birth date)
    severe_for_tekun = (
        (category.is_in(["智力", "精神", "多重"]) & (grade <= p("tekun_mental_grade_max")))
        | ((category == "肢体") & (grade <= p("tekun_physical_grade_max")))
    ).fill_null(False)  # no disability card: no disability
    no_capacity = (age >= p("tekun_age_min")) | (age < p("tekun_age_below")) | severe_for_tekun
    retirement = (
        pl.when(pl.col("sex") == "M")
        .then(p("retirement_age_male"))
        .when(pl.col("sex") == "F")
        .then(p("retirement_age_female"))
    )
    working_age = (age >= p("working_age_min")) & (age < retirement)
    # null employment of a working-age member leaves "able to work" unknown
    able = working_age & ~pl.col("employment").is_in(list(NOT_IN_LABOUR_FORCE))
    severe = (grade <= 2) | (
        category.is_in(["智力", "精神"]) & (grade <= p("disability_care_mental_grade_max"))
    )
    allowance = (
        pl.when(age >= 100)
        .then(p("old_age_allowance_100"))
        .when(age >= 90)
        .then(p("old_age_allowance_90"))
        .when(age >= p("old_age_allowance_min_age"))
        .then(p("old_age_allowance_80"))
        .otherwise(0.0)
    )

    def count(expr: pl.Expr) -> pl.Expr:
        return (counted & expr).fill_null(False)

    def unknown(expr: pl.Expr) -> pl.Expr:
        return counted & expr.is_null()

    def only_counted(expr: pl.Expr) -> pl.Expr:
        return pl.when(counted).then(expr)

    # Per member first, then plain sums per household: sums of columns are the group_by fast
    # path (filters and conditions inside .agg() are not; 1.4 s → 0.5 s at 2.6 M members).
    per_member = {
        "n_members": counted,
        "n_income_unknown": unknown(pl.col("monthly_income")),
        "income_sum": only_counted(pl.col("monthly_income")),
        "basic_pension": only_counted(pl.col("basic_pension")),
        "medical_spend": only_counted(pl.col("medical_spend_12m")),
        "n_capable": count(~no_capacity),
        "n_capacity_unknown": unknown(no_capacity),
        "n_under_16": count(age < p("tekun_age_below")),
        "n_able_working": count(able),
        "n_able_unknown": unknown(able),
        "n_able_not_registered": count(able & (pl.col("employment") != "registered_unemployed")),
        "n_children_without_care": count(
            (age < p("child_age_below")) & pl.col("parents_status").is_in(["dead", "unable"])
        ),
        "n_disabled": count(grade.is_not_null()),
        "n_severely_disabled": count(severe),
        "n_seriously_ill": count(pl.col("has_serious_illness")),
        "n_pupils": count(pl.col("school_stage").is_in(list(PUPIL_STAGES))),
        "n_aged": count(age >= p("old_age_allowance_min_age")),
        "old_age_amount": only_counted(allowance),
    }
    sums = [
        pl.col(name).sum().cast(pl.Int64) if name.startswith("n_") else pl.col(name).sum()
        for name in per_member
    ]
    return (
        m.with_columns(oldest_age=only_counted(age), **per_member)
        .group_by("household_id")
        .agg(*sums, pl.col("oldest_age").max())
    )


def _by_hukou(urban: str, rural: str, prefix: str) -> pl.Expr:
    return (
        pl.when(pl.col("hukou_type") == "urban")
        .then(pl.col(f"{prefix}__{urban}"))
        .when(pl.col("hukou_type") == "rural")
        .then(pl.col(f"{prefix}__{rural}"))
    )


def _household_facts() -> list[pl.Expr]:
    n = pl.col("n_members")
    income = pl.when(pl.col("n_income_unknown") == 0).then(pl.col("income_sum"))
    per_person = pl.when(n > 0)
    return [
        _by_hukou("dibao_urban", "dibao_rural", "p").alias("standard"),
        _by_hukou("dibao_urban", "dibao_rural", "s").alias("s__standard"),
        _by_hukou("dibao_urban", "dibao_rural", "d").alias("d__standard"),
        _by_hukou("disposable_income_urban", "disposable_income_rural", "p").alias("disposable"),
        _by_hukou("disposable_income_urban", "disposable_income_rural", "s").alias("s__disposable"),
        _by_hukou("disposable_income_urban", "disposable_income_rural", "d").alias("d__disposable"),
        income.alias("income"),
        # what the lists say members earn, without the members whose income is unknown: a floor
        # for the true income, enough to decide "not below the standard" (conditions.py)
        pl.col("income_sum").fill_null(0.0).alias("income_known"),
        per_person.then(income / n).round(2).alias("per_capita_income"),
        per_person.then(pl.col("income_sum").fill_null(0.0) / n)
        .round(2)
        .alias("per_capita_income_known"),
        per_person.then((income - pl.col("basic_pension")) / n)
        .round(2)
        .alias("per_capita_income_tekun"),
        per_person.then((pl.col("income_sum").fill_null(0.0) - pl.col("basic_pension")) / n)
        .round(2)
        .alias("per_capita_income_tekun_known"),
        (pl.col("medical_spend") + pl.col("education_spend_12m").fill_null(0)).alias(
            "rigid_spending"
        ),
        per_person.then(pl.col("home_area_m2") / n).alias("per_capita_home_area"),
        per_person.then(pl.col("deposits") / n).round(2).alias("per_capita_deposits"),
    ]


def _derived_facts() -> list[pl.Expr]:
    n = pl.col("n_members")
    annual = pl.col("income") * 12
    return [
        pl.when(n > 0).then(annual / n).round(2).alias("per_capita_annual_income"),
        pl.when(n > 0)
        .then(pl.col("income_known") * 12 / n)
        .round(2)
        .alias("per_capita_annual_income_known"),
        pl.when(n > 0)
        .then((annual - pl.col("rigid_spending")) / 12 / n)
        .round(2)
        .alias("per_capita_income_after_spending"),
        pl.when(n > 0)
        .then((pl.col("income_known") * 12 - pl.col("rigid_spending")) / 12 / n)
        .round(2)
        .alias("per_capita_income_after_spending_known"),
        pl.when(annual > 0).then(pl.col("rigid_spending") / annual).alias("rigid_ratio"),
        pl.when(annual > 0).then(pl.col("medical_spend") / annual).alias("medical_ratio"),
    ]

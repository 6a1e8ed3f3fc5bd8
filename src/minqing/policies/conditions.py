"""One function per legal condition.

Each function returns a `Condition`: its Chinese and English label, the rule it cites, and three
Polars expressions over the household facts of facts.py — `passed` (bool; null when the facts are
unknown), `value` (the household's figure) and `threshold` (the figure it is compared with) —
plus the source and demo flag of the parameter behind the threshold. So every finding explains
itself: "家庭月人均收入 512.00 元/人/月 低于 630.00（河南省…）".

Strict or not: the wording of each rule decides. "低于" (below) is strict: a per-capita income
exactly at the standard does not pass. "不超过" (not above) includes the limit: deposits exactly at
24 months of the standard pass. "超过" (above) is strict.

Conditions marked `assume_when_unknown` are the asset tests of 社会救助家庭经济状况核对: the lists
rarely carry deposits, and the door-to-door check verifies assets before anything changes
(国办发〔2023〕39号), so an unknown asset fact does not block eligibility. It still shows as
unknown (passed = null) in the explanation. Every other unknown leaves eligibility unknown.

A *reference* condition reads the eligibility of other policies (the layering 低保/特困 → 边缘 →
刚性支出): it is computed after them (catalogue.py). An exclusion ("not in 低保 or 特困") excludes
only where that eligibility is established (true); an inclusion ("in 低保 or 特困") is unknown
where that eligibility is unknown.

To run a single condition over frames, use `minqing.policies.check`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from minqing.policies.facts import p

NULL_F = pl.lit(None, dtype=pl.Float64)
NULL_S = pl.lit(None, dtype=pl.String)
NULL_B = pl.lit(None, dtype=pl.Boolean)


@dataclass(frozen=True)
class Condition:
    code: str
    label: str
    label_en: str
    unit: str
    citation: str
    passed: pl.Expr
    value: pl.Expr = field(default_factory=lambda: NULL_F)
    threshold: pl.Expr = field(default_factory=lambda: NULL_F)
    source: pl.Expr = field(default_factory=lambda: NULL_S)
    is_demo: pl.Expr = field(default_factory=lambda: pl.lit(False))
    assume_when_unknown: bool = False
    refers_to: tuple[str, ...] = ()  # policies whose eligibility this condition reads


CONDITIONS: dict[str, Callable[[], Condition]] = {}


def condition(fn: Callable[[], Condition]) -> Callable[[], Condition]:
    CONDITIONS[fn.__name__] = fn
    return fn


def eligible(policy: str) -> pl.Expr:
    return pl.col(f"eligible__{policy}")


def _param(name: str) -> tuple[pl.Expr, pl.Expr]:
    return pl.col(f"s__{name}"), pl.col(f"d__{name}")


def _below(figure: str, threshold: pl.Expr) -> pl.Expr:
    """`figure` < threshold, where `figure` is an income figure. When some member's income is
    unknown the figure is null, but the known part is a floor for it: a known part already at or
    above the threshold decides "no"; otherwise the answer stays unknown."""
    return (
        pl.when(pl.col(figure).is_null() & (pl.col(f"{figure}_known") >= threshold))
        .then(pl.lit(False))
        .otherwise(pl.col(figure) < threshold)
    )


def _spending_above(spending: pl.Expr, ratio: pl.Expr) -> pl.Expr:
    """spending > ratio × annual income, and some spending. With income partly unknown, spending
    within the ratio of the known part decides "no" (more income only raises the bar)."""
    return (
        pl.when(
            pl.col("income").is_null() & (spending <= _money(ratio * pl.col("income_known") * 12))
        )
        .then(pl.lit(False))
        .otherwise((spending > _money(ratio * pl.col("income") * 12)) & (spending > 0))
    )


def _f(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.Float64)


def _money(expr: pl.Expr) -> pl.Expr:
    """A threshold in 元, to the fen (a factor × a standard is computed in binary floats)."""
    return expr.round(2)


def _count_at_least_one(n: str) -> dict:
    return {"passed": pl.col(n) >= 1, "value": _f(pl.col(n)), "threshold": pl.lit(1.0)}


# --- citations -------------------------------------------------------------------------------------
_DIBAO = "《最低生活保障审核确认办法》（民政部，2021）"
_CHECK = "社会救助家庭经济状况核对（县市财产规定，2023–2025）"
_TEKUN = "《特困人员认定办法》（民政部）"
_EDGE = "低保边缘家庭认定（地方规定2023；民政部2024年认定办法）"
_RIGID = "《刚性支出困难家庭认定办法》（民政部，2024）"
_TEMP = "临时救助（国发〔2014〕47号、民发〔2018〕23号）"
_MEDICAL = "国办发〔2021〕42号"
_DISABILITY = "国发〔2015〕52号"
_LAYERS = "一次申请、分类审核认定（民政部，2024）"


# --- household and income ------------------------------------------------------------------------
@condition
def has_members() -> Condition:
    return Condition(
        "has_members",
        "有在世的共同生活家庭成员",
        "at least one living member counted in the household",
        "人",
        f"{_DIBAO}：共同生活家庭成员（服刑、强制隔离戒毒、宣告失踪等人员不计入）",
        **_count_at_least_one("n_members"),
    )


@condition
def hukou_urban() -> Condition:
    return Condition(
        "hukou_urban",
        "城镇户籍",
        "urban hukou",
        "",
        "河南省城乡低保标准通知（2022）：城市低保执行城市标准",
        pl.col("hukou_type") == "urban",
    )


@condition
def hukou_rural() -> Condition:
    return Condition(
        "hukou_rural",
        "农村户籍",
        "rural hukou",
        "",
        "河南省城乡低保标准通知（2022）：农村低保执行农村标准",
        pl.col("hukou_type") == "rural",
    )


@condition
def income_below_dibao() -> Condition:
    return Condition(
        "income_below_dibao",
        "家庭月人均收入低于当地低保标准",
        "per-capita monthly income below the local 低保 standard",
        "元/人/月",
        f"{_DIBAO}：共同生活家庭成员人均收入低于当地最低生活保障标准",
        _below("per_capita_income", pl.col("standard")),
        pl.col("per_capita_income"),
        pl.col("standard"),
        pl.col("s__standard"),
        pl.col("d__standard"),
    )


# --- assets (核对) ----------------------------------------------------------------------------------
@condition
def no_vehicle() -> Condition:
    return Condition(
        "no_vehicle",
        "无机动车（生活必需的小型车辆、残疾人代步车除外）",
        "no motor vehicle (except a small livelihood or disability vehicle)",
        "辆",
        f"{_CHECK}：家庭成员名下无机动车",
        pl.col("vehicles") == 0,
        _f(pl.col("vehicles")),
        pl.lit(0.0),
        assume_when_unknown=True,
    )


@condition
def no_business() -> Condition:
    return Condition(
        "no_business",
        "无成员担任正常经营企业的法定代表人、高管或控股股东",
        "no member represents, manages or controls an operating business",
        "户",
        f"{_CHECK}：家庭成员未担任正常经营的市场主体法定代表人、高级管理人员或控股股东",
        pl.col("businesses") == 0,
        _f(pl.col("businesses")),
        pl.lit(0.0),
        assume_when_unknown=True,
    )


@condition
def housing_within_limit() -> Condition:
    limit = p("housing_area_factor") * p("housing_area_per_capita_m2")
    return Condition(
        "housing_within_limit",
        "无2套以上住房，或人均住房面积不超过当地人均的2倍",
        "fewer than 2 homes, or floor area per person within twice the local average",
        "㎡/人",
        f"{_CHECK}：不拥有2套以上且人均建筑面积超过当地人均2倍的住房",
        (pl.col("homes") <= 1) | (pl.col("per_capita_home_area") <= limit),
        pl.col("per_capita_home_area"),
        limit,
        *_param("housing_area_factor"),
        assume_when_unknown=True,
    )


@condition
def deposits_within_limit() -> Condition:
    limit = _money(p("deposit_months") * pl.col("standard"))
    return Condition(
        "deposits_within_limit",
        "家庭人均金融资产不超过24个月低保标准",
        "financial assets per person within 24 months of the 低保 standard",
        "元/人",
        f"{_CHECK}：人均存款、有价证券等金融资产不超过24个月当地低保标准",
        pl.col("per_capita_deposits") <= limit,
        pl.col("per_capita_deposits"),
        limit,
        pl.col("s__deposit_months"),
        pl.col("d__deposit_months") | pl.col("d__standard"),
        assume_when_unknown=True,
    )


ASSETS = ("no_vehicle", "no_business", "housing_within_limit", "deposits_within_limit")


# --- 特困 -------------------------------------------------------------------------------------------
@condition
def no_work_capacity() -> Condition:
    n = pl.col("n_capable")
    return Condition(
        "no_work_capacity",
        "家庭成员均无劳动能力（60周岁以上、未满16周岁或重度残疾）",
        "no member able to work (aged 60+, under 16, or severely disabled)",
        "人",
        f"{_TEKUN}：60周岁以上、未满16周岁、一二级智力精神残疾、一级肢体残疾为无劳动能力",
        pl.when(n > 0)
        .then(False)
        .when(pl.col("n_capacity_unknown") > 0)
        .then(None)
        .otherwise(True),
        _f(n),
        pl.lit(0.0),
        *_param("tekun_age_min"),
    )


@condition
def no_minors() -> Condition:
    return Condition(
        "no_minors",
        "无未满16周岁的成员（孤儿按孤儿保障，有未成年人的家庭按低保审核）",
        "no member under 16 (orphans are covered as orphans, families with children by 低保)",
        "人",
        f"{_TEKUN}：未满16周岁的孤儿纳入孤儿保障",
        pl.col("n_under_16") == 0,
        _f(pl.col("n_under_16")),
        pl.lit(0.0),
        *_param("tekun_age_below"),
    )


@condition
def no_living_source() -> Condition:
    return Condition(
        "no_living_source",
        "无生活来源：月人均收入（不计基本养老金）低于低保标准",
        "no source of living: income without the basic pension below the 低保 standard",
        "元/人/月",
        f"{_TEKUN}：收入低于当地低保标准（城乡居民基础养老金、基本医疗保险待遇、高龄津贴不计入）",
        _below("per_capita_income_tekun", pl.col("standard")),
        pl.col("per_capita_income_tekun"),
        pl.col("standard"),
        pl.col("s__standard"),
        pl.col("d__standard"),
    )


@condition
def no_supporter() -> Condition:
    return Condition(
        "no_supporter",
        "无法定赡养、抚养、扶养义务人，或其无履行能力",
        "nobody with a legal duty of support, or none able to support",
        "",
        f"{_TEKUN}：无法定赡养、抚养、扶养义务人，或者其法定义务人无履行义务能力",
        ~pl.col("has_supporter"),
    )


# --- layering (reference conditions) ---------------------------------------------------------------
def _not_in(code, label, label_en, policies: tuple[str, ...]) -> Condition:
    established = pl.any_horizontal([eligible(x).fill_null(False) for x in policies])
    return Condition(code, label, label_en, "", _LAYERS, ~established, refers_to=policies)


def _in(code, label, label_en, policies: tuple[str, ...], citation: str) -> Condition:
    passed = eligible(policies[0])
    for x in policies[1:]:
        passed = passed | eligible(x)  # Kleene: unknown unless one is true
    return Condition(code, label, label_en, "", citation, passed, refers_to=policies)


@condition
def not_tekun() -> Condition:
    return _not_in("not_tekun", "不符合特困人员条件", "not eligible as 特困", ("tekun",))


@condition
def not_dibao_or_tekun() -> Condition:
    return _not_in(
        "not_dibao_or_tekun",
        "不符合低保、特困条件",
        "not eligible for 低保 or 特困",
        ("dibao_urban", "dibao_rural", "tekun"),
    )


@condition
def not_dibao_tekun_edge() -> Condition:
    return _not_in(
        "not_dibao_tekun_edge",
        "不符合低保、特困、低保边缘条件",
        "not eligible for 低保, 特困 or 低保边缘",
        ("dibao_urban", "dibao_rural", "tekun", "dibao_edge"),
    )


@condition
def in_dibao_or_tekun() -> Condition:
    return _in(
        "in_dibao_or_tekun",
        "低保或特困家庭",
        "a 低保 or 特困 household",
        ("dibao_urban", "dibao_rural", "tekun"),
        f"{_DISABILITY}：困难残疾人生活补贴对象为低保家庭中的残疾人（特困供养残疾人同）",
    )


@condition
def in_dibao_tekun_edge() -> Condition:
    return _in(
        "in_dibao_tekun_edge",
        "低保、特困或低保边缘家庭",
        "a 低保, 特困 or 低保边缘 household",
        ("dibao_urban", "dibao_rural", "tekun", "dibao_edge"),
        f"{_MEDICAL}：医疗救助覆盖低保对象、特困人员、低保边缘家庭成员",
    )


@condition
def family_in_difficulty() -> Condition:
    return _in(
        "family_in_difficulty",
        "低保、特困、低保边缘、零就业或困境儿童家庭",
        "a 低保, 特困, 低保边缘, zero-employment or 困境儿童 household",
        ("dibao_urban", "dibao_rural", "tekun", "dibao_edge", "zero_employment", "child_welfare"),
        "家庭经济困难学生认定（本地文件未查到，示范条件）",
    )


# --- 低保边缘, 刚性支出, 临时救助 -----------------------------------------------------------------
@condition
def income_below_edge() -> Condition:
    threshold = _money(p("edge_factor") * pl.col("standard"))
    return Condition(
        "income_below_edge",
        "家庭月人均收入低于低保标准的1.5倍",
        "per-capita monthly income below 1.5 × the 低保 standard",
        "元/人/月",
        f"{_EDGE}：共同生活家庭成员人均收入低于当地低保标准的1.5倍",
        _below("per_capita_income", threshold),
        pl.col("per_capita_income"),
        threshold,
        pl.col("s__edge_factor"),
        pl.col("d__edge_factor") | pl.col("d__standard"),
    )


@condition
def income_below_disposable() -> Condition:
    return Condition(
        "income_below_disposable",
        "家庭年人均收入低于上年度当地居民人均可支配收入",
        "per-capita annual income below last year's local per-capita disposable income",
        "元/人/年",
        f"{_RIGID}；{_EDGE}（支出型）：人均收入低于上年度当地居民人均可支配收入",
        _below("per_capita_annual_income", pl.col("disposable")),
        pl.col("per_capita_annual_income"),
        pl.col("disposable"),
        pl.col("s__disposable"),
        pl.col("d__disposable"),
    )


@condition
def edge_spending_type() -> Condition:
    return Condition(
        "edge_spending_type",
        "当地认定支出型低保边缘家庭",
        "the locality recognises spending-type 低保边缘 households",
        "",
        f"{_EDGE}（支出型，地方规定）",
        p("edge_spending_type") >= 1,
        p("edge_spending_type"),
        pl.lit(1.0),
        *_param("edge_spending_type"),
    )


@condition
def income_after_spending_below_edge() -> Condition:
    threshold = _money(p("edge_factor") * pl.col("standard"))
    return Condition(
        "income_after_spending_below_edge",
        "扣除近12个月医疗、教育支出后月人均收入低于低保标准的1.5倍",
        "per-capita monthly income after 12 months of medical and education spending "
        "below 1.5 × the 低保 standard",
        "元/人/月",
        f"{_EDGE}（支出型）：扣除医疗、教育、康复等刚性支出后符合1.5倍标准",
        _below("per_capita_income_after_spending", threshold),
        pl.col("per_capita_income_after_spending"),
        threshold,
        pl.col("s__edge_factor"),
        pl.col("d__edge_factor") | pl.col("d__standard"),
    )


@condition
def rigid_spending_above_ratio() -> Condition:
    spending = pl.col("rigid_spending")
    return Condition(
        "rigid_spending_above_ratio",
        "近12个月医疗、教育等刚性支出占家庭总收入的比例超过当地规定",
        "12 months of medical and education spending above the local share of income",
        "比例",
        f"{_RIGID}：提出申请前12个月家庭刚性支出总额占家庭总收入比例超出当地规定",
        _spending_above(spending, p("rigid_expense_ratio")),
        pl.col("rigid_ratio"),
        p("rigid_expense_ratio"),
        *_param("rigid_expense_ratio"),
    )


@condition
def has_emergency() -> Condition:
    """An emergency known, and recent: at most temporary_aid_recent_days before the assessment
    date. One whose day nobody wrote down (a visit's note) counts as recent: whoever recorded
    it judged it current. The value is how many days ago it happened."""
    kind = pl.col("emergency_kind")
    days = pl.col("emergency_days")
    limit = p("temporary_aid_recent_days")
    known = kind.is_not_null() & (kind.str.strip_chars() != "")
    return Condition(
        "has_emergency",
        "近期遭遇火灾、交通事故、突发重病等急难事件",
        "a recent emergency (fire, traffic accident, sudden serious illness …)",
        "天前",
        f"{_TEMP}：急难型临时救助",
        known & (days.is_null() | days.is_between(0, limit)),
        pl.when(known).then(days.cast(pl.Float64)),
        limit.cast(pl.Float64),
        *_param("temporary_aid_recent_days"),
    )


# --- 医疗救助 ----------------------------------------------------------------------------------------
@condition
def has_seriously_ill() -> Condition:
    return Condition(
        "has_seriously_ill",
        "有重特大疾病患者",
        "a member with a serious illness",
        "人",
        f"{_MEDICAL}：重特大疾病医疗保险和救助",
        **_count_at_least_one("n_seriously_ill"),
    )


@condition
def medical_burden_above_share() -> Condition:
    spending = pl.col("medical_spend")
    return Condition(
        "medical_burden_above_share",
        "近12个月医疗费用超过家庭年收入的规定比例（因病致贫）",
        "12 months of medical spending above the set share of annual income",
        "比例",
        f"{_MEDICAL}：因病致贫重病患者，医疗费用负担比例由地方确定",
        _spending_above(spending, p("medical_burden_ratio")),
        pl.col("medical_ratio"),
        p("medical_burden_ratio"),
        *_param("medical_burden_ratio"),
    )


# --- 零就业 -------------------------------------------------------------------------------------------
@condition
def has_able_working_member() -> Condition:
    n = pl.col("n_able_working")
    return Condition(
        "has_able_working_member",
        "有法定劳动年龄内有劳动能力的成员",
        "a member of working age able to work",
        "人",
        "零就业家庭认定（地方规定）：法定劳动年龄内有劳动能力的成员（在校学生、现役军人、退休人员除外）",
        pl.when(n >= 1).then(True).when(pl.col("n_able_unknown") > 0).then(None).otherwise(False),
        _f(n),
        pl.lit(1.0),
        *_param("retirement_age_male"),
    )


@condition
def all_able_registered_unemployed() -> Condition:
    n = pl.col("n_able_not_registered")
    return Condition(
        "all_able_registered_unemployed",
        "有劳动能力的劳动年龄成员均已失业登记、无人就业",
        "every able working-age member registered unemployed, none employed",
        "人",
        "零就业家庭认定（地方规定）：均处于失业状态并进行了失业登记",
        pl.when(n > 0).then(False).when(pl.col("n_able_unknown") > 0).then(None).otherwise(True),
        _f(n),
        pl.lit(0.0),
    )


# --- children, disability, age, school -----------------------------------------------------------
@condition
def has_child_without_care() -> Condition:
    return Condition(
        "has_child_without_care",
        "有父母双亡或父母无力抚养的未成年人",
        "a minor whose parents are dead or unable to care for them",
        "人",
        "孤儿、事实无人抚养儿童保障（民政部等）：父母双方均重残、重病、服刑在押、失联、被撤销监护资格或被遣送，或一方如此另一方死亡、失踪",
        **_count_at_least_one("n_children_without_care"),
        source=pl.col("s__child_age_below"),
    )


@condition
def has_disabled() -> Condition:
    return Condition(
        "has_disabled",
        "有持证残疾人",
        "a member with a disability card",
        "人",
        f"{_DISABILITY}：困难残疾人生活补贴",
        **_count_at_least_one("n_disabled"),
    )


@condition
def has_severely_disabled() -> Condition:
    return Condition(
        "has_severely_disabled",
        "有一、二级重度残疾人（需长期照护）",
        "a member with a grade 1–2 disability (long-term care assumed)",
        "人",
        f"{_DISABILITY}：残疾等级一、二级且需要长期照护的重度残疾人，有条件的地方可扩大到三、四级智力、精神残疾人",
        **_count_at_least_one("n_severely_disabled"),
        source=pl.col("s__disability_care_mental_grade_max"),
        is_demo=pl.col("d__disability_care_mental_grade_max"),
    )


@condition
def has_aged_member() -> Condition:
    return Condition(
        "has_aged_member",
        "有80周岁以上老人",
        "a member aged 80 or over",
        "岁",
        "高龄津贴（地方规定，来源弱）：按年龄段发放",
        pl.col("n_aged") >= 1,
        _f(pl.col("oldest_age")),
        p("old_age_allowance_min_age"),
        *_param("old_age_allowance_min_age"),
    )


@condition
def has_pupil() -> Condition:
    return Condition(
        "has_pupil",
        "有在读学生（小学、初中、高中、中职）",
        "a pupil in primary, secondary or vocational school",
        "人",
        "家庭经济困难学生资助（本地文件未查到，示范条件）",
        **_count_at_least_one("n_pupils"),
        is_demo=pl.lit(True),
    )


def get(code: str) -> Condition:
    try:
        return CONDITIONS[code]()
    except KeyError:
        raise KeyError(f"没有条件 {code}") from None

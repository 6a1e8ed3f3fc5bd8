"""What the department lists say about each linked person: the facts assessment starts from.

Input: Lists — per list (source code), its current records with the person linkage gave each:
person_id, valid_from and the fields READS names, as text (f__<field>); load() has the database
take them out of each record's JSON, lists_from_json() does it for records with their JSON text.
Output: one row per person with the facts below, each from the list that holds it (docs/synth.md
lists the departments' files):

| fact | from | meaning |
|---|---|---|
| hukou_type | 公安 户籍 户口性质 | "rural" (农业) / "urban" (非农业); null when not on the register |
| is_dead, died_on | 公安 户籍 人员状态, 注销日期; 民政 殡葬 火化信息 死亡日期 | dead when the register says 死亡注销 or a funeral home cremated the person (the register de-registers late or never); the register's date, else the cremation list's 死亡日期 (linkage/golden.deaths: linkage writes Person.died_on by the same rule) |
| employment | 人社 社保 参保状态, 失业登记 | "retired" (退休领取), "employed" (正常缴费), "registered_unemployed" (失业登记), else null |
| monthly_wage | 人社 社保 缴费基数 | 元/月, while contributing |
| monthly_pension, pension_kind | 人社 社保 月养老金, 险种 | 元/月; 企业职工 or 城乡居民 |
| receives_unemployment_benefit | 人社 失业登记 | 是 |
| disability_grade, disability_category | 残联 残疾人证 (else 民政 两项补贴) | 1 (most severe) – 4 |
| has_serious_illness, has_chronic_illness | 卫健 大病慢病 疾病类型 | 重大疾病 / 慢性病 |
| medical_spend_12m, medical_self_pay_12m | 医保 医疗费用 | 元 in the 12 months of the extract |
| vehicles | 车管 机动车 | vehicles in 正常 status |
| homes, home_area_m2 | 住建 房产 | dwellings (住宅) and their floor area |
| businesses | 市场监管 市场主体 | operating (存续) businesses where the person is the legal representative |
| school_stage, is_dropout, is_left_behind, is_orphan, guardianship | 教育 学籍 | 辍学 = dropout |
| receives_dibao, receives_tekun, receives_disability_living, receives_disability_care, receives_old_age | 民政 rolls | on the roll |
| dibao_type | 民政 低保名册 保障类别 | 城市低保 / 农村低保 |
| listed_age | 民政 高龄津贴 年龄, else 特困 年龄 | the age the roll states (for a person whose birth date no list gives) |
| hotline_requests | 12345 | work orders from this person (求助 and 投诉 counted apart) |
| emergency_kind, emergency_on | 应急 突发事件 事件类型, 发生日期; 12345 求助 诉求内容, 来电时间 | the newest emergency (火灾, 交通事故, 突发重病, 意外伤害) that befell the person, as the 应急指挥中心 registered it or as a 求助 work order told it (EMERGENCY_WORDS), and its day (the event's, or the call's) |
| verified_on, verified_income, financial_assets, supporter | 民政 核对结果 核对日期, 月收入, 金融资产, 法定赡养人 | the newest 核对 report on the person (核对状态 已核对): verified monthly income (元), financial assets (元), whether a person with a legal duty of support is able ("able") or not ("none") |
| refused_on | 民政 核对结果 核对日期 | the day of the newest answer saying the family did not sign the authorization (核对状态 未授权) |

Pure Polars, no Django. Several records of one list for one person (two cars, two homes) add up;
where one value is wanted the newest record's wins.
"""

from __future__ import annotations

import polars as pl

from minqing.core.jsonfields import extract_fields
from minqing.linkage.golden import DEATH_FIELDS, deaths_from, newest_per_person

FACTS_SCHEMA = {
    "person_id": pl.Int64,
    "hukou_type": pl.String,
    "is_dead": pl.Boolean,
    "died_on": pl.Date,
    "employment": pl.String,
    "monthly_wage": pl.Float64,
    "monthly_pension": pl.Float64,
    "pension_kind": pl.String,
    "receives_unemployment_benefit": pl.Boolean,
    "disability_grade": pl.Int64,
    "disability_category": pl.String,
    "has_serious_illness": pl.Boolean,
    "has_chronic_illness": pl.Boolean,
    "medical_spend_12m": pl.Float64,
    "medical_self_pay_12m": pl.Float64,
    "vehicles": pl.Int64,
    "homes": pl.Int64,
    "home_area_m2": pl.Float64,
    "businesses": pl.Int64,
    "school_stage": pl.String,
    "is_dropout": pl.Boolean,
    "is_left_behind": pl.Boolean,
    "is_orphan": pl.Boolean,
    "guardianship": pl.String,
    "receives_dibao": pl.Boolean,
    "dibao_type": pl.String,
    "receives_tekun": pl.Boolean,
    "receives_disability_living": pl.Boolean,
    "receives_disability_care": pl.Boolean,
    "receives_old_age": pl.Boolean,
    "listed_age": pl.Int64,
    "hotline_requests": pl.Int64,
    "hotline_help_requests": pl.Int64,
    "emergency_kind": pl.String,
    "emergency_on": pl.Date,
    "verified_on": pl.Date,
    "verified_income": pl.Float64,
    "financial_assets": pl.Float64,
    "supporter": pl.String,
    "refused_on": pl.Date,
}
COUNTS = [
    "vehicles",
    "homes",
    "businesses",
    "hotline_requests",
    "hotline_help_requests",
]
FLAGS = [c for c, t in FACTS_SCHEMA.items() if t == pl.Boolean]


# the fields each list is read for: each record's JSON is decoded once, into these only
READS = {
    "gongan_huji": ["hukou_type", *DEATH_FIELDS["gongan_huji"]],
    "renshe_shebao": ["employment_status", "contribution_base", "pension_amount", "insurance_type"],
    "renshe_shiye": ["receives_unemployment_benefit"],
    "canlian_zheng": ["disability_grade", "disability_category"],
    "minzheng_liangxiang": ["disability_grade", "disability_category", "subsidy_type"],
    "weijian_bing": ["illness_type"],
    "yibao_feiyong": ["spending_total", "spending_self"],
    "cheguan_jidongche": ["vehicle_status"],
    "zhujian_fangchan": ["property_use", "floor_area"],
    "shichang_zhuti": ["business_status"],
    "jiaoyu_xueji": [
        "school_stage",
        "school_status",
        "is_left_behind",
        "is_orphan",
        "guardianship",
    ],
    "minzheng_dibao": ["benefit_type"],
    "minzheng_tekun": ["age"],
    "minzheng_gaoling": ["age"],
    "minzheng_binzang": DEATH_FIELDS["minzheng_binzang"],
    "hotline_12345": ["request_type", "message", "received_at"],
    "yingji_shijian": ["event_type", "occurred_on"],
    "minzheng_hedui": ["checked_on", "status", "verified_income", "financial_assets", "supporter"],
}


# words in a 求助 work order that tell of an emergency (急难型 临时救助), and the kind they name
EMERGENCY_WORDS = {
    "火灾": "火灾",
    "失火": "火灾",
    "着火": "火灾",
    "交通事故": "交通事故",
    "车祸": "交通事故",
    "突发重病": "突发重病",
    "突发疾病": "突发重病",
    "意外伤害": "意外伤害",
    "意外受伤": "意外伤害",
}
_EMERGENCY = "(" + "|".join(sorted(EMERGENCY_WORDS, key=len, reverse=True)) + ")"


def _field(name: str, dtype=pl.String) -> pl.Expr:
    value = pl.col(f"f__{name}")
    return value if dtype == pl.String else value.cast(dtype, strict=False)


# source code → that list's current records of linked persons: person_id (Int64), valid_from
# and one text column f__<field> per field READS names for it (null where the row has none)
Lists = dict[str, pl.DataFrame]


def list_schema(source: str) -> dict[str, pl.DataType]:
    """The columns of a list's frame in Lists."""
    return {
        "person_id": pl.Int64,
        "valid_from": pl.String,
        **{f"f__{name}": pl.String for name in READS[source]},
    }


def lists_from_json(records: pl.DataFrame) -> Lists:
    """Lists from records with their JSON: person_id, source, fields (the normalized row as JSON
    text), valid_from — each list's fields decoded by DuckDB. Lists READS does not name are left
    out."""
    parts = records.partition_by("source", as_dict=True, include_key=False)
    return {
        source: extract_fields(rows, READS[source]).select(list(list_schema(source)))
        for (source,), rows in parts.items()
        if source in READS
    }


def person_facts(lists: Lists) -> pl.DataFrame:
    """One row per person with the facts of FACTS_SCHEMA (flags false and counts 0 when no list
    says otherwise; values null when unknown)."""

    def of(source: str) -> pl.DataFrame:
        rows = lists.get(source)
        return pl.DataFrame(schema=list_schema(source)) if rows is None else rows

    def newest(source: str) -> pl.DataFrame:
        """Each person's newest record of the list."""
        return newest_per_person(of(source))

    def latest(source: str, **columns: pl.Expr) -> pl.DataFrame:
        return newest(source).select("person_id", **columns)

    register = newest("gongan_huji")

    def summed(source: str, condition: pl.Expr | None = None, **columns: pl.Expr) -> pl.DataFrame:
        rows = of(source)
        if condition is not None:
            rows = rows.filter(condition)
        return rows.group_by("person_id").agg(**columns)

    parts = [
        register.select(
            "person_id",
            hukou_type=pl.when(_field("hukou_type").str.starts_with("农业"))
            .then(pl.lit("rural"))
            .when(_field("hukou_type").str.starts_with("非农业"))
            .then(pl.lit("urban")),
        ),
        # the rule linkage writes Person.died_on by, on the records decoded here
        deaths_from(register, newest("minzheng_binzang")).select("person_id", "is_dead", "died_on"),
        latest(
            "renshe_shebao",
            shebao_status=_field("employment_status"),
            monthly_wage=pl.when(_field("employment_status") == "正常缴费").then(
                _field("contribution_base", pl.Float64)
            ),
            monthly_pension=_field("pension_amount", pl.Float64),
            pension_kind=_field("insurance_type"),
        ),
        latest(
            "renshe_shiye",
            registered_unemployed=pl.lit(True),
            receives_unemployment_benefit=(_field("receives_unemployment_benefit") == "是"),
        ),
        latest(
            "canlian_zheng",
            card_grade=_field("disability_grade", pl.Int64),
            card_category=_field("disability_category"),
        ),
        latest(
            "minzheng_liangxiang",
            roll_grade=_field("disability_grade", pl.Int64),
            roll_category=_field("disability_category"),
        ),
        summed(
            "minzheng_liangxiang",
            receives_disability_living=(_field("subsidy_type").str.contains("生活补贴")).any(),
            receives_disability_care=(_field("subsidy_type").str.contains("护理补贴")).any(),
        ),
        summed(
            "weijian_bing",
            has_serious_illness=(_field("illness_type") == "重大疾病").any(),
            has_chronic_illness=(_field("illness_type") == "慢性病").any(),
        ),
        summed(
            "yibao_feiyong",
            medical_spend_12m=_field("spending_total", pl.Float64).sum(),
            medical_self_pay_12m=_field("spending_self", pl.Float64).sum(),
        ),
        summed("cheguan_jidongche", _field("vehicle_status") == "正常", vehicles=pl.len()),
        summed(
            "zhujian_fangchan",
            _field("property_use") == "住宅",
            homes=pl.len(),
            home_area_m2=_field("floor_area", pl.Float64).sum(),
        ),
        summed("shichang_zhuti", _field("business_status") == "存续", businesses=pl.len()),
        latest(
            "jiaoyu_xueji",
            school_stage=_field("school_stage"),
            is_dropout=(_field("school_status") == "辍学"),
            is_left_behind=(_field("is_left_behind") == "是"),
            is_orphan=(_field("is_orphan") == "是"),
            guardianship=_field("guardianship"),
        ),
        latest("minzheng_dibao", receives_dibao=pl.lit(True), dibao_type=_field("benefit_type")),
        latest("minzheng_tekun", receives_tekun=pl.lit(True), tekun_age=_field("age", pl.Int64)),
        latest(
            "minzheng_gaoling", receives_old_age=pl.lit(True), gaoling_age=_field("age", pl.Int64)
        ),
        latest(
            "minzheng_hedui",
            # a report from before the status column was added counts as 已核对
            verified_on=pl.when(_field("status").fill_null("done") != "refused").then(
                _field("checked_on").str.to_date(strict=False)
            ),
            refused_on=pl.when(_field("status") == "refused").then(
                _field("checked_on").str.to_date(strict=False)
            ),
            verified_income=_field("verified_income", pl.Float64),
            financial_assets=_field("financial_assets", pl.Float64),
            supporter=_field("supporter"),
        ),
        summed(
            "hotline_12345",
            hotline_requests=pl.len(),
            hotline_help_requests=(_field("request_type") == "求助").sum().cast(pl.Int64),
        ),
        summed(
            "hotline_12345",
            (_field("request_type") == "求助") & _field("message").str.contains(_EMERGENCY),
            told_kind=_field("message")
            .str.extract(_EMERGENCY, 1)
            .replace_strict(EMERGENCY_WORDS, default=None)
            .sort_by(_field("received_at"))
            .last(),
            told_on=_field("received_at").str.slice(0, 10).str.to_date(strict=False).max(),
        ),
        summed(
            "yingji_shijian",
            listed_kind=_field("event_type").sort_by(_field("occurred_on")).last(),
            listed_on=_field("occurred_on").str.to_date(strict=False).max(),
        ),
    ]
    persons = pl.concat([of(source)["person_id"] for source in READS]).unique().sort().to_frame()
    # each list's columns lined up with the persons, then side by side: joining them one after
    # the other would copy the columns gathered so far at every join (and a join on keys sorted
    # on both sides is twice as fast)
    facts = pl.concat(
        [persons]
        + [
            persons.join(
                part.sort("person_id"), on="person_id", how="left", maintain_order="left"
            ).drop("person_id")
            for part in parts
        ],
        how="horizontal",
    )
    facts = facts.with_columns(
        employment=pl.when(pl.col("shebao_status") == "退休领取")
        .then(pl.lit("retired"))
        .when(pl.col("shebao_status") == "正常缴费")
        .then(pl.lit("employed"))
        .when(pl.col("registered_unemployed"))
        .then(pl.lit("registered_unemployed")),
        listed_age=pl.coalesce("gaoling_age", "tekun_age"),
        # the newer of the emergency the centre registered and the one a call told of
        emergency_kind=pl.when(
            pl.col("listed_kind").is_not_null()
            & (pl.col("listed_on") >= pl.col("told_on")).fill_null(True)
        )
        .then(pl.col("listed_kind"))
        .otherwise(pl.col("told_kind")),
        emergency_on=pl.max_horizontal("listed_on", "told_on"),
        disability_grade=pl.coalesce("card_grade", "roll_grade"),
        disability_category=pl.coalesce("card_category", "roll_category"),
    )
    return facts.with_columns(
        [pl.col(c).fill_null(0).cast(pl.Int64) for c in COUNTS]
        + [pl.col(c).fill_null(False) for c in FLAGS]
    ).select([pl.col(c).cast(t) for c, t in FACTS_SCHEMA.items()])

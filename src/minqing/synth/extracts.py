"""Department extracts of the synthetic district, as those departments really send them: their own
Chinese column names, date formats, file formats, encodings and quirks, with injected errors.

Each extract is described once in EXTRACTS (file, format, encoding, what it lists); `write_extracts`
writes every file and returns the truth of every row (which person and household it is about, and
which errors were injected) for truth/records.parquet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from minqing.core.bulkxlsx import write_xlsx
from minqing.synth.errors import ErrorRates, duplicate_rows, inject
from minqing.synth.truth import fund_paid, self_paid

CN_DIGITS = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十"]
CN_NUM = [
    "".join(
        [
            ("" if n < 20 else CN_DIGITS[n // 10]) + "十" if n >= 10 else "",
            CN_DIGITS[n % 10] if n % 10 or n == 0 else "",
        ]
    )
    for n in range(100)
]
RELATION_CN = {
    "head": "户主",
    "spouse": "配偶",
    "child": "子女",
    "parent": "父母",
    "grandchild": "孙子女",
    "child_in_law": "儿媳/女婿",
}
# 公安 writes finer relations: 长子, 长女, 次子 … and 之 forms
GRADE_CN = ["", "一年级", "二年级", "三年级", "四年级", "五年级", "六年级"]
DISABILITY_GRADE_CN = ["", "一级", "二级", "三级", "四级"]


@dataclass(frozen=True)
class Extract:
    code: str
    department: str
    filename: str
    kind: str  # xlsx | csv
    encoding: str  # for csv: gbk | utf-8-sig | utf-8
    quality: float  # multiplies the error rates: 公安 is cleaner than a hand-kept roll
    build: Callable[[Context], pl.DataFrame]
    sheet: str = "Sheet1"
    description: str = ""
    # the columns that identify a person (errors are injected into these)
    name_column: str | None = "姓名"
    id_column: str | None = None
    phone_column: str | None = None
    birth_column: str | None = None


@dataclass
class Context:
    base: pl.DataFrame  # one row per person with household, residence and truth columns
    households: pl.DataFrame
    as_of: dt.date
    seed: int
    rates: ErrorRates

    def rng(self, stream: int) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence([self.seed, 100 + stream]))


# ---------------------------------------------------------------------------------------------
# helpers


def _days_before(ctx: Context, n: int, lo: int, hi: int, stream: int) -> pl.Series:
    days = ctx.rng(stream).integers(lo, hi, n)
    return pl.Series(np.datetime64(ctx.as_of) - days.astype("timedelta64[D]")).cast(pl.Date)


def address_variant(prefix: str, style: pl.Expr) -> pl.Expr:
    """The residence address of `prefix`-named dwelling columns written one of several ways:
    0 the canonical form, 1 '丰收小区3-2-402', 2 '山阳区定和街道丰收社区丰收小区3栋2单元402',
    3 '焦作市山阳区丰收小区3号楼2单元402室', 4 without the unit, 5 in Chinese numerals."""

    def c(name: str) -> pl.Expr:
        return pl.col(f"{prefix}{name}")

    b, u, r = (
        c("building_no").cast(pl.String),
        c("unit_no").cast(pl.String),
        c("room_no").cast(pl.String),
    )
    estate = c("estate_name")
    cn = pl.Series(CN_NUM)
    urban = (
        pl.when(style == 1)
        .then(pl.concat_str([estate, b, pl.lit("-"), u, pl.lit("-"), r]))
        .when(style == 2)
        .then(
            pl.concat_str(
                [
                    pl.lit("山阳区"),
                    c("street_name"),
                    c("community_name"),
                    estate,
                    b,
                    pl.lit("栋"),
                    u,
                    pl.lit("单元"),
                    r,
                ]
            )
        )
        .when(style == 3)
        .then(
            pl.concat_str(
                [
                    pl.lit("焦作市山阳区"),
                    estate,
                    b,
                    pl.lit("号楼"),
                    u,
                    pl.lit("单元"),
                    r,
                    pl.lit("室"),
                ]
            )
        )
        .when(style == 4)
        .then(pl.concat_str([estate, b, pl.lit("号楼"), r]))
        .when(style == 5)
        .then(
            pl.concat_str(
                [
                    estate,
                    c("building_no").replace_strict(list(range(100)), cn.to_list(), default=b),
                    pl.lit("号楼"),
                    c("unit_no").replace_strict(list(range(100)), cn.to_list(), default=u),
                    pl.lit("单元"),
                    r,
                    pl.lit("室"),
                ]
            )
        )
        .otherwise(c("address"))
    )
    g, h = c("group_no").cast(pl.String), c("house_no").cast(pl.String)
    rural = (
        pl.when(style == 1)
        .then(pl.concat_str([estate, g, pl.lit("组"), h, pl.lit("号")]))
        .when(style == 3)
        .then(pl.concat_str([pl.lit("焦作市山阳区"), c("address")]))
        .when(style == 4)
        .then(pl.concat_str([estate, h, pl.lit("号")]))
        .when(style == 5)
        .then(
            pl.concat_str(
                [
                    estate,
                    c("group_no").replace_strict(list(range(100)), cn.to_list(), default=g),
                    pl.lit("组"),
                    h,
                    pl.lit("号"),
                ]
            )
        )
        .otherwise(c("address"))
    )
    return pl.when(c("is_rural")).then(rural).otherwise(urban)


def _styles(ctx: Context, n: int, stream: int, quality: float) -> tuple[pl.Series, pl.Series]:
    """Address style per row (0 = canonical) and whether it was varied."""
    rng = ctx.rng(stream)
    varied = rng.random(n) < min(ctx.rates.address_variant * quality, 1.0)
    style = np.where(varied, rng.integers(1, 6, n), 0)
    return pl.Series("__style", style), pl.Series("__varied", varied)


def _with_address(
    df: pl.DataFrame, ctx: Context, stream: int, quality: float, prefix: str = "res_"
) -> pl.DataFrame:
    style, varied = _styles(ctx, df.height, stream, quality)
    df = df.with_columns(style, varied)
    return df.with_columns(
        __address=address_variant(prefix, pl.col("__style")),
        errors=pl.when(pl.col("__varied"))
        .then(pl.col("errors").list.concat(pl.lit(["address_variant"], dtype=pl.List(pl.String))))
        .otherwise(pl.col("errors")),
    )


def _choose(index: pl.Expr, values: pl.Series | str) -> pl.Expr:
    """values[index] as an expression (index already reduced modulo len(values))."""
    options = list(values)
    return index.replace_strict(list(range(len(options))), options, return_dtype=pl.String)


def _person_rows(ctx: Context, mask: pl.Expr) -> pl.DataFrame:
    return ctx.base.filter(mask).with_columns(errors=pl.lit([], dtype=pl.List(pl.String)))


def _finish(
    df: pl.DataFrame, ctx: Context, ex: Extract, columns: dict[str, pl.Expr], *, stream: int
) -> pl.DataFrame:
    """Select the department's columns, inject errors, duplicate a few rows."""
    rates = ctx.rates.scaled(ex.quality)
    out = df.select(
        pl.col("person_id"),
        pl.col("household_id"),
        pl.col("old_phone"),
        pl.col("errors"),
        *[expr.alias(col) for col, expr in columns.items()],
    )
    out = inject(
        out,
        rates,
        ctx.rng(stream),
        name=ex.name_column,
        id_number=ex.id_column,
        phone=ex.phone_column,
        birth=ex.birth_column,
    )
    return duplicate_rows(out, rates.duplicate_row, ctx.rng(stream + 50))


# ---------------------------------------------------------------------------------------------
# the extracts


def _huji(ctx: Context) -> pl.DataFrame:
    ex = EXTRACTS_BY_CODE["gongan_huji"]
    df = _person_rows(ctx, pl.lit(True))
    df = _with_address(df, ctx, 1, 0.05, prefix="hukou_")
    dead = pl.col("died_on").is_not_null()
    # most deaths are de-registered, a few are not yet
    deregistered = dead & (pl.col("person_id").hash(ctx.seed) % 10 < 8)
    return _finish(
        df,
        ctx,
        ex,
        {
            "户号": pl.col("hukou_number"),
            "姓名": pl.col("name"),
            "公民身份号码": pl.col("id_number"),
            "性别": pl.col("sex").replace_strict({"M": "男", "F": "女"}),
            "民族": pl.when(pl.col("person_id").hash(ctx.seed + 1) % 100 < 98)
            .then(pl.lit("汉族"))
            .otherwise(pl.lit("回族")),
            "出生日期": pl.col("birth_on").dt.strftime("%Y%m%d"),
            "与户主关系": pl.col("relation").replace_strict(RELATION_CN),
            "户口性质": pl.when(pl.col("hukou_rural"))
            .then(pl.lit("农业家庭户口"))
            .otherwise(pl.lit("非农业家庭户口")),
            "户籍地址": pl.col("__address"),
            "人员状态": pl.when(deregistered).then(pl.lit("死亡注销")).otherwise(pl.lit("正常")),
            "注销日期": pl.when(deregistered)
            .then(pl.col("died_on").dt.strftime("%Y%m%d"))
            .otherwise(pl.lit("")),
        },
        stream=2,
    )


def _dibao(ctx: Context) -> pl.DataFrame:
    ex = EXTRACTS_BY_CODE["minzheng_dibao"]
    receiving = ctx.households.filter(
        pl.col("receives_dibao_urban") | pl.col("receives_dibao_rural")
    ).select(
        "household_id",
        "receives_dibao_rural",
        start_on=_days_before(ctx, ctx.households.height, 60, 8 * 365, 3).filter(
            ctx.households["receives_dibao_urban"] | ctx.households["receives_dibao_rural"]
        ),
    )
    # the roll keeps the members it was approved with: the dead stay listed until a review
    df = ctx.base.join(receiving, on="household_id").with_columns(
        errors=pl.lit([], dtype=pl.List(pl.String))
    )
    df = _with_address(df, ctx, 4, 1.0)
    head = df.filter(pl.col("relation") == "head").select(
        "household_id", head_name=pl.col("name"), head_id=pl.col("id_number")
    )
    df = df.join(head, on="household_id", how="left").sort("person_id")
    size = pl.len().over("household_id")
    std = pl.when(pl.col("receives_dibao_rural")).then(420).otherwise(630)
    return _finish(
        df,
        ctx,
        ex,
        {
            "序号": pl.int_range(1, pl.len() + 1),
            "街道": pl.col("res_street_name"),
            "社区": pl.col("res_community_name"),
            "户主姓名": pl.col("head_name").fill_null(""),
            "户主身份证号": pl.col("head_id").fill_null(""),
            "姓名": pl.col("name"),
            "身份证号": pl.col("id_number"),
            "与户主关系": pl.col("relation").replace_strict(RELATION_CN),
            "保障类别": pl.when(pl.col("receives_dibao_rural"))
            .then(pl.lit("农村低保"))
            .otherwise(pl.lit("城市低保")),
            "保障人数": size,
            # 差额发放: the standard minus the family's per-capita income, at least a tenth of it
            "月保障金额": (
                (std - pl.col("per_capita_income").fill_null(0)).clip(lower_bound=std * 0.1) * size
            )
            .round(0)
            .cast(pl.Int64),
            "起始日期": pl.col("start_on"),
            "联系电话": pl.col("phone"),
            "家庭住址": pl.col("__address"),
        },
        stream=5,
    )


def _tekun(ctx: Context) -> pl.DataFrame:
    ex = EXTRACTS_BY_CODE["minzheng_tekun"]
    ids = ctx.households.filter(pl.col("receives_tekun")).select("household_id")
    df = ctx.base.join(ids, on="household_id").filter(pl.col("relation") == "head")
    df = df.with_columns(errors=pl.lit([], dtype=pl.List(pl.String)))
    df = _with_address(df, ctx, 6, 1.0)
    return _finish(
        df,
        ctx,
        ex,
        {
            "姓名": pl.col("name"),
            "身份证号": pl.col("id_number"),
            "性别": pl.col("sex").replace_strict({"M": "男", "F": "女"}),
            "年龄": pl.col("age"),
            "供养方式": pl.when(pl.col("person_id") % 9 == 0)
            .then(pl.lit("集中供养"))
            .otherwise(pl.lit("分散供养")),
            "月基本生活标准": pl.lit(819),
            "认定日期": _days_before(ctx, df.height, 60, 6 * 365, 7),
            "所在社区": pl.col("res_community_name"),
            "居住地址": pl.col("__address"),
            "联系电话": pl.col("phone"),
        },
        stream=8,
    )


def _disability_subsidies(ctx: Context) -> pl.DataFrame:
    ex = EXTRACTS_BY_CODE["minzheng_liangxiang"]
    h = ctx.households.select(
        "household_id", "receives_disability_living", "receives_disability_care"
    )
    df = ctx.base.join(h, on="household_id").filter(pl.col("disability_grade") > 0)
    living = df.filter(pl.col("receives_disability_living")).with_columns(
        kind=pl.lit("困难残疾人生活补贴"), amount=pl.lit(80)
    )
    # the care subsidy is paid for the grade 1–2 members; where the household is paid without
    # one (错保: the grade was lowered, or it never was 1–2), for its most disabled member
    most = pl.col("disability_grade").min().over("household_id")
    care = df.filter(
        pl.col("receives_disability_care")
        & ((pl.col("disability_grade") <= 2) | ((most > 2) & (pl.col("disability_grade") == most)))
    ).with_columns(kind=pl.lit("重度残疾人护理补贴"), amount=pl.lit(100))
    df = (
        pl.concat([living, care])
        .sort("person_id", "kind")
        .with_columns(errors=pl.lit([], dtype=pl.List(pl.String)))
    )
    start = _days_before(ctx, df.height, 60, 6 * 365, 9)
    return _finish(
        df,
        ctx,
        ex,
        {
            "姓名": pl.col("name"),
            "身份证号": pl.col("id_number"),
            "残疾类别": pl.col("disability_category"),
            "残疾等级": pl.col("disability_grade").replace_strict(
                list(range(5)), DISABILITY_GRADE_CN
            ),
            "补贴类型": pl.col("kind"),
            "月补贴金额": pl.col("amount"),
            "发放起始年月": start.dt.strftime("%Y年%m月"),
            "社区": pl.col("res_community_name"),
        },
        stream=10,
    )


def _old_age(ctx: Context) -> pl.DataFrame:
    ex = EXTRACTS_BY_CODE["minzheng_gaoling"]
    h = ctx.households.filter(pl.col("receives_old_age_allowance")).select("household_id")
    # paid for the members aged 80 or more; where the household is paid without one (错保: a
    # wrong birth date on the roll, say), for its oldest member
    oldest = pl.col("age").max().over("household_id")
    df = ctx.base.join(h, on="household_id").filter(
        (pl.col("age") >= 80) | ((oldest < 80) & (pl.col("age") == oldest))
    )
    df = df.with_columns(errors=pl.lit([], dtype=pl.List(pl.String)))
    return _finish(
        df,
        ctx,
        ex,
        {
            "姓名": pl.col("name"),
            "身份证号": pl.col("id_number"),
            "年龄": pl.col("age"),
            "津贴标准(元/月)": pl.when(pl.col("age") >= 100)
            .then(300)
            .when(pl.col("age") >= 90)
            .then(200)
            .otherwise(100),
            "所属社区": pl.col("res_community_name"),
            "联系电话": pl.col("phone"),
        },
        stream=11,
    )


FUNERAL_HOMES = ["焦作市殡仪馆", "焦作市山阳区殡仪服务站", "焦作市第二殡仪馆"]
DEATH_CAUSES = ["正常死亡", "疾病", "意外"]
# cremation is near-universal in the city; in the villages some are still buried
CREMATED_URBAN = 0.95
CREMATED_RURAL = 0.75


def _cremations(ctx: Context) -> pl.DataFrame:
    ex = EXTRACTS_BY_CODE["minzheng_binzang"]
    rng = ctx.rng(35)
    draw = pl.Series(rng.random(ctx.base.height))
    # cremated one to seven days after the death, listed once that is done
    delay = pl.Series(rng.integers(1, 8, ctx.base.height))
    share = pl.when(pl.col("hukou_rural")).then(CREMATED_RURAL).otherwise(CREMATED_URBAN)
    df = (
        ctx.base.with_columns(__draw=draw, __cremated=pl.col("died_on") + pl.duration(days=delay))
        .filter(
            pl.col("died_on").is_not_null()
            & (pl.col("__draw") < share)
            & (pl.col("__cremated") <= ctx.as_of)
        )
        .sort("died_on", "person_id")  # the funeral homes' system lists them as they came
        .with_columns(errors=pl.lit([], dtype=pl.List(pl.String)))
    )
    df = _with_address(df, ctx, 34, 0.5, prefix="hukou_")
    other = pl.col("person_id").hash(ctx.seed + 8) % 10
    nearest = pl.col("person_id").hash(ctx.seed + 9) % 10
    cause = (
        pl.when(pl.col("serious_illness") != "")
        .then(1)
        .when(pl.col("age") >= 80)
        .then(pl.when(other < 7).then(0).otherwise(1))
        .otherwise(pl.when(other < 7).then(1).when(other < 9).then(0).otherwise(2))
    )
    home = pl.when(nearest < 7).then(0).when(nearest < 9).then(1).otherwise(2)
    return _finish(
        df,
        ctx,
        ex,
        {
            "逝者姓名": pl.col("name"),
            "身份证号": pl.col("id_number"),
            "性别": pl.col("sex").replace_strict({"M": "男", "F": "女"}),
            "死亡日期": pl.col("died_on").dt.strftime("%Y-%m-%d"),
            "火化日期": pl.col("__cremated"),
            "殡仪馆": home.pipe(_choose, FUNERAL_HOMES),
            "死亡原因": cause.pipe(_choose, DEATH_CAUSES),
            "户籍地址": pl.col("__address"),
        },
        stream=37,
    )


# the 应急指挥中心 (110/119/120 联动) registers most emergencies: a family that never called for help
# (a fall at home treated at a clinic, a small fire put out by neighbours) is in no list but its own
# word to the 12345 hotline
EMERGENCY_LISTED = 0.9
RESPONDERS = {
    "火灾": "山阳区消防救援大队",
    "交通事故": "焦作市公安局交通警察支队山阳大队",
    "意外伤害": "焦作市120急救指挥中心",
    "突发重病": "焦作市120急救指挥中心",
}
HARMS = {"火灾": "住房受损", "交通事故": "受伤住院", "意外伤害": "受伤住院", "突发重病": "急诊入院"}


def _emergencies(ctx: Context) -> pl.DataFrame:
    """One row per emergency the centre registered: for a fire the head of the household whose
    home burned, otherwise the living member it befell (a fixed draw), 7–170 days before the
    extract's date."""
    ex = EXTRACTS_BY_CODE["yingji_shijian"]
    hit = ctx.households.filter(pl.col("emergency") != "").select("household_id", "emergency")
    hit = hit.sort("household_id")
    rng = ctx.rng(45)
    hit = hit.with_columns(
        __listed=pl.Series(rng.random(hit.height)) < EMERGENCY_LISTED,
        __occurred=_days_before(ctx, hit.height, 7, 170, 48),
    ).filter(pl.col("__listed"))
    living = ctx.base.filter(pl.col("died_on").is_null()).join(hit, on="household_id")
    order = pl.when((pl.col("emergency") == "火灾") & (pl.col("relation") == "head")).then(0)
    df = (
        living.with_columns(
            __order=order.otherwise(1), __draw=pl.col("person_id").hash(ctx.seed + 11)
        )
        .sort("household_id", "__order", "__draw")
        .unique("household_id", keep="first", maintain_order=True)
        .sort("__occurred", "household_id")  # the centre numbers events as they come
        .with_columns(errors=pl.lit([], dtype=pl.List(pl.String)))
    )
    df = _with_address(df, ctx, 46, 1.0)
    number = pl.concat_str(
        [
            pl.lit("SY"),
            pl.col("__occurred").dt.strftime("%Y%m%d"),
            (pl.int_range(pl.len()) + 1).cast(pl.String).str.zfill(4),
        ]
    )
    return _finish(
        df,
        ctx,
        ex,
        {
            "事件编号": number,
            "事件类型": pl.col("emergency"),
            "发生日期": pl.col("__occurred").dt.strftime("%Y-%m-%d"),
            "姓名": pl.col("name"),
            "身份证号": pl.col("id_number"),
            "性别": pl.col("sex").replace_strict({"M": "男", "F": "女"}),
            "联系电话": pl.col("phone"),
            "家庭住址": pl.col("__address"),
            "处置单位": pl.col("emergency").replace_strict(RESPONDERS),
            "受灾受伤情况": pl.col("emergency").replace_strict(HARMS),
        },
        stream=47,
    )


def _unemployment(ctx: Context) -> pl.DataFrame:
    ex = EXTRACTS_BY_CODE["renshe_shiye"]
    df = _person_rows(
        ctx, (pl.col("employment") == "unemployed_registered") & pl.col("died_on").is_null()
    )
    df = _with_address(df, ctx, 12, 1.0)
    reg = _days_before(ctx, df.height, 20, 3 * 365, 13)
    reasons = pl.Series(["合同期满", "单位裁员", "个人辞职", "毕业未就业", "单位破产"])
    return _finish(
        df,
        ctx,
        ex,
        {
            "姓名": pl.col("name"),
            "身份证号码": pl.col("id_number"),
            "性别": pl.col("sex").replace_strict({"M": "男", "F": "女"}),
            "登记日期": reg.dt.strftime("%Y/%-m/%-d"),
            "失业原因": pl.col("person_id").hash(ctx.seed + 2).mod(5).pipe(_choose, reasons),
            "就业困难人员": pl.when(pl.col("hardship_seeded"))
            .then(pl.lit("是"))
            .otherwise(pl.lit("否")),
            "领取失业保险金": pl.when(pl.col("unemployment_benefit") > 0)
            .then(pl.lit("是"))
            .otherwise(pl.lit("否")),
            "联系电话": pl.col("phone"),
            "居住地址": pl.col("__address"),
        },
        stream=14,
    )


def _social_insurance(ctx: Context) -> pl.DataFrame:
    ex = EXTRACTS_BY_CODE["renshe_shebao"]
    alive = pl.col("died_on").is_null()
    df = _person_rows(
        ctx, alive & (pl.col("social_insurance") | (pl.col("employment") == "retired"))
    )
    employers = pl.Series(
        [
            "焦作市山阳区城市管理局",
            "焦作煤业集团有限责任公司",
            "河南省焦作市第一中学",
            "焦作市人民医院",
            "焦作万方铝业股份有限公司",
            "焦作市山阳区某商贸有限公司",
            "焦作市建设工程有限公司",
            "焦作市公共交通有限公司",
            "焦作市电力公司",
            "焦作市山阳区个体经营",
            "焦作市太行物业服务有限公司",
            "中原银行焦作分行",
        ]
    )
    retired = pl.col("employment") == "retired"
    return _finish(
        df,
        ctx,
        ex,
        {
            "姓名": pl.col("name"),
            "证件号码": pl.col("id_number"),
            "单位名称": pl.when(retired)
            .then(pl.lit(""))
            .otherwise(
                pl.col("household_id")
                .hash(ctx.seed + 3)
                .mod(len(employers))
                .pipe(_choose, employers)
            ),
            "险种": pl.when(retired)
            .then(pl.lit("企业职工基本养老保险(待遇)"))
            .otherwise(pl.lit("企业职工基本养老保险")),
            "参保状态": pl.when(retired).then(pl.lit("退休领取")).otherwise(pl.lit("正常缴费")),
            "缴费基数": pl.when(retired)
            .then(pl.lit(None, pl.Int64))
            .otherwise(pl.col("wage").clip(3500, 20000)),
            "月养老金": pl.when(retired).then(pl.col("pension")).otherwise(pl.lit(None, pl.Int64)),
            "最近缴费月份": pl.lit(
                (ctx.as_of.replace(day=1) - dt.timedelta(days=1)).strftime("%Y%m")
            ),
        },
        stream=15,
    )


def _school(ctx: Context) -> pl.DataFrame:
    ex = EXTRACTS_BY_CODE["jiaoyu_xueji"]
    alive = pl.col("died_on").is_null()
    df = _person_rows(
        ctx,
        alive
        & (pl.col("school_stage").is_in(["小学", "初中", "高中", "中职"]) | pl.col("is_dropout")),
    )
    df = _with_address(df, ctx, 16, 0.8)
    # the guardian: the first adult of the household who is not the pupil
    adults = (
        ctx.base.filter((pl.col("age") >= 18) & pl.col("died_on").is_null())
        .sort("person_id")
        .group_by("household_id", maintain_order=True)
        .agg(
            guardian_name=pl.col("name").first(),
            guardian_rel=pl.col("relation").first(),
            guardian_phone=pl.col("phone").first(),
        )
    )
    df = df.join(adults, on="household_id", how="left").sort("person_id")
    stage = pl.col("school_stage")
    school = pl.concat_str(
        [
            pl.lit("焦作市山阳区"),
            pl.col("res_community_name").str.replace("社区$|村$", ""),
            pl.when(stage == "小学")
            .then(pl.lit("小学"))
            .when(stage == "初中")
            .then(pl.lit("中学"))
            .when(stage == "中职")
            .then(pl.lit("职业中专"))
            .otherwise(pl.lit("高级中学")),
        ]
    )
    grade_no = pl.col("school_grade").clip(1, 6)
    return _finish(
        df,
        ctx,
        ex,
        {
            "学校名称": school,
            "学籍号": pl.concat_str([pl.lit("G"), pl.col("id_number")]),
            "姓名": pl.col("name"),
            "性别": pl.col("sex").replace_strict({"M": "男", "F": "女"}),
            "身份证件号": pl.col("id_number"),
            "出生日期": pl.col("birth_on").dt.strftime("%Y-%m-%d"),
            "学段": pl.when(pl.col("is_dropout")).then(pl.lit("初中")).otherwise(stage),
            "年级": grade_no.replace_strict(list(range(7)), GRADE_CN, default=""),
            "在校状态": pl.when(pl.col("is_dropout"))
            .then(pl.lit("辍学"))
            .otherwise(pl.lit("在读")),
            "是否留守儿童": pl.when(pl.col("is_left_behind"))
            .then(pl.lit("是"))
            .otherwise(pl.lit("否")),
            "是否孤儿": pl.when(pl.col("parents_status") == "dead")
            .then(pl.lit("是"))
            .otherwise(pl.lit("否")),
            "监护情况": pl.col("parents_status").replace_strict(
                {
                    "present": "父母监护",
                    "away": "父母外出务工",
                    "dead": "父母双亡",
                    "unable": "父母重残/服刑",
                }
            ),
            "监护人姓名": pl.col("guardian_name").fill_null(""),
            "监护人关系": pl.col("guardian_rel")
            .replace_strict(
                {
                    "head": "户主",
                    "spouse": "户主配偶",
                    "child": "兄姐",
                    "parent": "曾祖父母",
                    "child_in_law": "父母",
                },
                default="其他",
            )
            .fill_null(""),
            "监护人电话": pl.col("guardian_phone").fill_null(""),
            "家庭住址": pl.col("__address"),
        },
        stream=17,
    )


def _illness(ctx: Context) -> pl.DataFrame:
    ex = EXTRACTS_BY_CODE["weijian_bing"]
    df = _person_rows(ctx, (pl.col("chronic_illness") != "") | (pl.col("serious_illness") != ""))
    serious = pl.col("serious_illness") != ""
    hospitals = pl.Series(
        [
            "焦作市人民医院",
            "焦作市第二人民医院",
            "焦作煤业集团中央医院",
            "山阳区人民医院",
            "焦作市中医院",
        ]
    )
    diagnosed = _days_before(ctx, df.height, 30, 10 * 365, 18)
    seconds = (
        pl.Series(ctx.rng(19).integers(8 * 3600, 18 * 3600, df.height)).cast(pl.Duration("ms"))
        * 1000
    )
    return _finish(
        df,
        ctx,
        ex,
        {
            "患者姓名": pl.col("name"),
            "身份证号": pl.col("id_number"),
            "性别": pl.col("sex").replace_strict({"M": "男", "F": "女"}),
            "年龄": pl.col("age"),
            "疾病名称": pl.when(serious)
            .then(pl.col("serious_illness"))
            .otherwise(pl.col("chronic_illness")),
            "疾病类型": pl.when(serious).then(pl.lit("重大疾病")).otherwise(pl.lit("慢性病")),
            "确诊时间": (diagnosed.cast(pl.Datetime("ms")) + seconds).dt.strftime(
                "%Y-%m-%d %H:%M:%S"
            ),
            "就诊医院": pl.col("person_id").hash(ctx.seed + 4).mod(5).pipe(_choose, hospitals),
            "联系电话": pl.col("phone"),
        },
        stream=20,
    )


def _medical_costs(ctx: Context) -> pl.DataFrame:
    ex = EXTRACTS_BY_CODE["yibao_feiyong"]
    df = _person_rows(ctx, pl.col("medical_spend_12m") > 0)
    total = pl.col("medical_spend_12m")
    return _finish(
        df,
        ctx,
        ex,
        {
            "参保人姓名": pl.col("name"),
            "公民身份号码": pl.col("id_number"),
            "统计期间": pl.lit(f"{(ctx.as_of - dt.timedelta(days=365)):%Y-%m}至{ctx.as_of:%Y-%m}"),
            "医疗总费用": total,
            "统筹基金支付": fund_paid(total).cast(pl.Int64),
            "个人自付": self_paid(total).cast(pl.Int64),
            "结算次数": (total / 900).ceil().clip(1, 60).cast(pl.Int64),
        },
        stream=21,
    )


def _disability_cards(ctx: Context) -> pl.DataFrame:
    ex = EXTRACTS_BY_CODE["canlian_zheng"]
    df = _person_rows(ctx, pl.col("disability_grade") > 0)
    df = _with_address(df, ctx, 22, 1.0, prefix="hukou_")
    cat_code = pl.col("disability_category").replace_strict(
        {"视力": "1", "听力": "2", "言语": "3", "肢体": "4", "智力": "5", "精神": "6", "多重": "7"}
    )
    issued = _days_before(ctx, df.height, 30, 12 * 365, 23)
    return _finish(
        df,
        ctx,
        ex,
        {
            "姓名": pl.col("name"),
            "性别": pl.col("sex").replace_strict({"M": "男", "F": "女"}),
            "身份证号": pl.col("id_number"),
            "残疾人证号": pl.concat_str(
                [pl.col("id_number"), cat_code, pl.col("disability_grade").cast(pl.String)]
            ),
            "残疾类别": pl.col("disability_category"),
            "残疾等级": pl.col("disability_grade").replace_strict(
                list(range(5)), DISABILITY_GRADE_CN
            ),
            "发证日期": issued.dt.strftime("%Y.%m.%d"),
            "联系电话": pl.col("phone"),
            "户籍地址": pl.col("__address"),
        },
        stream=24,
    )


def _head_rows(ctx: Context, mask: pl.Expr) -> pl.DataFrame:
    """The household head (the owner of record) of households matching mask."""
    h = ctx.households.filter(mask).select("household_id")
    return (
        ctx.base.join(h, on="household_id")
        .filter(pl.col("relation") == "head")
        .with_columns(errors=pl.lit([], dtype=pl.List(pl.String)))
    )


def _businesses(ctx: Context) -> pl.DataFrame:
    ex = EXTRACTS_BY_CODE["shichang_zhuti"]
    df = _head_rows(ctx, pl.col("has_business"))
    df = _with_address(df, ctx, 25, 1.0)
    trades = pl.Series(
        [
            "便利店",
            "餐馆",
            "五金店",
            "服装店",
            "理发店",
            "商贸有限公司",
            "建材经营部",
            "水果店",
            "汽车维修部",
        ]
    )
    trade = pl.col("person_id").hash(ctx.seed + 5).mod(len(trades)).pipe(_choose, trades)
    founded = _days_before(ctx, df.height, 90, 15 * 365, 26)
    company = trade == "商贸有限公司"
    credit = pl.concat_str(
        [
            pl.lit("92410811"),
            pl.col("person_id").hash(ctx.seed + 6).mod(10**10).cast(pl.String).str.zfill(10),
        ]
    )
    return _finish(
        df,
        ctx,
        ex,
        {
            "统一社会信用代码": pl.when(company)
            .then(credit.str.replace("^92", "91"))
            .otherwise(credit),
            "主体名称": pl.concat_str(
                [pl.lit("山阳区"), pl.col("name").str.slice(0, 1), pl.col("res_estate_name"), trade]
            ),
            "主体类型": pl.when(company)
            .then(pl.lit("有限责任公司(自然人独资)"))
            .otherwise(pl.lit("个体工商户")),
            "法定代表人(经营者)": pl.col("name"),
            "证件号码": pl.col("id_number"),
            "成立日期": founded.dt.strftime("%Y%m%d"),
            "登记状态": pl.lit("存续"),
            "住所(经营场所)": pl.col("__address"),
        },
        stream=27,
    )


def _vehicles(ctx: Context) -> pl.DataFrame:
    ex = EXTRACTS_BY_CODE["cheguan_jidongche"]
    df = _head_rows(ctx, pl.col("vehicles") > 0)
    df = df.with_columns(__rep=pl.int_ranges(0, pl.col("vehicles"))).explode("__rep")
    df = _with_address(df, ctx, 28, 1.0)
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    plate_no = pl.int_range(pl.len()).hash(ctx.seed + 7)
    plate = pl.concat_str(
        [
            pl.lit("豫H"),
            plate_no.mod(len(letters)).pipe(_choose, letters),
            (plate_no // 31).mod(100000).cast(pl.String).str.zfill(5),
        ]
    )
    first = _days_before(ctx, df.height, 30, 15 * 365, 29)
    return _finish(
        df,
        ctx,
        ex,
        {
            "号牌号码": plate,
            "号牌种类": pl.lit("小型汽车"),
            "车辆类型": pl.lit("小型普通客车"),
            "机动车所有人": pl.col("name"),
            "身份证明号码": pl.col("id_number"),
            "初次登记日期": first.dt.strftime("%Y-%m-%d"),
            "机动车状态": pl.lit("正常"),
            "住所详细地址": pl.col("__address"),
            "联系电话": pl.col("phone"),
        },
        stream=30,
    )


def _housing(ctx: Context) -> pl.DataFrame:
    ex = EXTRACTS_BY_CODE["zhujian_fangchan"]
    df = _head_rows(ctx, pl.col("homes") > 0)
    df = df.with_columns(__rep=pl.int_ranges(0, pl.col("homes"))).explode("__rep")
    second = pl.col("__rep") > 0
    df = _with_address(df, ctx, 31, 0.5).with_columns(
        __address=pl.when(second)
        .then(
            pl.concat_str(
                [
                    pl.lit("焦作市解放区"),
                    pl.col("name").str.slice(0, 1),
                    pl.lit("园小区"),
                    (pl.col("person_id") % 20 + 1).cast(pl.String),
                    pl.lit("号楼"),
                ]
            )
        )
        .otherwise(pl.col("__address")),
        __area=pl.when(second).then(pl.col("home_area_m2") * 0.8).otherwise(pl.col("home_area_m2")),
    )
    registered = _days_before(ctx, df.height, 200, 25 * 365, 32)
    return _finish(
        df,
        ctx,
        ex,
        {
            "不动产权证号": pl.concat_str(
                [
                    pl.lit("豫("),
                    registered.dt.year().cast(pl.String),
                    pl.lit(")焦作市不动产权第"),
                    pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(7),
                    pl.lit("号"),
                ]
            ),
            "权利人": pl.col("name"),
            "证件号码": pl.col("id_number"),
            "坐落": pl.col("__address"),
            "建筑面积(㎡)": pl.col("__area").round(2),
            "房屋用途": pl.lit("住宅"),
            "登记日期": registered.dt.strftime("%Y/%m/%d"),
        },
        stream=33,
    )


from minqing.synth.hotline import hotline_orders  # noqa: E402  (uses the helpers above)

EXTRACTS = [
    Extract(
        "gongan_huji",
        "公安分局",
        "公安_户籍人口.xlsx",
        "xlsx",
        "",
        0.2,
        _huji,
        "户籍人口",
        "全区户籍人口, 每人一行, 含死亡注销",
        id_column="公民身份号码",
    ),
    Extract(
        "minzheng_dibao",
        "民政局",
        "民政_低保名册.xlsx",
        "xlsx",
        "",
        1.0,
        _dibao,
        "低保名册",
        "在保低保家庭及成员, 每人一行",
        id_column="身份证号",
        phone_column="联系电话",
    ),
    Extract(
        "minzheng_tekun",
        "民政局",
        "民政_特困供养名册.xlsx",
        "xlsx",
        "",
        1.0,
        _tekun,
        "特困人员",
        "特困人员救助供养对象",
        id_column="身份证号",
        phone_column="联系电话",
    ),
    Extract(
        "minzheng_liangxiang",
        "民政局",
        "民政_残疾人两项补贴.xlsx",
        "xlsx",
        "",
        1.0,
        _disability_subsidies,
        "两项补贴",
        "困难残疾人生活补贴和重度残疾人护理补贴发放名单",
        id_column="身份证号",
    ),
    Extract(
        "minzheng_gaoling",
        "民政局",
        "民政_高龄津贴.xlsx",
        "xlsx",
        "",
        1.0,
        _old_age,
        "高龄津贴",
        "高龄津贴发放名单",
        id_column="身份证号",
        phone_column="联系电话",
    ),
    Extract(
        "minzheng_binzang",
        "民政局(殡葬管理)",
        "民政_殡葬火化信息.xlsx",
        "xlsx",
        "",
        0.5,
        _cremations,
        "火化信息",
        "殡仪馆火化信息, 每位逝者一行",
        name_column="逝者姓名",
        id_column="身份证号",
    ),
    Extract(
        "renshe_shiye",
        "人力资源和社会保障局",
        "人社_失业登记.csv",
        "csv",
        "gbk",
        1.0,
        _unemployment,
        "",
        "失业登记人员",
        id_column="身份证号码",
        phone_column="联系电话",
    ),
    Extract(
        "renshe_shebao",
        "人力资源和社会保障局",
        "人社_社保缴费.csv",
        "csv",
        "gbk",
        0.6,
        _social_insurance,
        "",
        "职工养老保险参保缴费与待遇领取",
        id_column="证件号码",
    ),
    Extract(
        "jiaoyu_xueji",
        "教育局",
        "教育_学籍.xlsx",
        "xlsx",
        "",
        0.8,
        _school,
        "学籍信息",
        "中小学及中职在籍学生, 含辍学",
        id_column="身份证件号",
        birth_column="出生日期",
    ),
    Extract(
        "weijian_bing",
        "卫生健康委员会",
        "卫健_大病慢病.csv",
        "csv",
        "utf-8-sig",
        1.2,
        _illness,
        "",
        "慢性病与重大疾病患者",
        name_column="患者姓名",
        id_column="身份证号",
        phone_column="联系电话",
    ),
    Extract(
        "yibao_feiyong",
        "医疗保障局",
        "医保_医疗费用.csv",
        "csv",
        "utf-8-sig",
        0.8,
        _medical_costs,
        "",
        "近12个月医疗费用结算汇总",
        name_column="参保人姓名",
        id_column="公民身份号码",
    ),
    Extract(
        "canlian_zheng",
        "残疾人联合会",
        "残联_残疾人证.xlsx",
        "xlsx",
        "",
        1.0,
        _disability_cards,
        "持证残疾人",
        "持证残疾人",
        id_column="身份证号",
        phone_column="联系电话",
    ),
    Extract(
        "shichang_zhuti",
        "市场监督管理局",
        "市场监管_市场主体.csv",
        "csv",
        "utf-8",
        1.0,
        _businesses,
        "",
        "辖区市场主体登记",
        name_column="法定代表人(经营者)",
        id_column="证件号码",
    ),
    Extract(
        "cheguan_jidongche",
        "公安交警(车管所)",
        "车管_机动车.csv",
        "csv",
        "utf-8",
        0.8,
        _vehicles,
        "",
        "机动车登记",
        name_column="机动车所有人",
        id_column="身份证明号码",
        phone_column="联系电话",
    ),
    Extract(
        "zhujian_fangchan",
        "住房和城乡建设局",
        "住建_房产.csv",
        "csv",
        "utf-8",
        0.8,
        _housing,
        "",
        "不动产登记(住宅)",
        name_column="权利人",
        id_column="证件号码",
    ),
    Extract(
        "yingji_shijian",
        "应急管理局",
        "应急_突发事件.xlsx",
        "xlsx",
        "",
        1.0,
        _emergencies,
        "受灾受伤人员",
        "突发事件受灾受伤人员信息",
        id_column="身份证号",
        phone_column="联系电话",
    ),
    Extract(
        "hotline_12345",
        "12345热线服务中心",
        "12345_工单.xlsx",
        "xlsx",
        "",
        1.0,
        hotline_orders,
        "工单",
        "12345热线和焦我办APP工单",
        name_column=None,
        phone_column="来电号码",
    ),
]
EXTRACTS_BY_CODE = {e.code: e for e in EXTRACTS}

TRUTH_COLUMNS = ["person_id", "household_id", "errors"]


def write_extract(ex: Extract, ctx: Context, folder: Path) -> tuple[pl.DataFrame, list[str]]:
    """Write one extract; return its rows' truth (source, row, person, household, errors) and
    the header as written."""
    df = ex.build(ctx)
    truth = df.select(
        pl.lit(ex.code).alias("source"),
        pl.int_range(1, df.height + 1).alias("row"),
        *TRUTH_COLUMNS,
        *([c for c in ("topic",) if c in df.columns]),
    )
    data = df.drop([c for c in (*TRUTH_COLUMNS, "old_phone", "topic") if c in df.columns])
    path = folder / ex.filename
    if ex.kind == "xlsx":
        write_xlsx(path, [(ex.sheet, data)])
    else:
        text = data.write_csv(None, date_format="%Y-%m-%d")
        path.write_bytes(text.encode(ex.encoding))
    return truth, data.columns

"""12345 hotline and 焦我办 app work orders: who called, from which number, when, and what they
said, in natural Chinese. Households in hardship call about their hardship; everyone else about
streetlights, lifts, noise and parking. Callers rarely give an ID number and often only "王女士"."""

from __future__ import annotations

import numpy as np
import polars as pl

# (topic, kind, template). Slots: {estate} {building} {illness} {age} {grade} {emergency} {who}
DISTRESS = [
    (
        "illness_cost",
        "求助",
        "我家{who}得了{illness}，这一年光看病就花了好几万，家里实在撑不住了，想问问能不能申请低保或者医疗救助。",
    ),
    (
        "no_income",
        "求助",
        "我和爱人现在都没有工作，孩子还在上学，家里一点收入都没有，请问有什么帮扶政策？",
    ),
    (
        "emergency",
        "求助",
        "我家里突然出了{emergency}，现在生活很困难，老人孩子都需要照顾，请政府帮帮忙。",
    ),
    (
        "elderly_alone",
        "求助",
        "我今年{age}岁了，一个人住在{estate}，腿脚不方便，子女不在身边，能不能安排人上门看看？",
    ),
    (
        "child_care",
        "求助",
        "孩子爸妈都不在身边，我{age}岁了一个人带着孙子，孩子最近不想上学了，不知道该怎么办。",
    ),
    (
        "disability",
        "咨询",
        "家里有残疾人，残疾证是{grade}，护理补贴一直没有领到，想问问该找哪个部门。",
    ),
    (
        "dibao_question",
        "咨询",
        "想咨询一下低保怎么申请，家里收入很低，{who}身体也不好，需要准备什么材料？",
    ),
]
ROUTINE = [
    (
        "streetlight",
        "投诉",
        "{estate}{building}号楼门口的路灯坏了好几天了，晚上出门黑乎乎的很不安全。",
    ),
    ("elevator", "投诉", "{estate}{building}号楼电梯老是停运，老人上下楼太难了，请物业尽快维修。"),
    ("parking", "投诉", "{estate}里有人长期占用消防通道停车，反映了好几次都没解决。"),
    ("noise", "投诉", "{estate}{building}号楼有人装修，中午和晚上也在施工，噪音太大影响休息。"),
    ("manhole", "求助", "{estate}东门的井盖松动了，踩上去晃得厉害，存在安全隐患。"),
    ("property_fee", "咨询", "想咨询一下{estate}的物业费收费标准，感觉收得不太透明。"),
    ("school", "咨询", "孩子明年上小学，想问一下划片入学需要准备哪些材料。"),
    ("garbage", "投诉", "{estate}的垃圾好几天没人清运了，味道很大，请有关部门处理一下。"),
    ("suggestion", "建议", "建议在{estate}附近增加一个公交站点，老人出行太不方便了。"),
]


def hotline_orders(ctx) -> pl.DataFrame:
    """One row per work order; the caller is an adult of the household."""
    from minqing.synth.extracts import EXTRACTS_BY_CODE, _finish, _with_address

    ex = EXTRACTS_BY_CODE["hotline_12345"]
    rng = ctx.rng(40)
    h = ctx.households
    n_h = h.height
    distress_h = (
        h["type_hardship"] | h["type_guardianship_gap"] | h["type_zero_employment"]
    ).to_numpy()
    calls_distress = distress_h & (rng.random(n_h) < 0.18)
    calls_routine = rng.random(n_h) < 0.03
    callers = ctx.base.filter((pl.col("age") >= 18) & pl.col("died_on").is_null()).sort("person_id")
    # the caller: one adult of the household, chosen by a seeded hash
    callers = (
        callers.with_columns(__k=pl.col("person_id").hash(ctx.seed + 41))
        .sort("household_id", "__k")
        .group_by("household_id", maintain_order=True)
        .first()
    )
    pick = pl.DataFrame(
        {
            "household_id": np.concatenate(
                [np.flatnonzero(calls_distress), np.flatnonzero(calls_routine)]
            ).astype(np.int64),
            "__distress": np.concatenate(
                [np.ones(int(calls_distress.sum()), bool), np.zeros(int(calls_routine.sum()), bool)]
            ),
        }
    )
    df = pick.join(callers, on="household_id", how="inner").sort("household_id", "__distress")
    n = df.height
    rng = ctx.rng(42)

    # choose a template fitting the household
    facts = h.select(
        "household_id",
        "emergency",
        "serious_ill",
        "unsupported_children",
        "left_behind",
        "disabled",
        "members",
        "oldest",
        "type_zero_employment",
    )
    df = df.join(facts, on="household_id", how="left", suffix="_h").sort(
        "household_id", "__distress"
    )
    topic_idx = np.where(
        df["emergency"].to_numpy() != "",
        2,
        np.where(
            df["serious_ill"].to_numpy() > 0,
            np.where(rng.random(n) < 0.5, 0, 6),
            np.where(
                (df["unsupported_children"].to_numpy() + df["left_behind"].to_numpy()) > 0,
                4,
                np.where(
                    (df["members"].to_numpy() == 1) & (df["oldest"].to_numpy() >= 65),
                    3,
                    np.where(
                        df["disabled"].to_numpy() > 0,
                        5,
                        np.where(df["type_zero_employment"].to_numpy(), 1, 6),
                    ),
                ),
            ),
        ),
    )
    routine_idx = rng.integers(0, len(ROUTINE), n)
    distress = df["__distress"].to_numpy()
    texts, topics, kinds = [], [], []
    estates = df["res_estate_name"].to_list()
    buildings = df["res_building_no"].to_list()
    ages = df["age"].to_list()
    illness = df["serious_illness"].to_list()
    grade = df["disability_grade"].to_list()
    emergency = df["emergency"].to_list()
    whos = ["爱人", "孩子", "老父亲", "老母亲", "我自己"]
    for i in range(n):
        topic, kind, template = DISTRESS[topic_idx[i]] if distress[i] else ROUTINE[routine_idx[i]]
        texts.append(
            template.format(
                estate=estates[i] or "小区",
                building=buildings[i] or 1,
                age=ages[i],
                illness=illness[i] or "重病",
                grade=f"{grade[i] or 1}级",
                emergency=emergency[i] or "意外",
                who=whos[int(rng.integers(len(whos)))],
            )
        )
        topics.append(topic)
        kinds.append(kind)
    df = df.with_columns(
        __text=pl.Series(texts),
        topic=pl.Series(topics),
        __kind=pl.Series(kinds),
        errors=pl.lit([], dtype=pl.List(pl.String)),
    )
    df = _with_address(df, ctx, 43, 1.5)

    # how the caller names themselves: "王女士" mostly, the full name sometimes, nothing at times
    form = rng.choice(3, n, p=[0.6, 0.28, 0.12])
    app = rng.random(n) < 0.3
    partial = pl.concat_str(
        [
            pl.col("surname"),
            pl.when(pl.col("sex") == "F").then(pl.lit("女士")).otherwise(pl.lit("先生")),
        ]
    )
    df = df.with_columns(__form=pl.Series(np.where(app, 1, form)), __app=pl.Series(app))
    df = df.with_columns(
        __caller=pl.when(pl.col("__form") == 0)
        .then(partial)
        .when(pl.col("__form") == 1)
        .then(pl.col("name"))
        .otherwise(pl.lit("")),
        errors=pl.when(pl.col("__form") == 0)
        .then(pl.col("errors").list.concat(pl.lit(["name_partial"], dtype=pl.List(pl.String))))
        .when(pl.col("__form") == 2)
        .then(pl.col("errors").list.concat(pl.lit(["name_missing"], dtype=pl.List(pl.String))))
        .otherwise(pl.col("errors")),
    )
    seconds = rng.integers(0, 180 * 86400, n)
    at = pl.Series(
        (np.datetime64(ctx.as_of) - seconds.astype("timedelta64[s]")).astype("datetime64[ms]")
    )
    df = (
        df.with_columns(__at=at)
        .sort("__at", "person_id")
        .with_columns(
            __no=pl.concat_str(
                [
                    pl.lit("SY"),
                    pl.col("__at").dt.strftime("%Y%m%d"),
                    pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(6),
                ]
            )
        )
    )
    return _finish(
        df,
        ctx,
        ex,
        {
            "工单编号": pl.col("__no"),
            "受理渠道": pl.when(pl.col("__app"))
            .then(pl.lit("焦我办APP"))
            .otherwise(pl.lit("12345热线")),
            "来电时间": pl.col("__at").dt.strftime("%Y-%m-%d %H:%M:%S"),
            "来电人": pl.col("__caller"),
            "来电号码": pl.col("phone"),
            "诉求类型": pl.col("__kind"),
            "诉求内容": pl.col("__text"),
            "事发地址": pl.col("__address"),
            "topic": pl.col("topic"),
        },
        stream=44,
    )

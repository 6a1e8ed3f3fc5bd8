"""Policies end to end through evaluate(): eligibility, layering, unknowns, amounts, explanations."""

import datetime as dt

import polars as pl
import pytest

from minqing.policies import POLICY_CODES, ParameterTable, default_table, evaluate
from minqing.policies.tests.factories import ON, born_aged, frames

DAY = dt.timedelta(days=1)


def adult(income=0.0, **kw):
    return {"monthly_income": income, **kw}


def aged(years, days_after=0, **kw):
    return {"birth_on": born_aged(years, days_after=days_after), **kw}


def result(household, members, policy, on=ON, **kw):
    h, m = frames(household, members)
    return evaluate(h, m, on=on, **kw).filter(pl.col("policy") == policy).row(0, named=True)


URBAN = {"hukou_type": "urban"}
RURAL = {"hukou_type": "rural"}
ALONE = {"has_supporter": False}


@pytest.mark.parametrize(
    ("policy", "household", "members", "eligible"),
    [
        # 低保: income strictly below the standard, assets within the rules, not 特困
        ("dibao_urban", URBAN, [adult(629.99)], True),
        ("dibao_urban", URBAN, [adult(630)], False),
        ("dibao_urban", URBAN, [adult(400), adult(800)], True),
        ("dibao_urban", {**URBAN, "vehicles": 1}, [adult(500)], False),
        ("dibao_urban", {**URBAN, "businesses": 1}, [adult(500)], False),
        ("dibao_urban", {**URBAN, "homes": 2, "home_area_m2": 200}, [adult(500)], False),
        ("dibao_urban", {**URBAN, "deposits": 20000}, [adult(500)], False),
        ("dibao_urban", {**URBAN, "deposits": 15120}, [adult(500)], True),
        ("dibao_urban", {**URBAN, "deposits": None, "vehicles": None}, [adult(500)], True),
        ("dibao_urban", URBAN, [adult(None)], None),
        # a member's income unknown: the known part decides "no" when it is already too high
        ("dibao_urban", URBAN, [adult(1260), adult(None)], False),
        ("dibao_urban", URBAN, [adult(1259.98), adult(None)], None),
        ("dibao_edge", URBAN, [adult(1890), adult(None)], False),
        ("dibao_edge", URBAN, [adult(1000), adult(None)], None),
        ("rigid_expense", URBAN, [adult(3000, medical_spend_12m=5000), adult(None)], False),
        ("rigid_expense", URBAN, [adult(100, medical_spend_12m=5000), adult(None)], None),
        ("dibao_urban", RURAL, [adult(300)], False),
        ("dibao_rural", RURAL, [adult(419.99)], True),
        ("dibao_rural", RURAL, [adult(420)], False),
        ("dibao_urban", URBAN, [adult(0, died_on=ON - DAY)], False),
        # 特困: no capacity, no living source, no supporter
        ("tekun", ALONE, [aged(70, monthly_income=180, basic_pension=180)], True),
        ("tekun", ALONE, [aged(70, monthly_income=820, basic_pension=180)], False),
        ("tekun", {"has_supporter": True}, [aged(70)], False),
        ("tekun", {"has_supporter": None}, [aged(70)], None),
        ("tekun", ALONE, [aged(60)], True),
        ("tekun", ALONE, [aged(60, days_after=1)], False),
        ("tekun", ALONE, [aged(72), aged(68)], True),
        ("tekun", ALONE, [aged(72), aged(45)], False),
        ("tekun", ALONE, [aged(10, parents_status="dead")], False),
        ("tekun", ALONE, [aged(70), aged(66), aged(12)], False),  # 低保 instead
        ("dibao_urban", ALONE, [aged(70), aged(66), aged(12)], True),
        ("tekun", {**ALONE, "vehicles": 1}, [aged(70)], False),
        # a 特困 household is not also on 低保; an unknown 特困 does not block 低保
        ("dibao_urban", ALONE, [aged(70, monthly_income=180, basic_pension=180)], False),
        ("dibao_urban", {"has_supporter": None}, [aged(70)], True),
        # 低保边缘: below 1.5 ×, not 低保; or the spending type
        ("dibao_edge", URBAN, [adult(700)], True),
        ("dibao_edge", URBAN, [adult(944.99)], True),
        ("dibao_edge", URBAN, [adult(945)], False),
        ("dibao_edge", URBAN, [adult(500)], False),
        ("dibao_edge", URBAN, [adult(1000, medical_spend_12m=700)], False),  # 支出型 is off
        ("dibao_edge", {**URBAN, "vehicles": 1}, [adult(700)], False),
        # 刚性支出: not 边缘, below disposable income, spending > 70 % of income
        ("rigid_expense", URBAN, [adult(3160, medical_spend_12m=26560)], True),
        ("rigid_expense", URBAN, [adult(3160, medical_spend_12m=26544)], False),  # exactly 70 %
        ("rigid_expense", URBAN, [adult(3170, medical_spend_12m=26700)], False),  # above 38,000
        ("rigid_expense", URBAN, [adult(1000, medical_spend_12m=8500)], True),
        ("rigid_expense", URBAN, [adult(900, medical_spend_12m=8500)], False),  # 边缘 instead
        # 临时救助
        ("temporary_aid", {**URBAN, "emergency_kind": "火灾"}, [adult(2000)], True),
        ("temporary_aid", {**URBAN, "emergency_kind": "火灾"}, [adult(3200)], False),
        ("temporary_aid", URBAN, [adult(2000)], False),
        ("temporary_aid", URBAN, [adult(2000, medical_spend_12m=17000)], True),
        ("temporary_aid", {**URBAN, "vehicles": 1}, [adult(2000, medical_spend_12m=17000)], False),
        ("temporary_aid", {**URBAN, "emergency_kind": "火灾", "vehicles": 1}, [adult(2000)], True),
        # 零就业
        (
            "zero_employment",
            URBAN,
            [aged(45, employment="registered_unemployed"), aged(20, employment="student")],
            True,
        ),
        ("zero_employment", RURAL, [aged(45, employment="registered_unemployed")], False),
        ("zero_employment", URBAN, [aged(70, employment="retired")], False),
        # 困境儿童
        ("child_welfare", {}, [aged(70), aged(9, parents_status="unable")], True),
        ("child_welfare", {}, [aged(70), aged(9, parents_status="away")], False),
        # 医疗救助
        ("medical_aid", URBAN, [adult(500, has_serious_illness=True)], True),
        ("medical_aid", URBAN, [adult(900, has_serious_illness=True)], True),
        ("medical_aid", URBAN, [adult(500, has_serious_illness=False)], False),
        (
            "medical_aid",
            URBAN,
            [adult(5000, has_serious_illness=True, medical_spend_12m=30001)],
            True,
        ),
        (
            "medical_aid",
            URBAN,
            [adult(5000, has_serious_illness=True, medical_spend_12m=30000)],
            False,
        ),
        # 残疾人两项补贴
        ("disability_living", URBAN, [adult(500, disability_grade=4)], True),
        ("disability_living", URBAN, [adult(5000, disability_grade=4)], False),
        ("disability_care", URBAN, [adult(5000, disability_grade=2)], True),
        ("disability_care", URBAN, [adult(5000, disability_grade=3)], False),
        # 高龄津贴
        ("old_age_allowance", {}, [aged(80)], True),
        ("old_age_allowance", {}, [aged(80, days_after=1)], False),
        # 教育资助
        ("education_aid", URBAN, [adult(500), aged(9, school_stage="小学")], True),
        ("education_aid", URBAN, [adult(5000), aged(9, school_stage="小学")], False),
        ("education_aid", URBAN, [adult(500), aged(4, school_stage="学前")], False),
    ],
)
def test_policy(policy, household, members, eligible):
    assert result(household, members, policy)["eligible"] is eligible


@pytest.mark.parametrize(
    ("policy", "members", "amount"),
    [
        ("dibao_urban", [adult(400), adult(600)], 260),  # (630 − 500) × 2
        ("tekun", [aged(70)], 819),  # 1.3 × 630
        ("old_age_allowance", [aged(80), aged(89)], 200),
        ("old_age_allowance", [aged(90)], 200),
        ("old_age_allowance", [aged(100), aged(79)], 300),
        ("disability_care", [adult(disability_grade=1), adult(disability_grade=2)], 200),
        ("disability_living", [adult(disability_grade=4)], 50),
        ("dibao_edge", [adult(5000)], None),
    ],
)
def test_amount(policy, members, amount):
    r = result({**URBAN, **ALONE, "emergency_kind": None}, members, policy)
    assert r["amount"] == (pytest.approx(amount) if amount is not None else None)


def test_temporary_aid_amount_is_the_cap():
    r = result({**URBAN, "emergency_kind": "火灾"}, [adult(2000)], "temporary_aid")
    assert r["amount"] == 6300  # 10 × 630


def test_amount_is_null_unless_eligible():
    assert result(URBAN, [adult(700)], "dibao_urban")["amount"] is None


def test_explanation_lists_every_condition_with_its_facts():
    r = result({**URBAN, "deposits": None}, [adult(500)], "dibao_urban")
    rows = {e["condition"]: e for e in r["explanation"]}
    assert list(rows) == [
        "hukou_urban",
        "has_members",
        "income_below_dibao",
        "no_vehicle",
        "no_business",
        "housing_within_limit",
        "deposits_within_limit",
        "not_tekun",
    ]
    income = rows["income_below_dibao"]
    assert (income["passed"], income["value"], income["threshold"]) == (True, 500, 630)
    assert income["label"] == "家庭月人均收入低于当地低保标准"
    assert "630" in income["source"]
    # unknown deposits: shown as unknown, eligible anyway (the visit verifies assets)
    assert rows["deposits_within_limit"]["passed"] is None
    assert r["eligible"] is True


def spending_type_on() -> ParameterTable:
    rows = default_table().frame.to_dicts()
    return ParameterTable.from_records(
        [{**r, "value": 1} if r["name"] == "edge_spending_type" else r for r in rows]
    )


@pytest.mark.parametrize(
    ("policy", "members", "eligible"),
    [
        # with the local 支出型 边缘 switched on, spending moves a family from 刚性支出 to 边缘
        ("dibao_edge", [adult(1000, medical_spend_12m=700)], True),
        ("dibao_edge", [adult(1000, medical_spend_12m=659)], False),
        ("rigid_expense", [adult(1000, medical_spend_12m=8500)], False),
        ("dibao_edge", [adult(1000, medical_spend_12m=8500)], True),
        # … and 刚性支出 keeps only the band where what is left after spending ≥ 1.5 × 低保
        ("rigid_expense", [adult(3160, medical_spend_12m=26560)], True),
        ("rigid_expense", [adult(3160, medical_spend_12m=26600)], False),
    ],
)
def test_spending_type_edge(policy, members, eligible):
    assert result(URBAN, members, policy, params=spending_type_on())["eligible"] is eligible


def test_explanation_of_a_nested_rule_lists_the_leaves_once():
    r = result(URBAN, [adult(1000, medical_spend_12m=700)], "dibao_edge")
    codes = [e["condition"] for e in r["explanation"]]
    assert codes.count("income_below_disposable") == 1
    assert {"income_below_edge", "edge_spending_type", "income_after_spending_below_edge"} <= set(
        codes
    )


def test_output_is_long_with_every_policy_per_household():
    h, m = frames(URBAN, [adult(500)], more=[(RURAL, [adult(300)]), ({}, [aged(85)])])
    out = evaluate(h, m, on=ON)
    assert out.height == 3 * len(POLICY_CODES)
    assert out.columns == ["household_id", "policy", "eligible", "amount", "explanation"]
    assert out["policy"].cast(pl.String).unique(maintain_order=True).to_list() == POLICY_CODES
    wide = out.pivot(on="policy", index="household_id", values="eligible")
    assert wide.row(0, named=True)["dibao_urban"] is True
    assert wide.row(1, named=True)["dibao_rural"] is True
    assert wide.row(2, named=True)["old_age_allowance"] is True


def test_explain_false_and_a_subset_of_policies():
    h, m = frames(URBAN, [adult(500, disability_grade=3)])
    out = evaluate(h, m, on=ON, policies=["disability_living"], explain=False)
    assert out.columns == ["household_id", "policy", "eligible", "amount"]
    assert out.to_dicts() == [
        {"household_id": 1, "policy": "disability_living", "eligible": True, "amount": 50.0}
    ]


def test_explain_a_frame_of_rows_keeps_those_rows_each_explained():
    h, m = frames(URBAN, [adult(500)], more=[(RURAL, [adult(300)]), ({}, [aged(85)])])
    everything = evaluate(h, m, on=ON)
    wanted = pl.DataFrame(
        {"household_id": [3, 1, 2], "policy": ["old_age_allowance"] * 2 + ["tekun"]}
    )
    out = evaluate(h, m, on=ON, explain=wanted)
    # in the order of the full output (by policy, households in input order), nothing else
    expected = everything.join(
        wanted.with_columns(pl.col("policy").cast(everything.schema["policy"])),
        on=["household_id", "policy"],
        how="semi",
        maintain_order="left",
    )
    assert out.to_dicts() == expected.to_dicts()
    assert out.select("household_id", pl.col("policy").cast(pl.String)).rows() == [
        (2, "tekun"),
        (1, "old_age_allowance"),
        (3, "old_age_allowance"),
    ]
    none = evaluate(h, m, on=ON, explain=wanted.clear())
    assert none.height == 0 and none.columns == everything.columns


def test_unknown_policy_is_an_error():
    h, m = frames()
    with pytest.raises(KeyError, match="没有政策"):
        evaluate(h, m, on=ON, policies=["dibao"])

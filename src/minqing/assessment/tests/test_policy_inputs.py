"""The frames built from linked data meet the policies' input contract and evaluate."""

from datetime import date

import polars as pl
import pytest

from minqing.assessment.facts import FACTS_SCHEMA
from minqing.assessment.indicators import UNEMPLOYMENT_BENEFIT_DEMO, household_indicators
from minqing.assessment.policy_inputs import policy_inputs
from minqing.policies import evaluate

MEMBER_SCHEMA = {
    "household_id": pl.Int64,
    "person_id": pl.Int64,
    "relation": pl.String,
    "birth_on": pl.Date,
    "sex": pl.String,
}

ON = date(2026, 10, 31)


def test_a_poor_urban_household_is_found_for_dibao_and_a_rich_one_is_not():
    members = pl.DataFrame(
        [
            (1, 1, "head", date(1970, 1, 1), "F"),
            (1, 2, "child", date(2012, 1, 1), "M"),
            (2, 3, "head", date(1975, 1, 1), "M"),
        ],
        schema={
            "household_id": pl.Int64,
            "person_id": pl.Int64,
            "relation": pl.String,
            "birth_on": pl.Date,
            "sex": pl.String,
        },
        orient="row",
    )
    rows = []
    for person_id, values in {
        1: {"hukou_type": "urban", "employment": "registered_unemployed", "is_dead": False},
        2: {"school_stage": "初中", "guardianship": "父母监护"},
        3: {"hukou_type": "urban", "employment": "employed", "monthly_wage": 9000.0, "vehicles": 1},
    }.items():
        row = {c: None for c in FACTS_SCHEMA}
        row.update(person_id=person_id, **values)
        rows.append(row)
    facts = pl.DataFrame(rows, schema=FACTS_SCHEMA)
    households = pl.DataFrame({"household_id": [1, 2], "area_code": ["41081100100101"] * 2})
    indicators = household_indicators(members, facts, on=ON)
    hh, mm = policy_inputs(households, members, facts, indicators, on=ON)
    result = evaluate(hh, mm, on=ON, explain=False).with_columns(pl.col("policy").cast(pl.String))
    eligible = {
        (h, p): e for h, p, e in result.select("household_id", "policy", "eligible").iter_rows()
    }
    assert eligible[(1, "dibao_urban")] is True
    assert eligible[(2, "dibao_urban")] is False


def _one_person(values: dict, born: date = date(1980, 5, 1)) -> tuple:
    members = pl.DataFrame([(1, 1, "head", born, "M")], schema=MEMBER_SCHEMA, orient="row")
    row = {c: None for c in FACTS_SCHEMA}
    row.update(person_id=1, hukou_type="urban", **values)
    facts = pl.DataFrame([row], schema=FACTS_SCHEMA)
    households = pl.DataFrame({"household_id": [1], "area_code": ["41081100100101"]})
    indicators = household_indicators(members, facts, on=ON)
    return policy_inputs(households, members, facts, indicators, on=ON)


@pytest.mark.parametrize(
    ("values", "born", "income"),
    [
        # on no list at working age: farming, informal work or no work, nobody can tell
        ({}, date(1980, 5, 1), None),
        ({"employment": "registered_unemployed"}, date(1980, 5, 1), 0.0),
        (
            {"employment": "registered_unemployed", "receives_unemployment_benefit": True},
            date(1980, 5, 1),
            UNEMPLOYMENT_BENEFIT_DEMO,
        ),
        ({"employment": "employed", "monthly_wage": 4000.0}, date(1980, 5, 1), 4000.0),
        # a contribution base at the floor (3,500, demo) says only that the wage is no higher
        ({"employment": "employed", "monthly_wage": 3500.0}, date(1980, 5, 1), None),
        ({"employment": "employed", "monthly_wage": 3500.01}, date(1980, 5, 1), 3500.01),
        (
            {"employment": "employed", "monthly_wage": 4000.0, "businesses": 1},
            date(1980, 5, 1),
            None,
        ),
        ({"disability_grade": 1}, date(1980, 5, 1), 0.0),  # unable to work
        ({}, date(1960, 5, 1), 0.0),  # 66: past working age
        ({}, date(2010, 5, 1), 0.0),  # 16, but still at school below
        ({"employment": "retired", "monthly_pension": 2800.0}, date(1960, 5, 1), 2800.0),
    ],
)
def test_income_is_unknown_only_where_no_list_accounts_for_it(values, born, income):
    if born == date(2010, 5, 1):
        values = {**values, "school_stage": "高中"}
    _, members = _one_person(values, born)
    assert members["monthly_income"][0] == income


# --- 核对 reports ------------------------------------------------------------------------------

REPORT = {"verified_on": ON, "verified_income": 300.0, "financial_assets": 20000.0}


@pytest.mark.parametrize(
    ("values", "income", "deposits", "supporter"),
    [
        # no report: farm or informal income unknown, deposits unknown
        ({}, None, None, None),
        # a report on the day: its income replaces the unknown one, its assets are the deposits
        ({**REPORT, "supporter": "none"}, 300.0, 20000.0, False),
        ({**REPORT, "supporter": "able"}, 300.0, 20000.0, True),
        # the report's income wins over the lists' too (it is the verified figure)
        ({**REPORT, "employment": "employed", "monthly_wage": 4000.0}, 300.0, 20000.0, None),
        # a year and a day old: no longer counts
        ({**REPORT, "verified_on": date(2025, 10, 30)}, None, None, None),
        # 364 days old: still counts
        ({**REPORT, "verified_on": date(2025, 11, 1)}, 300.0, 20000.0, None),
        # dated after the assessment date: not known yet on it
        ({**REPORT, "verified_on": date(2026, 11, 1)}, None, None, None),
    ],
)
def test_a_valid_verification_report_settles_income_deposits_and_supporter(
    values, income, deposits, supporter
):
    households, members = _one_person(values)
    assert members["monthly_income"][0] == income
    assert households["deposits"][0] == deposits
    assert households["has_supporter"][0] == supporter


def test_reported_deposits_above_the_limit_make_a_poor_household_ineligible():
    def dibao(values: dict) -> bool | None:
        hh, mm = _one_person({"employment": "registered_unemployed", **values})
        result = evaluate(hh, mm, on=ON, explain=False).with_columns(
            pl.col("policy").cast(pl.String)
        )
        return result.filter(pl.col("policy") == "dibao_urban")["eligible"][0]

    # 24 months of the 630 元 standard: 15,120 元 per person
    assert dibao({}) is True  # deposits unknown: passes, the visit checks
    assert dibao({**REPORT, "verified_income": 0.0, "financial_assets": 15120.0}) is True
    assert dibao({**REPORT, "verified_income": 0.0, "financial_assets": 15120.01}) is False


def test_family_deposits_are_the_sum_over_living_members_with_a_report():
    members = pl.DataFrame(
        [(1, 1, "head", date(1950, 1, 1), "M"), (1, 2, "spouse", date(1952, 1, 1), "F")],
        schema=MEMBER_SCHEMA,
        orient="row",
    )
    rows = []
    for person_id, assets in ((1, 5000.0), (2, 7000.0)):
        row = {c: None for c in FACTS_SCHEMA}
        row.update(
            person_id=person_id, hukou_type="rural", **{**REPORT, "financial_assets": assets}
        )
        rows.append(row)
    facts = pl.DataFrame(rows, schema=FACTS_SCHEMA)
    households = pl.DataFrame({"household_id": [1], "area_code": ["41081100100101"]})
    indicators = household_indicators(members, facts, on=ON)
    hh, _ = policy_inputs(households, members, facts, indicators, on=ON)
    assert hh["deposits"][0] == 12000.0
    assert indicators["verified_members"][0] == 2
    assert indicators["monthly_income"][0] == 600.0


@pytest.mark.parametrize(
    ("values", "employment", "income"),
    [
        ({}, None, None),  # on no list: could be working, nobody can tell
        ({"has_serious_illness": True}, "unable", 0.0),  # 重大疾病, no job on any list
        ({"disability_grade": 2}, "unable", 0.0),
        ({"disability_grade": 3}, None, None),  # a lighter disability: able to work
        # a job on the list wins over the illness
        (
            {"has_serious_illness": True, "employment": "employed", "monthly_wage": 4500.0},
            "employed",
            4500.0,
        ),
        ({"has_serious_illness": True, "school_stage": "高中"}, "student", 0.0),
    ],
)
def test_a_member_the_lists_show_seriously_ill_or_disabled_is_unable_to_work(
    values, employment, income
):
    _, members = _one_person(values)
    assert members["employment"][0] == employment
    assert members["monthly_income"][0] == income


@pytest.mark.parametrize(
    ("told_on", "kind"),
    [
        (ON, "火灾"),
        (date(2026, 5, 3), "火灾"),  # 181 days before: passed on, the rule says it is too old
        (date(2026, 11, 1), None),  # after the assessment date: not known on it
    ],
)
def test_an_emergency_known_on_the_date_is_passed_on_with_its_day(told_on, kind):
    households, _ = _one_person({"emergency_kind": "火灾", "emergency_on": told_on})
    assert households["emergency_kind"][0] == kind
    assert households["emergency_on"][0] == (told_on if kind else None)


def test_the_newest_emergency_of_the_members_is_the_households():
    members = pl.DataFrame(
        [(1, 1, "head", date(1960, 1, 1), "M"), (1, 2, "spouse", date(1962, 1, 1), "F")],
        schema=MEMBER_SCHEMA,
        orient="row",
    )
    rows = []
    for person, kind, day in ((1, "火灾", date(2026, 6, 1)), (2, "突发重病", date(2026, 9, 9))):
        row = {c: None for c in FACTS_SCHEMA}
        row.update(person_id=person, hukou_type="urban", emergency_kind=kind, emergency_on=day)
        rows.append(row)
    facts = pl.DataFrame(rows, schema=FACTS_SCHEMA)
    areas = pl.DataFrame({"household_id": [1], "area_code": ["41081100100101"]})
    indicators = household_indicators(members, facts, on=ON)
    households, _ = policy_inputs(areas, members, facts, indicators, on=ON)
    assert (households["emergency_kind"][0], households["emergency_on"][0]) == (
        "突发重病",
        date(2026, 9, 9),
    )


def test_families_that_declined_the_check_and_have_no_report():
    members = pl.DataFrame(
        [
            (h, p, "head", date(1960, 1, 1), "M")
            for h, p in ((1, 1), (2, 2), (3, 3), (3, 4), (4, 5))
        ],
        schema=MEMBER_SCHEMA,
        orient="row",
    )
    rows = []
    for person_id, values in {
        1: {"refused_on": ON},  # declined today
        2: {"refused_on": date(2025, 10, 30)},  # declined over a year ago: ask again
        3: {"refused_on": ON},
        4: {"verified_on": ON, "verified_income": 0.0},  # the family has a report after all
        5: {"refused_on": date(2026, 11, 2)},  # answered after the assessment date
    }.items():
        row = {c: None for c in FACTS_SCHEMA}
        row.update(person_id=person_id, **values)
        rows.append(row)
    facts = pl.DataFrame(rows, schema=FACTS_SCHEMA)
    households = pl.DataFrame({"household_id": [1, 2, 3, 4], "area_code": ["41081100100101"] * 4})
    indicators = household_indicators(members, facts, on=ON)
    hh, _ = policy_inputs(households, members, facts, indicators, on=ON)
    declined = hh.sort("household_id").select("household_id", "verification_declined")
    assert declined.rows() == [(1, True), (2, False), (3, False), (4, False)]

"""Every condition, table-driven, boundaries included. Each case is one household (its facts as
overrides of factories.HOUSEHOLD / MEMBER) and the expected passed, value and threshold on
factories.ON (2026-10-31: urban 低保 630, rural 420 元/人/月)."""

import datetime as dt

import polars as pl
import pytest

from minqing.policies import CONDITIONS, ParameterTable, check, default_table
from minqing.policies.tests.factories import ON, born_aged, frames

ANY = object()  # value or threshold not checked

DAY = dt.timedelta(days=1)


def case(id, code, household, members, passed, value=ANY, threshold=ANY):
    return pytest.param(code, household, members, passed, value, threshold, id=f"{code}: {id}")


def adult(income=0.0, **kw):
    return {"monthly_income": income, **kw}


def aged(years, days_after=0, **kw):
    return {"birth_on": born_aged(years, days_after=days_after), **kw}


URBAN = {"hukou_type": "urban"}
RURAL = {"hukou_type": "rural"}

CASES = [
    # --- household and income ---------------------------------------------------------------
    case("one living member", "has_members", {}, [adult()], True, 1, 1),
    case("the only member died", "has_members", {}, [adult(died_on=ON - DAY)], False, 0, 1),
    case("hukou urban", "hukou_urban", URBAN, [adult()], True),
    case("hukou rural", "hukou_urban", RURAL, [adult()], False),
    case("hukou unknown", "hukou_urban", {"hukou_type": None}, [adult()], None),
    case("hukou rural", "hukou_rural", RURAL, [adult()], True),
    case("one fen below", "income_below_dibao", URBAN, [adult(629.99)], True, 629.99, 630),
    case("exactly at: not below", "income_below_dibao", URBAN, [adult(630)], False, 630, 630),
    case("per capita at", "income_below_dibao", URBAN, [adult(1000), adult(260)], False, 630),
    case("per capita below", "income_below_dibao", URBAN, [adult(1000), adult(259)], True, 629.5),
    case("rural below", "income_below_dibao", RURAL, [adult(419.99)], True, 419.99, 420),
    case("rural at", "income_below_dibao", RURAL, [adult(420)], False, 420, 420),
    case("income unknown", "income_below_dibao", URBAN, [adult(None), adult(0)], None, None),
    case("hukou unknown", "income_below_dibao", {"hukou_type": None}, [adult(0)], None, 0, None),
    case(
        "a member who died is not counted",
        "income_below_dibao",
        URBAN,
        [adult(700), adult(0, died_on=ON - DAY)],
        False,
        700,
    ),
    case(
        "died on the date: not counted",
        "income_below_dibao",
        URBAN,
        [adult(700), adult(0, died_on=ON)],
        False,
        700,
    ),
    case(
        "dies after the date: counted",
        "income_below_dibao",
        URBAN,
        [adult(700), adult(0, died_on=ON + DAY)],
        True,
        350,
    ),
    case(
        "a member in prison is not counted",
        "income_below_dibao",
        URBAN,
        [adult(700), adult(0, is_excluded=True)],
        False,
        700,
    ),
    # --- assets ---------------------------------------------------------------------------------
    case("no vehicle", "no_vehicle", {"vehicles": 0}, [adult()], True, 0, 0),
    case("a car", "no_vehicle", {"vehicles": 1}, [adult()], False, 1, 0),
    case("unknown", "no_vehicle", {"vehicles": None}, [adult()], None, None),
    case("no business", "no_business", {"businesses": 0}, [adult()], True, 0, 0),
    case("a business", "no_business", {"businesses": 2}, [adult()], False, 2),
    case("unknown", "no_business", {"businesses": None}, [adult()], None),
    case(
        "one large home",
        "housing_within_limit",
        {"homes": 1, "home_area_m2": 300},
        [adult()],
        True,
        300,
        80,
    ),
    case(
        "two homes, exactly 2 × 40 ㎡ per person",
        "housing_within_limit",
        {"homes": 2, "home_area_m2": 160},
        [adult(), adult()],
        True,
        80,
        80,
    ),
    case(
        "two homes above the limit",
        "housing_within_limit",
        {"homes": 2, "home_area_m2": 161},
        [adult(), adult()],
        False,
        80.5,
        80,
    ),
    case(
        "two homes, area unknown",
        "housing_within_limit",
        {"homes": 2, "home_area_m2": None},
        [adult()],
        None,
    ),
    case(
        "homes unknown, small area",
        "housing_within_limit",
        {"homes": None, "home_area_m2": 50},
        [adult()],
        True,
    ),
    case(
        "exactly 24 months: not above",
        "deposits_within_limit",
        {"deposits": 15120},
        [adult()],
        True,
        15120,
        15120,
    ),
    case(
        "a fen above",
        "deposits_within_limit",
        {"deposits": 15120.01},
        [adult()],
        False,
        15120.01,
        15120,
    ),
    case(
        "rural, per person",
        "deposits_within_limit",
        {**RURAL, "deposits": 20160},
        [adult(), adult()],
        True,
        10080,
        10080,
    ),
    case("unknown", "deposits_within_limit", {"deposits": None}, [adult()], None, None, 15120),
    # --- 特困 ------------------------------------------------------------------------------------------
    case("turns 60 on the date", "no_work_capacity", {}, [aged(60)], True, 0, 0),
    case("turns 60 tomorrow", "no_work_capacity", {}, [aged(60, days_after=1)], False, 1),
    case("aged 15", "no_work_capacity", {}, [aged(15)], True, 0),
    case("turns 16 on the date", "no_work_capacity", {}, [aged(16)], False, 1),
    case("turns 16 tomorrow", "no_work_capacity", {}, [aged(16, days_after=1)], True, 0),
    case(
        "grade 2 intellectual",
        "no_work_capacity",
        {},
        [aged(40, disability_grade=2, disability_category="智力")],
        True,
    ),
    case(
        "grade 3 intellectual",
        "no_work_capacity",
        {},
        [aged(40, disability_grade=3, disability_category="智力")],
        False,
    ),
    case(
        "grade 1 physical",
        "no_work_capacity",
        {},
        [aged(40, disability_grade=1, disability_category="肢体")],
        True,
    ),
    case(
        "grade 2 physical",
        "no_work_capacity",
        {},
        [aged(40, disability_grade=2, disability_category="肢体")],
        False,
    ),
    case(
        "grade 1 visual",
        "no_work_capacity",
        {},
        [aged(40, disability_grade=1, disability_category="视力")],
        False,
    ),
    case("birth date unknown", "no_work_capacity", {}, [adult(birth_on=None)], None),
    case(
        "birth date unknown, grade 1 physical",
        "no_work_capacity",
        {},
        [adult(birth_on=None, disability_grade=1, disability_category="肢体")],
        True,
    ),
    case("couple 70 and 45", "no_work_capacity", {}, [aged(70), aged(45)], False, 1),
    case("aged 15 alone", "no_minors", {}, [aged(15)], False, 1, 0),
    case("turns 16 on the date", "no_minors", {}, [aged(16)], True, 0, 0),
    case("grandparents and a child", "no_minors", {}, [aged(70), aged(65), aged(9)], False, 1),
    case(
        "basic pension not counted",
        "no_living_source",
        {},
        [adult(700, basic_pension=180)],
        True,
        520,
        630,
    ),
    case(
        "at the standard without the pension",
        "no_living_source",
        {},
        [adult(810, basic_pension=180)],
        False,
        630,
    ),
    case("no supporter", "no_supporter", {"has_supporter": False}, [adult()], True),
    case("a supporter", "no_supporter", {"has_supporter": True}, [adult()], False),
    case("unknown", "no_supporter", {"has_supporter": None}, [adult()], None),
    # --- 边缘, 刚性支出, 临时救助 ------------------------------------------------------------------
    case("below 1.5 ×", "income_below_edge", URBAN, [adult(944.99)], True, 944.99, 945),
    case("exactly 1.5 ×", "income_below_edge", URBAN, [adult(945)], False, 945, 945),
    case("rural 1.5 ×", "income_below_edge", RURAL, [adult(630)], False, 630, 630),
    case("spending type off (shipped)", "edge_spending_type", {}, [adult()], False, 0, 1),
    case("below", "income_below_disposable", RURAL, [adult(1749.99)], True, 20999.88, 21000),
    case("exactly at", "income_below_disposable", RURAL, [adult(1750)], False, 21000, 21000),
    case(
        "after medical spending, below",
        "income_after_spending_below_edge",
        URBAN,
        [adult(1000, medical_spend_12m=700)],
        True,
        941.67,
        945,
    ),
    case(
        "after medical spending, still above",
        "income_after_spending_below_edge",
        URBAN,
        [adult(1000, medical_spend_12m=659)],
        False,
        945.08,
    ),
    case(
        "education spending counts",
        "income_after_spending_below_edge",
        {**URBAN, "education_spend_12m": 700},
        [adult(1000)],
        True,
        941.67,
    ),
    case(
        "a fen above 70 %",
        "rigid_spending_above_ratio",
        {},
        [adult(1000, medical_spend_12m=8400.01)],
        True,
        pytest.approx(0.7000008),
        0.7,
    ),
    case(
        "exactly 70 %: not above",
        "rigid_spending_above_ratio",
        {},
        [adult(1000, medical_spend_12m=8400)],
        False,
        0.7,
        0.7,
    ),
    case(
        "no income, some spending",
        "rigid_spending_above_ratio",
        {},
        [adult(0, medical_spend_12m=100)],
        True,
        None,
    ),
    case("no income, no spending", "rigid_spending_above_ratio", {}, [adult(0)], False),
    case(
        "income unknown",
        "rigid_spending_above_ratio",
        {},
        [adult(None, medical_spend_12m=100)],
        None,
    ),
    case(
        "a fire, day unknown: recent", "has_emergency", {"emergency_kind": "火灾"}, [adult()], True
    ),
    case("none known", "has_emergency", {"emergency_kind": None}, [adult()], False),
    case("empty text", "has_emergency", {"emergency_kind": " "}, [adult()], False),
    case(
        "180 days ago: still recent",
        "has_emergency",
        {"emergency_kind": "交通事故", "emergency_on": ON - 180 * DAY},
        [adult()],
        True,
        180,
        180,
    ),
    case(
        "181 days ago: no longer",
        "has_emergency",
        {"emergency_kind": "交通事故", "emergency_on": ON - 181 * DAY},
        [adult()],
        False,
        181,
        180,
    ),
    case(
        "on the day",
        "has_emergency",
        {"emergency_kind": "突发重病", "emergency_on": ON},
        [adult()],
        True,
        0,
        180,
    ),
    case(
        "after the assessment date: not yet",
        "has_emergency",
        {"emergency_kind": "火灾", "emergency_on": ON + DAY},
        [adult()],
        False,
        -1,
        180,
    ),
    # --- 医疗救助 -----------------------------------------------------------------------------------
    case("seriously ill", "has_seriously_ill", {}, [adult(has_serious_illness=True)], True, 1),
    case("not", "has_seriously_ill", {}, [adult(has_serious_illness=False)], False, 0),
    case(
        "a fen above half",
        "medical_burden_above_share",
        {},
        [adult(1000, medical_spend_12m=6000.01)],
        True,
        pytest.approx(0.5000008),
        0.5,
    ),
    case(
        "exactly half",
        "medical_burden_above_share",
        {},
        [adult(1000, medical_spend_12m=6000)],
        False,
        0.5,
    ),
    # --- 零就业 -----------------------------------------------------------------------------------------
    case("employed 30", "has_able_working_member", {}, [aged(30, employment="employed")], True, 1),
    case("student 17", "has_able_working_member", {}, [aged(17, employment="student")], False, 0),
    case(
        "turns 16 on the date",
        "has_able_working_member",
        {},
        [aged(16, employment="unregistered_unemployed")],
        True,
    ),
    case(
        "turns 16 tomorrow",
        "has_able_working_member",
        {},
        [aged(16, days_after=1, employment="unregistered_unemployed")],
        False,
    ),
    case(
        "man turns 60 on the date",
        "has_able_working_member",
        {},
        [aged(60, employment="registered_unemployed")],
        False,
    ),
    case(
        "man aged 59",
        "has_able_working_member",
        {},
        [aged(59, employment="registered_unemployed")],
        True,
    ),
    case(
        "woman aged 55",
        "has_able_working_member",
        {},
        [aged(55, sex="F", employment="registered_unemployed")],
        False,
    ),
    case("employment unknown", "has_able_working_member", {}, [aged(30, employment=None)], None),
    case(
        "both registered",
        "all_able_registered_unemployed",
        {},
        [aged(30, employment="registered_unemployed")] * 2,
        True,
        0,
        0,
    ),
    case(
        "one employed",
        "all_able_registered_unemployed",
        {},
        [aged(30, employment="registered_unemployed"), aged(30, employment="employed")],
        False,
        1,
    ),
    case(
        "one unregistered",
        "all_able_registered_unemployed",
        {},
        [aged(30, employment="registered_unemployed"), aged(30, employment="farmer")],
        False,
        1,
    ),
    case(
        "a student does not count",
        "all_able_registered_unemployed",
        {},
        [aged(45, employment="registered_unemployed"), aged(19, employment="student")],
        True,
    ),
    case(
        "one unknown",
        "all_able_registered_unemployed",
        {},
        [aged(30, employment="registered_unemployed"), aged(30, employment=None)],
        None,
    ),
    # --- children, disability, age, school -----------------------------------------------------
    case(
        "parents dead",
        "has_child_without_care",
        {},
        [aged(10, parents_status="dead")],
        True,
        1,
    ),
    case(
        "parents unable",
        "has_child_without_care",
        {},
        [aged(10, parents_status="unable")],
        True,
    ),
    case(
        "parents away (留守)",
        "has_child_without_care",
        {},
        [aged(10, parents_status="away")],
        False,
    ),
    case(
        "turns 18 on the date",
        "has_child_without_care",
        {},
        [aged(18, parents_status="dead")],
        False,
    ),
    case(
        "turns 18 tomorrow",
        "has_child_without_care",
        {},
        [aged(18, days_after=1, parents_status="dead")],
        True,
    ),
    case("grade 4", "has_disabled", {}, [adult(disability_grade=4)], True, 1),
    case("grade 0 means none", "has_disabled", {}, [adult(disability_grade=0)], False, 0),
    case(
        "grade 2 visual",
        "has_severely_disabled",
        {},
        [adult(disability_grade=2, disability_category="视力")],
        True,
    ),
    case(
        "grade 3 mental (not extended)",
        "has_severely_disabled",
        {},
        [adult(disability_grade=3, disability_category="精神")],
        False,
    ),
    case("turns 80 on the date", "has_aged_member", {}, [aged(80)], True, 80, 80),
    case("turns 80 tomorrow", "has_aged_member", {}, [aged(80, days_after=1)], False, 79, 80),
    case(
        "aged 85, dead",
        "has_aged_member",
        {},
        [aged(85, died_on=ON - DAY), aged(50)],
        False,
        50,
    ),
    case("primary school", "has_pupil", {}, [aged(8, school_stage="小学")], True, 1),
    case("pre-school", "has_pupil", {}, [aged(4, school_stage="学前")], False, 0),
    # --- reference conditions (they evaluate the policies they read) ---------------------------------
    case(
        "特困: alone at 70, nothing, nobody",
        "not_tekun",
        {"has_supporter": False},
        [aged(70)],
        False,
    ),
    case("with a supporter", "not_tekun", {"has_supporter": True}, [aged(70)], True),
    case("supporter unknown", "not_tekun", {"has_supporter": None}, [aged(70)], True),
    case("on 低保", "not_dibao_or_tekun", URBAN, [adult(500)], False),
    case("above 低保", "not_dibao_or_tekun", URBAN, [adult(700)], True),
    case("on 边缘", "not_dibao_tekun_edge", URBAN, [adult(900)], False),
    case("above 边缘", "not_dibao_tekun_edge", URBAN, [adult(1000)], True),
    case("on 低保", "in_dibao_or_tekun", URBAN, [adult(500)], True),
    case("above 低保", "in_dibao_or_tekun", URBAN, [adult(700)], False),
    case("income unknown", "in_dibao_or_tekun", URBAN, [adult(None)], None),
    case("on 边缘", "in_dibao_tekun_edge", URBAN, [adult(900)], True),
    case(
        "zero employment",
        "family_in_difficulty",
        URBAN,
        [aged(40, monthly_income=2000, employment="registered_unemployed")],
        True,
    ),
    case(
        "employed, well off",
        "family_in_difficulty",
        URBAN,
        [aged(40, monthly_income=5000, employment="employed")],
        False,
    ),
]


@pytest.mark.parametrize(("code", "household", "members", "passed", "value", "threshold"), CASES)
def test_condition(code, household, members, passed, value, threshold):
    h, m = frames(household, members)
    result = check(code, h, m, on=ON).row(0, named=True)
    assert result["passed"] is passed
    if value is not ANY:
        assert result["value"] == value
    if threshold is not ANY:
        assert result["threshold"] == threshold


def test_every_condition_has_a_case():
    tested = {p.values[0] for p in CASES}
    assert set(CONDITIONS) - tested == set()


def test_check_returns_the_explanation_fields():
    h, m = frames(URBAN, [adult(500)])
    result = check("income_below_dibao", h, m, on=ON)
    assert result.columns == [
        "household_id",
        "label",
        "passed",
        "value",
        "threshold",
        "unit",
        "citation",
        "source",
        "is_demo",
    ]
    r = result.row(0, named=True)
    assert r["label"] == "家庭月人均收入低于当地低保标准"
    assert r["unit"] == "元/人/月"
    assert "最低生活保障审核确认办法" in r["citation"]
    assert "630" in r["source"] and r["is_demo"] is True


def test_care_subsidy_extended_to_grade_3_4_mental_by_a_district_row():
    rows = default_table().frame.to_dicts()
    rows.append(
        {
            **next(r for r in rows if r["name"] == "disability_care_mental_grade_max"),
            "value": 4,
            "area_code": "410811",
        }
    )
    table = ParameterTable.from_records(rows)
    h, m = frames({}, [adult(disability_grade=3, disability_category="精神")])
    assert check("has_severely_disabled", h, m, on=ON, params=table)["passed"][0] is True
    h2, m2 = frames(
        {"area_code": "410802"}, [adult(disability_grade=3, disability_category="精神")]
    )
    assert check("has_severely_disabled", h2, m2, on=ON, params=table)["passed"][0] is False


def test_spending_type_edge_can_be_switched_on():
    rows = [
        {**r, "value": 1} if r["name"] == "edge_spending_type" else r
        for r in default_table().frame.to_dicts()
    ]
    table = ParameterTable.from_records(rows)
    h, m = frames({}, [adult()])
    assert check("edge_spending_type", h, m, on=ON, params=table)["passed"][0] is True


def test_a_shorter_recent_window_dated_in_the_future_applies_from_its_date():
    rows = default_table().frame.to_dicts()
    current = next(r for r in rows if r["name"] == "temporary_aid_recent_days")
    change = ON + 10 * DAY
    current["effective_to"] = change - DAY
    rows.append({**current, "value": 90, "effective_from": change, "effective_to": None})
    table = ParameterTable.from_records(rows)
    h, m = frames({"emergency_kind": "火灾", "emergency_on": ON - 120 * DAY}, [adult()])
    today = check("has_emergency", h, m, on=ON, params=table)
    assert (today["passed"][0], today["threshold"][0]) == (True, 180)
    h, m = frames({"emergency_kind": "火灾", "emergency_on": ON - 120 * DAY}, [adult()])
    later = check("has_emergency", h, m, on=change, params=table)
    assert (later["passed"][0], later["value"][0], later["threshold"][0]) == (False, 130, 90)


def test_conditions_run_over_many_households_at_once():
    h, m = frames(URBAN, [adult(629.99)], more=[(URBAN, [adult(630)]), (RURAL, [adult(419.99)])])
    result = check("income_below_dibao", h, m, on=ON).sort("household_id")
    assert result["passed"].to_list() == [True, False, True]
    assert result["threshold"].to_list() == [630, 630, 420]
    assert result.schema["passed"] == pl.Boolean

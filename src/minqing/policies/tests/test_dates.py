"""Dates: a parameter that changes on a date, a change dated in the future, area overrides,
and people who reach an age on the assessment date — all through evaluate()."""

import datetime as dt

import polars as pl
import pytest

from minqing.policies import ParameterTable, age_on, default_table, evaluate
from minqing.policies.tests.factories import born_aged, frames

DAY = dt.timedelta(days=1)
NOTICE = dt.date(2022, 1, 1)  # Henan's 2022 低保 floors take effect


def eligible(households, members, policy, on, params=None) -> list:
    out = evaluate(households, members, on=on, params=params, policies=[policy], explain=False)
    return out.sort("household_id")["eligible"].to_list()


def threshold(households, members, policy, condition, on, params=None) -> list:
    out = evaluate(households, members, on=on, params=params, policies=[policy])
    return [
        next(e["threshold"] for e in explanation if e["condition"] == condition)
        for explanation in out.sort("household_id")["explanation"]
    ]


@pytest.mark.parametrize(
    ("on", "standard", "eligible_at_500"),
    [
        (NOTICE - DAY, 470, False),  # 500 ≥ 470 the day before
        (NOTICE, 630, True),  # 500 < 630 the day it takes effect
    ],
)
def test_dibao_standard_changes_on_its_date(on, standard, eligible_at_500):
    h, m = frames({"hukou_type": "urban"}, [{"monthly_income": 500.0}])
    assert threshold(h, m, "dibao_urban", "income_below_dibao", on) == [standard]
    assert eligible(h, m, "dibao_urban", on) == [eligible_at_500]


@pytest.mark.parametrize(("on", "standard"), [(NOTICE - DAY, 287.5), (NOTICE, 420)])
def test_rural_standard_changes_on_its_date(on, standard):
    h, m = frames({"hukou_type": "rural"}, [{"monthly_income": 300.0}])
    assert threshold(h, m, "dibao_rural", "income_below_dibao", on) == [standard]


def with_rows(*extra: dict, replace: str | None = None, until: dt.date | None = None):
    """The shipped table, the open row of `replace` closed on `until`, plus `extra` rows."""
    rows = []
    for r in default_table().frame.to_dicts():
        if r["name"] == replace and r["effective_to"] is None:
            r = {**r, "effective_to": until}
        rows.append(r)
    return ParameterTable.from_records([*rows, *extra])


def dibao_row(value, frm, area="41", to=None):
    return {
        "name": "dibao_urban",
        "value": value,
        "unit": "元/人/月",
        "effective_from": frm,
        "effective_to": to,
        "area_code": area,
        "source": f"测试: {area} 自 {frm} 起 {value}",
        "is_demo": True,
    }


def test_a_change_dated_in_the_future_leaves_today_alone_and_applies_from_its_date():
    today = dt.date.today()
    change = today + dt.timedelta(days=45)
    table = with_rows(dibao_row(700, change), replace="dibao_urban", until=change - DAY)
    h, m = frames({"hukou_type": "urban"}, [{"monthly_income": 650.0}])
    assert threshold(h, m, "dibao_urban", "income_below_dibao", today, table) == [630]
    assert eligible(h, m, "dibao_urban", today, table) == [False]
    assert eligible(h, m, "dibao_urban", change - DAY, table) == [False]
    assert threshold(h, m, "dibao_urban", "income_below_dibao", change, table) == [700]
    assert eligible(h, m, "dibao_urban", change, table) == [True]
    # and the shipped table itself gives today the same answer as before the change was added
    assert eligible(h, m, "dibao_urban", today) == [False]


def test_area_rows_override_the_province_default_household_by_household():
    table = with_rows(dibao_row(700, NOTICE, area="410811"), dibao_row(660, NOTICE, area="4108"))
    h, m = frames(
        {"area_code": "410811001001"},
        [{"monthly_income": 680.0}],
        more=[
            ({"area_code": "410802"}, [{"monthly_income": 650.0}]),  # another Jiaozuo district
            ({"area_code": "410101"}, [{"monthly_income": 650.0}]),  # Zhengzhou
            ({"area_code": None}, [{"monthly_income": 650.0}]),
        ],
    )
    on = dt.date(2026, 10, 31)
    assert threshold(h, m, "dibao_urban", "income_below_dibao", on, table) == [700, 660, 630, 630]
    assert eligible(h, m, "dibao_urban", on, table) == [True, True, False, False]
    out = evaluate(h, m, on=on, params=table, policies=["dibao_urban"])
    sources = [
        next(e["source"] for e in x if e["condition"] == "income_below_dibao")
        for x in out["explanation"]
    ]
    assert sources[0] == "测试: 410811 自 2022-01-01 起 700"


def test_a_member_parameter_set_for_one_area_applies_to_its_members_only():
    """Ages and amounts read per member (here the 高龄津贴 age) come from each household's
    area; with one value everywhere they are constants (policies/facts.prepare)."""
    on = dt.date(2026, 10, 31)
    row = {
        "name": "old_age_allowance_min_age",
        "value": 75,
        "unit": "岁",
        "effective_from": NOTICE,
        "effective_to": None,
        "area_code": "410811",
        "source": "测试: 410811 自75岁起发放",
        "is_demo": True,
    }
    h, m = frames(
        {"area_code": "410811001001"},
        [{"birth_on": born_aged(77, on)}],
        more=[({"area_code": "410802"}, [{"birth_on": born_aged(77, on)}])],
    )
    assert eligible(h, m, "old_age_allowance", on, with_rows(row)) == [True, False]
    assert eligible(h, m, "old_age_allowance", on) == [False, False]


@pytest.mark.parametrize(
    ("age", "days_after", "policy", "expected"),
    [
        (80, 0, "old_age_allowance", True),  # turns 80 on the assessment date
        (80, 1, "old_age_allowance", False),  # turns 80 the day after
        (60, 0, "tekun", True),  # turns 60: no longer of working capacity
        (60, 1, "tekun", False),
        (16, 0, "tekun", False),  # turns 16: of working capacity now
        (16, 1, "tekun", False),  # 15: a child alone is an orphan, not 特困
    ],
)
def test_turning_an_age_on_the_assessment_date(age, days_after, policy, expected):
    on = dt.date(2026, 3, 15)
    birth = born_aged(age, on=on, days_after=days_after)
    h, m = frames({"has_supporter": False}, [{"birth_on": birth, "monthly_income": 0.0}])
    assert eligible(h, m, policy, on) == [expected]


@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        (dt.date(2010, 10, 31), dt.date(2026, 10, 31), 16),
        (dt.date(2010, 11, 1), dt.date(2026, 10, 31), 15),
        (dt.date(1966, 12, 31), dt.date(2026, 12, 31), 60),
        (dt.date(1967, 1, 1), dt.date(2026, 12, 31), 59),
        (dt.date(1946, 3, 1), dt.date(2026, 3, 1), 80),
        (dt.date(1946, 3, 2), dt.date(2026, 3, 1), 79),
        (dt.date(2008, 2, 29), dt.date(2026, 2, 28), 17),  # a leap-day birthday:
        (dt.date(2008, 2, 29), dt.date(2026, 3, 1), 18),  # 18 on 1 March in a common year
        (dt.date(2008, 2, 29), dt.date(2028, 2, 29), 20),
    ],
)
def test_age_on(birth, on, age):
    got = pl.select(age_on(pl.lit(birth), on)).item()
    assert got == age

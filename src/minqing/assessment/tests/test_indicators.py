"""Household indicators, on hand-made households; ages on the assessment date exactly."""

from datetime import date

import polars as pl
import pytest

from minqing.assessment.facts import FACTS_SCHEMA
from minqing.assessment.indicators import UNEMPLOYMENT_BENEFIT_DEMO, age_on, household_indicators

ON = date(2026, 3, 1)


@pytest.mark.parametrize(
    "birth, age",
    [
        (date(2010, 3, 1), 16),  # sixteenth birthday today
        (date(2010, 3, 2), 15),  # tomorrow
        (date(1966, 3, 1), 60),
        (date(1966, 3, 2), 59),
        (date(1946, 3, 1), 80),
        (date(1946, 2, 28), 80),
        (date(1946, 3, 2), 79),
        (date(2008, 2, 29), 18),  # born on 29 February: of age on 1 March in a common year
    ],
)
def test_age_counts_from_the_birthday(birth, age):
    assert pl.select(age_on(pl.lit(birth), ON)).item() == age


def facts(**by_person):
    rows = []
    for person_id, values in by_person.items():
        row = {c: None for c in FACTS_SCHEMA}
        row.update(person_id=int(person_id[1:]), **values)
        rows.append(row)
    return pl.DataFrame(rows, schema=FACTS_SCHEMA)


def members(*rows):
    return pl.DataFrame(
        rows,
        schema={
            "household_id": pl.Int64,
            "person_id": pl.Int64,
            "relation": pl.String,
            "birth_on": pl.Date,
        },
        orient="row",
    )


def test_income_work_and_school():
    out = household_indicators(
        members(
            (1, 1, "head", date(1980, 5, 1)),
            (1, 2, "spouse", date(1982, 5, 1)),
            (1, 3, "child", date(2012, 5, 1)),
            (1, 4, "parent", date(1950, 5, 1)),
        ),
        facts(
            p1={"employment": "employed", "monthly_wage": 3000.0, "hukou_type": "urban"},
            p2={"employment": "registered_unemployed", "receives_unemployment_benefit": True},
            p3={"school_stage": "初中", "is_dropout": True},
            p4={"monthly_pension": 1000.0, "is_dead": True},  # dead: not a member, no income
        ),
        on=ON,
    ).row(0, named=True)
    assert out["members"] == 3 and out["children"] == 1 and out["elderly"] == 0
    assert out["monthly_income"] == 3000.0 + UNEMPLOYMENT_BENEFIT_DEMO
    assert out["per_capita_income"] == pytest.approx((3000.0 + UNEMPLOYMENT_BENEFIT_DEMO) / 3)
    assert out["working_age_able"] == 2 and out["working_age_without_work"] == 1
    assert out["students"] == 1 and out["dropouts"] == 1
    assert out["hukou_type"] == "urban"


def test_care_disability_and_elderly_alone():
    out = household_indicators(
        members(
            (1, 1, "head", date(1950, 1, 1)),
            (2, 2, "grandparent", date(1952, 1, 1)),
            (2, 3, "grandchild", date(2014, 1, 1)),
            (3, 4, "head", date(1990, 1, 1)),
        ),
        facts(
            p1={"disability_grade": 1, "medical_self_pay_12m": 6000.0, "monthly_pension": 500.0},
            p2={"monthly_pension": 800.0},
            p3={"school_stage": "小学", "is_left_behind": True, "guardianship": "父母外出务工"},
            p4={"school_stage": None, "guardianship": None, "vehicles": 1, "homes": 2},
        ),
        on=ON,
    )
    rows = {r["household_id"]: r for r in out.iter_rows(named=True)}
    assert rows[1]["lives_alone_elderly"] is True and rows[1]["severely_disabled"] == 1
    assert rows[1]["medical_burden"] == pytest.approx(6000 / (12 * 500))
    assert rows[2]["left_behind_with_old_grandparents"] is True
    assert rows[2]["children_without_care"] == 0
    assert rows[3]["vehicles"] == 1 and rows[3]["homes"] == 2
    assert rows[3]["working_age_without_work"] == 1  # on no list as working


def test_a_child_whose_parents_are_gone_is_without_care():
    out = household_indicators(
        members((1, 1, "grandchild", date(2015, 1, 1))),
        facts(p1={"school_stage": "小学", "guardianship": "父母双亡"}),
        on=ON,
    ).row(0, named=True)
    assert out["children_without_care"] == 1 and out["medical_burden"] is None

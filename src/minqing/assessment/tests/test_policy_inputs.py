"""The frames built from linked data meet the policies' input contract and evaluate."""

from datetime import date

import polars as pl

from minqing.assessment.facts import FACTS_SCHEMA
from minqing.assessment.indicators import household_indicators
from minqing.assessment.policy_inputs import policy_inputs
from minqing.policies import evaluate

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
    hh, mm = policy_inputs(households, members, facts, indicators)
    result = evaluate(hh, mm, on=ON, explain=False).with_columns(pl.col("policy").cast(pl.String))
    eligible = {
        (h, p): e for h, p, e in result.select("household_id", "policy", "eligible").iter_rows()
    }
    assert eligible[(1, "dibao_urban")] is True
    assert eligible[(2, "dibao_urban")] is False

"""A family that declined the 核对: its unknown assets are not assumed to pass, so 低保 and the
policies that follow from it stay unknown (待核实) instead of eligible."""

import datetime as dt

import polars as pl
import pytest

from minqing.policies import evaluate
from minqing.policies.tests.factories import adult, frames

ON = dt.date(2026, 10, 31)


@pytest.mark.parametrize(
    ("declined", "deposits", "expected"),
    [
        (None, None, {"dibao_urban": True, "disability_living": True}),  # assets assumed
        (False, None, {"dibao_urban": True, "disability_living": True}),
        (True, None, {"dibao_urban": None, "disability_living": None}),  # unknown stays unknown
        # a known asset still decides, declined or not
        (True, 1_000.0, {"dibao_urban": True, "disability_living": True}),
        (True, 900_000.0, {"dibao_urban": False, "disability_living": False}),
    ],
)
def test_a_declined_familys_unknown_assets_are_not_assumed(declined, deposits, expected):
    h, m = frames(
        {"hukou_type": "urban", "deposits": deposits},
        [adult(100.0, disability_grade=2, disability_category="肢体", employment="unable")],
    )
    h = h.with_columns(verification_declined=pl.lit(declined, dtype=pl.Boolean))
    out = evaluate(h, m, on=ON, policies=list(expected), explain=False)
    got = dict(out.select(pl.col("policy").cast(pl.String), "eligible").iter_rows())
    assert got == expected

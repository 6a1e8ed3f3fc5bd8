"""A person known only from a roll row kept without its ID number (sources key_fallback) has no
birth date; the age the 高龄津贴 or 特困 roll states stands in for it."""

import datetime as dt

import polars as pl
import pytest

from minqing.assessment.actions import compute
from minqing.assessment.tests import frames

ON = dt.date(2026, 10, 31)


@pytest.mark.parametrize(
    ("roll_age", "birth_on", "status"),
    [
        # only on the roll, aged 81 by it: receiving, not 错保 for want of a birth date
        ("81", None, "receiving"),
        # the roll says 78: the allowance is paid to someone under 80
        ("78", None, "mismatch"),
        # a birth date from another list wins over the roll's age
        ("81", dt.date(1960, 1, 1), "mismatch"),
        # no age anywhere: counted as under 80, as before
        (None, None, "mismatch"),
    ],
)
def test_the_rolls_age_stands_in_for_a_missing_birth_date(roll_age, birth_on, status):
    fields = {"age": roll_age} if roll_age is not None else {}
    records = frames.records((1, "minzheng_gaoling", fields))
    members = frames.members((1, 1, "head", birth_on, None))
    households = pl.DataFrame({"household_id": [1], "area_code": ["41081100100101"]})
    _, findings, _ = compute(records, members, households, on=ON)
    found = findings.filter(pl.col("policy") == "old_age_allowance")["status"]
    assert found.to_list() == [status]

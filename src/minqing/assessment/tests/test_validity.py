"""The day a household's result may change by time alone (validity.py), case by case."""

import datetime as dt

import polars as pl
import pytest

from minqing.assessment.indicators import REPORT_VALID_DAYS
from minqing.assessment.validity import valid_until

ON = dt.date(2026, 10, 31)
D = dt.date
NONE = {
    "birth_on": None,
    "birth_from_roll": False,
    "died_on": None,
    "verified_on": None,
    "refused_on": None,
}
REPORT = dt.timedelta(days=REPORT_VALID_DAYS)


def until(*members: dict, on: dt.date = ON) -> dt.date | None:
    rows = [{"household_id": 1, **NONE, "emergency_on": None, **m} for m in members]
    frame = pl.DataFrame(
        rows,
        schema={
            "household_id": pl.Int64,
            "birth_on": pl.Date,
            "birth_from_roll": pl.Boolean,
            "died_on": pl.Date,
            "verified_on": pl.Date,
            "refused_on": pl.Date,
            "emergency_on": pl.Date,
        },
    )
    return valid_until(frame, on)["valid_until"].item()


@pytest.mark.parametrize(
    "member, expected",
    [
        ({}, None),
        # the next birthday: later this year, next year, today's is past already
        ({"birth_on": D(1966, 11, 3)}, D(2026, 11, 3)),
        ({"birth_on": D(1966, 3, 1)}, D(2027, 3, 1)),
        ({"birth_on": D(2010, 10, 31)}, D(2027, 10, 31)),
        # born on 29 February: a day early in a common year, and in a leap year
        ({"birth_on": D(1964, 2, 29)}, D(2027, 2, 28)),
        # no birth date but the age a roll states: the same age on every date
        ({"birth_on": D(1946, 10, 28), "birth_from_roll": True}, None),
        # born or dead after the date: that day
        ({"birth_on": D(2026, 12, 1)}, D(2026, 12, 1)),
        ({"died_on": D(2026, 11, 20)}, D(2026, 11, 20)),
        ({"died_on": D(2026, 1, 20)}, None),
        # a 核对 report, or a refusal: the day it is dated if later, the day it runs out
        ({"verified_on": D(2026, 6, 1)}, D(2026, 6, 1) + REPORT),
        ({"refused_on": D(2026, 6, 1)}, D(2026, 6, 1) + REPORT),
        ({"verified_on": D(2026, 11, 15)}, D(2026, 11, 15)),
        ({"verified_on": D(2025, 10, 31)}, None),
        # an emergency that happened: its day count moves tomorrow; one dated later: that day
        ({"emergency_on": D(2026, 9, 20)}, D(2026, 11, 1)),
        ({"emergency_on": D(2026, 12, 24)}, D(2026, 12, 24)),
    ],
)
def test_one_member(member, expected):
    assert until(member) == expected


def test_a_household_takes_its_earliest_member():
    assert until({"birth_on": D(1966, 3, 1)}, {"birth_on": D(1990, 12, 5)}) == D(2026, 12, 5)
    assert until({"birth_on": D(1966, 3, 1), "verified_on": D(2026, 1, 10)}) == D(2027, 1, 10)


def test_a_leap_year_birthday_in_a_leap_year():
    assert until({"birth_on": D(1964, 2, 29)}, on=D(2028, 1, 10)) == D(2028, 2, 28)

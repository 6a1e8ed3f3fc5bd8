"""How long a household's assessment holds by time alone: the first day on which, with not one
record changed, the result may differ from the one computed on the assessment date.

The rules read the date in a few ways only (indicators.py, policy_inputs.py, policies/facts.py):

| what | the day the result may change |
|---|---|
| a member's age (every threshold: 16, 18, 60, 70, 80 …) | their next birthday (born on 29 February: the 28th, a day early); none for a member whose age only a roll states (indicators.members_with_facts: it is the same on every date) |
| a member born or dead after the date | that day |
| a 核对 report or refusal in force for REPORT_VALID_DAYS | the day it is dated, if later; the day it runs out |
| an emergency (临时救助 counts the days since it: the explanation shows them) | the day after the date once it has happened (the count moves daily); its day if later |

Any of these is enough: the household's day is the earliest of its members' (null when there is
none). Parameters that change on a date are not here: a run across such a date re-assesses every
household (actions.assess). Pure Polars, no Django.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from minqing.assessment.indicators import REPORT_VALID_DAYS


def _next_birthday(birth: pl.Expr, on: date) -> pl.Expr:
    """The first birthday after `on` of someone born on `birth` (on or before it)."""
    day = (
        pl.when((birth.dt.month() == 2) & (birth.dt.day() == 29)).then(28).otherwise(birth.dt.day())
    )
    this_year = pl.date(pl.lit(on.year), birth.dt.month(), day)
    return (
        pl.when(this_year > pl.lit(on))
        .then(this_year)
        .otherwise(pl.date(pl.lit(on.year + 1), birth.dt.month(), day))
    )


def _later(day: pl.Expr, on: date) -> pl.Expr:
    """`day` if after `on`, else null."""
    return pl.when(day > pl.lit(on)).then(day)


def valid_until(people: pl.DataFrame, on: date) -> pl.DataFrame:
    """household_id → valid_until (Date, null: nothing in view), over members joined with their
    facts (indicators.members_with_facts): household_id, birth_on, birth_from_roll, died_on,
    verified_on, refused_on, emergency_on."""
    report = timedelta(days=REPORT_VALID_DAYS)
    birth, emergency = pl.col("birth_on"), pl.col("emergency_on")
    events = [
        pl.when(pl.col("birth_from_roll").fill_null(False))
        .then(None)
        .when(birth <= pl.lit(on))
        .then(_next_birthday(birth, on))
        .otherwise(birth),
        _later(pl.col("died_on"), on),
        *[
            pl.coalesce(_later(pl.col(c), on), _later(pl.col(c) + report, on))
            for c in ("verified_on", "refused_on")
        ],
        pl.when(emergency <= pl.lit(on)).then(pl.lit(on + timedelta(days=1))).otherwise(emergency),
    ]
    return (
        people.lazy()
        .select("household_id", day=pl.min_horizontal(events))
        .group_by("household_id")
        .agg(valid_until=pl.col("day").min())
        .collect()
    )

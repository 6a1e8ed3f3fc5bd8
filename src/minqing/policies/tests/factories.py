"""Frames that follow the input contract, built from a few overrides per row."""

from __future__ import annotations

import datetime as dt

import polars as pl

from minqing.policies.facts import HOUSEHOLD_COLUMNS, MEMBER_COLUMNS

ON = dt.date(2026, 10, 31)

HOUSEHOLD = {
    "household_id": 1,
    "area_code": "410811001001",
    "hukou_type": "urban",
    "vehicles": 0,
    "homes": 1,
    "home_area_m2": 60.0,
    "businesses": 0,
    "deposits": None,
    "education_spend_12m": None,
    "emergency_kind": None,
    "emergency_on": None,
    "has_supporter": True,
}
MEMBER = {
    "household_id": 1,
    "sex": "M",
    "birth_on": dt.date(1980, 5, 1),
    "died_on": None,
    "is_excluded": None,
    "monthly_income": 0.0,
    "basic_pension": None,
    "employment": "employed",
    "disability_grade": None,
    "disability_category": None,
    "has_serious_illness": False,
    "medical_spend_12m": None,
    "school_stage": None,
    "parents_status": None,
}


def born_aged(years: int, on: dt.date = ON, days_after: int = 0) -> dt.date:
    """The birth date of someone who turns `years` exactly on `on` (plus `days_after`)."""
    return on.replace(year=on.year - years) + dt.timedelta(days=days_after)


def frames(
    household: dict | None = None, members: list[dict] | None = None, *, more: list | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One household (household_id 1) with its members; `more` adds (household, members) pairs
    for other household ids."""
    pairs = [(household or {}, members if members is not None else [{}]), *(more or [])]
    h_rows, m_rows = [], []
    for i, (h, ms) in enumerate(pairs, start=1):
        hid = h.get("household_id", i)
        h_rows.append({**HOUSEHOLD, **h, "household_id": hid})
        m_rows.extend({**MEMBER, **m, "household_id": hid} for m in ms)
    h_schema = {name: dtype for name, dtype, *_ in HOUSEHOLD_COLUMNS}
    m_schema = {name: dtype for name, dtype, *_ in MEMBER_COLUMNS}
    return (
        pl.DataFrame(h_rows, schema=h_schema, orient="row"),
        pl.DataFrame(m_rows, schema=m_schema, orient="row"),
    )


def adult(income: float, **kw) -> dict:
    return {"monthly_income": income, **kw}

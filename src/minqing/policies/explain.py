"""A stored explanation read back for people: each condition's label, unit and citation added.

A finding stores, per condition, only what differs between households — the condition's code,
passed, value, threshold, the parameter's source and demo flag (assessment writes about a
million findings per district; the labels and citations would be most of their bytes). What is
the same for every household comes from the catalogue of conditions here."""

from __future__ import annotations

from functools import cache

from minqing.policies.conditions import CONDITIONS, get


@cache
def _texts(code: str) -> dict:
    condition = get(code)
    return {"label": condition.label, "unit": condition.unit, "citation": condition.citation}


SHARE = "比例"  # the unit of a share of income: shown as a percentage, without the unit


def described(rows: list[dict]) -> list[dict]:
    """The stored rows with label, unit and citation; an unknown code (a condition since
    removed) keeps its code as the label. Each also gets value_shown, threshold_shown and
    unit_shown: the figures as people read them (`shown`)."""
    out = []
    for row in rows:
        known = row.get("condition") in CONDITIONS
        full = {
            **row,
            **(_texts(row["condition"]) if known else {"label": row.get("condition", "")}),
        }
        unit = full.get("unit", "")
        full["value_shown"] = shown(row.get("value"), unit)
        full["threshold_shown"] = shown(row.get("threshold"), unit)
        full["unit_shown"] = "" if unit == SHARE or row.get("value") is None else unit
        out.append(full)
    return out


def shown(number: float | None, unit: str = "") -> str:
    """A value or threshold as people read it: a share of income as a percentage (0.00139 →
    0.14%, 0.7 → 70%), a whole number without decimals and with thousands separators (26192.0 →
    26,192), anything else to two decimals (31.333… → 31.33); "—" when unknown."""
    if number is None:
        return "—"
    if unit == SHARE:
        return f"{_plain(number * 100)}%"
    return _plain(number)


def _plain(number: float) -> str:
    whole = round(number)
    if abs(number - whole) < 0.005:
        return f"{whole:,}"
    return f"{number:,.2f}"

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


def described(rows: list[dict]) -> list[dict]:
    """The stored rows with label, unit and citation; an unknown code (a condition since
    removed) keeps its code as the label."""
    return [
        {**row, **(_texts(row["condition"]) if row.get("condition") in CONDITIONS else {})}
        | ({} if row.get("condition") in CONDITIONS else {"label": row.get("condition", "")})
        for row in rows
    ]

"""Hand-made input frames for assessment tests: the lists as load() reads them, members."""

import json

import polars as pl

from minqing.assessment.facts import Lists, lists_from_json

RECORDS = {"person_id": pl.Int64, "source": pl.String, "fields": pl.String, "valid_from": pl.String}
MEMBERS = {
    "household_id": pl.Int64,
    "person_id": pl.Int64,
    "relation": pl.String,
    "birth_on": pl.Date,
    "sex": pl.String,
}


def records(*rows) -> Lists:
    """(person_id, source, fields dict[, valid_from]) per row, as Lists; valid_from defaults to
    the data date 2026-10-31."""
    return lists_from_json(
        pl.DataFrame(
            [
                (
                    row[0],
                    row[1],
                    json.dumps(row[2], ensure_ascii=False),
                    *(row[3:] or ["2026-10-31"]),
                )
                for row in rows
            ],
            schema=RECORDS,
            orient="row",
        )
    )


def members(*rows) -> pl.DataFrame:
    """(household_id, person_id, relation, birth_on, sex) per row."""
    return pl.DataFrame(list(rows), schema=MEMBERS, orient="row")

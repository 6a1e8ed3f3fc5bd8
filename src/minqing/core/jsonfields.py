"""Fields out of JSON text, for whole columns: the one adapter to DuckDB outside linkage.

Polars' `str.json_decode` parses 3 M source records in about 7 s on the 2-core machine; DuckDB's
`json_extract_string` with a list of paths parses each document once, in C++, in about 1.2 s
(measured in docs/benchmarks.md, assessment). Pure: no Django.
"""

from __future__ import annotations

import re

import duckdb
import polars as pl

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def extract_fields(
    frame: pl.DataFrame, names: list[str], *, column: str = "fields", prefix: str = "f__"
) -> pl.DataFrame:
    """`frame` without `column`, plus one String column `prefix + name` per name: the JSON
    object's value as text (numbers and booleans as their JSON text), null where the key is
    absent or null. Rows keep their order."""
    for name in names:
        if not NAME.match(name):
            raise ValueError(f"not a field name: {name!r}")
    rest = frame.drop(column)
    if not names:
        return rest
    if frame.is_empty():
        return rest.with_columns(pl.lit(None, dtype=pl.String).alias(prefix + n) for n in names)
    paths = ", ".join(f"'$.{name}'" for name in names)
    connection = duckdb.connect()
    try:
        connection.register("texts", _arrow(frame.select(column)))
        # a plain projection over one scan keeps the insertion order (preserve_insertion_order)
        values = connection.sql(
            f"SELECT json_extract_string({column}, [{paths}]) AS v FROM texts"
        ).pl()["v"]
    finally:
        connection.close()
    return rest.with_columns(
        values.list.get(i, null_on_oob=True).alias(prefix + name) for i, name in enumerate(names)
    )


def to_json_text(frame: pl.DataFrame, column: str) -> pl.Series:
    """Each value of `column` (lists, structs …) as JSON text, in row order, through DuckDB's
    `to_json` (about 3× Polars' struct.json_encode on lists of structs)."""
    if frame.is_empty():
        return pl.Series(column, [], dtype=pl.String)
    connection = duckdb.connect()
    try:
        connection.register("column_only", _arrow(frame.select(column)))
        encoded = connection.sql(f'SELECT to_json("{column}")::VARCHAR AS j FROM column_only').pl()
    finally:
        connection.close()
    return encoded["j"].alias(column)


def _arrow(frame: pl.DataFrame):
    """Polars' own string layout (Arrow string views), which DuckDB reads without a copy; the
    default conversion to large strings copies every text (0.6 s for 3 M records)."""
    return frame.to_arrow(compat_level=pl.CompatLevel.newest())

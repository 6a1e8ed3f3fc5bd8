"""Polars expressions the analytics jobs share (no Django, so pure modules may use them)."""

from __future__ import annotations

import polars as pl


def json_list(column: str | pl.Expr) -> pl.Expr:
    """A list column as JSON text, for a JSONField written in bulk. Polars encodes structs only:
    the list is encoded as {"v": [...]} and the wrapper cut off."""
    expr = pl.col(column) if isinstance(column, str) else column
    return (
        pl.struct(expr.alias("v"))
        .struct.json_encode()
        .str.strip_prefix('{"v":')
        .str.strip_suffix("}")
    )


def json_object_without_defaults(schema: dict[str, pl.DataType]) -> pl.Expr:
    """The columns of `schema` as one JSON object per row, with only the values that are not
    their type's default: a number other than 0 (NaN and infinities left out, as JSON has
    none), true, a text or date that is not null. A reader takes an absent key for 0, false or
    none. For a JSONField written in bulk whose values are mostly defaults (PostgreSQL parses
    every jsonb value it is given: a third of the text, a third of the time)."""
    parts = []
    for name, dtype in schema.items():
        value = pl.col(name)
        key = f'"{name}":'
        if dtype == pl.Boolean:
            text = pl.when(value).then(pl.lit(key + "true"))
        elif dtype.is_numeric():
            kept = value != 0
            if dtype.is_float():
                kept = kept & value.is_finite()
            text = pl.when(kept).then(pl.lit(key) + value.cast(pl.String))
        else:  # text, dates: Polars writes them (quoted, escaped) as JSON
            text = pl.when(value.is_not_null()).then(
                pl.struct(value).struct.json_encode().str.strip_prefix("{").str.strip_suffix("}")
            )
        parts.append(text)
    return pl.concat_str(
        [pl.lit("{"), pl.concat_str(parts, separator=",", ignore_nulls=True), pl.lit("}")]
    )

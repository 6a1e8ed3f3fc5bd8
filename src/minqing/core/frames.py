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

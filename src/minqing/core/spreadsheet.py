"""Spreadsheet safety: text that a spreadsheet would run as a formula is neutralized whenever we
write it to a spreadsheet again (CSV or xlsx). OWASP "CSV injection": = + - @ and tab / CR."""

import polars as pl

FORMULA_START = r"^[=+\-@\t\r]"


def neutralize(expr: pl.Expr) -> pl.Expr:
    """Prefix a single quote to text starting like a formula, so it shows as text."""
    return pl.when(expr.str.contains(FORMULA_START)).then(pl.lit("'") + expr).otherwise(expr)


def neutralize_value(value: str) -> str:
    """The same for one value."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value

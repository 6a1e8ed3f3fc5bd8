"""Cell text shared by the normalizers: trimming, width folding, and assembling a `Checked`.

Each normalizer writes its steps as Polars expressions over the column `raw` of a one-column
frame and hands the three result expressions to `check`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps

import polars as pl

from minqing.sources.normalizers import Checked, Normalizer

RAW = pl.col("raw")
# whitespace inside values, with the zero-width marks that spreadsheets and web forms leave behind
SPACE_CLASS = r"[\s\u200b\u200c\u200d\u2060\ufeff]"
NOTE_SEPARATOR = "；"


def trimmed(expr: pl.Expr = RAW) -> pl.Expr:
    """Surrounding whitespace (Unicode White_Space: also U+3000 and NBSP) removed; empty → null."""
    return expr.str.strip_chars().replace("", None)


def folded(expr: pl.Expr = RAW) -> pl.Expr:
    """NFKC: full-width letters, digits and punctuation → ASCII, U+3000 → space; then trimmed."""
    return trimmed(expr.str.normalize("NFKC"))


def folded_series(values: pl.Series) -> pl.Series:
    """`folded` for a whole column, where NFKC runs only over the cells that are not ASCII (in
    an ID or phone column, nearly none are: NFKC is the costliest step for them)."""
    text = as_text(values).str.strip_chars()
    wide = text.str.contains(r"[^\x00-\x7f]")
    return apply_where(text, wide, lambda w: w.str.normalize("NFKC").str.strip_chars()).replace(
        "", None
    )


def notes(*exprs: pl.Expr) -> pl.Expr:
    """Several optional remarks joined into one (null when there is none)."""
    if len(exprs) == 1:
        return exprs[0]
    joined = pl.concat_str(list(exprs), separator=NOTE_SEPARATOR, ignore_nulls=True)
    return pl.when(joined.str.len_bytes() > 0).then(joined)


def as_text(values: pl.Series) -> pl.Series:
    """The column as String (readers may hand over numbers or an all-null column)."""
    if values.dtype == pl.String:
        return values
    return values.cast(pl.String)


def check(
    values: pl.Series,
    steps: list[dict[str, pl.Expr]],
    *,
    value: pl.Expr,
    error: pl.Expr | None = None,
    flag: pl.Expr | None = None,
) -> Checked:
    """Run `steps` (successive with_columns over `raw`) and build the Checked; value and flag
    are nulled wherever there is an error."""
    frame = pl.LazyFrame({"raw": as_text(values)})
    for step in steps:
        frame = frame.with_columns(**step)
    error = error if error is not None else pl.lit(None, dtype=pl.String)
    flag = flag if flag is not None else pl.lit(None, dtype=pl.String)
    out = (
        frame.with_columns(__error=error.cast(pl.String))
        .select(
            pl.when(pl.col("__error").is_null()).then(value).alias("value"),
            pl.col("__error").alias("error"),
            pl.when(pl.col("__error").is_null()).then(flag.cast(pl.String)).alias("flag"),
        )
        .collect()
    )
    return Checked(
        value=out["value"].alias(values.name),
        error=out["error"],
        flag=out["flag"],
    )


def as_date(value: object, default: dt.date | None = None) -> dt.date | None:
    """An option given as a date or an ISO string."""
    if value is None:
        return default
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def on_unique(normalizer: Normalizer) -> Normalizer:
    """Run the normalizer once per distinct cell and spread the result back to the rows.

    Department lists repeat most cells (sexes, dates, amounts, choices, community names), so a
    million rows usually hold a few thousand distinct values. When most cells are distinct the
    normalizer simply runs over the rows."""

    @wraps(normalizer)
    def over_unique(values: pl.Series, options: dict) -> Checked:
        raw = as_text(values)
        distinct = raw.unique()
        if len(distinct) * 2 > len(raw):
            return normalizer(values, options)
        done = normalizer(distinct, options)
        table = pl.DataFrame(
            {"raw": distinct, "value": done.value, "error": done.error, "flag": done.flag}
        )
        out = raw.to_frame("raw").join(
            table, on="raw", how="left", nulls_equal=True, maintain_order="left"
        )
        return Checked(value=out["value"].alias(values.name), error=out["error"], flag=out["flag"])

    return over_unique


def with_fast_path(
    values: pl.Series,
    done: pl.Series,
    rest: Callable[[pl.Series], Checked],
    *,
    value: pl.Series | None = None,
) -> Checked:
    """Cells where `done` holds are already in normal form: their value is `value` (default:
    the cell as it is), with no error or remark. Only the others go through `rest` (the full
    normalizer), whose results are put back in place."""
    raw = as_text(values)
    done = done.fill_null(False)
    fast = raw if value is None else value
    others = (~done).arg_true()
    error = pl.Series("error", [None] * len(raw), dtype=pl.String)
    flag = pl.Series("flag", [None] * len(raw), dtype=pl.String)
    if len(others) == 0:
        return Checked(value=fast.alias(values.name), error=error, flag=flag)
    checked = rest(raw.gather(others))
    kept = pl.select(pl.when(done).then(fast.cast(checked.value.dtype))).to_series()
    return Checked(
        value=kept.scatter(others, checked.value).alias(values.name),
        error=error.scatter(others, checked.error),
        flag=flag.scatter(others, checked.flag),
    )


def apply_where(series: pl.Series, mask: pl.Series, fn: Callable[[pl.Series], pl.Series]):
    """`fn` applied only to the elements where mask holds (the costly cleaning of the few
    unusual cells), the others left as they are."""
    where = mask.fill_null(False).arg_true()
    if len(where) == 0:
        return series
    return series.clone().scatter(where, fn(series.gather(where)))

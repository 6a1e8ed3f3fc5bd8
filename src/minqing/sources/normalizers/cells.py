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
HASH_SEED = 2260
# The blocks holding the characters NFKC changes that Chinese lists contain: Latin-1 signs (NBSP,
# ², ½), punctuation to CJK radicals (…, ①, Ⅱ, ⼀), CJK symbols, kana and jamo (U+3000), enclosed
# and squared CJK (㈠, ㎡), compatibility ideographs, presentation and vertical forms, full- and
# half-width forms. (NFKC also folds some Latin, Greek, Arabic and Indic letters: not seen here.)
NFKC_CHANGES = (
    "[\u00a0-\u00bf\u2000-\u2fdf\u3000-\u33ff\ua000-\ua7ff\uf900-\ufaff"
    "\ufb00-\ufb4f\ufe10-\ufe6f\uff00-\uffef]"
)


_CN_DIGITS = "零一二三四五六七八九"
# 零, 一 … 九十九 as written in lists (十一, 二十, 二十三) → their value
CN_NUMERALS = {
    (_CN_DIGITS[n // 10] if n >= 20 else "")
    + ("十" if n >= 10 else "")
    + (_CN_DIGITS[n % 10] if n % 10 or n == 0 else ""): n
    for n in range(100)
}


def trimmed(expr: pl.Expr = RAW) -> pl.Expr:
    """Surrounding whitespace (Unicode White_Space: also U+3000 and NBSP) removed; empty → null."""
    return expr.str.strip_chars().replace("", None)


def folded(expr: pl.Expr = RAW) -> pl.Expr:
    """NFKC: full-width letters, digits and punctuation → ASCII, U+3000 → space; then trimmed."""
    return trimmed(expr.str.normalize("NFKC"))


def folded_series(values: pl.Series) -> pl.Series:
    """`folded` for a whole column, where NFKC runs only over the cells holding a character it
    may change (NFKC is the costliest step, and nearly every cell is ASCII or plain Chinese)."""
    text = as_text(values).str.strip_chars()
    wide = text.str.contains(NFKC_CHANGES)
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
    kept: pl.Expr | None = None,
) -> Checked:
    """Run `steps` (successive with_columns over `raw`) and build the Checked; value and flag
    are nulled wherever there is an error, `kept` (the value worth keeping as written despite
    the error, if any) wherever there is none."""
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
            *(
                []
                if kept is None
                else [pl.when(pl.col("__error").is_not_null()).then(kept).alias("kept")]
            ),
        )
        .collect()
    )
    return Checked(
        value=out["value"].alias(values.name),
        error=out["error"],
        flag=out["flag"],
        kept=None if kept is None else out["kept"].alias(values.name),
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


def _row_key(keys: list[str]) -> pl.Expr:
    return pl.struct(keys).hash(HASH_SEED)


def by_distinct(
    frame: pl.DataFrame, keys: list[str], compute: Callable[[pl.DataFrame], pl.DataFrame]
) -> pl.DataFrame:
    """`compute` run once per distinct combination of `keys`, its result spread back to the rows
    of `frame` in order. `compute` gets rows of `frame` and must return one row per row given,
    in the same order, with the key columns. When most rows are distinct it simply runs over
    the rows."""
    # rows are matched by a 64-bit hash of the keys (a third of the cost of matching strings);
    # the keys are compared afterwards and, on a collision, matched as strings
    hashed = frame.with_columns(__key=_row_key(keys))
    distinct = hashed.unique("__key", keep="first", maintain_order=False)
    if len(distinct) * 2 > len(frame):
        return compute(frame)
    done = compute(distinct.drop("__key")).with_columns(distinct["__key"])
    mine = {k: f"__{k}" for k in keys}
    out = hashed.select("__key", *keys).join(
        done.rename(mine), on="__key", how="left", maintain_order="left"
    )
    same = pl.all_horizontal([pl.col(k).eq_missing(pl.col(m)) for k, m in mine.items()])
    if not out.select(same.all()).item():
        done = compute(frame.unique(keys))
        out = frame.join(done, on=keys, how="left", nulls_equal=True, maintain_order="left")
        return out.select(done.columns)
    return out.drop("__key", *mine.values()).select(done.drop("__key").columns)


def on_unique(normalizer: Normalizer) -> Normalizer:
    """Run the normalizer once per distinct cell and spread the result back to the rows.

    Department lists repeat most cells (sexes, dates, amounts, choices, community names), so a
    million rows usually hold a few thousand distinct values. When most cells are distinct the
    normalizer simply runs over the rows."""

    @wraps(normalizer)
    def over_unique(values: pl.Series, options: dict) -> Checked:
        def run(rows: pl.DataFrame) -> pl.DataFrame:
            done = normalizer(rows["raw"], options)
            return pl.DataFrame(
                {"raw": rows["raw"], "value": done.value, "error": done.error, "flag": done.flag}
            )

        out = by_distinct(pl.DataFrame({"raw": as_text(values)}), ["raw"], run)
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
    error = pl.repeat(None, len(raw), dtype=pl.String, eager=True).alias("error")
    flag = pl.repeat(None, len(raw), dtype=pl.String, eager=True).alias("flag")
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

"""Dates: the "date" normalizer → pl.Date.

Accepted: 2023-04-01, 2023/4/1, 2023.04.01, 2023年4月1日, 20230401, "2023-04-01 10:23:00" (the time
is dropped), year and month only (2023-04, 2023年04月, 202304 → the 1st, with a remark), and
Excel serial day numbers ("45017", "45017.0"; 1–80000, unless option excel_serials is false;
but a lone 1800–2199 is taken for a year, not a day in 1905).
Options min / max (ISO dates) bound the accepted range.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from minqing.sources.normalizers import Checked
from minqing.sources.normalizers.cells import (
    apply_where,
    as_date,
    as_text,
    check,
    folded,
    on_unique,
)

UNRECOGNIZED = "无法识别的日期"
NO_SUCH_DAY = "日期不存在"
MONTH_ONLY = "只有年月, 按当月1日"
YEAR_ONLY = "只有年份, 无法确定日期"
MAX_SERIAL = 80_000

YEAR = r"(1[89][0-9]{2}|2[01][0-9]{2})"
SEP = r"\s*[-/.年]\s*"
TIME = r"(?:\s*[T ]\s*[0-9]{1,2}(?::[0-9]{1,2}){1,2}(?:\.[0-9]+)?)?"
FULL_RE = rf"^{YEAR}{SEP}([0-9]{{1,2}})\s*[-/.月]\s*([0-9]{{1,2}})\s*日?{TIME}$"
COMPACT_RE = rf"^{YEAR}([0-9]{{2}})([0-9]{{2}}){TIME}$"
MONTH_RE = rf"^{YEAR}(?:{SEP}([0-9]{{1,2}})\s*月?|([0-9]{{2}}))$"
SERIAL_RE = r"^[0-9]{1,5}(?:\.[0-9]+)?$"
# Excel's day 1 is 1900-01-01 and it counts a 29 February 1900 that never was (day 60)
EXCEL_EPOCH = dt.date(1899, 12, 30)


def _group(pattern: str, i: int) -> pl.Expr:
    return pl.col("s").str.extract(pattern, i)


def _ymd(year: pl.Expr, month: pl.Expr, day: pl.Expr) -> pl.Expr:
    return pl.concat_str(
        [year, pl.lit("-"), month.str.zfill(2), pl.lit("-"), day.str.zfill(2)]
    ).str.to_date("%Y-%m-%d", strict=False)


def date(values: pl.Series, options: dict) -> Checked:
    """Normalize dates; see the module docstring."""
    # timestamps are nearly all distinct, their days are not: drop the time, then parse once
    # per distinct day
    raw = as_text(values).str.strip_chars()
    days = apply_where(
        raw, raw.str.contains(":", literal=True), lambda t: t.str.replace(TIME + "$", "")
    )
    return _date(days.alias(values.name), options)


@on_unique
def _date(values: pl.Series, options: dict) -> Checked:
    low = as_date(options.get("min"))
    high = as_date(options.get("max"))
    serials = bool(options.get("excel_serials", True))
    s = pl.col("s")
    serial = s.str.extract(r"^([0-9]+)", 1).cast(pl.Int64, strict=False)
    steps = [
        {"s": folded()},
        {
            "full": pl.coalesce(_group(FULL_RE, 1), _group(COMPACT_RE, 1)).is_not_null(),
            "day": pl.coalesce(
                _ymd(_group(FULL_RE, 1), _group(FULL_RE, 2), _group(FULL_RE, 3)),
                _ymd(_group(COMPACT_RE, 1), _group(COMPACT_RE, 2), _group(COMPACT_RE, 3)),
            ),
            "month": s.str.contains(MONTH_RE),
            "month_day": _ymd(
                _group(MONTH_RE, 1),
                pl.coalesce(_group(MONTH_RE, 2), _group(MONTH_RE, 3)),
                pl.lit("1"),
            ),
            "serial": pl.when(
                pl.lit(serials) & s.str.contains(SERIAL_RE) & serial.is_between(1, MAX_SERIAL)
            ).then(serial),
        },
        {
            "serial_day": pl.when(pl.col("serial") < 60)
            .then(pl.lit(EXCEL_EPOCH) + pl.duration(days=pl.col("serial") + 1))
            .when(pl.col("serial") > 60)
            .then(pl.lit(EXCEL_EPOCH) + pl.duration(days=pl.col("serial")))
            .cast(pl.Date),
        },
        {"d": pl.coalesce(pl.col("day"), pl.col("month_day"), pl.col("serial_day"))},
    ]
    d = pl.col("d")
    error = (
        pl.when(s.is_null())
        .then(None)
        .when(s.str.contains(rf"^{YEAR}\s*年?$"))
        .then(pl.lit(YEAR_ONLY))
        .when(d.is_null() & (pl.col("full") | pl.col("month") | (pl.col("serial") == 60)))
        .then(pl.lit(NO_SUCH_DAY))
        .when(d.is_null())
        .then(pl.lit(UNRECOGNIZED))
    )
    if low is not None:
        error = error.when(d < low).then(pl.lit(f"日期早于{low.isoformat()}"))
    if high is not None:
        error = error.when(d > high).then(pl.lit(f"日期晚于{high.isoformat()}"))
    flag = pl.when(pl.col("day").is_null() & pl.col("month_day").is_not_null()).then(
        pl.lit(MONTH_ONLY)
    )
    return check(values, steps, value=d, error=error, flag=flag)

"""Amounts and counts: the "money" normalizer (→ pl.Decimal(14, 2)) and the "integer" one.

Money: "1,234.50", "1234元", "¥1234", "１２３４", "1.2万", "(1234)" (accounting minus); "-", "/"
and "—" mean nothing entered. More than two decimals are rounded half up to the fen, with a
remark. Negative amounts are refused unless option allow_negative; options min / max bound it.
Integers: "3", "+3", "3.0", "1,234", and Chinese numerals 零–九十九 (两) unless option
chinese_numerals is false; options min / max.
"""

from __future__ import annotations

import polars as pl

from minqing.sources.normalizers import Checked
from minqing.sources.normalizers.cells import (
    CN_NUMERALS,
    as_text,
    check,
    folded,
    notes,
    on_unique,
    with_fast_path,
)

MONEY = pl.Decimal(14, 2)
MAX_DIGITS = 12  # Decimal(14, 2): 12 digits before the point
BAD_MONEY = "金额格式不正确"
NEGATIVE = "金额不能为负数"
TOO_LARGE = "金额超出范围"
ROUNDED = "金额已四舍五入到分"
WAN = "以“万”为单位, 已换算为元"
BAD_INTEGER = "无法识别的数字"
NOT_WHOLE = "不是整数"
INT_TOO_LARGE = "数值超出范围"
EMPTY_MARKS = ["-", "--", "—", "——", "/", "无"]

NUMERALS = CN_NUMERALS | {"〇": 0, "两": 2}
MONEY_RE = r"^([+-]?)([0-9]*)(?:\.([0-9]*))?(万)?$"


def _bounds(error: pl.Expr, value: pl.Expr, options: dict) -> pl.Expr:
    low, high = options.get("min"), options.get("max")
    if low is not None:
        error = error.when(value < low).then(pl.lit(f"小于最小值{low}"))
    if high is not None:
        error = error.when(value > high).then(pl.lit(f"大于最大值{high}"))
    return error


def money(values: pl.Series, options: dict) -> Checked:
    """Normalize amounts of money to Decimal(14, 2) yuan; see the module docstring."""
    if "min" in options or "max" in options:
        return _money(values, options)
    # plain amounts ("1234", "1234.5") need no more than a cast
    raw = as_text(values)
    done = raw.str.contains(r"^[0-9]{1,12}(?:\.[0-9]{1,2})?$")
    return with_fast_path(
        values, done, lambda rest: _money(rest, options), value=raw.cast(MONEY, strict=False)
    )


@on_unique
def _money(values: pl.Series, options: dict) -> Checked:
    s = pl.col("s")
    whole, fraction = pl.col("whole"), pl.col("fraction")
    # six decimals are plenty to round to the fen; integers avoid float and banker's rounding
    micro = (
        whole.cast(pl.Int64, strict=False) * 1_000_000
        + fraction.str.slice(0, 6).str.pad_end(6, "0").cast(pl.Int64, strict=False)
    ) * pl.when(pl.col("wan")).then(10_000).otherwise(1)
    steps = [
        {
            "s": folded()
            .str.replace_all(r"[\s,]|人民币|RMB|CNY|元|¥", "")
            .str.replace(r"^\((.*)\)$", "-$1")
        },
        {
            "sign": s.str.extract(MONEY_RE, 1),
            "whole": s.str.extract(MONEY_RE, 2).replace("", "0"),
            "fraction": s.str.extract(MONEY_RE, 3).fill_null(""),
            "wan": s.str.extract(MONEY_RE, 4).is_not_null(),
            "parsed": s.str.contains(MONEY_RE) & s.str.contains(r"[0-9]"),
        },
        {
            "too_large": whole.str.len_chars()
            > pl.when(pl.col("wan")).then(MAX_DIGITS - 4).otherwise(MAX_DIGITS)
        },
        {"micro": pl.when(pl.col("parsed") & ~pl.col("too_large")).then(micro)},
        {"cents": (pl.col("micro") + 5_000) // 10_000},
        {"too_large": pl.col("too_large") | (pl.col("cents") >= 10 ** (MAX_DIGITS + 2))},
    ]
    cents = pl.col("cents")
    negative = (pl.col("sign") == "-") & (cents > 0)
    amount = pl.concat_str(
        [
            pl.when(negative).then(pl.lit("-")).otherwise(pl.lit("")),
            (cents // 100).cast(pl.String),
            pl.lit("."),
            (cents % 100).cast(pl.String).str.zfill(2),
        ]
    ).cast(MONEY)
    error = (
        pl.when(s.is_null() | s.is_in(EMPTY_MARKS))
        .then(None)
        .when(~pl.col("parsed"))
        .then(pl.lit(BAD_MONEY))
        .when(pl.col("too_large"))
        .then(pl.lit(TOO_LARGE))
    )
    if not options.get("allow_negative"):
        error = error.when(negative).then(pl.lit(NEGATIVE))
    error = _bounds(error, amount.cast(pl.Float64), options)
    flag = notes(
        pl.when(pl.col("micro") % 10_000 != 0).then(pl.lit(ROUNDED)),
        pl.when(pl.col("wan")).then(pl.lit(WAN)),
    )
    return check(values, steps, value=amount, error=error, flag=flag)


@on_unique
def integer(values: pl.Series, options: dict) -> Checked:
    """Normalize whole numbers to Int64; see the module docstring."""
    s = pl.col("s")
    numerals = options.get("chinese_numerals", True)
    digits = s.str.extract(r"^([+-]?[0-9]{1,18})(?:\.0*)?$", 1).cast(pl.Int64, strict=False)
    chinese = s.replace_strict(NUMERALS, default=None, return_dtype=pl.Int64)
    steps = [
        {"s": folded().str.replace_all(r"[\s,]", "")},
        {"n": pl.coalesce(digits, chinese) if numerals else digits},
    ]
    n = pl.col("n")
    error = (
        pl.when(s.is_null())
        .then(None)
        .when(n.is_null() & s.str.contains(r"^[+-]?[0-9]+\.[0-9]+$"))
        .then(pl.lit(NOT_WHOLE))
        .when(n.is_null() & s.str.contains(r"^[+-]?[0-9]{19,}(?:\.0*)?$"))
        .then(pl.lit(INT_TOO_LARGE))
        .when(n.is_null())
        .then(pl.lit(BAD_INTEGER))
    )
    return check(values, steps, value=n, error=_bounds(error, n, options))

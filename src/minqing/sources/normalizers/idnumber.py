"""Resident ID numbers (GB 11643): the "id_number" normalizer and the facts an ID carries.

Accepted: 18 characters (the last may be x/X), or the old 15-digit form, upgraded to 18 digits
the way minqing.core.idnumbers.upgrade_15 does it. Full-width digits and Ｘ, and spaces inside
the number, are tolerated. The region code is checked against the vendored GB/T 2260 table
(data/gbt2260.csv): an unknown province is an error, an unknown county only a remark, since
people keep the IDs issued under codes that were abolished later.

A number of the right shape (17 digits and a digit or X) that fails a check — the check digit,
the province, the birth date — is an error, but is also handed back as `kept`: sources whose
field says on_error = "keep" store it as written (digits, upper-case X) with the error as a
remark, since a mistyped or swapped digit is for record linkage to repair, not to lose.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl

from minqing.core.idnumbers import CHECK_CHARS, WEIGHTS
from minqing.sources.normalizers import Checked
from minqing.sources.normalizers.cells import (
    SPACE_CLASS,
    apply_where,
    as_date,
    as_text,
    check,
    folded_series,
)

REGIONS_CSV = Path(__file__).resolve().parent / "data" / "gbt2260.csv"

LENGTH = "长度应为18位(或旧15位)"
NOT_DIGITS = "含非数字字符"
NO_PROVINCE = "行政区划代码不存在"
BAD_BIRTH = "出生日期无效"
FUTURE_BIRTH = "出生日期晚于今天"
UPGRADED = "15位号码已升级为18位"
OLD_COUNTY = "行政区划代码不在现行GB/T 2260表中(可能为已撤销的旧代码)"
EARLIEST_BIRTH_YEAR = 1880
DIGITS_RE = r"^(?:[0-9]{15}|[0-9]{17}[0-9X])$"


@cache
def regions() -> pl.DataFrame:
    """The GB/T 2260 county table: code, name, province, city."""
    return pl.read_csv(REGIONS_CSV, comment_prefix="#", schema_overrides={"code": pl.String})


@cache
def _region_codes() -> tuple[pl.Series, pl.Series]:
    codes = regions()["code"]
    return codes.str.slice(0, 2).unique(), codes


@cache
def _weighted_sums(size: int = 4) -> tuple[tuple[int, int, pl.Series], ...]:
    """Lookup tables for the weighted digit sum: the 17 digits are cut from the right into
    chunks of `size` digits; for each chunk (its shift, its width) the table gives the weighted
    sum of every possible chunk value. Four gathers instead of 17 digit extractions."""
    chunks = []
    end = 17
    while end > 0:
        start = max(0, end - size)
        width = end - start
        values = np.arange(10**width)
        table = np.zeros(10**width, dtype=np.int64)
        for j in range(width):
            table += (values // 10 ** (width - 1 - j)) % 10 * WEIGHTS[start + j]
        chunks.append((17 - end, width, pl.Series(table)))
        end = start
    return tuple(chunks)


def _check_char(first17: pl.Expr) -> pl.Expr:
    """ISO 7064 MOD 11-2 check character of 17 ASCII digits (null if they are not digits)."""
    number = first17.cast(pl.UInt64, strict=False)
    total = pl.sum_horizontal(
        [
            pl.lit(table).gather((number // 10**shift) % 10**width)
            for shift, width, table in _weighted_sums()
        ]
    )
    return (total % 11).replace_strict(
        list(range(11)), list(CHECK_CHARS), default=None, return_dtype=pl.String
    )


def _cleaned(raw: pl.Series) -> pl.Series:
    return folded_series(raw).str.replace_all(SPACE_CLASS, "").str.to_uppercase().replace("", None)


def id_number(values: pl.Series, options: dict) -> Checked:
    """Normalize ID numbers to 18 upper-case characters; see the module docstring."""
    today = as_date(options.get("today"), dt.date.today())
    provinces, counties = _region_codes()
    raw = as_text(values)
    # most cells are already bare digits: only the others are folded, unspaced and upper-cased
    cleaned = apply_where(raw, ~raw.str.contains(DIGITS_RE), _cleaned)
    s, n = pl.col("s"), pl.col("s").str.len_chars()
    first17 = pl.col("first17")
    steps = [
        {"s": cleaned},
        {
            "is15": n == 15,
            "length_ok": n.is_in([15, 18]),
            "digits_ok": s.str.contains(DIGITS_RE),
            "first17": pl.when(n == 15)
            .then(pl.concat_str([s.str.slice(0, 6), pl.lit("19"), s.str.slice(6, 9)]))
            .otherwise(s.str.slice(0, 17)),
        },
        {
            "check": _check_char(first17),
            "birth": first17.str.slice(6, 8).str.to_date("%Y%m%d", strict=False),
            "province_ok": first17.str.slice(0, 2).is_in(provinces.implode()),
            "county_ok": first17.str.slice(0, 6).is_in(counties.implode()),
        },
    ]
    birth = pl.col("birth")
    error = (
        pl.when(s.is_null())
        .then(None)
        .when(~pl.col("length_ok"))
        .then(pl.lit(LENGTH))
        .when(~pl.col("digits_ok"))
        .then(pl.lit(NOT_DIGITS))
        .when(~pl.col("province_ok"))
        .then(pl.lit(NO_PROVINCE))
        .when(birth.is_null() | (birth.dt.year() < EARLIEST_BIRTH_YEAR))
        .then(pl.lit(BAD_BIRTH))
        .when(birth > today)
        .then(pl.lit(FUTURE_BIRTH))
        .when(~pl.col("is15") & (s.str.slice(17, 1) != pl.col("check")))
        .then(pl.concat_str([pl.lit("校验码错误(应为"), pl.col("check"), pl.lit(")")]))
    )
    value = pl.when(pl.col("is15")).then(first17 + pl.col("check")).otherwise(s)
    flag = (
        pl.when(pl.col("is15"))
        .then(pl.lit(UPGRADED))
        .when(~pl.col("county_ok"))
        .then(pl.lit(OLD_COUNTY))
    )
    # both remarks can apply to one number
    flag = (
        pl.when(pl.col("is15") & ~pl.col("county_ok"))
        .then(pl.lit(f"{UPGRADED}；{OLD_COUNTY}"))
        .otherwise(flag)
    )
    # 18 characters of the right shape that fail a check (most often a mistyped or swapped
    # digit): kept as written for sources that keep bad values, so linkage can repair them
    kept = pl.when(pl.col("digits_ok") & ~pl.col("is15")).then(s)
    return check(values, steps, value=value, error=error, flag=flag, kept=kept)


def birth_dates(ids: pl.Series) -> pl.Series:
    """Birth date (pl.Date) in normalized 18-character IDs; null where there is none."""
    return (
        pl.select(
            pl.when(ids.cast(pl.String).str.len_chars() == 18).then(
                ids.cast(pl.String).str.slice(6, 8).str.to_date("%Y%m%d", strict=False)
            )
        )
        .to_series()
        .alias("birth_on")
    )


def sexes(ids: pl.Series) -> pl.Series:
    """ "M" or "F" from the sequence digit of normalized 18-character IDs (odd is male)."""
    digit = ids.cast(pl.String).str.slice(16, 1).cast(pl.Int32, strict=False)
    return (
        pl.select(
            pl.when(ids.cast(pl.String).str.len_chars() != 18)
            .then(None)
            .when(digit % 2 == 1)
            .then(pl.lit("M"))
            .when(digit % 2 == 0)
            .then(pl.lit("F"))
        )
        .to_series()
        .alias("sex")
    )

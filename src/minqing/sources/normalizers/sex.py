"""Sex: the "sex" normalizer. 男/女 and their variants, M/F, and the GB/T 2261.1 codes
(1 男, 2 女, 0 未知, 9 未说明) → "M" / "F"; unknown → null with a remark."""

from __future__ import annotations

import polars as pl

from minqing.sources.normalizers import Checked
from minqing.sources.normalizers.cells import check, folded, on_unique

UNRECOGNIZED = "性别无法识别"
UNKNOWN = "性别未知"

CODES = {
    **dict.fromkeys(["男", "男性", "男士", "男的", "M", "MALE", "1"], "M"),
    **dict.fromkeys(["女", "女性", "女士", "女的", "F", "FEMALE", "2"], "F"),
}
UNKNOWN_VALUES = ["未知", "不详", "未说明", "未填", "0", "9", "U", "-", "/"]


@on_unique
def sex(values: pl.Series, options: dict) -> Checked:
    """Normalize sex to "M"/"F"; see the module docstring."""
    s = pl.col("s")
    known = s.is_in(list(CODES))
    unknown = s.is_in(UNKNOWN_VALUES)
    return check(
        values,
        [
            {
                "s": folded()
                .str.replace_all(r"\s", "")
                .str.replace(r"^([0-9])\.0+$", "$1")
                .str.to_uppercase()
            }
        ],
        value=s.replace_strict(CODES, default=None, return_dtype=pl.String),
        error=pl.when(s.is_not_null() & ~known & ~unknown).then(pl.lit(UNRECOGNIZED)),
        flag=pl.when(unknown).then(pl.lit(UNKNOWN)),
    )

"""Person names: the "name" normalizer.

Full-width → half-width (NFKC); every space removed, also U+3000 inside a Chinese name (张　伟),
except one space between two Latin words (Ali Khan); the middle-dot variants of ethnic names
(· • ・ ‧ and a full stop between Chinese characters) become "·"; traditional characters become
simplified (OpenCC t2s, looked up once per character, not per cell). Hotline callers who give only a
form of address (王女士, 老王) are kept with a remark; "匿名", "无", "不详" mean no name at all.
"""

from __future__ import annotations

from functools import cache

import opencc
import polars as pl

from minqing.sources.normalizers import Checked
from minqing.sources.normalizers.cells import (
    SPACE_CLASS,
    apply_where,
    as_text,
    check,
    folded,
    notes,
    on_unique,
)

TRADITIONAL = "繁体已转为简体"
PARTIAL = "仅有称呼, 非全名"
NO_NAME = "未提供姓名"
HAS_DIGIT = "姓名含数字"
BAD_CHARS = "姓名含非法字符"
MAX_LENGTH = 20
TOO_LONG = f"姓名过长(超过{MAX_LENGTH}个字)"

MIDDLE_DOTS = "[\u00b7\u0387\u2022\u2027\u2219\u22c5\u2e31\u30fb\u318d\uff65]"
# Forms of address a caller gives instead of a name, after a one- or two-character surname
# (王女士, 欧阳先生); the one-character ones only after a one-character surname (王姐, 李叔)
# fmt: off
TITLES = [
    "女士", "先生", "小姐", "阿姨", "叔叔", "大叔", "阿叔", "大爷", "大妈", "大娘", "大婶", "婶子",
    "奶奶", "爷爷", "阿婆", "阿公", "老太", "老汉", "师傅", "老师", "医生", "大夫", "同志", "老板",
    "经理", "主任", "书记", "大姐", "大哥", "姐姐", "哥哥", "某某", "某",
]
# fmt: on
SHORT_TITLES = "姐哥叔婶伯嫂"
PARTIAL_RE = (
    rf"^(?:\p{{Han}}{{1,2}}(?:{'|'.join(TITLES)})|\p{{Han}}[{SHORT_TITLES}]|[老小阿]\p{{Han}})$"
)
NO_NAME_VALUES = [
    "匿名", "无", "无名", "无名氏", "不详", "未知", "未提供", "不愿透露", "保密", "市民", "群众",
    "-", "--", "—", "——", "/", "\\", "?", "??", "null", "NULL", "none", "None",
]  # fmt: skip
# Characters OpenCC t2s would change that are standard in names in mainland usage
# (通用规范汉字表): 於 (surname), 乾 (qián), 昇, 徵 (zhǐ).
KEEP = set("於乾昇徵")

# CJK Unified Ideographs and Extension A: every traditional character t2s changes lives there
CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF))
# Han characters NFKC still changes (radicals, compatibility ideographs): not "simple"
SIMPLE_RE = r"^[\p{Han}&&[^\x{2E80}-\x{2FDF}\x{F900}-\x{FAFF}\x{2F800}-\x{2FA1F}]]+$"


@cache
def simplified_chars() -> dict[str, str]:
    """Every character OpenCC t2s changes, looked up once per character (about 4,000 of the
    28,000 ideographs; 0.1 s once per process), except those in KEEP."""
    converter = opencc.OpenCC("t2s")
    changes = {}
    for low, high in CJK_RANGES:
        for point in range(low, high + 1):
            char = chr(point)
            converted = converter.convert(char)
            if converted != char and len(converted) == 1 and char not in KEEP:
                changes[char] = converted
    return changes


def _unspaced(expr: pl.Expr) -> pl.Expr:
    """Every space removed except one between two Latin letters (twice: "A B C")."""
    latin = r"(\p{Latin})" + SPACE_CLASS + r"+(\p{Latin})"
    kept = expr.str.replace_all(latin, "${1}\u0001${2}").str.replace_all(latin, "${1}\u0001${2}")
    return kept.str.replace_all(SPACE_CLASS, "").str.replace_all("\u0001", " ", literal=True)


def _clean(raw: pl.Series) -> pl.Series:
    """Width, spaces and middle dots of the cells that are not plain Chinese characters."""
    cjk_dot = r"(\p{Han})" + SPACE_CLASS + r"*\." + SPACE_CLASS + r"*(\p{Han})"
    return (
        raw.to_frame("raw")
        .select(
            _unspaced(
                folded().str.replace_all(MIDDLE_DOTS, "·").str.replace_all(cjk_dot, "${1}·${2}")
            )
        )
        .to_series()
        .replace("", None)
    )


@on_unique
def name(values: pl.Series, options: dict) -> Checked:
    """Normalize person names; see the module docstring."""
    raw = as_text(values)
    # most cells are plain Chinese characters already: only the others need the full cleaning
    cleaned = apply_where(raw, ~raw.str.contains(SIMPLE_RE), _clean)
    simplified = cleaned.str.replace_many(simplified_chars())

    s = pl.col("s")
    steps = [{"s": simplified, "was": cleaned}]
    no_name = s.is_in(NO_NAME_VALUES)
    error = (
        pl.when(s.is_null() | no_name)
        .then(None)
        .when(s.str.contains(r"\d"))
        .then(pl.lit(HAS_DIGIT))
        .when(s.str.len_chars() > MAX_LENGTH)
        .then(pl.lit(TOO_LONG))
        .when(~s.str.contains(r"^[\p{Han}\p{Latin}· ]+$") | s.str.contains(r"^·|·$|··"))
        .then(pl.lit(BAD_CHARS))
    )
    traditional = pl.when(s != pl.col("was")).then(pl.lit(TRADITIONAL))
    partial = pl.when(s.str.contains(PARTIAL_RE)).then(pl.lit(PARTIAL))
    flag = pl.when(no_name).then(pl.lit(NO_NAME)).otherwise(notes(traditional, partial))
    return check(values, steps, value=pl.when(~no_name).then(s), error=error, flag=flag)

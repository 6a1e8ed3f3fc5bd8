"""Free text and fixed lists: the "text" and "choice" normalizers.

text: trimmed, NFKC (full-width letters, digits and punctuation → half-width), every run of
whitespace → one space; option max_length; option prose = true keeps Chinese punctuation
(，。：（）) as written — for messages and other sentences — folding only letters and digits.
choice: option choices maps each accepted spelling (synonyms included) to the stored value;
matching ignores width, spaces and Latin case. A list of choices maps each to itself.
"""

from __future__ import annotations

import re
import unicodedata

import polars as pl

from minqing.sources.normalizers import Checked
from minqing.sources.normalizers.cells import SPACE_CLASS, check, folded, on_unique, trimmed

SHOWN_CHOICES = 12


@on_unique
def text(values: pl.Series, options: dict) -> Checked:
    """Clean free text; see the module docstring."""
    s = pl.col("s")
    if options.get("prose"):
        # full-width letters and digits only (U+FF10–FF19, FF21–FF3A, FF41–FF5A)
        wide = [
            chr(c) for c in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B))
        ]
        narrow = [chr(ord(c) - 0xFEE0) for c in wide]
        cleaned = trimmed(pl.col("raw").str.replace_many(wide, narrow))
        steps = [{"s": cleaned.str.replace_all(SPACE_CLASS + "+", " ")}]
    else:
        steps = [{"s": folded().str.replace_all(SPACE_CLASS + "+", " ")}]
    error = None
    limit = options.get("max_length")
    if limit is not None:
        length = s.str.len_chars()
        error = pl.when(length > limit).then(
            pl.concat_str(
                [pl.lit(f"超过最大长度{limit}个字(实为"), length.cast(pl.String), pl.lit("个)")]
            )
        )
    return check(values, steps, value=s, error=error)


def _key(raw: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(raw))).lower()


@on_unique
def choice(values: pl.Series, options: dict) -> Checked:
    """Map a cell to one of the allowed values; see the module docstring."""
    choices = options.get("choices")
    if not choices:
        raise ValueError("choice 字段缺少 choices 选项")
    if not isinstance(choices, dict):
        choices = {c: c for c in choices}
    lookup = {_key(k): str(v) for k, v in choices.items()}
    # each stored value is shown by the first spelling that maps to it
    labels: list[str] = []
    for k, v in choices.items():
        if str(v) not in {str(choices[label]) for label in labels}:
            labels.append(str(k))
    shown = "、".join(labels[:SHOWN_CHOICES]) + (
        f"等{len(labels)}项" if len(labels) > SHOWN_CHOICES else ""
    )
    s, key = pl.col("s"), pl.col("key")
    steps = [
        {"s": folded().str.replace_all(SPACE_CLASS + "+", " ")},
        {"key": s.str.replace_all(SPACE_CLASS, "").str.to_lowercase()},
    ]
    value = key.replace_strict(lookup, default=None, return_dtype=pl.String)
    error = pl.when(s.is_not_null() & ~key.is_in(list(lookup))).then(
        pl.concat_str([pl.lit("不是可选值: "), s, pl.lit(f"(可选: {shown})")])
    )
    return check(values, steps, value=value, error=error)

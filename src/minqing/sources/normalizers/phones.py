"""Phone numbers: the "phone" normalizer.

Mobiles become 11 digits ("13812345678"; +86/86/0086, spaces, hyphens and full-width digits
dropped); landlines "0391-1234567" (area code 010/02X + 8 digits, or 0XXX + 7–8 digits); a bare
7–8 digit local number gets the district's area code (option "area_code", default 0391). Labels
such as 手机/本人/父亲 are ignored. A cell with several numbers (138…/139…, 138…，0391-…) keeps
the first mobile, or the first landline when there is no mobile.
"""

from __future__ import annotations

import polars as pl

from minqing.sources.normalizers import Checked
from minqing.sources.normalizers.cells import (
    SPACE_CLASS,
    apply_where,
    as_text,
    check,
    folded_series,
    notes,
    with_fast_path,
)

MOBILE_LENGTH = "手机号码位数不对"
BAD_FORMAT = "电话号码格式不正确"
SEVERAL = "含多个号码, 已取第一个"
EXTENSION = "已去掉分机号"
NONE_GIVEN = "未提供号码"
DEFAULT_AREA_CODE = "0391"

SEPARATORS = r"[/,;、|\\]|或|和|及|\n"
EXTENSION_RE = r"(?i)(?:转|分机|ext\.?)" + SPACE_CLASS + r"*[0-9]{1,6}"
PLACEHOLDERS = ["无", "暂无", "没有", "不详", "未知", "空", "-", "--", "—", "/", "0"]
PLAIN_MOBILE_RE = (
    r"^(?:\+?86[ -]?)?1[3-9][0-9](?:[0-9]{8}|[ -][0-9]{4}[ -][0-9]{4}|[0-9]{4} [0-9]{4})$"
)
MOBILE_RE = r"^(?:\+?86|0086)?(1[3-9][0-9]{9})$"
GLUED_MOBILES_RE = r"^(?:1[3-9][0-9]{9}){2,}$"
# local numbers start with 2-8 in practice; 1 is accepted after an area code (0391-1234567 in
# hand-made lists), not alone, where 7 digits starting with 1 is far more likely a cut mobile
LANDLINE_RE = r"^(?:(010|02[0-9])([1-9][0-9]{7})|(0[3-9][0-9]{2})([1-9][0-9]{6,7}))$"
LOCAL_RE = r"^[2-9][0-9]{6,7}$"
# a mobile standing on its own in a piece that is not one number as a whole ("0391 1234567 138…")
LONE_MOBILE_RE = r"(?:^|[^0-9])(1[3-9][0-9]{9})(?:$|[^0-9])"
# dropped from a piece before it is read as a number: spacing, brackets, labels (手机, 本人)
COMPACT_DROP = r"[\s\-()\[\].:\p{Han}]"


def _classify_rest(area_code: str) -> pl.Expr:
    """Over columns piece/compact of the pieces that are neither a plain mobile nor a landline:
    "m…" mobile among others, "A…" local number with the area code added, "E1" a mobile of the
    wrong length, "E2" anything else, null for a piece without digits or letters (本人)."""
    piece, compact = pl.col("piece"), pl.col("compact")
    digits_only = compact.str.contains(r"^\+?[0-9]+$")
    return (
        pl.when(~compact.str.contains(r"[0-9A-Za-z]"))
        .then(None)
        .when(compact.str.contains(GLUED_MOBILES_RE))
        .then(pl.lit("m") + compact.str.slice(0, 11))
        .when(compact.str.contains(LOCAL_RE))
        .then(pl.lit(f"A{area_code}-") + compact)
        .when(piece.str.contains(LONE_MOBILE_RE))
        .then(pl.lit("m") + piece.str.extract(LONE_MOBILE_RE, 1))
        .when(
            digits_only
            & compact.str.replace(r"^(?:\+?86|0086)(1)", "$1").str.starts_with("1")
            & ~compact.str.contains(r"^1[0-9]{10}$")
        )
        .then(pl.lit("E1"))
        .otherwise(pl.lit("E2"))
    )


def _landlines(compact: pl.Series) -> pl.Series:
    """ "L0391-1234567" for the pieces that are a landline with its area code, else null."""
    parts = compact.str.extract_groups(LANDLINE_RE).struct.unnest()
    return pl.select(
        pl.lit("L")
        + pl.coalesce(parts[:, 0], parts[:, 2])
        + pl.lit("-")
        + pl.coalesce(parts[:, 1], parts[:, 3])
    ).to_series()


def _classify(pieces: pl.Series, area_code: str) -> pl.Series:
    """Each piece of a cell → "M…" a mobile, "L…" a landline, or what _classify_rest says.
    The common cases are settled first; each costlier test runs only over what is left."""
    compact = pieces.str.replace_all(COMPACT_DROP, "")
    kinds = pl.select(pl.lit("M") + compact.str.extract(MOBILE_RE, 1)).to_series()
    left = kinds.is_null() & pieces.is_not_null()
    kinds = apply_where(kinds, left, lambda _: _landlines(compact.filter(left)))
    left = kinds.is_null() & pieces.is_not_null()
    rest = pl.DataFrame({"piece": pieces, "compact": compact}).filter(left)
    return apply_where(kinds, left, lambda _: rest.select(_classify_rest(area_code)).to_series())


def _summary(kinds: list[pl.Series]) -> pl.DataFrame:
    """From the kinds of the first, second … pieces of some cells: per cell, the number taken
    (a mobile first, with its kind mark), how many pieces held a number or something like one,
    and whether a mobile was cut short."""
    k = [pl.col(f"k{i}") for i in range(len(kinds))]
    return pl.DataFrame({f"k{i}": c for i, c in enumerate(kinds)}).select(
        chosen=pl.coalesce(
            *[pl.when(c.str.contains("^[Mm]")).then(c) for c in k],
            *[pl.when(c.str.contains("^[LA]")).then(c) for c in k],
        ),
        pieces=pl.sum_horizontal([c.is_not_null() for c in k]).cast(pl.UInt32),
        short_mobile=pl.any_horizontal([(c == "E1").fill_null(False) for c in k]),
    )


def _kinds(cells: pl.Series, area_code: str) -> pl.DataFrame:
    """_summary of every cell. Cells holding several pieces (a separator) are split, and their
    first pieces, second pieces … classified as columns, side by side."""
    multi = cells.str.contains("|", literal=True).fill_null(False)
    single = _summary([_classify(cells.filter(~multi), area_code)])
    if not multi.any():
        return single
    lists = cells.filter(multi).str.split("|")
    several = _summary(
        [
            _classify(lists.list.get(i, null_on_oob=True), area_code)
            for i in range(lists.list.len().max())
        ]
    )
    # back to the cells' order: the single cells' rows come first, then the others'
    places = pl.concat([(~multi).arg_true(), multi.arg_true()])
    return pl.concat([single, several])[places.arg_sort()]


def phone(values: pl.Series, options: dict) -> Checked:
    """Normalize phone numbers; see the module docstring."""
    # most cells are a mobile, perhaps with spaces or hyphens: only the others go through the
    # full parse
    raw = as_text(values)
    done = raw.str.contains(PLAIN_MOBILE_RE)
    plain = raw.str.replace_all(r"[ +-]", "").str.slice(-11)
    return with_fast_path(values, done, lambda rest: _phone(rest, options), value=plain)


def _phone(values: pl.Series, options: dict) -> Checked:
    area_code = str(options.get("area_code", DEFAULT_AREA_CODE))
    prepared = pl.DataFrame({"raw": as_text(values), "s": folded_series(values)}).with_columns(
        placeholder=pl.col("s").is_in(PLACEHOLDERS),
        extension=pl.col("s").str.contains(EXTENSION_RE),
        cells=pl.col("s").str.replace_all(EXTENSION_RE, "").str.replace_all(SEPARATORS, "|"),
    )
    kinds = _kinds(prepared["cells"], area_code)
    s, chosen, pieces = pl.col("s"), pl.col("chosen"), pl.col("pieces")
    steps = [
        {
            "s": prepared["s"],
            "placeholder": prepared["placeholder"],
            "extension": prepared["extension"],
            "chosen": kinds["chosen"],
            "pieces": kinds["pieces"],
            "short_mobile": kinds["short_mobile"],
        }
    ]
    none_given = s.is_not_null() & (pl.col("placeholder") | (pieces == 0))
    error = (
        pl.when(s.is_null() | none_given | chosen.is_not_null())
        .then(None)
        .when(pl.col("short_mobile"))
        .then(pl.lit(MOBILE_LENGTH))
        .otherwise(pl.lit(BAD_FORMAT))
    )
    flag = notes(
        pl.when(none_given).then(pl.lit(NONE_GIVEN)),
        pl.when((pieces > 1) | chosen.str.starts_with("m")).then(pl.lit(SEVERAL)),
        pl.when(chosen.str.starts_with("A")).then(pl.lit(f"补全区号{area_code}")),
        pl.when(pl.col("extension") & chosen.is_not_null()).then(pl.lit(EXTENSION)),
    )
    return check(values, steps, value=chosen.str.slice(1), error=error, flag=flag)

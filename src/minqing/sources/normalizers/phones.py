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
PLAIN_MOBILE_RE = r"^1[3-9][0-9](?:[0-9]{8}|[ -][0-9]{4}[ -][0-9]{4}|[0-9]{4} [0-9]{4})$"
MOBILE_RE = r"^(?:\+?86|0086)?(1[3-9][0-9]{9})$"
GLUED_MOBILES_RE = r"^(?:1[3-9][0-9]{9}){2,}$"
# local numbers start with 2-8 in practice; 1 is accepted after an area code (0391-1234567 in
# hand-made lists), not alone, where 7 digits starting with 1 is far more likely a cut mobile
LANDLINE_RE = r"^(?:(010|02[0-9])([1-9][0-9]{7})|(0[3-9][0-9]{2})([1-9][0-9]{6,7}))$"
LOCAL_RE = r"^[2-9][0-9]{6,7}$"
# a mobile standing on its own in a piece that is not one number as a whole ("0391 1234567 138…")
LONE_MOBILE_RE = r"(?:^|[^0-9])(1[3-9][0-9]{9})(?:$|[^0-9])"


COMPACT_DROP = r"[\s\-()\[\].:\p{Han}]"


def _classify_rest(area_code: str) -> pl.Expr:
    """Over columns piece/compact of the pieces that are not a plain mobile: "m…" mobile among
    others, "L…" landline, "A…" landline with the area code added, "E1" a mobile of the wrong
    length, "E2" anything else, null for a piece without digits or letters (a label, 本人)."""
    piece, compact = pl.col("piece"), pl.col("compact")
    landline = pl.concat_str(
        [
            pl.coalesce(compact.str.extract(LANDLINE_RE, 1), compact.str.extract(LANDLINE_RE, 3)),
            pl.lit("-"),
            pl.coalesce(compact.str.extract(LANDLINE_RE, 2), compact.str.extract(LANDLINE_RE, 4)),
        ]
    )
    digits_only = compact.str.contains(r"^\+?[0-9]+$")
    return (
        pl.when(~compact.str.contains(r"[0-9A-Za-z]"))
        .then(None)
        .when(compact.str.contains(GLUED_MOBILES_RE))
        .then(pl.lit("m") + compact.str.slice(0, 11))
        .when(landline.is_not_null())
        .then(pl.lit("L") + landline)
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


def _classify(pieces: pl.Series, area_code: str) -> pl.Series:
    """Each piece of a cell → "M…" a mobile, or what _classify_rest says. Plain mobiles are
    settled first; the costlier tests run only over the remaining pieces."""
    frame = pl.DataFrame({"piece": pieces}).with_columns(
        compact=pl.col("piece").str.replace_all(COMPACT_DROP, "")
    )
    mobile = frame["compact"].str.extract(MOBILE_RE, 1)
    kinds = pl.select(pl.lit("M") + mobile).to_series()
    rest = mobile.is_null() & pieces.is_not_null()
    return apply_where(
        kinds, rest, lambda _: frame.filter(rest).select(_classify_rest(area_code)).to_series()
    )


def _summary(kind: pl.Expr) -> list[pl.Expr]:
    """Over the kinds of one cell's pieces (aggregated or not): the number taken (a mobile
    first), how many pieces held a number or something like one, whether a mobile was cut."""
    return [
        pl.coalesce(
            kind.filter(kind.str.contains("^[Mm]")).first(),
            kind.filter(kind.str.contains("^[LA]")).first(),
        ).alias("chosen"),
        kind.is_not_null().sum().cast(pl.UInt32).alias("pieces"),
        (kind == "E1").any().alias("short_mobile"),
    ]


def _kinds(cells: pl.Series, area_code: str) -> pl.DataFrame:
    """_summary of every cell; cells holding several pieces (a separator) are split, the
    others classified whole."""
    kind = pl.col("kind")
    several = cells.str.contains("|", literal=True).fill_null(False)
    result = pl.DataFrame({"kind": _classify(cells, area_code)}).select(
        chosen=pl.when(kind.str.contains("^[MmLA]")).then(kind),
        pieces=kind.is_not_null().cast(pl.UInt32),
        short_mobile=(kind == "E1").fill_null(False),
    )
    where = several.arg_true()
    if len(where) == 0:
        return result
    exploded = (
        cells.gather(where).str.split("|").to_frame("piece").with_row_index("cell").explode("piece")
    )
    exploded = exploded.with_columns(kind=_classify(exploded["piece"], area_code))
    grouped = exploded.group_by("cell", maintain_order=True).agg(_summary(kind))
    at = where.gather(grouped["cell"])
    return result.with_columns(
        [result[c].clone().scatter(at, grouped[c]) for c in ("chosen", "pieces", "short_mobile")]
    )


def phone(values: pl.Series, options: dict) -> Checked:
    """Normalize phone numbers; see the module docstring."""
    # most cells are a mobile, perhaps with spaces or hyphens: only the others go through the
    # full parse
    raw = as_text(values)
    done = raw.str.contains(PLAIN_MOBILE_RE)
    plain = raw.str.replace_all(r"[ -]", "").str.slice(-11)
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

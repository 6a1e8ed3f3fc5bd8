"""Errors injected into the department extracts, at documented, configurable rates.

Every injected error is recorded in the ground truth (truth/records.parquet, column `errors`) and
is detectable from it: a test checks each kind (homophones read the same in pinyin, an ID typo
fails the GB 11643 check digit, a 15-digit ID upgrades to the true one, and so on).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np
import opencc
import polars as pl

from minqing.core.idnumbers import downgrade_18
from minqing.synth.names import HOMOPHONES, LOOKALIKES


@dataclass(frozen=True)
class ErrorRates:
    """Share of rows (of a department of ordinary quality) that get each error."""

    name_homophone: float = 0.02  # 丽 → 莉: same pinyin, other character
    name_lookalike: float = 0.004  # 王 → 玉: misread handwriting
    name_traditional: float = 0.01  # 张伟华 → 張偉華
    name_space: float = 0.01  # 王 伟, full-width spaces, trailing blanks
    id_typo: float = 0.006  # one digit wrong
    id_transposition: float = 0.003  # two neighbouring digits swapped
    id_relative: float = 0.003  # a household member's ID number instead
    id_15: float = 0.04  # the old 15-digit number (only people born in the 1900s)
    id_missing: float = 0.01
    phone_old: float = 0.05  # a number the person no longer uses (when there is one)
    phone_relative: float = 0.02  # a household member's number (the son's mobile for his mother)
    phone_missing: float = 0.03
    address_variant: float = 0.6  # 3-2-402, 三号楼, prefixed with 焦作市 …
    birth_missing: float = 0.01
    duplicate_row: float = 0.005

    @classmethod
    def from_json(cls, path: Path) -> ErrorRates:
        data = json.loads(path.read_text(encoding="utf-8"))
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(
                f"未知的错误类型: {', '.join(sorted(unknown))}; 可用: {', '.join(sorted(known))}"
            )
        return cls(**data)

    def scaled(self, factor: float) -> ErrorRates:
        return ErrorRates(**{k: min(v * factor, 1.0) for k, v in asdict(self).items()})


_HOMOPHONE_OF: dict[str, str] = {}
for group in HOMOPHONES:
    for ch in group:
        _HOMOPHONE_OF.setdefault(ch, group)
_TRADITIONAL = opencc.OpenCC("s2t")


def _homophone(rng: np.random.Generator, name: str) -> str | None:
    positions = [i for i, ch in enumerate(name) if ch in _HOMOPHONE_OF]
    if not positions:
        return None
    i = positions[int(rng.integers(len(positions)))]
    others = [c for c in _HOMOPHONE_OF[name[i]] if c != name[i]]
    return name[:i] + others[int(rng.integers(len(others)))] + name[i + 1 :]


def _lookalike(rng: np.random.Generator, name: str) -> str | None:
    positions = [i for i, ch in enumerate(name) if ch in LOOKALIKES]
    if not positions:
        return None
    i = positions[int(rng.integers(len(positions)))]
    return name[:i] + LOOKALIKES[name[i]] + name[i + 1 :]


def _traditional(rng: np.random.Generator, name: str) -> str | None:
    converted = _TRADITIONAL.convert(name)
    return converted if converted != name else None


def _space(rng: np.random.Generator, name: str) -> str | None:
    kind = int(rng.integers(3))
    if kind == 0 and len(name) >= 2:
        return name[0] + " " + name[1:]
    if kind == 1:
        return name + " "
    return name[0] + "\u3000" + name[1:]


def _id_typo(rng: np.random.Generator, number: str) -> str | None:
    if len(number) != 18:
        return None
    i = int(rng.integers(6, 17))  # keep the region code so the number still looks local
    digit = str((int(number[i]) + int(rng.integers(1, 10))) % 10)
    return number[:i] + digit + number[i + 1 :]


def _id_transposition(rng: np.random.Generator, number: str) -> str | None:
    candidates = [i for i in range(6, 16) if number[i] != number[i + 1]]
    if len(number) != 18 or not candidates:
        return None
    i = candidates[int(rng.integers(len(candidates)))]
    return number[:i] + number[i + 1] + number[i] + number[i + 2 :]


def _id_15(rng: np.random.Generator, number: str) -> str | None:
    if len(number) != 18 or number[6:8] != "19":
        return None
    return downgrade_18(number)


NAME_ERRORS = {
    "name_homophone": _homophone,
    "name_lookalike": _lookalike,
    "name_traditional": _traditional,
    "name_space": _space,
}
ID_ERRORS = {"id_typo": _id_typo, "id_transposition": _id_transposition, "id_15": _id_15}


def inject(
    df: pl.DataFrame,
    rates: ErrorRates,
    rng: np.random.Generator,
    *,
    name: str | None = None,
    id_number: str | None = None,
    phone: str | None = None,
    birth: str | None = None,
) -> pl.DataFrame:
    """Corrupt the named columns of an extract in place of the true values.

    The frame must carry `person_id`, `household_id`, `old_phone` and `errors` (list of str).
    The draws are vectorized; only the rows drawn go through Python, and they are written back
    with a scatter, so a million-row extract costs well under a second.
    """
    n = df.height
    added: dict[int, list[str]] = {}  # row → error kinds added here
    touched: dict[str, set[int]] = {}  # column → rows already corrupted (one error per field)
    changes: dict[str, dict[int, object]] = {}  # column → {row: new value}
    columns = {c: df[c] for c in (name, id_number, phone, birth) if c}

    def value(column: str, row: int):
        if row in changes.get(column, {}):
            return changes[column][row]
        return columns[column][row]

    def set_value(column: str, row: int, new, kind: str) -> None:
        changes.setdefault(column, {})[row] = new
        touched.setdefault(column, set()).add(row)
        added.setdefault(row, []).append(kind)

    def draw(rate: float) -> np.ndarray:
        return np.flatnonzero(rng.random(n) < rate)

    def apply(column: str, kinds: dict) -> None:
        for kind, func in kinds.items():
            for row in draw(getattr(rates, kind)).tolist():
                old = value(column, row)
                if old in (None, "") or row in touched.get(column, ()):
                    continue
                new = func(rng, old)
                if new is not None and new != old:
                    set_value(column, row, new, kind)

    if name:
        apply(name, NAME_ERRORS)
    if id_number:
        rows = draw(rates.id_relative)
        if len(rows):
            relative = _relative_values(df, id_number).gather(rows).to_list()
            for row, other in zip(rows.tolist(), relative, strict=True):
                if other:
                    set_value(id_number, row, other, "id_relative")
        apply(id_number, ID_ERRORS)
        for row in draw(rates.id_missing).tolist():
            if value(id_number, row) and row not in touched.get(id_number, ()):
                set_value(id_number, row, "", "id_missing")
    if phone:
        rows = draw(rates.phone_relative)
        if len(rows):
            relative = _relative_values(df, phone).gather(rows).to_list()
            for row, other in zip(rows.tolist(), relative, strict=True):
                if other and other != value(phone, row):
                    set_value(phone, row, other, "phone_relative")
        old_phone = df["old_phone"]
        for row in draw(rates.phone_old).tolist():
            if old_phone[row] and value(phone, row) and row not in touched.get(phone, ()):
                set_value(phone, row, old_phone[row], "phone_old")
        for row in draw(rates.phone_missing).tolist():
            if value(phone, row) and row not in touched.get(phone, ()):
                set_value(phone, row, "", "phone_missing")
    if birth:
        for row in draw(rates.birth_missing).tolist():
            if value(birth, row) is not None and row not in touched.get(birth, ()):
                set_value(birth, row, None, "birth_missing")

    updates = []
    for column, rows_values in changes.items():
        idx = list(rows_values)
        series = (
            columns[column]
            .clone()
            .scatter(idx, pl.Series(list(rows_values.values()), dtype=columns[column].dtype))
        )
        updates.append(series)
    if added:
        extra = pl.DataFrame(
            {"__i": list(added), "__add": list(added.values())},
            schema={"__i": pl.UInt32, "__add": pl.List(pl.String)},
        )
        errors = (
            df.select(pl.col("errors"))
            .with_row_index("__i")
            .join(extra, on="__i", how="left")
            .select(
                pl.when(pl.col("__add").is_null())
                .then(pl.col("errors"))
                .otherwise(pl.col("errors").list.concat(pl.col("__add")))
                .alias("errors"),
                "__i",
            )
            .sort("__i")
            .get_column("errors")
        )
        updates.append(errors)
    return df.with_columns(updates) if updates else df


def _relative_values(df: pl.DataFrame, column: str) -> pl.Series:
    """For each row, the value of a neighbouring row of the same household and another person
    (None if there is none). Extracts list a household's members together."""

    def other(step: int) -> pl.Expr:
        value = pl.col(column).shift(step)
        same = (pl.col("household_id").shift(step) == pl.col("household_id")) & (
            pl.col("person_id").shift(step) != pl.col("person_id")
        )
        return pl.when(same & (value.fill_null("") != "")).then(value)

    return df.select(pl.coalesce(other(1), other(-1)).alias("r"))["r"]


def duplicate_rows(df: pl.DataFrame, rate: float, rng: np.random.Generator) -> pl.DataFrame:
    """Repeat some rows right after themselves, as an export run twice over a page does."""
    if df.height == 0 or rate <= 0:
        return df
    dup = rng.random(df.height) < rate
    copies = df.filter(pl.Series(dup)).with_columns(
        pl.col("errors").list.concat(pl.lit(["duplicate_row"], dtype=pl.List(pl.String))),
        __order=pl.Series(np.flatnonzero(dup) + 0.5),
    )
    return (
        pl.concat([df.with_columns(__order=pl.int_range(df.height).cast(pl.Float64)), copies])
        .sort("__order")
        .drop("__order")
    )

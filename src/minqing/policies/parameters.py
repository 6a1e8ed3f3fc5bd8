"""The parameter table: every figure a rule uses, with the period it is in force, the area it
applies to and the document it comes from.

A row is (name, value, unit, effective_from, effective_to, area_code, source, is_demo).

- ``effective_to`` is the **last day** the row is in force (inclusive), empty for open-ended: a
  change "自2022年1月1日起" ends the old row on 2021-12-31 and starts the new one on 2022-01-01.
- ``area_code`` is a GB/T 2260 prefix: province "41", city "4108", district "410811" (street,
  community and grid codes continue the district's). The row whose code is the longest prefix of
  the household's area code wins, so a district row overrides the city's, which overrides the
  province default.
- ``is_demo`` says the real local figure is unknown and the shipped value stands in for it.

Rows of one name and one area must not overlap in time; the table is refused on load otherwise,
with a message naming the rows. Gaps are allowed: asking for a date in a gap is an error.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import polars as pl

DEFAULT_PATH = Path(__file__).parent / "data" / "parameters.csv"
PROVINCE = "41"  # the default area: households without an area code get the province's rows
COLUMNS = [
    "name",
    "value",
    "unit",
    "effective_from",
    "effective_to",
    "area_code",
    "source",
    "is_demo",
]
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_AREA = re.compile(r"^[0-9]{2,}$")
_TRUE = {"true", "1", "yes", "是"}
_FALSE = {"false", "0", "no", "否"}
SCHEMA = {
    "name": pl.String,
    "value": pl.Float64,
    "unit": pl.String,
    "effective_from": pl.Date,
    "effective_to": pl.Date,
    "area_code": pl.String,
    "source": pl.String,
    "is_demo": pl.Boolean,
}


class ParameterError(ValueError):
    """The table is malformed, or no row is in force for a name, date and area."""


@dataclass(frozen=True)
class Parameter:
    name: str
    value: float
    unit: str
    effective_from: dt.date
    effective_to: dt.date | None
    area_code: str
    source: str
    is_demo: bool


def _label(period_from: dt.date, period_to: dt.date | None) -> str:
    return f"{period_from} 至 {period_to if period_to else '长期'}"


class ParameterTable:
    """A validated parameter table. Build one with ``load_parameters`` or ``from_records``."""

    def __init__(self, frame: pl.DataFrame):
        self.frame = frame

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, object]], *, origin: str = "参数表"):
        """Validate rows (strings as read from CSV, or Python values) and build the table.
        Every problem is collected and reported at once, in Chinese, as one ParameterError."""
        errors: list[str] = []
        rows: list[dict] = []
        for i, raw in enumerate(records, start=2):  # line 1 of the CSV is the header
            where = f"第{i}行"
            missing = [c for c in COLUMNS if c not in raw]
            if missing:
                errors.append(f"{where}: 缺少列 {', '.join(missing)}")
                continue
            row, problems = _parse_row(raw)
            errors.extend(f"{where}: {p}" for p in problems)
            if not problems:
                row["line"] = i
                rows.append(row)
        errors.extend(_overlaps(rows))
        errors.extend(_mixed_units(rows))
        if errors:
            raise ParameterError(f"{origin}有误:\n" + "\n".join(errors))
        frame = pl.DataFrame(
            [{k: r[k] for k in COLUMNS} for r in rows], schema=SCHEMA, orient="row"
        )
        return cls(frame)

    def resolve(self, name: str, on: dt.date, area_code: str | None = None) -> Parameter:
        """The row for `name` in force on `on` for `area_code` (most specific area wins)."""
        area = area_code or PROVINCE
        hits = self.frame.filter(
            (pl.col("name") == name)
            & (pl.col("effective_from") <= on)
            & (pl.col("effective_to").is_null() | (pl.col("effective_to") >= on))
            & pl.lit(area).str.starts_with(pl.col("area_code"))
        )
        if hits.is_empty():
            raise ParameterError(f"参数 {name} 在 {on}、地区 {area} 没有生效的取值")
        best = hits.sort(pl.col("area_code").str.len_chars()).row(-1, named=True)
        return Parameter(**best)

    def in_force(self, on: dt.date, area_codes: Iterable[str | None]) -> pl.DataFrame:
        """Every parameter in force on `on` for each distinct area code, vectorized: one row per
        (area_code, name) with value, unit, source, is_demo and the row's own area and period.
        A null area code gets the province default (its result row keeps area_code null)."""
        areas = (
            pl.DataFrame({"area_code": pl.Series(list(area_codes), dtype=pl.String)})
            .unique()
            .with_columns(match_code=pl.col("area_code").fill_null(PROVINCE))
        )
        rows = self.frame.filter(
            (pl.col("effective_from") <= on)
            & (pl.col("effective_to").is_null() | (pl.col("effective_to") >= on))
        ).rename({"area_code": "row_area_code"})
        return (
            areas.join(rows, how="cross")
            .filter(pl.col("match_code").str.starts_with(pl.col("row_area_code")))
            .sort(pl.col("row_area_code").str.len_chars())
            .group_by("area_code", "name", maintain_order=True)
            .last()
            .drop("match_code")
            .sort("area_code", "name", nulls_last=True)
        )

    def names(self) -> list[str]:
        return sorted(self.frame["name"].unique().to_list())

    def change_dates(self) -> list[dt.date]:
        """The days on which some row comes into force or the day after one ends: a result
        computed before such a day may not hold on it."""
        starts = self.frame["effective_from"]
        after_ends = self.frame["effective_to"].drop_nulls() + dt.timedelta(days=1)
        return sorted(set(starts.to_list()) | set(after_ends.to_list()))


def _parse_row(raw: Mapping[str, object]) -> tuple[dict, list[str]]:
    problems: list[str] = []
    row: dict = {}
    name = str(raw["name"] or "").strip()
    if not _NAME.match(name):
        problems.append(f"参数名「{name}」不合规（小写字母、数字、下划线）")
    row["name"] = name
    try:
        row["value"] = float(str(raw["value"]).strip())
    except ValueError:
        problems.append(f"{name} 的取值「{raw['value']}」不是数字")
    row["unit"] = str(raw["unit"] or "").strip()
    if not row["unit"]:
        problems.append(f"{name} 缺少单位")
    for key in ("effective_from", "effective_to"):
        row[key], problem = _parse_date(raw[key])
        if problem:
            problems.append(f"{name} 的日期「{raw[key]}」不是 YYYY-MM-DD")
    if row["effective_from"] is None and raw["effective_from"] in (None, ""):
        problems.append(f"{name} 缺少生效日期 effective_from")
    if (
        row["effective_from"]
        and row["effective_to"]
        and row["effective_to"] < row["effective_from"]
    ):
        problems.append(
            f"{name} 的失效日期 {row['effective_to']} 早于生效日期 {row['effective_from']}"
        )
    area = str(raw["area_code"] or "").strip()
    if not _AREA.match(area):
        problems.append(f"{name} 的地区代码「{area}」不是数字代码（如 41、4108、410811）")
    row["area_code"] = area
    row["source"] = str(raw["source"] or "").strip()
    if not row["source"]:
        problems.append(f"{name} 缺少来源（文件与日期）")
    demo = raw["is_demo"]
    if isinstance(demo, bool):
        row["is_demo"] = demo
    elif str(demo).strip().lower() in _TRUE:
        row["is_demo"] = True
    elif str(demo).strip().lower() in _FALSE:
        row["is_demo"] = False
    else:
        problems.append(f"{name} 的 is_demo「{demo}」应为 true 或 false")
    return row, problems


def _parse_date(value: object) -> tuple[dt.date | None, bool]:
    """(date or None, whether the text was unreadable)."""
    if value is None or isinstance(value, dt.date):
        return value, False
    text = str(value).strip()
    if not text:
        return None, False
    try:
        return dt.date.fromisoformat(text), False
    except ValueError:
        return None, True


def _overlaps(rows: list[dict]) -> list[str]:
    errors = []
    by_key: dict[tuple[str, str], list[dict]] = {}
    for r in rows:
        by_key.setdefault((r["name"], r["area_code"]), []).append(r)
    for (name, area), group in sorted(by_key.items()):
        group.sort(key=lambda r: r["effective_from"])
        for a, b in itertools.pairwise(group):
            if a["effective_to"] is None or a["effective_to"] >= b["effective_from"]:
                errors.append(
                    f"参数 {name}（地区 {area}）的有效期重叠: 第{a['line']}行 "
                    f"{_label(a['effective_from'], a['effective_to'])} 与 第{b['line']}行 "
                    f"{_label(b['effective_from'], b['effective_to'])}"
                )
    return errors


def _mixed_units(rows: list[dict]) -> list[str]:
    units: dict[str, set[str]] = {}
    for r in rows:
        units.setdefault(r["name"], set()).add(r["unit"])
    return [
        f"参数 {name} 的单位不一致: {'、'.join(sorted(u))}"
        for name, u in sorted(units.items())
        if len(u) > 1
    ]


def read_csv(path: Path | str) -> ParameterTable:
    """Load and validate a parameter table from a UTF-8 CSV file with the columns of COLUMNS."""
    path = Path(path)
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames or []
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise ParameterError(f"参数表 {path.name} 缺少列: {', '.join(missing)}")
        return ParameterTable.from_records(list(reader), origin=f"参数表 {path.name} ")


@functools.cache
def default_table() -> ParameterTable:
    """The shipped table (data/parameters.csv), loaded and validated once."""
    return read_csv(DEFAULT_PATH)


def resolve(
    name: str, on: dt.date, area_code: str | None = None, table: ParameterTable | None = None
) -> Parameter:
    """The parameter `name` in force on `on` for `area_code` (default table unless given)."""
    return (table or default_table()).resolve(name, on, area_code)


def in_force(
    on: dt.date, area_codes: Iterable[str | None], table: ParameterTable | None = None
) -> pl.DataFrame:
    """All parameters in force on `on` for each area code (see ParameterTable.in_force)."""
    return (table or default_table()).in_force(on, area_codes)

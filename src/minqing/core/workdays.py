"""The working-day clock: deadlines in casework are counted in working days (工作日).

A working day is a Monday to Friday that is not a public holiday in the State Council's yearly
notice, or a Saturday/Sunday that the notice makes a working day (调休上班). The notices are data:
`core/data/work_calendar.csv`, one row per date (see `core/data/README.md`). For a year the file
does not cover, only weekends are days off; `covers(year)` tells callers when to warn.

Conventions (the same in the scalar and the vectorized functions):

- `add_workdays(start, n)`, n > 0: the n-th working day *after* start; start itself never counts,
  whatever kind of day it is (the day of the event is not part of the period, as in 期间计算).
  A problem registered on Friday with 5 working days is due the next Friday; registered on a
  Saturday with 1 working day, it is due on Monday.
- n == 0: start if it is a working day, else the next working day.
- n < 0: the |n|-th working day *before* start.
- `workdays_between(a, b)`: the working days in (a, b] — after a, up to and including b; negative
  when b < a (minus the working days in (b, a]). "Overdue by N working days" is
  `workdays_between(due_on, today)`: 0 on the due date, 1 on the next working day. For n ≥ 1,
  `workdays_between(a, add_workdays(a, n)) == n`.

Pass local dates (`django.utils.timezone.localdate()`), never datetimes: which day it is depends
on the time zone, and that is the caller's decision.

The scalar methods walk day by day (plain and obviously right); the array/Polars methods use
numpy's business-day functions for whole columns. numpy's calendar knows a weekmask and holidays
but cannot make a Saturday a working day, so the adjusted working days are merged in separately
(see `_forward`).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import numpy as np
import polars as pl

SHIPPED_CSV = Path(__file__).parent / "data" / "work_calendar.csv"
KINDS = ("holiday", "workday")
_ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class WorkCalendar:
    """Days off and adjusted working days; weekends are days off unless listed as workdays."""

    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()  # adjusted working Saturdays and Sundays
    covered_years: frozenset[int] = frozenset()
    names: Mapping[dt.date, str] = field(
        default_factory=lambda: MappingProxyType({}), compare=False
    )

    def __post_init__(self) -> None:
        both = self.holidays & self.workdays
        if both:
            raise ValueError(f"both a holiday and a working day: {sorted(both)}")
        weekdays = sorted(d for d in self.workdays if d.weekday() < 5)
        if weekdays:
            raise ValueError(f"adjusted working days must be a Saturday or Sunday: {weekdays}")

    # -- building ---------------------------------------------------------------------------

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, str]]) -> WorkCalendar:
        """From rows with date (ISO), kind (holiday | workday) and name; the years covered are
        the years that have rows."""
        holidays, workdays, names = set(), set(), {}
        for row in rows:
            day = dt.date.fromisoformat(row["date"].strip())
            kind = row["kind"].strip()
            if kind not in KINDS:
                raise ValueError(f"{day}: kind must be one of {KINDS}, not {kind!r}")
            if day in names:
                raise ValueError(f"{day} is listed twice")
            (holidays if kind == "holiday" else workdays).add(day)
            names[day] = row.get("name", "").strip()
        return cls(
            holidays=frozenset(holidays),
            workdays=frozenset(workdays),
            covered_years=frozenset(d.year for d in names),
            names=MappingProxyType(names),
        )

    @classmethod
    def from_csv(cls, path: str | Path) -> WorkCalendar:
        with open(path, encoding="utf-8", newline="") as f:
            return cls.from_rows(csv.DictReader(f))

    @classmethod
    def shipped(cls) -> WorkCalendar:
        """The calendar in core/data/work_calendar.csv, read once per process."""
        return _shipped()

    # -- one date ---------------------------------------------------------------------------

    def covers(self, year: int) -> bool:
        """Whether the official schedule for the year is in the data (else: weekends only)."""
        return year in self.covered_years

    def is_workday(self, day: dt.date) -> bool:
        _check_date(day)
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def holiday_name(self, day: dt.date) -> str:
        """元旦, 春节 … for a listed holiday or adjusted working day, else ""."""
        return self.names.get(day, "")

    def add_workdays(self, start: dt.date, n: int) -> dt.date:
        """The n-th working day after start (n > 0), before it (n < 0), or start rolled forward
        to a working day (n == 0). See the module docstring."""
        _check_date(start)
        day = start
        if n == 0:
            while not self.is_workday(day):
                day += _ONE_DAY
            return day
        step = _ONE_DAY if n > 0 else -_ONE_DAY
        left = abs(n)
        while left:
            day += step
            if self.is_workday(day):
                left -= 1
        return day

    def workdays_between(self, a: dt.date, b: dt.date) -> int:
        """Working days in (a, b]; negative if b < a."""
        _check_date(a)
        _check_date(b)
        if b < a:
            return -self.workdays_between(b, a)
        return sum(self.is_workday(a + dt.timedelta(days=i)) for i in range(1, (b - a).days + 1))

    def next_weekday(self, day: dt.date, weekday: int, *, skip_days_off: bool = False) -> dt.date:
        """The first date on or after day falling on weekday (Monday 0 … Sunday 6), e.g. the
        next Tuesday care day is next_weekday(today, 1). With skip_days_off, a date that is not
        a working day (a Tuesday in 国庆) moves on to the same weekday of the following week."""
        _check_date(day)
        if not 0 <= weekday <= 6:
            raise ValueError(f"weekday must be 0 (Monday) … 6 (Sunday), not {weekday}")
        found = day + dt.timedelta(days=(weekday - day.weekday()) % 7)
        while skip_days_off and not self.is_workday(found):
            found += dt.timedelta(days=7)
        return found

    # -- whole columns (numpy) --------------------------------------------------------------

    @functools.cached_property
    def _busdaycal(self) -> np.busdaycalendar:
        # Monday-to-Friday minus the holidays: everything but the adjusted working days
        return np.busdaycalendar(weekmask="1111100", holidays=sorted(self.holidays))

    @functools.cached_property
    def _extra(self) -> np.ndarray:
        """The adjusted working days, sorted, as datetime64[D]."""
        return np.array(sorted(self.workdays), dtype="datetime64[D]")

    def is_workday_array(self, days: np.ndarray) -> np.ndarray:
        days = np.asarray(days, dtype="datetime64[D]")
        return np.is_busday(days, busdaycal=self._busdaycal) | np.isin(days, self._extra)

    def add_workdays_array(self, starts: np.ndarray, n: int | np.ndarray) -> np.ndarray:
        """add_workdays for each start (datetime64[D]); n is one number or one per start."""
        starts = np.asarray(starts, dtype="datetime64[D]")
        ns = np.broadcast_to(np.asarray(n, dtype=np.int64), starts.shape)
        out = np.empty(starts.shape, dtype="datetime64[D]")
        later, earlier, zero = ns > 0, ns < 0, ns == 0
        out[later] = self._forward(starts[later], ns[later])
        out[earlier] = self._backward(starts[earlier], -ns[earlier])
        rolled = starts[zero]
        out[zero] = np.where(
            self.is_workday_array(rolled), rolled, self._forward(rolled, np.ones_like(ns[zero]))
        )
        return out

    def workdays_between_array(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """workdays_between for each pair (datetime64[D]); either side may be a single date."""
        a = np.asarray(a, dtype="datetime64[D]")
        b = np.asarray(b, dtype="datetime64[D]")
        low, high = np.minimum(a, b), np.maximum(a, b)
        one = np.timedelta64(1, "D")
        # busday_count counts [begin, end), so (low, high] is [low + 1, high + 1). (Given
        # end < begin, it counts (end, begin] negatively, which is not the mirror we want.)
        regular = np.busday_count(low + one, high + one, busdaycal=self._busdaycal)
        extra = np.searchsorted(self._extra, high, side="right") - np.searchsorted(
            self._extra, low, side="right"
        )
        return np.where(b < a, -1, 1) * (regular + extra)

    def _forward(self, starts: np.ndarray, k: np.ndarray) -> np.ndarray:
        """The k-th (k ≥ 1) working day after each start.

        The working days after a start are two disjoint sorted sequences: R, the Monday-to-Friday
        non-holidays (numpy's calendar), and X, the adjusted working days. The k-th element of
        their union is min over j of max(R[k - j], X[j]) (j of the k taken from X; R[0] and X[0]
        stand for "nothing needed"). X has a handful of dates a year, so j stops early: once
        X[j] is past the best found, a larger j cannot do better."""
        best = np.busday_offset(starts, k, roll="backward", busdaycal=self._busdaycal)
        extra = self._extra
        if not len(extra) or not len(starts):
            return best
        first = np.searchsorted(extra, starts, side="right")  # index of the first X after start
        for j in range(1, min(int(k.max()), len(extra)) + 1):
            index = first + j - 1
            usable = (index < len(extra)) & (j <= k)
            x_j = extra[np.minimum(index, len(extra) - 1)]
            if not (usable & (x_j < best)).any():
                break
            # (k - j) regular days; with k == j, roll="backward" gives a day ≤ start < x_j
            r_rest = np.busday_offset(
                starts, np.maximum(k - j, 0), roll="backward", busdaycal=self._busdaycal
            )
            best = np.where(usable, np.minimum(best, np.maximum(r_rest, x_j)), best)
        return best

    def _backward(self, starts: np.ndarray, k: np.ndarray) -> np.ndarray:
        """The k-th (k ≥ 1) working day before each start; _forward mirrored."""
        best = np.busday_offset(starts, -k, roll="forward", busdaycal=self._busdaycal)
        extra = self._extra
        if not len(extra) or not len(starts):
            return best
        before = np.searchsorted(extra, starts, side="left")  # how many X are before start
        for j in range(1, min(int(k.max()), len(extra)) + 1):
            index = before - j
            usable = (index >= 0) & (j <= k)
            x_j = extra[np.maximum(index, 0)]
            if not (usable & (x_j > best)).any():
                break
            r_rest = np.busday_offset(
                starts, -np.maximum(k - j, 0), roll="forward", busdaycal=self._busdaycal
            )
            best = np.where(usable, np.maximum(best, np.minimum(r_rest, x_j)), best)
        return best

    # -- whole columns (Polars) -------------------------------------------------------------

    def is_workday_series(self, days: pl.Series) -> pl.Series:
        values, missing = _to_numpy(days)
        result = pl.Series(days.name, self.is_workday_array(values))
        return _with_nulls(result, missing)

    def add_workdays_series(self, starts: pl.Series, n: int | pl.Series) -> pl.Series:
        """add_workdays over a Date column; a null start (or null n) gives null."""
        values, missing = _to_numpy(starts)
        if isinstance(n, pl.Series):
            missing = missing | n.is_null().to_numpy()
            n = n.fill_null(0).cast(pl.Int64).to_numpy()
        result = _from_numpy(starts.name, self.add_workdays_array(values, n))
        return _with_nulls(result, missing)

    def workdays_between_series(self, a: pl.Series | dt.date, b: pl.Series | dt.date) -> pl.Series:
        """workdays_between over Date columns (or a column and one date, e.g. today)."""
        name = a.name if isinstance(a, pl.Series) else b.name if isinstance(b, pl.Series) else ""
        a_values, a_missing = _to_numpy(a)
        b_values, b_missing = _to_numpy(b)
        result = pl.Series(name, self.workdays_between_array(a_values, b_values), pl.Int64)
        return _with_nulls(result, a_missing | b_missing)

    def add_workdays_expr(self, starts: pl.Expr | str, n: int | pl.Expr | str) -> pl.Expr:
        """add_workdays as a Polars expression: `cal.add_workdays_expr("opened_on", "due_days")`
        or `cal.add_workdays_expr(pl.col("opened_on"), 5)`."""
        starts = pl.col(starts) if isinstance(starts, str) else starts
        if isinstance(n, int):
            return starts.map_batches(
                lambda s: self.add_workdays_series(s, n), return_dtype=pl.Date
            )
        n = pl.col(n) if isinstance(n, str) else n
        return pl.struct(starts.alias("start"), n.alias("n")).map_batches(
            lambda s: self.add_workdays_series(s.struct.field("start"), s.struct.field("n")).alias(
                s.name
            ),
            return_dtype=pl.Date,
        )

    def workdays_between_expr(self, a: pl.Expr | str, b: pl.Expr | str | dt.date) -> pl.Expr:
        """workdays_between as a Polars expression; b may be one date (today)."""
        a = pl.col(a) if isinstance(a, str) else a
        if isinstance(b, dt.date):
            day = b
            return a.map_batches(
                lambda s: self.workdays_between_series(s, day), return_dtype=pl.Int64
            )
        b = pl.col(b) if isinstance(b, str) else b
        return pl.struct(a.alias("a"), b.alias("b")).map_batches(
            lambda s: self.workdays_between_series(s.struct.field("a"), s.struct.field("b")).alias(
                s.name
            ),
            return_dtype=pl.Int64,
        )


@functools.cache
def _shipped() -> WorkCalendar:
    return WorkCalendar.from_csv(SHIPPED_CSV)


def _check_date(day: dt.date) -> None:
    # a datetime is a date too, but sets of dates never contain it and its day depends on a zone
    if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
        raise TypeError(f"expected a date, got {type(day).__name__}: pass a local date")


def _to_numpy(days: pl.Series | dt.date) -> tuple[np.ndarray, np.ndarray]:
    """Dates as datetime64[D] (nulls filled with 1970-01-01) and the null mask."""
    if isinstance(days, dt.date):
        _check_date(days)
        return np.datetime64(days, "D"), np.bool_(False)
    if days.dtype != pl.Date:
        raise TypeError(f"column {days.name!r} must be of type Date, not {days.dtype}")
    missing = days.is_null().to_numpy()
    values = days.to_physical().fill_null(0).to_numpy().astype("datetime64[D]")
    return values, missing


def _from_numpy(name: str, values: np.ndarray) -> pl.Series:
    return pl.Series(name, values.astype(np.int64), pl.Int64).cast(pl.Int32).cast(pl.Date)


def _with_nulls(result: pl.Series, missing: np.ndarray) -> pl.Series:
    if not np.any(missing):
        return result
    return result.scatter(np.flatnonzero(missing), None)

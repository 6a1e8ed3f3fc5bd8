import csv
import datetime as dt
import random

import numpy as np
import polars as pl
import pytest

from minqing.core.workdays import SHIPPED_CSV, WorkCalendar

D = dt.date
CAL = WorkCalendar.shipped()


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # 国庆 2026: 10月1日至7日放假调休, 9月20日(周日)、10月10日(周六)上班
        (D(2026, 9, 19), False),  # Saturday
        (D(2026, 9, 20), True),  # adjusted working Sunday
        (D(2026, 9, 30), True),
        *[(D(2026, 10, day), False) for day in range(1, 8)],
        (D(2026, 10, 8), True),
        (D(2026, 10, 9), True),
        (D(2026, 10, 10), True),  # adjusted working Saturday
        (D(2026, 10, 11), False),
        # adjusted working Saturdays of other holidays and years
        (D(2026, 2, 14), True),
        (D(2026, 2, 28), True),
        (D(2026, 5, 9), True),
        (D(2025, 2, 8), True),
        (D(2025, 10, 11), True),
        (D(2024, 5, 11), True),
        (D(2024, 9, 14), True),
        # holidays on weekdays, and the 2024 除夕 that the notice only "encouraged" as a day off
        (D(2025, 10, 8), False),  # 国庆节、中秋节 2025: 8 days
        (D(2025, 5, 5), False),  # 劳动节 2025: the added day
        (D(2024, 2, 9), True),
        (D(2024, 2, 16), False),
        # an ordinary week
        (D(2026, 11, 27), True),
        (D(2026, 11, 28), False),
        (D(2026, 11, 29), False),
    ],
)
def test_is_workday(day, expected):
    assert CAL.is_workday(day) is expected


@pytest.mark.parametrize(
    ("start", "n", "due"),
    [
        # 国庆 2026 golden week
        (D(2026, 9, 30), 1, D(2026, 10, 8)),
        (D(2026, 9, 30), 3, D(2026, 10, 10)),  # the working Saturday is the third day
        (D(2026, 9, 30), 4, D(2026, 10, 12)),
        (D(2026, 9, 18), 1, D(2026, 9, 20)),  # Friday → the working Sunday
        (D(2026, 10, 3), 0, D(2026, 10, 8)),
        (D(2026, 10, 8), -1, D(2026, 9, 30)),
        (D(2026, 10, 12), -1, D(2026, 10, 10)),
        # 春节 2026: 2月15日至23日, 2月14日(周六)、2月28日(周六)上班
        (D(2026, 2, 13), 1, D(2026, 2, 14)),
        (D(2026, 2, 13), 2, D(2026, 2, 24)),
        (D(2026, 2, 13), 5, D(2026, 2, 27)),
        (D(2026, 2, 13), 6, D(2026, 2, 28)),
        (D(2026, 2, 13), 7, D(2026, 3, 2)),
        (D(2026, 2, 24), -1, D(2026, 2, 14)),
        (D(2026, 2, 24), -2, D(2026, 2, 13)),
        # 春节 2025: 1月28日至2月4日, 1月26日(周日)、2月8日(周六)上班
        (D(2025, 1, 24), 1, D(2025, 1, 26)),
        (D(2025, 1, 24), 2, D(2025, 1, 27)),
        (D(2025, 1, 27), 1, D(2025, 2, 5)),
        (D(2025, 1, 27), 4, D(2025, 2, 8)),
        # 春节 2024: 除夕 (2月9日) is a working day, 2月18日(周日)上班
        (D(2024, 2, 8), 1, D(2024, 2, 9)),
        (D(2024, 2, 8), 2, D(2024, 2, 18)),
        # start itself never counts; n=0 rolls forward to a working day
        (D(2026, 11, 27), 5, D(2026, 12, 4)),  # Friday + 5 → next Friday
        (D(2026, 11, 28), 1, D(2026, 11, 30)),  # Saturday + 1 → Monday
        (D(2026, 11, 27), 0, D(2026, 11, 27)),
        (D(2026, 11, 28), 0, D(2026, 11, 30)),
        (D(2026, 11, 30), -1, D(2026, 11, 27)),
        (D(2026, 11, 29), -1, D(2026, 11, 27)),  # Sunday - 1 → Friday
    ],
)
def test_add_workdays(start, n, due):
    assert CAL.add_workdays(start, n) == due
    assert CAL.add_workdays_array(np.array([start], "datetime64[D]"), n)[0] == np.datetime64(due)


@pytest.mark.parametrize(
    ("a", "b", "count"),
    [
        (D(2026, 10, 8), D(2026, 10, 8), 0),  # on the due date: not overdue
        (D(2026, 9, 30), D(2026, 10, 8), 1),  # the golden week does not count
        (D(2026, 9, 30), D(2026, 10, 12), 4),  # 8, 9, 10 (Saturday), 12
        (D(2026, 10, 12), D(2026, 9, 30), -4),
        (D(2026, 5, 8), D(2026, 5, 11), 2),  # Friday → Monday over a working Saturday
        (D(2026, 11, 27), D(2026, 11, 30), 1),  # Friday → Monday
        (D(2026, 11, 28), D(2026, 11, 29), 0),  # a weekend
        (D(2025, 12, 31), D(2026, 12, 31), 248),  # 261 weekdays - 19 holidays + 6 weekend days
    ],
)
def test_workdays_between(a, b, count):
    assert CAL.workdays_between(a, b) == count
    assert CAL.workdays_between_array(np.datetime64(a), np.datetime64(b)) == count


@pytest.mark.parametrize(
    ("day", "weekday", "skip", "expected"),
    [
        (D(2026, 11, 29), 1, False, D(2026, 12, 1)),  # Sunday → Tuesday
        (D(2026, 12, 1), 1, False, D(2026, 12, 1)),  # a Tuesday is its own care day
        (D(2026, 12, 2), 1, False, D(2026, 12, 8)),
        (D(2026, 9, 30), 1, False, D(2026, 10, 6)),
        (D(2026, 9, 30), 1, True, D(2026, 10, 13)),  # 10月6日 is in the golden week
        (D(2026, 2, 14), 5, True, D(2026, 2, 14)),  # a working Saturday
        (D(2026, 2, 15), 5, True, D(2026, 2, 28)),  # the next one after 春节
    ],
)
def test_next_weekday(day, weekday, skip, expected):
    assert CAL.next_weekday(day, weekday, skip_days_off=skip) == expected


@pytest.mark.parametrize(
    ("day", "is_workday"),
    [
        (D(2027, 1, 1), True),  # 元旦 2027 is not in the data yet: a plain Friday
        (D(2027, 1, 2), False),
        (D(2023, 10, 2), True),  # 2023 is not in the data either
        (D(2023, 10, 7), False),  # (in fact a working Saturday in 2023: not known here)
    ],
)
def test_outside_coverage_only_weekends_are_days_off(day, is_workday):
    assert not CAL.covers(day.year)
    assert CAL.is_workday(day) is is_workday
    assert CAL.is_workday_array(np.array([day], "datetime64[D]"))[0] == is_workday


def test_coverage():
    assert [year for year in range(2020, 2031) if CAL.covers(year)] == [2024, 2025, 2026]
    assert CAL.add_workdays(D(2026, 12, 31), 1) == D(2027, 1, 1)  # and the caller should warn
    assert CAL.holiday_name(D(2026, 10, 10)) == "国庆节"
    assert CAL.holiday_name(D(2026, 11, 27)) == ""


def _calendars():
    yield CAL
    # a dense synthetic calendar: many working weekends and holidays, next to each other
    rng = random.Random(7)
    rows = []
    day = D(2024, 1, 1)
    while day < D(2027, 1, 1):
        if day.weekday() >= 5 and rng.random() < 0.3:
            rows.append({"date": day.isoformat(), "kind": "workday", "name": "调休"})
        elif rng.random() < 0.1:
            rows.append({"date": day.isoformat(), "kind": "holiday", "name": "假日"})
        day += dt.timedelta(days=1)
    yield WorkCalendar.from_rows(rows)
    yield WorkCalendar()  # weekends only


@pytest.mark.parametrize("cal", list(_calendars()), ids=["shipped", "dense", "weekends"])
def test_vectorized_equals_scalar(cal):
    rng = random.Random(2026)
    starts = [D(2023, 9, 1) + dt.timedelta(days=rng.randrange(1400)) for _ in range(3000)]
    ends = [D(2023, 9, 1) + dt.timedelta(days=rng.randrange(1400)) for _ in range(3000)]
    ns = [rng.choice([0, 0, 1, 2, 3, 5, 10, 15, 20, 30, 60, -1, -2, -7, -20]) for _ in starts]
    starts_np = np.array(starts, "datetime64[D]")

    added = cal.add_workdays_array(starts_np, np.array(ns))
    assert added.astype(object).tolist() == [
        cal.add_workdays(s, n) for s, n in zip(starts, ns, strict=True)
    ]
    for n in (0, 1, 7, -3):
        assert cal.add_workdays_array(starts_np, n).astype(object).tolist() == [
            cal.add_workdays(s, n) for s in starts
        ]
    between = cal.workdays_between_array(starts_np, np.array(ends, "datetime64[D]"))
    assert between.tolist() == [
        cal.workdays_between(a, b) for a, b in zip(starts, ends, strict=True)
    ]
    assert cal.is_workday_array(starts_np).tolist() == [cal.is_workday(s) for s in starts]
    for n in range(1, 40):  # the defining property of the two conventions
        assert all(cal.workdays_between(s, cal.add_workdays(s, n)) == n for s in starts[:50])


def test_polars_columns_keep_nulls_and_match_scalar():
    frame = pl.DataFrame(
        {
            "opened_on": [D(2026, 9, 30), None, D(2026, 2, 13), D(2026, 5, 8)],
            "days": [1, 2, None, 1],
        }
    )
    result = frame.select(
        due=CAL.add_workdays_expr("opened_on", "days"),
        due_5=CAL.add_workdays_expr(pl.col("opened_on"), 5),
        overdue=CAL.workdays_between_expr("opened_on", D(2026, 10, 12)),
        same=CAL.workdays_between_expr("opened_on", "opened_on"),
        workday=pl.col("opened_on").map_batches(CAL.is_workday_series, return_dtype=pl.Boolean),
    )
    assert result.to_dicts() == [
        {"due": D(2026, 10, 8), "due_5": D(2026, 10, 13), "overdue": 4, "same": 0, "workday": True},
        {"due": None, "due_5": None, "overdue": None, "same": None, "workday": None},
        {"due": None, "due_5": D(2026, 2, 27), "overdue": 159, "same": 0, "workday": True},
        {"due": D(2026, 5, 9), "due_5": D(2026, 5, 14), "overdue": 107, "same": 0, "workday": True},
    ]
    for day, overdue in zip(frame["opened_on"], result["overdue"], strict=True):
        if day is not None:
            assert overdue == CAL.workdays_between(day, D(2026, 10, 12))


def test_dates_only():
    with pytest.raises(TypeError):
        CAL.is_workday(dt.datetime(2026, 10, 1, 9, 0))
    with pytest.raises(TypeError):
        CAL.add_workdays_series(pl.Series([dt.datetime(2026, 10, 1)]), 1)


@pytest.mark.parametrize(
    "rows",
    [
        [{"date": "2026-10-09", "kind": "workday", "name": "国庆节"}],  # a Friday
        [{"date": "2026-10-10", "kind": "day off", "name": "国庆节"}],
        [
            {"date": "2026-10-01", "kind": "holiday", "name": "国庆节"},
            {"date": "2026-10-01", "kind": "holiday", "name": "国庆节"},
        ],
    ],
)
def test_bad_rows_are_refused(rows):
    with pytest.raises(ValueError):
        WorkCalendar.from_rows(rows)


# The shipped file against the notices: each year's weekday holidays minus its adjusted working
# days is the number of statutory holidays — 11 until 2024, 13 from 2025 (全国年节及纪念日放假办法,
# revised November 2024: 春节 and 劳动节 one day more each). A mistyped date breaks the balance.
STATUTORY_DAYS = {2024: 11, 2025: 13, 2026: 13}
SOURCES = {
    2024: "国办发明电〔2023〕7号",
    2025: "国办发明电〔2024〕12号",
    2026: "国办发明电〔2025〕7号",
}
FESTIVALS = {"元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"}


@pytest.mark.parametrize("year", sorted(STATUTORY_DAYS))
def test_shipped_year_matches_its_notice(year):
    with open(SHIPPED_CSV, encoding="utf-8", newline="") as f:
        rows = [row for row in csv.DictReader(f) if row["date"].startswith(str(year))]
    days = {D.fromisoformat(row["date"]): row for row in rows}
    weekday_holidays = [
        d for d, row in days.items() if row["kind"] == "holiday" and d.weekday() < 5
    ]
    workdays = [d for d, row in days.items() if row["kind"] == "workday"]
    assert len(weekday_holidays) - len(workdays) == STATUTORY_DAYS[year]
    assert {row["source"] for row in rows} == {SOURCES[year]}
    names = set()
    for row in rows:
        names.update(row["name"].split("、"))
    assert names == FESTIVALS

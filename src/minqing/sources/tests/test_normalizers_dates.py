import datetime as dt

import polars as pl
import pytest

from minqing.sources.normalizers.dates import date

D = dt.date(2023, 4, 1)
MONTH_ONLY = "只有年月, 按当月1日"


def one(raw, **options):
    checked = date(pl.Series("日期", [raw], dtype=pl.String), options)
    return checked.value[0], checked.error[0], checked.flag[0]


@pytest.mark.parametrize(
    ("raw", "value", "flag"),
    [
        ("2023-04-01", D, None),
        ("2023-4-1", D, None),
        ("2023/4/1", D, None),
        ("2023/04/01", D, None),
        ("2023.04.01", D, None),
        ("2023.4.1", D, None),
        ("2023年4月1日", D, None),
        ("2023年04月01日", D, None),
        ("2023 年 4 月 1 日", D, None),
        ("20230401", D, None),
        ("2023-04-01 10:23:00", D, None),
        ("2023-04-01 00:00:00", D, None),
        ("2023/4/1 8:05", D, None),
        ("2023-04-01T10:23:00", D, None),
        ("2023-04-01 10:23:00.123", D, None),
        (" 2023-04-01 ", D, None),
        ("２０２３－０４－０１", D, None),
        ("2023-04", D, MONTH_ONLY),
        ("2023/4", D, MONTH_ONLY),
        ("2023年04月", D, MONTH_ONLY),
        ("2023年4月", D, MONTH_ONLY),
        ("202304", D, MONTH_ONLY),
        ("45017", D, None),
        ("45017.0", D, None),
        ("45017.75", D, None),
        ("1", dt.date(1900, 1, 1), None),
        ("59", dt.date(1900, 2, 28), None),
        ("61", dt.date(1900, 3, 1), None),
        ("80000", dt.date(2119, 1, 11), None),
        ("2024-02-29", dt.date(2024, 2, 29), None),
        ("1900-01-01", dt.date(1900, 1, 1), None),
    ],
)
def test_accepted_dates(raw, value, flag):
    assert one(raw) == (value, None, flag)


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ("abc", "无法识别的日期"),
        ("80001", "无法识别的日期"),
        ("0", "无法识别的日期"),
        ("-5", "无法识别的日期"),
        ("4/1/2023", "无法识别的日期"),
        ("1799-01-01", "无法识别的日期"),
        ("2023-04-01x", "无法识别的日期"),
        ("2023-02-30", "日期不存在"),
        ("2023-13-01", "日期不存在"),
        ("2023-02-29", "日期不存在"),
        ("20231301", "日期不存在"),
        ("2023-13", "日期不存在"),
        ("60", "日期不存在"),  # Excel's 29 February 1900
        ("2023", "只有年份, 无法确定日期"),
        ("2023年", "只有年份, 无法确定日期"),
    ],
)
def test_rejected_dates(raw, error):
    assert one(raw) == (None, error, None)


def test_excel_serials_can_be_refused():
    assert one("45017", excel_serials=False) == (None, "无法识别的日期", None)
    assert one("2023-04-01", excel_serials=False) == (D, None, None)


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ("1999-12-31", "日期早于2000-01-01"),
        ("2000-01-01", None),
        ("2026-10-31", None),
        ("2026-11-01", "日期晚于2026-10-31"),
        ("2026-11", "日期晚于2026-10-31"),
    ],
)
def test_min_and_max(raw, error):
    value, got, _ = one(raw, min="2000-01-01", max=dt.date(2026, 10, 31))
    assert got == error
    assert (value is None) == (error is not None)


@pytest.mark.parametrize("raw", [None, "", "  "])
def test_empty(raw):
    assert one(raw) == (None, None, None)


def test_distinct_timestamps_of_few_days():
    raw = pl.Series("确诊时间", [f"2023-04-0{i % 3 + 1} 10:{i % 60:02d}:00" for i in range(10_000)])
    checked = date(raw, {})
    assert checked.value.dtype == pl.Date
    assert checked.value.name == "确诊时间"
    assert checked.value[:3].to_list() == [D, dt.date(2023, 4, 2), dt.date(2023, 4, 3)]
    assert checked.error.null_count() == 10_000

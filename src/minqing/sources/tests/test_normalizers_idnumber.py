import datetime as dt

import polars as pl
import pytest

from minqing.core.idnumbers import check_char, upgrade_15
from minqing.sources.normalizers.idnumber import (
    OLD_COUNTY,
    UPGRADED,
    birth_dates,
    id_number,
    regions,
    sexes,
)

TODAY = {"today": "2026-10-31"}


def valid(first17: str) -> str:
    return first17 + check_char(first17)


GOOD = valid("41081119850424040")  # ends in X
MALE = valid("41081119700101001")
OLD = "410811850424040"


def one(raw, **options):
    checked = id_number(pl.Series("id", [raw], dtype=pl.String), {**TODAY, **options})
    return checked.value[0], checked.error[0], checked.flag[0]


@pytest.mark.parametrize(
    ("raw", "value", "flag"),
    [
        (GOOD, GOOD, None),
        (GOOD.lower(), GOOD, None),
        (f"  {GOOD}\t", GOOD, None),
        ("４１０８１１１９８５０４２４０４０Ｘ", GOOD, None),
        ("４１０８１１１９８５０４２４０４０ｘ", GOOD, None),
        ("410811 19850424 040X", GOOD, None),
        ("410811\u300019850424040X", GOOD, None),
        (MALE, MALE, None),
        (OLD, upgrade_15(OLD), UPGRADED),
        (" 410811 850424 040 ", upgrade_15(OLD), UPGRADED),
        # a county code abolished long ago (410801 焦作市市辖区): kept, with a remark
        (valid("41080119850424040"), valid("41080119850424040"), OLD_COUNTY),
        ("410801850424040", upgrade_15("410801850424040"), f"{UPGRADED}；{OLD_COUNTY}"),
        # Hong Kong / Macao / Taiwan residence permits
        (valid("81000019900101001"), valid("81000019900101001"), None),
        (valid("83000019900101001"), valid("83000019900101001"), None),
        # born today is fine
        (valid("41081120261031001"), valid("41081120261031001"), None),
        (valid("41081119000101001"), valid("41081119000101001"), None),
    ],
)
def test_accepted_numbers(raw, value, flag):
    assert one(raw) == (value, None, flag)


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (GOOD[:17], "长度应为18位(或旧15位)"),
        (GOOD + "1", "长度应为18位(或旧15位)"),
        (OLD[:14], "长度应为18位(或旧15位)"),
        ("12345", "长度应为18位(或旧15位)"),
        ("4108111985042404A0", "含非数字字符"),
        ("41081119850424040Y", "含非数字字符"),
        ("X10811198504240401", "含非数字字符"),
        ("41081185042404X", "含非数字字符"),
        ("410811-19850424040", "含非数字字符"),
        (valid("99081119850424040"), "行政区划代码不存在"),
        (valid("00081119850424040"), "行政区划代码不存在"),
        (valid("41081119850230040"), "出生日期无效"),
        (valid("41081119851301040"), "出生日期无效"),
        (valid("41081118000101040"), "出生日期无效"),
        ("410811850230040", "出生日期无效"),
        (valid("41081120261101001"), "出生日期晚于今天"),
        (valid("41081130000101001"), "出生日期晚于今天"),
        (GOOD[:17] + "1", f"校验码错误(应为{GOOD[17]})"),
        (MALE[:17] + "X" if MALE[17] != "X" else MALE[:17] + "0", f"校验码错误(应为{MALE[17]})"),
        # a transposition of two digits fails the check character
        (GOOD[:14] + GOOD[15] + GOOD[14] + GOOD[16:], "校验码错误(应为"),
    ],
)
def test_rejected_numbers(raw, error):
    value, got, flag = one(raw)
    assert value is None and flag is None
    assert got.startswith(error) if error.endswith("(应为") else got == error


WRONG_CHECK = MALE[:17] + ("X" if MALE[17] != "X" else "0")


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        # the right shape, failing a check: handed back as written (for on_error = "keep")
        (GOOD[:17] + "1", GOOD[:17] + "1"),
        (WRONG_CHECK.lower(), WRONG_CHECK),
        (" ".join(WRONG_CHECK[i : i + 6] for i in range(0, 18, 6)), WRONG_CHECK),
        (GOOD[:14] + GOOD[15] + GOOD[14] + GOOD[16:], GOOD[:14] + GOOD[15] + GOOD[14] + GOOD[16:]),
        (valid("41081119850230040"), valid("41081119850230040")),
        (valid("99081119850424040"), valid("99081119850424040")),
        # not even the shape of a number: nothing to keep
        (GOOD[:17], None),
        (GOOD + "1", None),
        ("4108111985042404A0", None),
        ("410811850230040", None),
        # valid: the value, nothing "kept"
        (GOOD, None),
        (None, None),
    ],
)
def test_numbers_of_the_right_shape_that_fail_are_kept_as_written(raw, kept):
    checked = id_number(pl.Series("id", [raw], dtype=pl.String), TODAY)
    assert checked.kept.to_list() == [kept]
    assert checked.kept.name == "id"
    if kept is not None:
        assert checked.value[0] is None and checked.error[0] is not None


@pytest.mark.parametrize("raw", [None, "", "   ", "\u3000"])
def test_empty_cells_stay_empty_without_error(raw):
    assert one(raw) == (None, None, None)


def test_every_check_character_is_named():
    # one number per expected check character
    seen = {}
    for seq in range(1000):
        first17 = f"41081119850424{seq:03d}"
        seen.setdefault(check_char(first17), first17)
        if len(seen) == 11:
            break
    wrong = [f + ("0" if check_char(f) != "0" else "1") for f in seen.values()]
    checked = id_number(pl.Series(wrong), TODAY)
    assert checked.error.to_list() == [f"校验码错误(应为{c})" for c in seen]


def test_upgrade_matches_core_for_many_numbers():
    olds = [
        f"4108118{y % 10}0{m % 9 + 1}1{d % 9}{s:03d}"
        for y, m, d, s in zip(range(50), range(50), range(50), range(100, 150), strict=True)
    ]
    checked = id_number(pl.Series(olds), TODAY)
    assert checked.error.null_count() == len(olds)
    assert checked.value.to_list() == [upgrade_15(o) for o in olds]


def test_today_defaults_to_the_real_today():
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    checked = id_number(pl.Series([valid("410811" + tomorrow.strftime("%Y%m%d") + "001")]), {})
    assert checked.error[0] == "出生日期晚于今天"


def test_output_lengths_and_name():
    raw = pl.Series("公民身份号码", [GOOD, None, "x", OLD])
    checked = id_number(raw, TODAY)
    assert checked.value.name == "公民身份号码"
    assert len(checked.value) == len(checked.error) == len(checked.flag) == 4
    assert raw.to_list() == [GOOD, None, "x", OLD]  # the input is not changed


def test_region_table_is_vendored():
    table = regions()
    assert table.columns == ["code", "name", "province", "city"]
    assert table.filter(pl.col("code") == "410811").row(0) == (
        "410811",
        "山阳区",
        "河南省",
        "焦作市",
    )
    assert table.height > 2900
    assert table["code"].str.len_chars().eq(6).all()
    assert table["code"].is_unique().all()


@pytest.mark.parametrize(
    ("ids", "births", "sexes_"),
    [
        ([GOOD], [dt.date(1985, 4, 24)], ["F"]),
        ([MALE], [dt.date(1970, 1, 1)], ["M"]),
        ([None], [None], [None]),
        (["410811850424040"], [None], [None]),  # not normalized: 15 digits
        (["41081119850230040X"], [None], ["F"]),  # no such day
    ],
)
def test_birth_dates_and_sexes(ids, births, sexes_):
    series = pl.Series(ids, dtype=pl.String)
    assert birth_dates(series).to_list() == births
    assert sexes(series).to_list() == sexes_
    assert birth_dates(series).dtype == pl.Date

import csv
import datetime as dt

import polars as pl
import pytest

from minqing.policies.facts import REQUIRED_PARAMETERS
from minqing.policies.parameters import (
    DEFAULT_PATH,
    ParameterError,
    ParameterTable,
    default_table,
    read_csv,
    resolve,
)

D = dt.date


def row(name="dibao_urban", value="630", frm="2022-01-01", to="", area="41", **kw):
    return {
        "name": name,
        "value": value,
        "unit": kw.get("unit", "元/人/月"),
        "effective_from": frm,
        "effective_to": to,
        "area_code": area,
        "source": kw.get("source", "测试来源 2022"),
        "is_demo": kw.get("is_demo", "false"),
    }


def shipped_rows() -> list[dict]:
    with DEFAULT_PATH.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_shipped_table_loads_and_every_required_parameter_is_in_force():
    assert default_table().frame.height > 0
    for on in (D(2018, 1, 1), D(2021, 12, 31), D(2022, 1, 1), D(2026, 10, 31)):
        for name in REQUIRED_PARAMETERS:
            assert resolve(name, on, "410811").name == name


def test_shipped_rows_have_a_source_and_a_demo_flag():
    for r in shipped_rows():
        assert r["source"].strip(), r
        assert r["is_demo"] in ("true", "false"), r


@pytest.mark.parametrize(
    ("name", "on", "value"),
    [
        ("dibao_urban", D(2021, 12, 31), 470),  # the day before the 2022 notice
        ("dibao_urban", D(2022, 1, 1), 630),  # the day it takes effect
        ("dibao_rural", D(2021, 12, 31), 287.5),  # 3,450 元/年 ÷ 12
        ("dibao_rural", D(2022, 1, 1), 420),
        ("edge_factor", D(2026, 10, 31), 1.5),
        ("tekun_living_factor", D(2026, 10, 31), 1.3),
        ("deposit_months", D(2026, 10, 31), 24),
        ("rigid_expense_ratio", D(2026, 10, 31), 0.7),
        ("disposable_income_urban", D(2026, 10, 31), 38000),
        ("disposable_income_rural", D(2026, 10, 31), 21000),
        ("old_age_allowance_80", D(2026, 10, 31), 100),
        ("old_age_allowance_90", D(2026, 10, 31), 200),
        ("old_age_allowance_100", D(2026, 10, 31), 300),
        ("temporary_aid_cap_months", D(2026, 10, 31), 10),
        ("medical_burden_ratio", D(2026, 10, 31), 0.5),
    ],
)
def test_shipped_values(name, on, value):
    assert resolve(name, on, "410811").value == value


@pytest.mark.parametrize(
    ("name", "is_demo"),
    [
        ("edge_factor", False),
        ("tekun_age_min", False),
        ("rigid_expense_ratio", True),
        ("disposable_income_urban", True),
        ("old_age_allowance_80", True),
        ("disability_living_subsidy", True),
        ("dibao_urban", True),  # the provincial floor stands in for the unknown local standard
    ],
)
def test_demo_flags(name, is_demo):
    assert resolve(name, D(2026, 10, 31)).is_demo is is_demo


AREAS = ParameterTable.from_records(
    [
        row(value="630", area="41"),
        row(value="650", area="4108"),
        row(value="700", area="410811"),
    ]
)


@pytest.mark.parametrize(
    ("area", "value"),
    [
        ("410811", 700),  # the district's own row
        ("410811001001", 700),  # a grid inside the district
        ("410802", 650),  # another district of Jiaozuo: the city row
        ("4108", 650),
        ("410101", 630),  # Zhengzhou: the province default
        (None, 630),  # no area: the province default
    ],
)
def test_most_specific_area_wins(area, value):
    assert AREAS.resolve("dibao_urban", D(2023, 1, 1), area).value == value


def test_in_force_is_resolve_for_every_area():
    areas = ["410811", "410811001001", "410802", "410101", None]
    long = AREAS.in_force(D(2023, 1, 1), areas)
    assert long.height == len(areas)
    for r in long.iter_rows(named=True):
        assert r["value"] == AREAS.resolve("dibao_urban", D(2023, 1, 1), r["area_code"]).value


def test_a_future_change_applies_from_its_date():
    today = dt.date.today()
    change = today + dt.timedelta(days=30)
    table = ParameterTable.from_records(
        [
            row(value="630", frm="2022-01-01", to=str(change - dt.timedelta(days=1))),
            row(value="700", frm=str(change)),
        ]
    )
    assert table.resolve("dibao_urban", today).value == 630
    assert table.resolve("dibao_urban", change - dt.timedelta(days=1)).value == 630
    assert table.resolve("dibao_urban", change).value == 700


def test_a_gap_is_an_error_naming_the_parameter():
    table = ParameterTable.from_records([row(frm="2022-01-01")])
    with pytest.raises(ParameterError, match=r"dibao_urban.*2021-12-31.*没有生效的取值"):
        table.resolve("dibao_urban", D(2021, 12, 31), "410811")


@pytest.mark.parametrize(
    "rows",
    [
        pytest.param([row(), row(value="700")], id="same period twice"),
        pytest.param(
            [row(frm="2018-01-01"), row(value="700", frm="2023-01-01")], id="open row then later"
        ),
        pytest.param(
            [row(frm="2018-01-01", to="2022-01-01"), row(frm="2022-01-01")],
            id="one shared day (effective_to is the last day in force)",
        ),
        pytest.param(
            [row(frm="2022-01-01", to="2022-12-31"), row(frm="2022-06-01", to="2022-06-30")],
            id="one inside the other",
        ),
    ],
)
def test_overlapping_periods_are_refused_in_chinese(rows):
    with pytest.raises(ParameterError) as e:
        ParameterTable.from_records(rows)
    message = str(e.value)
    assert "参数 dibao_urban（地区 41）的有效期重叠" in message
    assert "第2行" in message and "第3行" in message


@pytest.mark.parametrize(
    "rows",
    [
        pytest.param(
            [row(frm="2018-01-01", to="2021-12-31"), row(frm="2022-01-01")], id="adjacent"
        ),
        pytest.param([row(area="41"), row(area="410811")], id="same period, other area"),
        pytest.param([row(), row(name="dibao_rural")], id="same period, other name"),
    ],
)
def test_tables_that_do_not_overlap_load(rows):
    assert ParameterTable.from_records(rows).frame.height == len(rows)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"value": "六百三十"}, "不是数字"),
        ({"frm": "2022/01/01"}, "不是 YYYY-MM-DD"),
        ({"frm": ""}, "缺少生效日期"),
        ({"frm": "2022-01-01", "to": "2021-01-01"}, "早于生效日期"),
        ({"area": "henan"}, "不是数字代码"),
        ({"area": "4"}, "不是数字代码"),
        ({"name": "Dibao Urban"}, "参数名"),
        ({"source": ""}, "缺少来源"),
        ({"is_demo": "maybe"}, "应为 true 或 false"),
        ({"unit": ""}, "缺少单位"),
    ],
)
def test_malformed_rows_are_refused_with_the_line(bad, message):
    with pytest.raises(ParameterError, match=f"第2行: .*{message}"):
        ParameterTable.from_records([row(**bad)])


def test_one_name_in_two_units_is_refused():
    with pytest.raises(ParameterError, match="单位不一致"):
        ParameterTable.from_records([row(to="2022-12-31"), row(frm="2023-01-01", unit="元/人/年")])


def test_every_problem_is_reported_at_once():
    with pytest.raises(ParameterError) as e:
        ParameterTable.from_records([row(value="x"), row(), row()])
    assert "不是数字" in str(e.value) and "重叠" in str(e.value)


def test_read_csv_refuses_a_file_without_a_column(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("name,value\ndibao_urban,630\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="缺少列: unit"):
        read_csv(path)


def test_read_csv_reads_an_overlapping_file_and_refuses_it(tmp_path):
    rows = [*shipped_rows(), row(value="700", frm="2023-01-01", area="41")]
    path = tmp_path / "p.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(ParameterError, match=r"参数表 p\.csv 有误:\n参数 dibao_urban（地区 41）"):
        read_csv(path)


def test_table_frame_has_typed_columns():
    frame = default_table().frame
    assert frame.schema["effective_from"] == pl.Date
    assert frame.schema["value"] == pl.Float64
    assert frame.schema["is_demo"] == pl.Boolean

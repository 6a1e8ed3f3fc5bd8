"""The input contract is enforced, and the package stays free of Django."""

import datetime as dt
import subprocess
import sys

import polars as pl
import pytest

from minqing.policies import (
    POLICY_CODES,
    ContractError,
    ParameterError,
    ParameterTable,
    default_table,
    evaluate,
)
from minqing.policies.tests.factories import ON, frames


def test_policies_import_no_django():
    code = (
        "import minqing.policies, sys; "
        "bad = [m for m in sys.modules if m.startswith('django')]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_missing_columns_are_listed():
    h, m = frames()
    with pytest.raises(ContractError, match="户表\\(households\\)缺少列: deposits, has_supporter"):
        evaluate(h.drop("deposits", "has_supporter"), m, on=ON)
    with pytest.raises(ContractError, match="成员表\\(members\\)缺少列: birth_on"):
        evaluate(h, m.drop("birth_on"), on=ON)


@pytest.mark.parametrize(
    ("frame", "column", "value", "message"),
    [
        ("h", "hukou_type", "城镇", "hukou_type 有不允许的取值 \\['城镇'\\]"),
        ("m", "employment", "unemployed", "employment 有不允许的取值"),
        ("m", "parents_status", "gone", "parents_status 有不允许的取值"),
        ("m", "sex", "男", "sex 有不允许的取值"),
        ("m", "disability_category", "肢残", "disability_category 有不允许的取值"),
    ],
)
def test_values_outside_the_contract_are_refused(frame, column, value, message):
    h, m = frames()
    if frame == "h":
        h = h.with_columns(pl.lit(value).alias(column))
    else:
        m = m.with_columns(pl.lit(value).alias(column))
    with pytest.raises(ContractError, match=message):
        evaluate(h, m, on=ON)


def test_columns_are_cast_to_the_contract_types():
    h, m = frames()
    h = h.with_columns(pl.col("vehicles").cast(pl.Int8), pl.col("deposits").cast(pl.Int64))
    m = m.with_columns(pl.col("monthly_income").cast(pl.Int32))
    assert evaluate(h, m, on=ON).height == len(POLICY_CODES)


def test_uncastable_column_is_refused():
    h, m = frames()
    with pytest.raises(ContractError, match="列类型不符合约定"):
        evaluate(h, m.with_columns(birth_on=pl.lit("19800501")), on=ON)


def test_duplicate_households_are_refused():
    h, m = frames()
    with pytest.raises(ContractError, match="household_id 有重复"):
        evaluate(pl.concat([h, h]), m, on=ON)


def test_key_types_must_agree():
    h, m = frames()
    with pytest.raises(ContractError, match="household_id 类型不一致"):
        evaluate(h.with_columns(pl.col("household_id").cast(pl.String)), m, on=ON)


def test_string_keys_work():
    h, m = frames()
    h = h.with_columns(pl.col("household_id").cast(pl.String))
    m = m.with_columns(pl.col("household_id").cast(pl.String))
    assert evaluate(h, m, on=ON)["household_id"].dtype == pl.String


def test_a_household_without_members_is_eligible_for_nothing():
    h, m = frames(more=[({}, [])])
    out = evaluate(h, m, on=ON).filter(pl.col("household_id") == 2)
    assert out["eligible"].to_list() == [False] * len(POLICY_CODES)


def test_no_households_give_an_empty_result():
    h, m = frames()
    out = evaluate(h.clear(), m.clear(), on=ON)
    assert out.height == 0
    assert out.columns == ["household_id", "policy", "eligible", "amount", "explanation"]


def test_a_parameter_missing_for_an_area_is_an_error():
    rows = [
        r
        for r in default_table().frame.to_dicts()
        if not (r["name"] == "dibao_urban" and r["effective_from"] == dt.date(2022, 1, 1))
    ]
    table = ParameterTable.from_records(rows)
    h, m = frames()
    with pytest.raises(ParameterError, match="2026-10-31 没有生效的参数: dibao_urban"):
        evaluate(h, m, on=ON, params=table)

import polars as pl
import pytest

from minqing.sources.definitions import TYPES
from minqing.sources.normalizers import Checked
from minqing.sources.normalizers.registry import NORMALIZERS

OPTIONS = {"choice": {"choices": {"是": "是", "否": "否"}}}
SAMPLES = {
    "text": "路灯不亮",
    "name": "张伟",
    "id_number": "41081119850424040X",
    "sex": "男",
    "phone": "13812345678",
    "date": "2023-04-01",
    "money": "630",
    "integer": "3",
    "choice": "是",
    "address": "丰收小区1号楼",
}


def test_registry_covers_every_type_a_definition_may_use():
    assert set(NORMALIZERS) == TYPES == set(SAMPLES)


@pytest.mark.parametrize("kind", sorted(NORMALIZERS))
def test_empty_cells_stay_empty_without_error_or_remark(kind):
    raw = pl.Series("列", [None, "", "  ", "\u3000", "\t\n"], dtype=pl.String)
    checked = NORMALIZERS[kind](raw, OPTIONS.get(kind, {}))
    assert isinstance(checked, Checked)
    for series in (checked.value, checked.error, checked.flag):
        assert len(series) == 5
        assert series.null_count() == 5


@pytest.mark.parametrize("kind", sorted(NORMALIZERS))
def test_a_good_value_with_spaces_around_is_accepted_and_the_input_kept(kind):
    sample = SAMPLES[kind]
    raw = pl.Series("列", [sample, f"  {sample}\u3000", None] * 400, dtype=pl.String)
    before = raw.to_list()
    checked = NORMALIZERS[kind](raw, OPTIONS.get(kind, {}))
    assert raw.to_list() == before
    assert checked.value.name == "列"
    assert checked.error.null_count() == 1200
    assert checked.value[0] == checked.value[1] is not None
    assert checked.value.null_count() == 400
    assert checked.error.dtype == checked.flag.dtype == pl.String


@pytest.mark.parametrize("kind", sorted(NORMALIZERS))
def test_a_column_of_nulls_or_numbers_is_accepted(kind):
    options = OPTIONS.get(kind, {})
    nulls = NORMALIZERS[kind](pl.Series("列", [None, None]), options)
    assert nulls.value.null_count() == 2 and nulls.error.null_count() == 2
    numbers = NORMALIZERS[kind](pl.Series("列", [1, 2]), options)
    assert len(numbers.value) == len(numbers.error) == len(numbers.flag) == 2


@pytest.mark.parametrize("kind", sorted(NORMALIZERS))
def test_an_empty_column(kind):
    checked = NORMALIZERS[kind](pl.Series("列", [], dtype=pl.String), OPTIONS.get(kind, {}))
    assert len(checked.value) == len(checked.error) == len(checked.flag) == 0

import polars as pl
import pytest

from minqing.sources.normalizers import cells
from minqing.sources.normalizers.cells import (
    apply_where,
    by_distinct,
    folded_series,
    on_unique,
    with_fast_path,
)
from minqing.sources.normalizers.registry import NORMALIZERS


def lengths(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(n=pl.col("raw").str.len_chars())


@pytest.mark.parametrize("rows", [["a", "bb", None, "a", "bb", "a"] * 10, ["a", "bb", None]])
def test_by_distinct_spreads_results_back_in_order(rows):
    frame = pl.DataFrame({"raw": rows}, schema={"raw": pl.String})
    out = by_distinct(frame, ["raw"], lengths)
    assert out["raw"].to_list() == rows
    assert out["n"].to_list() == [None if r is None else len(r) for r in rows]


def test_by_distinct_survives_hash_collisions(monkeypatch):
    monkeypatch.setattr(cells, "_row_key", lambda keys: pl.lit(1, dtype=pl.UInt64))
    rows = ["a", "bb", "ccc", None] * 20
    out = by_distinct(pl.DataFrame({"raw": rows}), ["raw"], lengths)
    assert out["n"].to_list() == [1, 2, 3, None] * 20


def test_by_distinct_with_two_keys():
    frame = pl.DataFrame({"raw": ["a", "a", "b"] * 10, "hint": ["x", "y", None] * 10})
    out = by_distinct(
        frame,
        ["raw", "hint"],
        lambda f: f.with_columns(both=pl.concat_str(["raw", "hint"], ignore_nulls=True)),
    )
    assert out["both"].to_list() == ["ax", "ay", "b"] * 10


@pytest.mark.parametrize("kind", ["text", "name", "sex", "date", "money", "integer"])
def test_on_unique_gives_what_the_plain_normalizer_gives(kind):
    raw = pl.Series("c", ["张伟", " 2023-04-01", "男", "1,234", "3", None, "", "張三"] * 50)
    fn = NORMALIZERS[kind]
    plain = fn.__wrapped__(raw, {}) if hasattr(fn, "__wrapped__") else fn(raw, {})
    once = fn(raw, {})
    for a, b in zip(
        (plain.value, plain.error, plain.flag), (once.value, once.error, once.flag), strict=True
    ):
        assert a.to_list() == b.to_list()


def test_on_unique_keeps_the_series_name():
    @on_unique
    def upper(values, options):
        return cells.check(values, [], value=pl.col("raw").str.to_uppercase())

    out = upper(pl.Series("列", ["a", "a", "b", "a"]), {})
    assert out.value.name == "列" and out.value.to_list() == ["A", "A", "B", "A"]


def test_with_fast_path_and_apply_where_leave_the_input_alone():
    raw = pl.Series("c", ["ok", "fix me", None, "ok"])
    before = raw.to_list()
    done = raw == "ok"

    def rest(values):
        return cells.check(values, [], value=pl.lit("fixed"), error=pl.lit(None, dtype=pl.String))

    checked = with_fast_path(raw, done, rest)
    assert checked.value.to_list() == ["ok", "fixed", "fixed", "ok"]
    assert apply_where(raw, raw == "fix me", lambda s: s.str.to_uppercase()).to_list() == [
        "ok", "FIX ME", None, "ok",
    ]  # fmt: skip
    assert raw.to_list() == before


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("  abc ", "abc"),
        ("ＡＢＣ１２３", "ABC123"),
        ("丰收小区　3号楼", "丰收小区 3号楼"),
        ("１２㎡", "12m2"),
        ("①", "1"),
        ("", None),
        ("\u3000", None),
        (None, None),
        ("丰收小区", "丰收小区"),
    ],
)
def test_folded_series(raw, folded):
    assert folded_series(pl.Series([raw], dtype=pl.String)).to_list() == [folded]

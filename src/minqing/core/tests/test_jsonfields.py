"""JSON in and out of whole columns through DuckDB."""

import json

import polars as pl
import pytest

from minqing.core.jsonfields import extract_fields, to_json_text


def test_extract_fields_keeps_order_and_gives_text_or_null():
    frame = pl.DataFrame(
        {
            "id": [3, 1, 2],
            "fields": [
                '{"a": "甲", "b": "1.50"}',
                '{"a": null, "b": 2}',
                '{"c": "x"}',
            ],
        }
    )
    out = extract_fields(frame, ["a", "b"])
    assert out.columns == ["id", "f__a", "f__b"]
    assert out.rows() == [(3, "甲", "1.50"), (1, None, "2"), (2, None, None)]


def test_extract_fields_on_no_rows_and_no_names():
    empty = pl.DataFrame({"id": [], "fields": []}, schema={"id": pl.Int64, "fields": pl.String})
    assert extract_fields(empty, ["a"]).columns == ["id", "f__a"]
    assert extract_fields(empty, []).columns == ["id"]


def test_extract_fields_refuses_a_name_that_is_not_an_identifier():
    with pytest.raises(ValueError):
        extract_fields(pl.DataFrame({"fields": ["{}"]}), ["a'] , x"])


def test_to_json_text_round_trips_lists_of_structs():
    frame = pl.DataFrame(
        {"e": [[{"condition": "x", "passed": True, "value": 1.5}], [], None]},
    )
    texts = to_json_text(frame, "e").to_list()
    assert json.loads(texts[0]) == [{"condition": "x", "passed": True, "value": 1.5}]
    assert json.loads(texts[1]) == []
    assert texts[2] is None

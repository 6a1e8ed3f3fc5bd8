"""Polars expressions for JSON written in bulk."""

import datetime as dt
import json

import polars as pl

from minqing.core.frames import json_list, json_object_without_defaults


def test_a_list_column_as_json():
    frame = pl.DataFrame({"types": [["a", "b"], [], None]})
    assert frame.select(json_list("types")).to_series().to_list() == ['["a","b"]', "[]", "null"]


def test_only_values_other_than_their_defaults_are_written():
    frame = pl.DataFrame(
        {
            "members": [3, 0],
            "income": [1250.5, 0.0],
            "burden": [float("nan"), float("inf")],
            "tiny": [1e-7, None],
            "alone": [True, False],
            "kind": ['火灾 "大"\\', None],
            "on": [dt.date(2026, 10, 20), None],
        }
    )
    encoded = frame.select(json_object_without_defaults(frame.schema)).to_series().to_list()
    assert [json.loads(text) for text in encoded] == [
        {
            "members": 3,
            "income": 1250.5,
            "tiny": 1e-7,
            "alone": True,
            "kind": '火灾 "大"\\',
            "on": "2026-10-20",
        },
        {},
    ]

"""Source definitions are data: every shipped file loads, and a wrong one says what is wrong."""

import pytest

from minqing.sources.definitions import DefinitionError, load_all, parse
from minqing.synth.extracts import EXTRACTS


def test_every_synthetic_extract_has_a_definition_matching_its_file_name():
    definitions = load_all()
    assert {e.code for e in EXTRACTS} <= set(definitions)
    for extract in EXTRACTS:
        definition = definitions[extract.code]
        assert definition.matches(extract.filename), extract.filename
        assert definition.kind == extract.kind


def test_every_definition_maps_every_column_of_its_synthetic_extract(tmp_path):
    from minqing.synth.generate import generate

    manifest = generate(tmp_path, seed=1, persons=1000)
    definitions = load_all()
    for info in manifest["files"].values():
        if "source" in info:
            assert definitions[info["source"]].columns == info["columns"], info["source"]


GOOD = {
    "code": "x",
    "name": "测试",
    "department": "civil_affairs",
    "kind": "csv",
    "key": ["id_number"],
    "fields": [{"column": "身份证号", "field": "id_number", "type": "id_number"}],
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "xls"}, "kind 应为 csv 或 xlsx"),
        ({"encoding": "big5"}, "encoding 应为"),
        ({"key": ["name"]}, "主键字段必须是已定义的字段: name"),
        ({"key": []}, "主键为空"),
        ({"max_rejected_share": 1.5}, "max_rejected_share"),
        ({"header_row": 0}, "header_row"),
        ({"delivery": "weekly"}, "delivery 应为 full\\(全量名单\\) 或 batch"),
        ({"colour": "red"}, "未知的设置 colour"),
        (
            {"fields": [{"column": "身份证号", "field": "id_number", "type": "idcard"}]},
            "类型 'idcard' 不存在",
        ),
        (
            {"fields": [{"column": "a", "field": "id_number", "type": "choice"}]},
            "需要 options.choices",
        ),
        (
            {
                "fields": [
                    {"column": "a", "field": "id_number", "type": "text", "on_error": "ignore"}
                ]
            },
            "on_error",
        ),
        (
            {
                "fields": [
                    {"column": "a", "field": "id_number", "type": "text"},
                    {"column": "a", "field": "name", "type": "name"},
                ]
            },
            "重复的列: a",
        ),
        ({"fields": [{"column": "a", "type": "text"}]}, "缺少 field"),
    ],
)
def test_a_wrong_definition_says_what_is_wrong(change, message):
    with pytest.raises(DefinitionError, match=message):
        parse({**GOOD, **change}, path="x.toml")


def test_a_minimal_definition_parses():
    definition = parse(GOOD)
    assert definition.required_columns == ["身份证号"]  # key fields are required
    assert definition.max_rejected_share == 0.2

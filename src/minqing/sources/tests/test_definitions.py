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
        ({"key_fallback": ["phone"]}, "key_fallback 的字段必须是已定义的字段: phone"),
    ],
)
def test_a_wrong_definition_says_what_is_wrong(change, message):
    with pytest.raises(DefinitionError, match=message):
        parse({**GOOD, **change}, path="x.toml")


def test_a_minimal_definition_parses():
    definition = parse(GOOD)
    assert definition.required_columns == ["身份证号"]  # key fields are required
    assert definition.max_rejected_share == 0.2


def test_a_roll_row_without_its_id_number_is_kept_by_the_fallback_key():
    """高龄津贴 rows with the ID number left empty: kept, keyed by name and community, remarked;
    without a name too, rejected saying why. A row with its ID keeps the ID as its key."""
    import json

    import polars as pl

    from minqing.core.idnumbers import check_char
    from minqing.sources.pipeline import stage
    from minqing.sources.readers import Table

    definition = load_all()["minzheng_gaoling"]
    assert definition.key_fallback == ("name", "community_name")
    body = "41081119450214013"
    good = body + check_char(body)
    frame = pl.DataFrame(
        {
            "姓名": ["张长和", "叶和宏", None],
            "身份证号": [good, None, None],
            "年龄": ["81", "88", "82"],
            "津贴标准(元/月)": ["100", "100", "100"],
            "所属社区": ["李封社区", "学苑社区", "光明社区"],
            "联系电话": ["15095522429", "15502923851", None],
            "__row": [2, 3, 4],
        }
    )
    staged = stage(definition, Table(frame=frame, encoding=None, sheet="高龄津贴"))
    assert staged.records["key"].to_list() == [good, "~叶和宏|学苑社区"]
    assert json.loads(staged.records["flags"][1]) == ["身份证号为空: 以姓名、所属社区识别此行"]
    assert staged.errors.select("row", "column", "reason").rows() == [
        (4, "姓名", "必填项为空"),
        (4, "身份证号", "身份证号为空, 且姓名、所属社区不全, 无法识别此行"),
    ]


def test_a_list_without_addresses_is_placed_in_the_community_it_names():
    """高龄津贴 has no address column, only 所属社区: its rows get that community's code, so
    linkage can compare names within it (and place a row kept without its ID number)."""
    import polars as pl

    from minqing.sources.normalizers.address import Gazetteer
    from minqing.sources.pipeline import stage
    from minqing.sources.readers import Table

    gazetteer = Gazetteer(
        areas=[
            ("410811", "山阳区", "district", None),
            ("410811001", "焦南街道", "street", "410811"),
            ("410811001003", "学苑社区", "community", "410811001"),
            ("410811001003001", "第一网格", "grid", "410811001003"),
            ("410811001003002", "第二网格", "grid", "410811001003"),
        ]
    )
    frame = pl.DataFrame(
        {
            "姓名": ["叶和宏", "袁萍"],
            "身份证号": [None, None],
            "年龄": ["88", "82"],
            "津贴标准(元/月)": ["100", "100"],
            "所属社区": ["学苑社区", "不存在社区"],
            "联系电话": ["15502923851", None],
            "__row": [2, 3],
        }
    )
    staged = stage(
        load_all()["minzheng_gaoling"],
        Table(frame=frame, encoding=None, sheet="高龄津贴"),
        gazetteer=gazetteer,
    )
    assert staged.records["area_code"].to_list() == ["410811001003", None]
    assert staged.records["community_code"].to_list() == ["410811001003", ""]

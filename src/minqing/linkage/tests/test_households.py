"""Households from linked persons, on small hand-made cases."""

import json

import polars as pl
import pytest

from minqing.linkage.households import (
    CALLER,
    NO_HEAD,
    TWO_HOUSEHOLDS,
    build_households,
    relation,
)
from minqing.linkage.prepare import dwelling

COLUMNS = {
    "person_id": pl.Int64,
    **{
        c: pl.String
        for c in [
            "source",
            "fields",
            "name",
            "area_code",
            "address",
            "community_code",
            "estate_code",
            "building_code",
            "room",
            "id_number",
        ]
    },
    "id_valid": pl.Boolean,
}


def record(
    person,
    source="gongan_huji",
    number=None,
    rel=None,
    building=None,
    room=None,
    id_number=None,
    head_id=None,
    community="410811001001",
    estate=None,
    name="张三",
):
    fields = {}
    if number:
        fields["household_number"] = number
    if rel:
        fields["relation"] = rel
    if head_id:
        fields["head_id_number"] = head_id
    return (
        person,
        source,
        json.dumps(fields, ensure_ascii=False),
        name,
        "41081100100101",
        "某地址",
        community,
        estate if estate is not None else building,
        building,
        room,
        id_number,
        id_number is not None,
    )


def build(*rows):
    records = pl.DataFrame(rows, schema=COLUMNS, orient="row").with_columns(
        dwelling=dwelling(
            pl.col("building_code"), pl.col("estate_code"), pl.col("community_code"), pl.col("room")
        )
    )
    found, members = build_households(records)
    by_key = {k: sorted(p) for k, p in members.group_by("key").agg(pl.col("person_id")).rows()}
    flags = {k: json.loads(f) for k, f in found.select("key", "flags").rows()}
    relations = dict(members.select("person_id", "relation").rows())
    return by_key, flags, relations


@pytest.mark.parametrize(
    "word, value",
    [
        ("户主", "head"),
        ("配偶", "spouse"),
        ("妻", "spouse"),
        ("长子", "child"),
        ("女儿", "child"),
        ("孙子女", "grandchild"),
        ("儿媳/女婿", "child_in_law"),
        ("祖父母", "grandparent"),
        ("父母", "parent"),
        ("兄弟姐妹", "sibling"),
        ("保姆", "other"),
        ("", "other"),
    ],
)
def test_relation_words(word, value):
    assert pl.select(relation(pl.lit(word))).item() == value


def test_register_households_by_household_number():
    by_key, flags, relations = build(
        record(1, number="H1", rel="户主"),
        record(2, number="H1", rel="配偶"),
        record(3, number="H2", rel="户主"),
        record(1, source="yibao_feiyong"),  # other lists do not move anyone
    )
    assert by_key == {"hukou:H1": [1, 2], "hukou:H2": [3]}
    assert relations == {1: "head", 2: "spouse", 3: "head"}
    assert flags == {"hukou:H1": [], "hukou:H2": []}


def test_people_off_the_register_are_grouped_by_dwelling_or_alone():
    by_key, _, relations = build(
        record(5, source="renshe_shiye", building="B1", room="2-402"),
        record(6, source="minzheng_gaoling", building="B1", room="2-402"),
        record(7, source="yibao_feiyong"),
    )
    assert by_key == {"home:B1/2-402": [5, 6], "person:7": [7]}
    assert relations[5] == "head" and relations[6] == "other"


def test_a_village_house_is_a_dwelling_without_a_building():
    by_key, _, _ = build(
        # 西于村3组15号: a rural address names the village and the house, no building
        record(5, source="hotline_12345", room="3-15", community="410811200202"),
        record(6, source="minzheng_gaoling", room="3-15", community="410811200202"),
        # the same house number in another village is another house
        record(7, source="yibao_feiyong", room="3-15", community="410811200203"),
    )
    assert by_key == {"home:410811200202/3-15": [5, 6], "home:410811200203/3-15": [7]}


def test_an_estate_room_without_its_building_is_no_dwelling():
    # 402 of which building? Two such records of one estate are not one home
    by_key, _, _ = build(
        record(5, source="hotline_12345", room="402", estate="E1"),
        record(6, source="minzheng_gaoling", room="402", estate="E1"),
    )
    assert by_key == {"person:5": [5], "person:6": [6]}


def test_a_household_without_a_head_is_flagged():
    _, flags, _ = build(record(1, number="H1", rel="配偶"), record(2, number="H1", rel="子"))
    assert [f["kind"] for f in flags["hukou:H1"]] == [NO_HEAD]


def test_a_member_listed_under_another_households_head_is_flagged_on_both():
    _, flags, _ = build(
        record(1, number="H1", rel="户主", id_number="A"),
        record(2, number="H2", rel="户主", id_number="B"),
        # the 低保 roll lists person 2 as a member of person 1's household
        record(2, source="minzheng_dibao", id_number="B", head_id="A"),
    )
    assert [f["kind"] for f in flags["hukou:H1"]] == [TWO_HOUSEHOLDS]
    assert [f["kind"] for f in flags["hukou:H2"]] == [TWO_HOUSEHOLDS]


def caller(person, **where):
    """A 12345 work order from someone who gave no name (or a title only: prepare makes it
    null) and no ID number."""
    return record(person, source="hotline_12345", name=None, **where)


def test_an_unidentified_caller_joins_the_registered_household_at_their_home():
    by_key, _, relations = build(
        record(1, number="H1", rel="户主", building="B1", room="2-402"),
        record(2, number="H1", rel="配偶", building="B1", room="2-402"),
        caller(9, building="B1", room="2-402"),
        caller(9, building="B1", room="2-402"),  # called twice
    )
    assert by_key == {"hukou:H1": [1, 2, 9]}
    assert relations == {1: "head", 2: "spouse", 9: CALLER}


@pytest.mark.parametrize(
    "rows, alone",
    [
        # a caller who gave a name is someone the data know apart: maybe a tenant
        ([record(9, source="hotline_12345", building="B1", room="2-402")], "home:B1/2-402"),
        # known from another list too
        ([caller(9, building="B1", room="2-402"), record(9, source="yibao_feiyong")], None),
        # with an ID number
        ([caller(9, building="B1", room="2-402", id_number="X")], "home:B1/2-402"),
        # from another room, or from none
        ([caller(9, building="B1", room="2-403")], "home:B1/2-403"),
        ([caller(9)], "person:9"),
        # from two homes
        ([caller(9, building="B1", room="2-402"), caller(9, building="B1", room="2-403")], None),
    ],
)
def test_other_callers_stay_households_of_their_own(rows, alone):
    by_key, _, relations = build(
        record(1, number="H1", rel="户主", building="B1", room="2-402"), *rows
    )
    assert by_key["hukou:H1"] == [1]
    assert relations[9] != CALLER
    if alone:
        assert by_key[alone] == [9]


def test_a_caller_who_named_the_room_but_not_the_unit_stays_apart():
    # 1号楼402: the unit not said, though unit 2's 402 is the one registered 402 of the building
    by_key, _, relations = build(
        record(1, number="H1", rel="户主", building="B1", room="2-402"),
        record(2, number="H2", rel="户主", building="B1", room="2-502"),
        caller(9, building="B1", room="402"),
    )
    assert by_key["hukou:H1"] == [1]
    assert by_key["home:B1/402"] == [9]
    assert relations[9] == "head"


def test_a_caller_from_a_home_two_registered_households_share_stays_apart():
    by_key, _, relations = build(
        record(1, number="H1", rel="户主", building="B1", room="2-402"),
        record(2, number="H2", rel="户主", building="B1", room="2-402"),
        caller(9, building="B1", room="2-402"),
    )
    assert by_key == {"hukou:H1": [1], "hukou:H2": [2], "home:B1/2-402": [9]}
    assert relations[9] == "head"

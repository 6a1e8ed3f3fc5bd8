"""Households from linked persons: the register's household numbers first, then shared homes.

1. A person on the household register (公安 户籍) belongs to the household of their 户号, with
   the relation the register gives.
2. A caller nobody could identify — a person linkage knows only from 12345 work orders that
   carry neither a name (none, or a title only: 王女士) nor an ID number — who called from the
   dwelling of one registered household joins that household as its 来电人 (relation
   "caller"): most likely one of its members, which the data cannot tell. Assessment counts
   such a member nowhere but gives the household what the calls say (a 求助, an emergency);
   the grid worker asks at the door who called.
3. Anyone else belongs with the people at the same dwelling (the room of an estate's building,
   the house of a village: prepare.dwelling) who are not on the register either; someone with
   no known dwelling is a household of one.
4. Checks, flagged for a person to review: a 低保 roll that puts a member with a head of another
   household (a person in two households), and a household without a head.

Household keys ("hukou:<户号>", "home:<dwelling>", "person:<id>") are stable across runs,
so households keep their ids. Pure Polars, no Django.
"""

from __future__ import annotations

import json

import polars as pl

# the register's and the rolls' relation words → Relation values, most specific first
RELATION_WORDS = [
    ("户主", "head"),
    ("本人", "head"),
    ("配偶", "spouse"),
    ("妻", "spouse"),
    ("夫", "spouse"),
    ("媳", "child_in_law"),
    ("婿", "child_in_law"),
    ("孙", "grandchild"),
    ("外孙", "grandchild"),
    ("祖", "grandparent"),
    ("兄", "sibling"),
    ("弟", "sibling"),
    ("姐", "sibling"),
    ("妹", "sibling"),
    ("父", "parent"),
    ("母", "parent"),
    ("子", "child"),
    ("女", "child"),
    ("儿", "child"),
]
HOTLINE = "hotline_12345"
CALLER = "caller"  # registry.models.Relation.CALLER
NO_HEAD = "无户主"
TWO_HOUSEHOLDS = "成员在低保名册中属于另一户"


def relation(words: pl.Expr) -> pl.Expr:
    """The Relation value for a relation word; "other" when none matches."""
    expr = pl.when(pl.lit(False)).then(pl.lit(None, dtype=pl.String))
    for word, value in RELATION_WORDS:
        expr = expr.when(words.str.contains(word, literal=True)).then(pl.lit(value))
    return expr.otherwise(pl.lit("other"))


def build_households(records: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """records: person_id, source, fields (JSON text), name (null when only a title was given),
    area_code, address, building_code, dwelling, id_number, id_valid. Returns (households: key,
    number, area_code, address, building_code, flags; memberships: key, person_id, relation)."""
    register = (
        records.filter(pl.col("source") == "gongan_huji")
        .with_columns(
            number=pl.col("fields").str.json_path_match("$.household_number"),
            words=pl.col("fields").str.json_path_match("$.relation").fill_null(""),
        )
        .drop_nulls("number")
        .sort("person_id")
        .unique("person_id", keep="first", maintain_order=True)
    )
    on_register = register.select(
        "person_id",
        key=pl.lit("hukou:") + pl.col("number"),
        number="number",
        relation=relation(pl.col("words")),
        area_code="area_code",
        address="address",
        building_code="building_code",
    )
    # everyone else: their best-known home (the record naming a dwelling, else any with an address)
    rest = records.filter(~pl.col("person_id").is_in(on_register["person_id"].implode()))
    callers = _unidentified_callers(rest, register)
    others = (
        rest.filter(~pl.col("person_id").is_in(callers["person_id"].implode()))
        .sort(
            [pl.col("dwelling").is_null(), pl.col("building_code").is_null(), "person_id"],
        )
        .unique("person_id", keep="first", maintain_order=True)
    )
    at_home = others.select(
        "person_id",
        key=pl.when(pl.col("dwelling").is_not_null())
        .then(pl.lit("home:") + pl.col("dwelling"))
        .otherwise(pl.lit("person:") + pl.col("person_id").cast(pl.String)),
        number=pl.lit(None, dtype=pl.String),
        relation=pl.lit(None, dtype=pl.String),
        area_code="area_code",
        address="address",
        building_code="building_code",
    )
    members = pl.concat([on_register, callers, at_home]).sort("key", "person_id")
    # at a shared home the oldest-linked person (lowest id) stands as head; relation unknown
    members = members.with_columns(
        relation=pl.col("relation").fill_null(
            pl.when(pl.col("person_id") == pl.col("person_id").min().over("key"))
            .then(pl.lit("head"))
            .otherwise(pl.lit("other"))
        )
    )
    households = members.group_by("key", maintain_order=True).agg(
        number=pl.col("number").first(),
        area_code=pl.col("area_code").sort_by(pl.col("relation") != "head").drop_nulls().first(),
        address=pl.col("address").sort_by(pl.col("relation") != "head").drop_nulls().first(),
        building_code=pl.col("building_code")
        .sort_by(pl.col("relation") != "head")
        .drop_nulls()
        .first(),
        has_head=(pl.col("relation") == "head").any(),
    )
    flags = _flags(records, members, households)
    households = (
        households.join(flags, on="key", how="left")
        .with_columns(flags=pl.col("flags").fill_null("[]"))
        .drop("has_head")
    )
    return households, members.select("key", "person_id", "relation")


def _unidentified_callers(rest: pl.DataFrame, register: pl.DataFrame) -> pl.DataFrame:
    """The persons of `rest` (records of persons not on the register) known only from 12345
    work orders without a name or an ID number, who called from the dwelling of exactly one
    registered household: person_id, key (that household's), relation "caller", and the columns
    of the register's members (null: the household's own come from its head).

    A caller who gave the room but not the unit (3号楼402) stays apart even where one unit's 402
    alone is registered: on the 100k district a quarter of such callers belonged elsewhere,
    against one in twenty of those whose dwelling matched (docs/benchmarks.md)."""
    homes = (
        register.drop_nulls("dwelling")
        .select("dwelling", key=pl.lit("hukou:") + pl.col("number"))
        .unique()
        .filter(pl.len().over("dwelling") == 1)
    )
    per_person = rest.group_by("person_id").agg(
        only_calls=(pl.col("source") == HOTLINE).all(),
        unnamed=pl.col("name").is_null().all() & pl.col("id_number").is_null().all(),
        dwelling=pl.col("dwelling").drop_nulls().unique().sort(),
    )
    return (
        per_person.filter(
            pl.col("only_calls") & pl.col("unnamed") & (pl.col("dwelling").list.len() == 1)
        )
        .with_columns(pl.col("dwelling").list.first())
        .join(homes, on="dwelling")
        .select(
            "person_id",
            "key",
            number=pl.lit(None, dtype=pl.String),
            relation=pl.lit(CALLER),
            area_code=pl.lit(None, dtype=pl.String),
            address=pl.lit(None, dtype=pl.String),
            building_code=pl.lit(None, dtype=pl.String),
        )
    )


def _flags(records: pl.DataFrame, members: pl.DataFrame, households: pl.DataFrame) -> pl.DataFrame:
    no_head = households.filter(~pl.col("has_head")).select(
        "key", flag=pl.struct(kind=pl.lit(NO_HEAD), detail=pl.lit("家庭成员中没有户主"))
    )
    # 低保 roll: the member's household against the household of the head the roll names
    # one person per number, the same one every run (the lowest id, should two persons share it)
    ids = records.filter(pl.col("id_valid")).group_by("id_number").agg(pl.col("person_id").min())
    key_of = members.select("person_id", "key")
    roll = (
        records.filter(pl.col("source") == "minzheng_dibao")
        .with_columns(head_id=pl.col("fields").str.json_path_match("$.head_id_number"))
        .join(ids.rename({"person_id": "head_person", "id_number": "head_id"}), on="head_id")
        .join(key_of, on="person_id")
        .join(key_of.rename({"person_id": "head_person", "key": "head_key"}), on="head_person")
        .filter(pl.col("key") != pl.col("head_key"))
        .unique(["person_id", "head_key"])
    )
    detail = (
        pl.lit("人员")
        + pl.col("person_id").cast(pl.String)
        + pl.lit(": 户籍在")
        + pl.col("key")
        + pl.lit(", 低保名册列在")
        + pl.col("head_key")
        + pl.lit("名下")
    )
    two = pl.concat(
        [
            roll.select("key", flag=pl.struct(kind=pl.lit(TWO_HOUSEHOLDS), detail=detail)),
            roll.select(
                pl.col("head_key").alias("key"),
                flag=pl.struct(kind=pl.lit(TWO_HOUSEHOLDS), detail=detail),
            ),
        ]
    )
    flags = (
        pl.concat([no_head, two])
        .group_by("key")
        .agg(pl.col("flag").unique().sort_by(pl.col("flag").struct.field("detail")))
    )
    return flags.select(
        "key",
        flags=pl.Series(
            [json.dumps(list(f), ensure_ascii=False) for f in flags["flag"].to_list()],
            dtype=pl.String,
        ),
    )

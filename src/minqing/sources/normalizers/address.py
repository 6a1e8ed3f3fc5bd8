"""Addresses: the "address" normalizer and `resolve`, which places a free-text address in the
district's gazetteer (street → community/village → grid, estate → building, unit, room).

The written forms handled are those the departments use (and the synthetic district produces):
    定和街道丰收社区丰收小区3号楼2单元402室   丰收小区3-2-402   丰收小区3号楼402
    山阳区定和街道丰收社区丰收小区3栋2单元402   焦作市山阳区丰收小区3号楼2单元402室
    丰收小区三号楼二单元402室   苏家作乡西于村3组15号   西于村三组15号   西于村15号
Estate names repeat across communities (twenty 丰收小区 in one district is normal), so the street
and community written in the address — or given as hints from other columns — choose among the
estates of that name; when they cannot, the estate is left open with a remark rather than
guessed. Everything runs as Polars expressions over the distinct addresses (lists repeat them),
then as small joins over the distinct (estate, street, community, building) combinations; nothing
loops over rows in Python.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from minqing.sources.normalizers import Checked
from minqing.sources.normalizers.cells import (
    CN_NUMERALS,
    SPACE_CLASS,
    apply_where,
    as_text,
    by_distinct,
    check,
    folded_series,
    on_unique,
)

NO_ESTATE = "地址未能匹配到小区/楼栋"
AMBIGUOUS = "小区名重复, 无法确定所属社区"
NO_BUILDING = "未能匹配到楼栋"
CONFLICT = "小区与地址中的街道/社区不符"

NUMBERED = ["号楼", "栋", "幢", "座", "单元", "组", "号", "层"]
BUILDING_NAME_RE = r"([0-9]+)(?:号楼|栋|幢|座|号)$"
# what follows the estate name
TAIL_NAMED = (
    r"^([0-9]+)(?:号楼|号|栋|幢|座)(?:([0-9]+)单元)?(?:[0-9]+(?:层|楼))?-?([0-9]+)?(?:室|号|房)?"
)
TAIL_DASHED = r"^([0-9]+)-([0-9]+)-([0-9]+)"
TAIL_SHORT = r"^([0-9]+)-([0-9]+)(?:室|号|房)?$"
# what follows a village name
TAIL_RURAL = r"^(?:([0-9]+)(?:组|队))?([0-9]+)号"

RESOLVED_SCHEMA = {
    "area_code": pl.String,
    "estate_code": pl.String,
    "building_code": pl.String,
    "building_no": pl.Int32,
    "unit_no": pl.Int32,
    "room_no": pl.String,
    "group_no": pl.Int32,
    "house_no": pl.Int32,
    "flag": pl.String,
}


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    level: str  # district | street | community | grid
    parent_code: str | None = None


@dataclass(frozen=True)
class Place:
    code: str
    name: str  # estates: "丰收小区"; buildings: "丰收小区3号楼" (the number is read from it)
    kind: str  # estate | building (other kinds are ignored)
    area_code: str | None = None  # the grid
    parent_code: str | None = None  # buildings: the estate


def _coerce(item, cls):
    if isinstance(item, cls):
        return item
    if isinstance(item, Mapping):
        return cls(**{f: item.get(f) for f in cls.__dataclass_fields__ if f in item})
    return cls(*item)


@dataclass
class Gazetteer:
    """The district's areas and places as plain lists: Area / Place objects, dicts with the same
    keys (GeoJSON feature properties will do), or tuples in field order."""

    areas: list[Area]
    places: list[Place] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.areas = [_coerce(a, Area) for a in self.areas]
        self.places = [
            p for p in (_coerce(p, Place) for p in self.places) if p.kind in ("estate", "building")
        ]
        self._build()

    @classmethod
    def from_records(cls, areas: Iterable[Mapping], places: Iterable[Mapping]) -> Gazetteer:
        return cls(areas=list(areas), places=list(places))

    @classmethod
    def from_geojson(cls, areas_path: Path | str, places_path: Path | str) -> Gazetteer:
        """From the FeatureCollections the synthetic district (and the areas app) write."""

        def props(path):
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            return [f["properties"] for f in data["features"]]

        return cls.from_records(props(areas_path), props(places_path))

    def _build(self) -> None:
        by_code = {a.code: a for a in self.areas}

        def ancestor(code: str | None, level: str) -> str | None:
            seen = 0
            while code is not None and code in by_code and seen < 10:
                if by_code[code].level == level:
                    return code
                code, seen = by_code[code].parent_code, seen + 1
            return None

        # every community and grid → its community (社区/村), for linkage
        self.community_of = {
            a.code: community
            for a in self.areas
            if (community := ancestor(a.code, "community")) is not None
        }
        grids_of: dict[str, list[str]] = {}
        for a in self.areas:
            if a.level == "grid" and a.parent_code:
                grids_of.setdefault(a.parent_code, []).append(a.code)
        self.streets = pl.DataFrame(
            [(a.code, a.name) for a in self.areas if a.level == "street"],
            schema={"street_code": pl.String, "street": pl.String},
            orient="row",
        ).unique("street", keep="first", maintain_order=True)
        self.communities = pl.DataFrame(
            [
                (
                    a.code,
                    a.name,
                    ancestor(a.code, "street"),
                    grids_of[a.code][0] if len(grids_of.get(a.code, [])) == 1 else a.code,
                    a.name.endswith("村"),
                )
                for a in self.areas
                if a.level == "community"
            ],
            schema={
                "community_code": pl.String,
                "community": pl.String,
                "c_street_code": pl.String,
                "c_area": pl.String,  # its only grid, else itself
                "is_village": pl.Boolean,
            },
            orient="row",
        )
        estates = [p for p in self.places if p.kind == "estate"]
        self.estates = pl.DataFrame(
            [
                (
                    p.code,
                    p.name,
                    p.area_code,
                    ancestor(p.area_code, "community"),
                    ancestor(p.area_code, "street"),
                )
                for p in estates
            ],
            schema={
                "estate_code": pl.String,
                "estate": pl.String,
                "e_area": pl.String,
                "e_community_code": pl.String,
                "e_street_code": pl.String,
            },
            orient="row",
        )
        self.buildings = (
            pl.DataFrame(
                [
                    (p.code, p.name, p.area_code, p.parent_code)
                    for p in self.places
                    if p.kind == "building"
                ],
                schema={
                    "building_code": pl.String,
                    "b_name": pl.String,
                    "b_area": pl.String,
                    "estate_code": pl.String,
                },
                orient="row",
            )
            .with_columns(
                building_no=pl.col("b_name").str.extract(BUILDING_NAME_RE, 1).cast(pl.Int32)
            )
            .drop_nulls(["building_no", "estate_code"])
            .unique(["estate_code", "building_no"], keep="first", maintain_order=True)
            .drop("b_name")
        )
        # street or community names that contain an estate's name (幸福里社区 and 幸福里): the
        # estate is looked for in the address without them
        estate_names = set(self.estates["estate"].to_list())
        self.shadowing = sorted(
            {
                area
                for area in [*self.streets["street"], *self.communities["community"]]
                if any(e in area for e in estate_names)
            },
            key=len,
            reverse=True,
        )
        self.street_pattern = _alternation(self.streets["street"])
        self.community_pattern = _alternation(self.communities["community"])
        self.estate_pattern = _alternation(self.estates["estate"])

    def community_codes(self, area_codes: pl.Series) -> pl.Series:
        """The community (社区/村) each area lies in: itself for a community, its parent for a
        grid; null for a street, the district or an unknown code."""
        return area_codes.cast(pl.String).replace_strict(
            self.community_of, default=None, return_dtype=pl.String
        )


def _alternation(names: pl.Series) -> str | None:
    """A regex matching any of the names, longest first (the regex engine takes the first
    alternative that matches at a position)."""
    unique = sorted(set(names.drop_nulls().to_list()), key=lambda n: (-len(n), n))
    if not unique:
        return None
    return "(?:" + "|".join(re.sub(r"([\\.+*?()|\[\]{}^$#&\-~])", r"\\\1", n) for n in unique) + ")"


def _cleaned(values: pl.Series) -> pl.Series:
    """The address as it will be kept: half-width, without spaces."""
    return folded_series(values).str.replace_all(SPACE_CLASS, "").replace("", None)


def _parseable(tails: pl.Series) -> pl.Series:
    """Tails with uniform dashes and Arabic numbers before 号楼/单元/组… (三号楼 → 3号楼)."""
    patterns = sorted(
        (
            (cn + suffix, f"{n}{suffix}")
            for cn, n in CN_NUMERALS.items()
            if n
            for suffix in NUMBERED
        ),
        key=lambda p: -len(p[0]),
    )
    tails = tails.str.replace_all(r"[‐‑‒–—―~]", "-").str.replace_all(r"#楼?", "号楼")
    return apply_where(
        tails,
        tails.str.contains("[一二三四五六七八九十]"),
        lambda t: t.str.replace_many(
            [p for p, _ in patterns], [r for _, r in patterns], leftmost=True
        ),
    )


def _first(text: pl.Series, pattern: str | None) -> pl.Series:
    """The first of the names in `pattern` found in each text."""
    if pattern is None:
        return pl.repeat(None, len(text), dtype=pl.String, eager=True)
    return text.str.extract(pattern, 0)


def _where(mask: pl.Series, compute) -> pl.Series:
    """A String column computed (from row indices) only where mask holds, null elsewhere."""
    where = mask.fill_null(False).arg_true()
    out = pl.repeat(None, len(mask), dtype=pl.String, eager=True)
    return out.scatter(where, compute(where)) if len(where) else out


def resolve(
    values: pl.Series, gazetteer: Gazetteer, *, hints: pl.Series | None = None
) -> pl.DataFrame:
    """Place each address in the gazetteer. `hints` (optional, same length) is other text about
    the row's location — e.g. the 街道 and 社区 columns of the same list joined — used when the
    address itself names no street or community. Returns RESOLVED_SCHEMA, one row per value."""
    return _resolved(values, gazetteer, hints).drop("address")


def _resolved(values: pl.Series, gazetteer: Gazetteer, hints: pl.Series | None) -> pl.DataFrame:
    """RESOLVED_SCHEMA plus the cleaned address text."""
    raw = as_text(values)
    rows = pl.DataFrame({"raw": raw})
    keys = ["raw"]
    if hints is not None:
        rows = rows.with_columns(hint=as_text(hints))
        keys.append("hint")
    # a district's lists name the same dwellings over and over: work once per distinct address
    out = by_distinct(rows, keys, lambda distinct: _resolve_distinct(distinct, gazetteer))
    return out.select(pl.col("address"), *[pl.col(c).cast(t) for c, t in RESOLVED_SCHEMA.items()])


def _resolve_distinct(frame: pl.DataFrame, g: Gazetteer) -> pl.DataFrame:
    text = _cleaned(frame["raw"])
    street, community = _first(text, g.street_pattern), _first(text, g.community_pattern)
    if "hint" in frame.columns:
        hint = _cleaned(frame["hint"])
        street = street.fill_null(_first(hint, g.street_pattern))
        community = community.fill_null(_first(hint, g.community_pattern))
    if g.estate_pattern:
        searched = text
        if g.shadowing:
            searched = apply_where(
                text,
                text.str.contains("|".join(map(re.escape, g.shadowing))),
                lambda t: t.str.replace_many(g.shadowing, [""] * len(g.shadowing)),
            )
        parts = searched.str.extract_groups(f"({g.estate_pattern})(.*)$").struct.unnest()
        estate, tail = parts[:, 0], parts[:, 1]
    else:
        estate = tail = pl.repeat(None, len(text), dtype=pl.String, eager=True)
    village_tail = _where(
        estate.is_null() & community.is_not_null(),
        lambda rows: text.gather(rows).str.extract(f"{g.community_pattern}(.*)$", 1),
    )
    frame = frame.with_columns(
        t=text,
        street=street,
        community=community,
        estate=estate,
        tail=tail,
        village_tail=village_tail,
    )
    text = pl.col("t")
    frame = frame.join(
        _tails(frame["tail"]), on="tail", how="left", nulls_equal=True, maintain_order="left"
    ).join(
        _village_tails(frame["village_tail"]),
        on="village_tail",
        how="left",
        nulls_equal=True,
        maintain_order="left",
    )
    keys = ["estate", "street", "community", "building_no"]
    places = _place(frame.filter(text.is_not_null()).select(keys).unique(), g)
    frame = frame.join(places, on=keys, how="left", nulls_equal=True, maintain_order="left")
    return frame.select(
        "raw",
        *(["hint"] if "hint" in frame.columns else []),
        text.alias("address"),
        *[pl.when(text.is_not_null()).then(pl.col(c)).alias(c) for c in RESOLVED_SCHEMA],
    )


def _tails(tails: pl.Series) -> pl.DataFrame:
    """Building, unit and room from what follows the estate name, once per distinct tail."""
    tail = pl.col("p")
    distinct = tails.unique().drop_nulls()
    return (
        distinct.to_frame("tail")
        .with_columns(p=_parseable(distinct))
        .select(
            "tail",
            building_no=pl.coalesce(
                tail.str.extract(TAIL_NAMED, 1),
                tail.str.extract(TAIL_DASHED, 1),
                tail.str.extract(TAIL_SHORT, 1),
            ).cast(pl.Int32, strict=False),
            unit_no=pl.coalesce(
                tail.str.extract(TAIL_NAMED, 2), tail.str.extract(TAIL_DASHED, 2)
            ).cast(pl.Int32, strict=False),
            room_no=pl.coalesce(
                tail.str.extract(TAIL_NAMED, 3),
                tail.str.extract(TAIL_DASHED, 3),
                tail.str.extract(TAIL_SHORT, 2),
            ),
        )
    )


def _village_tails(tails: pl.Series) -> pl.DataFrame:
    """Group (组) and house number from what follows a village name."""
    tail = pl.col("p")
    distinct = tails.unique().drop_nulls()
    return (
        distinct.to_frame("village_tail")
        .with_columns(p=_parseable(distinct))
        .select(
            "village_tail",
            group_no=tail.str.extract(TAIL_RURAL, 1).cast(pl.Int32, strict=False),
            house_no=tail.str.extract(TAIL_RURAL, 2).cast(pl.Int32, strict=False),
        )
    )


def _place(combos: pl.DataFrame, g: Gazetteer) -> pl.DataFrame:
    """For each distinct (estate, street, community, building_no) of the rows: the codes and the
    remark. Small: a few thousand combinations for a whole district."""
    combos = combos.join(g.streets, on="street", how="left")
    # a community name may repeat across streets: take the one in the named street, if any
    communities = (
        combos.select("community", "street_code")
        .unique()
        .join(g.communities, on="community", how="inner")
        .filter(
            pl.col("street_code").is_null() | (pl.col("c_street_code") == pl.col("street_code"))
        )
        .group_by("community", "street_code")
        .agg(
            pl.when(pl.len() == 1).then(pl.col("community_code").first()).alias("community_code"),
            pl.when(pl.len() == 1).then(pl.col("c_area").first()).alias("c_area"),
            pl.col("is_village").all().alias("is_village"),
        )
    )
    combos = combos.join(communities, on=["community", "street_code"], how="left", nulls_equal=True)

    candidates = (
        combos.select("estate", "street_code", "community_code", "building_no")
        .unique()
        .join(g.estates, on="estate", how="inner")
        .join(g.buildings, on=["estate_code", "building_no"], how="left")
        .with_columns(
            consistent=(
                pl.col("street_code").is_null() | (pl.col("street_code") == pl.col("e_street_code"))
            )
            & (
                pl.col("community_code").is_null()
                | (pl.col("community_code") == pl.col("e_community_code"))
            ),
            has_building=pl.col("building_code").is_not_null(),
        )
    )
    group = ["estate", "street_code", "community_code", "building_no"]
    candidates = candidates.with_columns(
        any_consistent=pl.col("consistent").any().over(group),
    ).with_columns(
        conflict=~pl.col("any_consistent"),
        kept=pl.col("consistent") | ~pl.col("any_consistent"),
    )
    candidates = (
        candidates.filter("kept")
        .with_columns(
            # among same-named estates, prefer those that have the building written
            kept=pl.col("has_building") | ~pl.col("has_building").any().over(group)
        )
        .filter("kept")
    )
    chosen = candidates.group_by(group).agg(
        n=pl.len(),
        estate_code=pl.col("estate_code").first(),
        building_code=pl.col("building_code").first(),
        e_area=pl.col("e_area").first(),
        b_area=pl.col("b_area").first(),
        conflict=pl.col("conflict").first(),
        # where the candidates all lie in one community (or street), the address is there
        common=pl.when(pl.col("e_community_code").n_unique() == 1)
        .then(pl.col("e_community_code").first())
        .when(pl.col("e_street_code").n_unique() == 1)
        .then(pl.col("e_street_code").first()),
    )
    combos = combos.join(chosen, on=group, how="left", nulls_equal=True)
    unique = pl.col("n") == 1
    found_estate = pl.col("estate").is_not_null() & pl.col("n").is_not_null()
    # a community written in the address that is not in the street written with it
    unknown_community = pl.col("community").is_not_null() & pl.col("community_code").is_null()
    return combos.select(
        "estate",
        "street",
        "community",
        "building_no",
        area_code=pl.when(unique)
        .then(pl.coalesce("b_area", "e_area"))
        .otherwise(pl.coalesce("c_area", "common", "street_code")),
        estate_code=pl.when(unique).then("estate_code"),
        building_code=pl.when(unique).then("building_code"),
        flag=pl.when(found_estate & ~unique)
        .then(pl.lit(AMBIGUOUS))
        .when(found_estate & unique & (pl.col("conflict") | unknown_community))
        .then(pl.lit(CONFLICT))
        .when(found_estate & unique & pl.col("building_code").is_null())
        .then(pl.lit(NO_BUILDING))
        .when(~found_estate & ~pl.col("is_village").fill_null(False))
        .then(pl.lit(NO_ESTATE)),
    )


def rooms(resolved: pl.DataFrame) -> pl.Series:
    """The dwelling inside its building (estates) or village (rural addresses), one canonical
    string for each resolved address (RESOLVED_SCHEMA), null where none was written:

    - estates: "<unit>-<room>", or "<room>" when no unit is written (3-2-402, 3号楼2单元402室 and
      三号楼二单元402 → building 3 + "2-402"; 3号楼402 → building 3 + "402");
    - villages: "<group>-<house>", or "<house>" without a group (西于村3组15号 → "3-15").

    Numbers without leading zeros (a room number too long to be one counts as none). Together
    with building_code (estates) or community_code (villages) it names one dwelling."""
    room = pl.col("room_no").cast(pl.Int64, strict=False).cast(pl.String)
    return resolved.select(
        pl.when(room.is_not_null())
        .then(pl.concat_str(pl.col("unit_no").cast(pl.String) + "-", room, ignore_nulls=True))
        .when(pl.col("house_no").is_not_null())
        .then(
            pl.concat_str(
                pl.col("group_no").cast(pl.String) + "-",
                pl.col("house_no").cast(pl.String),
                ignore_nulls=True,
            )
        )
        .alias("room")
    ).to_series()


def address(values: pl.Series, options: dict) -> Checked:
    """Clean the address text (half-width, no spaces); with options["gazetteer"] also remark
    when it cannot be placed (never an error). Use `resolve` for the codes."""
    gazetteer = options.get("gazetteer")
    if gazetteer is None:
        return _cleaned_only(values, options)
    resolved = _resolved(values, gazetteer, options.get("hints"))
    return Checked(
        value=resolved["address"].alias(values.name),
        error=pl.repeat(None, len(values), dtype=pl.String, eager=True).alias("error"),
        flag=resolved["flag"],
    )


@on_unique
def _cleaned_only(values: pl.Series, options: dict) -> Checked:
    return check(values, [{"s": _cleaned(values)}], value=pl.col("s"))

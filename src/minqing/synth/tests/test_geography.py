import itertools
import json
import re
from collections import Counter, defaultdict

import numpy as np
import polars as pl
import pytest
import shapely
import shapely.geometry

from minqing.registry.models import FacilityKind, OrganizationKind, PlaceKind
from minqing.synth.geography import build_geography, write_geojson

SEED, HOUSEHOLDS = 7, 2_000


@pytest.fixture(scope="module")
def geo():
    return build_geography(SEED, HOUSEHOLDS)


@pytest.fixture(scope="module")
def shapes(geo):
    return {a["code"]: shapely.geometry.shape(a["geometry"]) for a in geo.areas}


@pytest.fixture(scope="module")
def children(geo):
    out = defaultdict(list)
    for a in geo.areas:
        if a["parent_code"]:
            out[a["parent_code"]].append(a["code"])
    return out


def test_every_area_is_one_valid_polygon(geo, shapes):
    for a in geo.areas:
        shape = shapes[a["code"]]
        assert shape.geom_type == "Polygon", a["code"]
        assert shape.is_valid, (a["code"], shapely.is_valid_reason(shape))
        assert shape.contains(shapely.Point(a["center_lng"], a["center_lat"]))


def test_exterior_rings_run_counterclockwise(shapes):
    assert all(shape.exterior.is_ccw for shape in shapes.values())


def test_children_lie_inside_their_parent(geo, shapes):
    for a in geo.areas:
        if a["parent_code"]:
            assert shapes[a["parent_code"]].covers(shapes[a["code"]]), a["code"]


def test_siblings_do_not_overlap(shapes, children):
    for codes in children.values():
        polys = [shapes[c] for c in codes]
        for p, q in itertools.combinations(polys, 2):
            assert p.intersection(q).area == 0


def test_children_cover_their_parent_exactly(shapes, children):
    for parent, codes in children.items():
        union = shapely.union_all([shapes[c] for c in codes])
        assert union.symmetric_difference(shapes[parent]).area < 1e-12, parent


def test_structure_and_codes(geo, children):
    levels = Counter(a["level"] for a in geo.areas)
    assert levels["district"] == 1 and levels["street"] == 12
    seen = set()
    for a in geo.areas:  # parents first
        assert a["parent_code"] is None or a["parent_code"] in seen
        seen.add(a["code"])
    by_code = {a["code"]: a for a in geo.areas}
    pattern = {
        "district": r"410811",
        "street": r"410811\d{3}",
        "community": r"410811\d{6}",
        "grid": r"410811\d{8}",
    }
    for a in geo.areas:
        assert re.fullmatch(pattern[a["level"]], a["code"])
        if a["level"] == "street":
            assert 5 <= len(children[a["code"]]) <= 9
            names = [by_code[c]["name"] for c in children[a["code"]]]
            assert len(names) == len(set(names))
        if a["level"] == "community":
            grids = [by_code[c]["name"] for c in children[a["code"]]]
            assert 4 <= len(grids) <= 8
            assert grids == [f"第{n}网格" for n in range(1, len(grids) + 1)]
    streets = [a["name"] for a in geo.areas if a["level"] == "street"]
    assert "苏家作乡" in streets and "定和街道" in streets
    villages = [by_code[c]["name"] for c in children["410811200"]]
    assert all(name.endswith("村") for name in villages)


def test_required_communities_and_estates(geo):
    by_code = {a["code"]: a for a in geo.areas}
    full = {
        by_code[a["parent_code"]]["name"] + a["name"]
        for a in geo.areas
        if a["level"] == "community"
    }
    assert {
        "定和街道丰收社区",
        "东方红街道广场社区",
        "太行街道阳光社区",
        "艺新街道工字路社区",
    } <= full
    estates = [p for p in geo.places if p["kind"] == "estate"]
    assert {"丰收小区", "广电小区", "水泥厂小区", "云台小区"} <= {e["name"] for e in estates}
    fengshou = next(e for e in estates if e["name"] == "丰收小区" and "丰收社区" in e["address"])
    assert fengshou["address"] == "定和街道丰收社区丰收小区"
    per_community = Counter((e["area_code"][:12], e["name"]) for e in estates)
    assert max(per_community.values()) == 1


def test_kinds_use_model_choices(geo):
    assert {p["kind"] for p in geo.places} <= set(PlaceKind.values)
    assert {o["kind"] for o in geo.organizations} == set(OrganizationKind.values)
    assert {f["kind"] for f in geo.facilities} == set(FacilityKind.values)
    broken = sum(not f["is_working"] for f in geo.facilities) / len(geo.facilities)
    assert 0.01 < broken < 0.06


def test_codes_are_unique_and_buildings_point_at_estates(geo):
    for items in (geo.places, geo.organizations, geo.facilities):
        codes = [i["code"] for i in items]
        assert len(codes) == len(set(codes))
    estates = {p["code"] for p in geo.places if p["kind"] == "estate"}
    buildings = [p for p in geo.places if p["kind"] == "building"]
    assert buildings and all(b["parent_code"] in estates for b in buildings)
    assert all(b["properties"]["floors"] >= 5 for b in buildings)


def test_every_point_lies_inside_its_area(geo, shapes):
    for item in geo.places + geo.organizations + geo.facilities:
        assert shapes[item["area_code"]].contains(shapely.Point(item["lng"], item["lat"])), item[
            "code"
        ]
    points = geo.dwellings.select("grid_code", "lng", "lat").unique()
    for (code,), part in points.group_by(["grid_code"]):
        assert shapely.contains_xy(
            shapes[code], part["lng"].to_numpy(), part["lat"].to_numpy()
        ).all()


def test_dwellings(geo):
    d = geo.dwellings
    assert d.columns == [
        "dwelling_id",
        "grid_code",
        "community_code",
        "street_code",
        "street_name",
        "community_name",
        "estate_code",
        "estate_name",
        "building_code",
        "building_no",
        "unit_no",
        "floor",
        "room_no",
        "group_no",
        "house_no",
        "address",
        "lng",
        "lat",
        "is_rural",
    ]
    assert d.height >= HOUSEHOLDS
    assert d["dwelling_id"].to_list() == list(range(d.height))
    assert d["address"].n_unique() == d.height
    urban, rural = d.filter(~pl.col("is_rural")), d.filter(pl.col("is_rural"))
    assert urban.height and rural.height
    assert urban["room_no"].null_count() == 0 and urban["house_no"].null_count() == urban.height
    assert rural["building_no"].null_count() == rural.height
    assert (rural["street_name"] == "苏家作乡").all()
    row = urban.row(0, named=True)
    assert row["address"] == (
        f"{row['street_name']}{row['community_name']}{row['estate_name']}{row['building_no']}号楼"
        f"{row['unit_no']}单元{row['room_no']}室"
    )
    assert row["room_no"] // 100 == row["floor"]
    assert re.fullmatch(r"苏家作乡\w+村\d+组\d+号", rural["address"][0])


def test_structure_does_not_depend_on_households_and_dwellings_scale(geo):
    bigger = build_geography(SEED, 100_000)
    assert bigger.areas == geo.areas
    assert 1.25 <= bigger.dwellings.height / 100_000 <= 1.4


def test_same_seed_same_bytes_other_seed_differs(geo, tmp_path):
    write_geojson(geo, tmp_path / "a")
    write_geojson(build_geography(SEED, HOUSEHOLDS), tmp_path / "b")
    write_geojson(build_geography(SEED + 1, HOUSEHOLDS), tmp_path / "c")
    for name in ("areas", "places", "organizations", "facilities"):
        a = (tmp_path / "a" / f"{name}.geojson").read_bytes()
        assert a == (tmp_path / "b" / f"{name}.geojson").read_bytes()
        assert a != (tmp_path / "c" / f"{name}.geojson").read_bytes()
    data = json.loads((tmp_path / "a" / "areas.geojson").read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection" and "crs" not in data
    assert data["features"][0]["properties"]["name"] == "山阳区"
    coords = np.array(data["features"][0]["geometry"]["coordinates"][0])
    assert (coords[:, 0] >= 113.17 - 0.001).all() and (coords[:, 1] <= 35.27 + 0.001).all()

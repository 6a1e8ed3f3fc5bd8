import json
import time

import pytest

from minqing.areas.actions import load_areas
from minqing.audit.models import AuditEvent
from minqing.registry.actions import load_facilities, load_organizations, load_places
from minqing.registry.models import Facility, Organization, Place
from minqing.synth.geography import build_geography, write_geojson

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def geo_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("geo")
    write_geojson(build_geography(5, 2_000), out)
    return out


@pytest.fixture
def with_areas(geo_dir):
    load_areas(geo_dir / "areas.geojson")
    return geo_dir


def features(path):
    return json.loads(path.read_text(encoding="utf-8"))["features"]


def edited(path, tmp_path, change):
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data["features"])
    out = tmp_path / path.name
    out.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return out


def load_all(geo_dir):
    return [
        load_places(geo_dir / "places.geojson"),
        load_organizations(geo_dir / "organizations.geojson"),
        load_facilities(geo_dir / "facilities.geojson"),
    ]


def test_load_everything_then_again_changes_nothing(with_areas):
    started = time.perf_counter()
    first = load_all(with_areas)
    assert time.perf_counter() - started < 30
    sizes = [
        len(features(with_areas / f"{n}.geojson"))
        for n in ("places", "organizations", "facilities")
    ]
    assert [c["created"] for c in first] == sizes
    assert [Place.objects.count(), Organization.objects.count(), Facility.objects.count()] == sizes
    second = load_all(with_areas)
    assert second == [{"created": 0, "updated": 0, "unchanged": n} for n in sizes]
    assert AuditEvent.objects.filter(action__startswith="registry.load_").count() == 6


def test_loaded_rows_keep_links_and_attributes(with_areas):
    load_all(with_areas)
    building = Place.objects.filter(kind="building").select_related("parent", "area").first()
    assert building.parent.kind == "estate"
    assert building.area == building.parent.area and building.area.level == "grid"
    assert {"units", "floors", "rooms_per_floor"} <= set(building.properties)
    assert building.address.endswith("号楼")
    elevator = Facility.objects.filter(kind="elevator").select_related("place").first()
    assert elevator.place.kind == "building" and "address" in elevator.properties
    broken = sum(
        not f["properties"]["is_working"] for f in features(with_areas / "facilities.geojson")
    )
    assert Facility.objects.filter(is_working=False).count() == broken > 0
    council = Organization.objects.filter(kind="council").select_related("area", "place").first()
    assert council.area.level == "community" and council.place.kind == "service_center"


def test_a_changed_row_is_updated(with_areas, tmp_path):
    load_places(with_areas / "places.geojson")

    def move(feats):
        feats[0]["geometry"]["coordinates"][0] += 0.00001
        feats[0]["properties"]["extra"] = 1

    counts = load_places(edited(with_areas / "places.geojson", tmp_path, move))
    assert counts["updated"] == 1 and counts["created"] == 0


def _unknown_area(feats):
    feats[3]["properties"]["area_code"] = "41081199999999"


def _duplicate(feats):
    feats.append(json.loads(json.dumps(feats[0])))


def _unknown_parent(feats):
    building = next(f for f in feats if f["properties"]["kind"] == "building")
    building["properties"]["parent_code"] = "NOPE"


def _bad_kind(feats):
    feats[-1]["properties"]["kind"] = "castle"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_unknown_area, "所在区域编码 41081199999999 不存在"),
        (_duplicate, "重复"),
        (_unknown_parent, "上级场所编码 NOPE 不存在"),
        (_bad_kind, "类型 'castle' 无效"),
    ],
    ids=["unknown-area", "duplicate-code", "unknown-parent", "bad-kind"],
)
def test_a_bad_places_file_writes_nothing(with_areas, tmp_path, change, message):
    with pytest.raises(ValueError, match=message):
        load_places(edited(with_areas / "places.geojson", tmp_path, change))
    assert not Place.objects.exists()
    assert not AuditEvent.objects.filter(action="registry.load_places").exists()


def test_facilities_need_their_places_loaded_first(with_areas):
    with pytest.raises(ValueError, match="请先导入场所"):
        load_facilities(with_areas / "facilities.geojson")
    assert not Facility.objects.exists()


def test_a_bad_organizations_file_writes_nothing(with_areas, tmp_path):
    load_places(with_areas / "places.geojson")
    with pytest.raises(ValueError, match="重复"):
        load_organizations(edited(with_areas / "organizations.geojson", tmp_path, _duplicate))
    assert not Organization.objects.exists()

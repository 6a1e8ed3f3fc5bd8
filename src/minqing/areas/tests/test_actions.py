import json

import pytest

from minqing.areas.actions import load_areas
from minqing.areas.models import Area
from minqing.audit.models import AuditEvent
from minqing.synth.geography import build_geography, write_geojson

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def geo_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("geo")
    write_geojson(build_geography(3, 2_000), out)
    return out


@pytest.fixture
def areas_file(geo_dir):
    return geo_dir / "areas.geojson"


def edited(path, tmp_path, change):
    """A copy of the file with `change(features)` applied."""
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data["features"])
    out = tmp_path / "edited.geojson"
    out.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return out


def test_load_creates_the_tree_with_paths(areas_file):
    features = json.loads(areas_file.read_text(encoding="utf-8"))["features"]
    counts = load_areas(areas_file)
    assert counts == {"created": len(features), "updated": 0, "unchanged": 0}
    grid = Area.objects.get(code="41081100100101")
    assert grid.path == "410811/410811001/410811001001/41081100100101"
    assert grid.parent.code == "410811001001" and grid.level == "grid"
    assert grid.full_name == "定和街道丰收社区第1网格"
    assert grid.geometry["type"] == "Polygon" and grid.center_lng is not None
    assert Area.objects.get(code="410811").parent is None


def test_second_load_changes_nothing(areas_file):
    first = load_areas(areas_file)
    before = list(Area.objects.values_list("code", "updated_at").order_by("code"))
    second = load_areas(areas_file)
    assert second == {"created": 0, "updated": 0, "unchanged": first["created"]}
    assert list(Area.objects.values_list("code", "updated_at").order_by("code")) == before
    assert AuditEvent.objects.filter(action="areas.load_areas").count() == 2


def test_a_renamed_area_is_updated(areas_file, tmp_path):
    load_areas(areas_file)

    def rename(features):
        features[1]["properties"]["name"] = "新定和街道"

    counts = load_areas(edited(areas_file, tmp_path, rename))
    assert counts["updated"] == 1 and counts["created"] == 0
    assert Area.objects.get(code="410811001").name == "新定和街道"


def test_within_returns_the_street_its_communities_and_grids(areas_file):
    load_areas(areas_file)
    street = Area.objects.get(code="410811001")
    subtree = Area.objects.within(street)
    communities = Area.objects.filter(parent=street)
    grids = Area.objects.filter(parent__in=communities)
    assert set(subtree) == {street, *communities, *grids}
    assert subtree.filter(level="grid").count() == grids.count() >= 4 * communities.count()
    assert not subtree.filter(code="410811002").exists()


def _set_parent(code, parent):
    def change(features):
        next(f for f in features if f["properties"]["code"] == code)["properties"][
            "parent_code"
        ] = parent

    return change


def _duplicate_last(features):
    features.append(json.loads(json.dumps(features[-1])))


def _point_geometry(features):
    features[5]["geometry"] = {"type": "Point", "coordinates": [113.2, 35.2]}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_set_parent("41081100100101", "999"), "上级编码 999 不存在"),
        (_duplicate_last, "重复"),
        (_set_parent("41081100100101", "410811002"), "层级顺序错误"),
        (_point_geometry, "边界应为 Polygon"),
    ],
    ids=["unknown-parent", "duplicate-code", "level-out-of-order", "point-geometry"],
)
def test_a_bad_file_is_refused_whole(areas_file, tmp_path, change, message):
    with pytest.raises(ValueError, match=message):
        load_areas(edited(areas_file, tmp_path, change))
    assert Area.objects.count() == 0
    assert not AuditEvent.objects.exists()


def test_error_names_the_feature(areas_file, tmp_path):
    with pytest.raises(ValueError, match=r"第\d+个要素（41081100100101 第1网格）"):
        load_areas(edited(areas_file, tmp_path, _set_parent("41081100100101", "999")))

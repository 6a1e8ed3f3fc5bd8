"""The areas and boundaries each process holds for the map: read once, read again as soon as
areas are loaded (load_areas), and left out of a response when the page already has them."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from minqing.areas.actions import load_areas
from minqing.areas.tests.factories import square

pytestmark = pytest.mark.django_db

DATA = reverse("maps:data")


def get(client, user, **params) -> dict:
    client.force_login(user)
    response = client.get(DATA, params)
    assert response.status_code == 200
    return response.json()


def boundary(payload, code) -> dict:
    return next(
        f["geometry"] for f in payload["geojson"]["features"] if f["properties"]["name"] == code
    )


def write_areas(tmp_path, *features) -> object:
    path = tmp_path / "areas.geojson"
    collection = {"type": "FeatureCollection", "features": list(features)}
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    return path


def feature(code, name, level, parent_code, box) -> dict:
    return {
        "type": "Feature",
        "properties": {
            "code": code,
            "name": name,
            "level": level,
            "parent_code": parent_code,
            "center_lng": (box[0] + box[2]) / 2,
            "center_lat": (box[1] + box[3]) / 2,
        },
        "geometry": square(*box),
    }


def test_reloaded_areas_are_drawn_with_their_new_boundaries(
    client, district_leader, areas, tmp_path
):
    street = areas["定和街道"]
    before = get(client, district_leader)
    assert boundary(before, street.code) == street.geometry
    box = (113.19, 35.19, 113.25, 35.29)
    load_areas(write_areas(tmp_path, feature(street.code, "新定和街道", "street", "410811", box)))
    after = get(client, district_leader)
    assert boundary(after, street.code) == square(*box)
    assert {r["code"]: r["name"] for r in after["regions"]}[street.code] == "新定和街道"


def test_an_area_loaded_later_is_a_region_with_its_boundary(
    client, district_leader, areas, tmp_path
):
    community = areas["定和街道/丰收社区"]
    assert len(get(client, district_leader, area=community.code)["regions"]) == 2
    box = (113.20, 35.20, 113.21, 35.21)
    code = community.code + "003"
    load_areas(write_areas(tmp_path, feature(code, "第3网格", "grid", community.code, box)))
    payload = get(client, district_leader, area=community.code)
    assert [r["name"] for r in payload["regions"]][-1] == "第3网格"
    assert boundary(payload, code) == square(*box)


def test_areas_are_read_once_while_they_do_not_change(client, district_leader, areas):
    get(client, district_leader)
    client.force_login(district_leader)
    with CaptureQueriesContext(connection) as captured:
        again = client.get(DATA, {"area": areas["定和街道"].code}).json()
    reads = [q["sql"] for q in captured if '"areas_area"."geometry"' in q["sql"]]
    assert reads == []
    assert len(again["geojson"]["features"]) == 2  # from what the process holds


def test_boundaries_left_out_when_the_page_has_them(client, district_leader, areas):
    full = get(client, district_leader, type="hardship")
    figures_only = get(client, district_leader, type="hardship", boundaries="0")
    assert "geojson" in full and "geojson" not in figures_only
    assert figures_only == {k: v for k, v in full.items() if k != "geojson"}

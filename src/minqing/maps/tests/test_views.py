"""The map's page and data endpoint: scope, figures against hand-made data, the switch from
points to counts per grid, names only for roles that work with personal data, constant queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from minqing.assessment.models import Category
from minqing.casework.models import EntryStatus, MeasureStatus, ProblemStatus
from minqing.casework.tests.factories import make_entry, make_household, make_measure, make_problem
from minqing.linkage.tests.factories import make_record, make_source
from minqing.maps import queries
from minqing.registry.models import Facility, FacilityKind, Place, PlaceKind

pytestmark = pytest.mark.django_db

DATA = reverse("maps:data")
LONG_AGO = dt.date(2020, 1, 6)


@pytest.fixture
def ledger(areas, grid, other_grid, other_street_grid):
    """丰收社区第1网格: a 生活困难/政策保障 household with an open problem and an overdue
    measure, and a 零就业/一般生活 one; 第2网格: a 重大疑难 household with two types; 焦东街道: one
    more household with an open problem; an exited entry and a closed problem that count nowhere."""
    a = make_entry(grid, types=("hardship",), category=Category.POLICY)
    problem = make_problem(a)
    make_measure(a, problem=problem, deadline=LONG_AGO)  # overdue
    make_measure(a, deadline=LONG_AGO, status=MeasureStatus.DONE)  # done: not overdue
    b = make_entry(grid, types=("zero_employment",), category=Category.GENERAL)
    make_problem(b, status=ProblemStatus.RESOLVED)
    c = make_entry(other_grid, types=("hardship", "guardianship_gap"), category=Category.MAJOR)
    d = make_entry(other_street_grid, types=("attention",), category=Category.GENERAL)
    make_problem(d)
    make_entry(grid, status=EntryStatus.EXITED)
    return {"a": a, "b": b, "c": c, "d": d}


def get(client, user, **params):
    client.force_login(user)
    return client.get(DATA, params)


def regions(payload) -> dict[str, dict]:
    return {r["name"]: r["figures"] for r in payload["regions"]}


def test_leader_sees_the_district_by_street_with_every_measure(client, district_leader, ledger):
    payload = get(client, district_leader).json()
    assert payload["area"]["name"] == "山阳区"
    figures = regions(payload)
    assert set(figures) == {"定和街道", "焦东街道"}
    dinghe, jiaodong = figures["定和街道"], figures["焦东街道"]
    assert dinghe["households"] == 3 and jiaodong["households"] == 1
    assert dinghe["type:hardship"] == 2
    assert dinghe["type:guardianship_gap"] == 1
    assert dinghe["type:zero_employment"] == 1
    assert jiaodong["type:attention"] == 1
    assert (dinghe["category:policy"], dinghe["category:general"], dinghe["category:major"]) == (
        1,
        1,
        1,
    )
    assert dinghe["problems"] == 1 and jiaodong["problems"] == 1
    assert dinghe["overdue"] == 1 and jiaodong["overdue"] == 0
    assert payload["totals"]["households"] == 4
    assert len(payload["geojson"]["features"]) == 2
    assert [step["name"] for step in payload["breadcrumb"]] == ["山阳区"]


def test_drill_down_to_a_street_and_a_grid(client, district_leader, areas, ledger, grid):
    street = areas["定和街道"]
    payload = get(client, district_leader, area=street.code).json()
    assert set(regions(payload)) == {"丰收社区", "新华社区"}
    assert regions(payload)["丰收社区"]["households"] == 3
    payload = get(client, district_leader, area=grid.code).json()
    assert payload["isLeaf"] and [r["code"] for r in payload["regions"]] == [grid.code]
    assert regions(payload)["第1网格"]["households"] == 2
    assert [s["name"] for s in payload["breadcrumb"]] == [
        "山阳区",
        "定和街道",
        "丰收社区",
        "第1网格",
    ]


def test_filters_narrow_every_measure(client, district_leader, ledger):
    figures = regions(get(client, district_leader, type="hardship").json())
    assert figures["定和街道"]["households"] == 2 and figures["焦东街道"]["households"] == 0
    assert figures["焦东街道"]["problems"] == 0
    figures = regions(get(client, district_leader, category="general").json())
    assert figures["定和街道"]["households"] == 1 and figures["定和街道"]["overdue"] == 0
    assert get(client, district_leader, category="nonsense").status_code == 400
    assert get(client, district_leader, layers="people,secrets").status_code == 400


def test_grid_worker_sees_only_their_grid(client, grid_worker, ledger, grid, other_grid, areas):
    payload = get(client, grid_worker, layers="people,events").json()
    assert [r["code"] for r in payload["regions"]] == [grid.code]
    assert payload["totals"]["households"] == 2
    people = payload["layers"]["people"]
    assert not people["clustered"]
    assert {p["id"] for p in people["points"]} == {
        ledger["a"].household_id,
        ledger["b"].household_id,
    }
    assert {p["id"] for p in payload["layers"]["events"]["points"]} == {ledger["a"].household_id}
    assert all(p["name"].startswith("测试户主") for p in people["points"])  # works with residents
    assert [s["code"] for s in payload["breadcrumb"]] == [grid.code]


@pytest.mark.parametrize("key", ["other_grid", "district", "street"])
def test_grid_worker_gets_404_outside_their_grid(client, grid_worker, areas, other_grid, key):
    code = {"other_grid": other_grid, "district": areas["山阳区"], "street": areas["定和街道"]}
    assert get(client, grid_worker, area=code[key].code).status_code == 404
    client.force_login(grid_worker)
    assert client.get(reverse("maps:index"), {"area": code[key].code}).status_code == 404
    assert get(client, grid_worker, area="no-such-area").status_code == 404


def test_street_staff_sees_their_street_not_the_other(client, street_staff, areas, ledger):
    payload = get(client, street_staff).json()
    assert set(regions(payload)) == {"丰收社区", "新华社区"}
    assert payload["totals"]["households"] == 3
    assert get(client, street_staff, area=areas["焦东街道"].code).status_code == 404


def test_cadre_sees_only_paired_households(client, cadre, areas, grid):
    paired = make_entry(grid, cadre=cadre)
    make_entry(grid)
    payload = get(client, cadre).json()
    assert payload["totals"]["households"] == 1
    assert [p["id"] for p in payload["layers"]["people"]["points"]] == [paired.household_id]


def test_leader_points_carry_no_names(client, district_leader, ledger):
    payload = get(client, district_leader, layers="people,events").json()
    points = payload["layers"]["people"]["points"] + payload["layers"]["events"]["points"]
    assert len(payload["layers"]["people"]["points"]) == 4
    assert all("name" not in p and "title" not in p for p in points)
    assert "测试户主" not in str(payload)


@pytest.mark.parametrize(
    "persona", ["system_admin", "security_admin", "audit_admin", "hotline_operator"]
)
def test_roles_without_resident_data_get_nothing(client, request, persona, ledger):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    assert client.get(DATA).status_code == 403
    assert client.get(reverse("maps:index")).status_code == 403


def test_anonymous_is_sent_to_log_in(client, areas):
    assert client.get(DATA)["Location"].startswith(reverse("accounts:login"))


def test_dense_points_become_counts_per_grid(
    client, district_leader, grid, other_grid, monkeypatch
):
    for _ in range(3):
        make_entry(grid)
    make_entry(other_grid)
    monkeypatch.setattr(queries, "MAX_POINTS", 3)
    people = get(client, district_leader, layers="people").json()["layers"]["people"]
    assert people["clustered"] and people["total"] == 4
    assert {c["code"]: c["count"] for c in people["counts"]} == {grid.code: 3, other_grid.code: 1}
    assert "points" not in people
    # within one grid there are 3: points again
    people = get(client, district_leader, area=grid.code, layers="people").json()["layers"][
        "people"
    ]
    assert not people["clustered"] and len(people["points"]) == 3


def test_places_and_facilities_points_or_counts(client, grid_worker, grid, monkeypatch):
    for i in range(3):
        Place.objects.create(
            code=f"P{i}", name=f"小区{i}", kind=PlaceKind.ESTATE, area=grid, lng=113.21, lat=35.21
        )
    Facility.objects.create(
        code="F1", name="路灯", kind=FacilityKind.STREETLIGHT, area=grid, lng=113.2, lat=35.2
    )
    layers = get(client, grid_worker, layers="places,things,organizations").json()["layers"]
    assert [p["kindLabel"] for p in layers["places"]["points"]] == ["小区"] * 3
    assert layers["things"]["points"][0]["value"] == [113.2, 35.2]
    assert layers["organizations"]["total"] == 0
    monkeypatch.setattr(queries, "MAX_POINTS", 2)
    layers = get(client, grid_worker, layers="places").json()["layers"]
    assert layers["places"]["clustered"] and layers["places"]["counts"][0]["count"] == 3


def test_a_household_is_drawn_at_its_place_or_near_its_grid_centre(client, grid_worker, grid):
    place = Place.objects.create(
        code="B1", name="1号楼", kind=PlaceKind.BUILDING, area=grid, lng=113.2123, lat=35.2456
    )
    household = make_household(grid)
    household.place = place
    household.save()
    at_place = make_entry(household)
    near_centre = make_entry(grid)
    points = {
        p["id"]: p["value"] for p in get(client, grid_worker).json()["layers"]["people"]["points"]
    }
    assert points[at_place.household_id] == [113.2123, 35.2456]
    lng, lat = points[near_centre.household_id]
    west, south = grid.geometry["coordinates"][0][0]
    east, north = grid.geometry["coordinates"][0][2]
    assert abs(lng - grid.center_lng) <= (east - west) * queries.SPREAD
    assert abs(lat - grid.center_lat) <= (north - south) * queries.SPREAD
    assert (lng, lat) != (grid.center_lng, grid.center_lat)
    again = get(client, grid_worker).json()["layers"]["people"]["points"]
    assert {p["id"]: p["value"] for p in again} == points  # the same spot every time


def test_hotline_work_orders_counted_per_grid(
    client, district_leader, grid_worker, grid, other_grid
):
    hotline = make_source("hotline_12345", "12345热线工单")
    for i in range(2):
        make_record(hotline, f"W{i}", area=grid, name="来电人")
    make_record(hotline, "W9", area=other_grid)
    payload = get(client, district_leader).json()
    assert regions(payload)["定和街道"]["hotline"] == 3
    assert {c["code"]: c["count"] for c in payload["layers"]["events"]["hotline"]} == {
        grid.code: 2,
        other_grid.code: 1,
    }
    payload = get(client, grid_worker).json()
    assert payload["totals"]["hotline"] == 2
    assert "来电人" not in str(payload)


def _queries(client, user, **params) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(DATA, params)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("persona", ["district_leader", "grid_worker"])
def test_query_count_does_not_grow_with_rows(client, request, persona, areas, grid, other_grid):
    user = request.getfixturevalue(persona)
    layers = "people,events,places,things,organizations"
    make_problem(make_entry(grid))
    _queries(client, user, layers=layers)  # the areas and their boundaries, read once
    first = _queries(client, user, layers=layers)
    for area in (grid, other_grid, areas["焦东街道/和平社区/第2网格"]):
        for _ in range(5):
            entry = make_entry(area, types=("hardship", "attention"), category=Category.MAJOR)
            make_problem(entry)
            make_measure(entry, deadline=LONG_AGO)
        Place.objects.create(
            code=f"P{area.code}", name="小区", kind=PlaceKind.ESTATE, area=area, lng=1, lat=1
        )
    assert _queries(client, user, layers=layers) == first


def test_page_renders_the_tools_in_chinese(client, grid_worker, grid):
    client.force_login(grid_worker)
    response = client.get(reverse("maps:index"))
    text = response.content.decode()
    assert response.status_code == 200
    for label in (
        "着色依据",
        "台账家庭数",
        "生活困难家庭",
        "重大疑难问题类",
        "超期措施",
        "导出图片",
    ):
        assert label in text
    assert (
        "echarts.min.js" in text and "http" not in text.split("map-config")[1].split("</script>")[0]
    )
    assert '<a href="/map/" aria-current="page">民情地图</a>' in text

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from minqing.accounts.tests.factories import make_user
from minqing.areas.models import Area, Level
from minqing.areas.tests.factories import make_area, make_district
from minqing.registry.models import (
    Facility,
    FacilityKind,
    Household,
    Membership,
    Organization,
    OrganizationKind,
    Person,
    Place,
    PlaceKind,
    Relation,
)

pytestmark = pytest.mark.django_db


def detail_url(area: Area) -> str:
    return reverse("areas:detail", args=[area.code])


def home_of(client, user, url=None):
    client.force_login(user)
    response = client.get(url or reverse("home"))
    assert response.status_code == 200
    return response


def codes_in_tree(response) -> set[str]:
    return {node.area.code for node in response.context["tree"].walk()}


def add_things(grid: Area, *, places=0, organizations=0, facilities=0, households=0, persons=0):
    """Places, organizations, facilities and households with members in one grid."""
    prefix = f"{grid.code}-{Place.objects.count() + Facility.objects.count()}"
    for i in range(places):
        Place.objects.create(
            code=f"P{prefix}-{i}",
            name=f"小区{i}",
            kind=PlaceKind.ESTATE,
            area=grid,
            lng=113.2,
            lat=35.2,
        )
    for i in range(organizations):
        Organization.objects.create(
            code=f"O{prefix}-{i}",
            name=f"组织{i}",
            kind=OrganizationKind.PARTY,
            area=grid,
            lng=113.2,
            lat=35.2,
        )
    for i in range(facilities):
        Facility.objects.create(
            code=f"F{prefix}-{i}",
            name=f"路灯{i}",
            kind=FacilityKind.STREETLIGHT,
            area=grid,
            lng=113.2,
            lat=35.2,
        )
    for i in range(households):
        household = Household.objects.create(number=f"H{prefix}-{i}", area=grid)
        for j in range(persons):
            person = Person.objects.create(name=f"居民{i}{j}")
            relation = Relation.HEAD if j == 0 else Relation.CHILD
            Membership.objects.create(household=household, person=person, relation=relation)


# --- scope -----------------------------------------------------------------------------------


def test_grid_worker_sees_own_grid_only(client, grid_worker, areas):
    response = home_of(client, grid_worker)
    own = areas["定和街道/丰收社区/第1网格"]
    other = areas["定和街道/丰收社区/第2网格"]
    assert codes_in_tree(response) == {own.code}
    content = response.content.decode()
    assert detail_url(own) in content
    assert detail_url(other) not in content


def test_grid_worker_cannot_open_other_grid(client, grid_worker, areas):
    client.force_login(grid_worker)
    assert client.get(detail_url(areas["定和街道/丰收社区/第2网格"])).status_code == 404
    assert client.get(detail_url(areas["定和街道/丰收社区"])).status_code == 404
    assert client.get(detail_url(areas["定和街道/丰收社区/第1网格"])).status_code == 200


def test_street_staff_sees_own_communities_not_the_other_streets(client, street_staff, areas):
    content = home_of(client, street_staff).content.decode()
    assert "丰收社区" in content and "新华社区" in content
    assert "建设社区" not in content and "和平社区" not in content
    assert "焦东街道" not in content


def test_street_staff_drills_into_own_community_only(client, street_staff, areas):
    response = home_of(client, street_staff, detail_url(areas["定和街道/新华社区"]))
    assert codes_in_tree(response) == {
        areas["定和街道/新华社区"].code,
        areas["定和街道/新华社区/第1网格"].code,
        areas["定和街道/新华社区/第2网格"].code,
    }
    # the breadcrumb starts at the user's own scope, not above it
    assert [a.name for a in response.context["breadcrumb"]] == ["定和街道", "新华社区"]
    assert client.get(detail_url(areas["焦东街道/建设社区"])).status_code == 404
    assert client.get(detail_url(areas["山阳区"])).status_code == 404


def test_unknown_area_is_404_in_chinese(client, district_leader):
    client.force_login(district_leader)
    response = client.get(reverse("areas:detail", args=["999999"]))
    assert response.status_code == 404


def test_district_leader_and_department_see_whole_district(
    client, district_leader, civil_affairs_clerk, areas
):
    for user in (district_leader, civil_affairs_clerk):
        response = home_of(client, user)
        assert codes_in_tree(response) == {a.code for a in areas.values()}
        assert response.context["area"] == areas["山阳区"]


def test_user_without_unit_sees_the_district(client, areas):
    response = home_of(client, make_user("nobody"))
    assert response.context["area"] == areas["山阳区"]


def test_without_areas_the_page_says_to_run_demo(client):
    response = home_of(client, make_user("early"))
    assert "尚未导入区域数据, 请运行" in response.content.decode()
    assert "minqing demo" in response.content.decode()


# --- counts ----------------------------------------------------------------------------------


def test_counts_roll_up_the_tree(client, district_leader, street_staff, areas):
    add_things(areas["定和街道/丰收社区/第1网格"], places=2, facilities=3, households=2, persons=3)
    add_things(areas["定和街道/新华社区/第2网格"], places=1, organizations=1)
    add_things(areas["焦东街道/和平社区/第1网格"], places=4, households=1, persons=1)
    # a nameless caller linkage put in a household (most likely one of its members): no person more
    Membership.objects.create(
        household=Household.objects.get(area=areas["焦东街道/和平社区/第1网格"]),
        person=Person.objects.create(name=""),
        relation=Relation.CALLER,
    )

    tree = home_of(client, district_leader).context["tree"]
    assert tree.counts == {
        "households": 3,
        "persons": 7,
        "places": 7,
        "organizations": 1,
        "facilities": 3,
    }
    by_code = {node.area.code: node for node in tree.walk()}
    assert by_code[areas["定和街道"].code].counts["places"] == 3
    assert by_code[areas["定和街道/丰收社区"].code].counts["persons"] == 6
    assert by_code[areas["焦东街道"].code].counts["households"] == 1

    response = home_of(client, street_staff)
    assert response.context["tree"].counts["places"] == 3
    cards = {card["key"]: card["value"] for card in response.context["cards"]}
    assert cards == {
        "households": 2,
        "persons": 6,
        "places": 3,
        "organizations": 1,
        "facilities": 3,
    }


def test_households_no_link_run_finds_any_more_are_not_counted(client, district_leader, areas):
    from minqing.registry.models import Household

    add_things(areas["定和街道/丰收社区/第1网格"], households=3)
    Household.objects.filter(pk=Household.objects.order_by("pk").first().pk).update(is_active=False)
    tree = home_of(client, district_leader).context["tree"]
    assert tree.counts["households"] == 2


def test_no_households_yet_shows_zero_and_a_hint(client, district_leader):
    response = home_of(client, district_leader)
    cards = {card["key"]: card["value"] for card in response.context["cards"]}
    assert cards["households"] == 0 and cards["persons"] == 0
    assert "家庭户与人员将在数据导入和交叉对比后显示" in response.content.decode()


def test_security_admin_is_sent_to_the_admin_site(client, system_admin, areas):
    # 三员 separation (issue 6): the home page and area pages are about residents; the admins'
    # work is in the admin site (accounts.access.resident_data_required)
    add_things(areas["定和街道/丰收社区/第1网格"], places=1, households=2, persons=2)
    client.force_login(system_admin)
    for url in (reverse("home"), reverse("areas:detail", args=[areas["定和街道"].code])):
        response = client.get(url)
        assert response.status_code == 302 and response.url == reverse("admin:index")


def test_home_page_query_count_does_not_grow_with_the_district(
    client, district_leader, areas, django_assert_max_num_queries
):
    add_things(areas["定和街道/丰收社区/第1网格"], places=1, facilities=1, households=1, persons=2)
    client.force_login(district_leader)
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("home")).status_code == 200

    # Add a third street with 5 communities of 6 grids, and things in every grid.
    district = areas["山阳区"]
    street = make_area(code="410811003", name="新城街道", level=Level.STREET, parent=district)
    for c in range(5):
        community = make_area(
            code=f"{street.code}{c + 1:03d}",
            name=f"新城{c + 1}社区",
            level=Level.COMMUNITY,
            parent=street,
        )
        for g in range(6):
            grid = make_area(
                code=f"{community.code}{g + 1:03d}",
                name=f"第{g + 1}网格",
                level=Level.GRID,
                parent=community,
            )
            add_things(grid, places=1, organizations=1, facilities=1, households=1, persons=1)

    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("home"))
    assert response.context["tree"].counts["places"] == 31


def test_area_page_query_count_is_small(
    client, district_leader, areas, django_assert_max_num_queries
):
    client.force_login(district_leader)
    client.get(reverse("home"))  # session set up
    # 19: the navigation's 提醒 counts the user's unread notices (casework/views/notices.py)
    with django_assert_max_num_queries(19):
        client.get(detail_url(areas["定和街道/丰收社区/第1网格"]))


# --- map -------------------------------------------------------------------------------------


def test_map_data_has_the_children_with_geometry_and_links(client, street_staff, areas):
    response = home_of(client, street_staff)
    content = response.content.decode()
    assert 'id="area-map-data"' in content
    assert "vendor/echarts/echarts.min.js" in content
    start = content.index('id="area-map-data"')
    data = json.loads(content[content.index(">", start) + 1 : content.index("</script>", start)])
    assert [f["properties"]["name"] for f in data["geojson"]["features"]] == [
        areas["定和街道/丰收社区"].code,
        areas["定和街道/新华社区"].code,
    ]
    assert data["regions"][0]["name"] == "丰收社区"
    assert data["regions"][0]["url"] == detail_url(areas["定和街道/丰收社区"])
    assert data["geojson"]["features"][0]["geometry"]["type"] == "Polygon"


def test_grid_page_maps_the_grid_itself(client, grid_worker, areas):
    data = home_of(client, grid_worker).context["map_data"]
    assert [r["code"] for r in data["regions"]] == [areas["定和街道/丰收社区/第1网格"].code]


def test_areas_without_geometry_say_so(client, district_leader):
    Area.objects.update(geometry=None)
    content = home_of(client, district_leader).content.decode()
    assert "暂无边界数据" in content
    assert "echarts.min.js" not in content


def test_bigger_district_renders(client, db):
    areas = make_district(
        streets={f"街道{i}": [f"社区{i}{j}" for j in range(4)] for i in range(6)},
        grids_per_community=5,
    )
    leader = make_user("big")
    response = home_of(client, leader)
    assert len(codes_in_tree(response)) == len(areas) == 1 + 6 + 24 + 120

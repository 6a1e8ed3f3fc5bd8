"""The 民情地图 in a real browser (issue 7): the grid worker's map holds their grid only, the
district leader's the whole district; the leader drills down street → community → grid and opens
a household; the map exports as a PNG without a server round trip; screenshots go to tmp_path;
no request leaves the server."""

import time
from urllib.parse import urlparse

import pytest
from django.urls import reverse

from minqing.casework.tests.factories import ensure_routing_rules, make_entry, make_problem
from minqing.registry.models import Facility, FacilityKind, Place, PlaceKind

pytestmark = pytest.mark.browser

OPTION = """() => {
  const chart = echarts.getInstanceByDom(document.getElementById("map-chart"));
  const option = chart.getOption();
  return {
    regions: option.series[0].data.map(d => d.name),
    series: option.series.map(s => ({name: s.name, ids: s.data.map(d => d.id || d.code || d.name)}))
  };
}"""
READY = "document.getElementById('map-chart').dataset.ready === '1'"


def log_in(page, live_server, username, password):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(live_server.url + "/")


def open_map(page, live_server) -> float:
    started = time.perf_counter()
    page.goto(live_server.url + reverse("maps:index"))
    page.wait_for_function(READY)
    return time.perf_counter() - started


def wait_for_area(page, code):
    page.wait_for_function(
        f"document.getElementById('map-chart').dataset.area === '{code}' && ({READY})"
    )
    page.wait_for_timeout(600)  # the first paint is animated


def click_at(page, lng, lat):
    x, y = page.evaluate(
        """([lng, lat]) => echarts.getInstanceByDom(document.getElementById("map-chart"))
                 .convertToPixel({geoIndex: 0}, [lng, lat])""",
        [lng, lat],
    )
    box = page.locator("#map-chart").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)


def assert_only_local_requests(requests_seen, live_server):
    server = urlparse(live_server.url).netloc
    outside = [url for url in requests_seen if urlparse(url).netloc != server]
    assert requests_seen, "the page made no requests at all?"
    assert outside == [], f"requests left the server: {outside}"


@pytest.fixture
def world(areas):
    """Three ledger households in the grid worker's grid (one with an open problem), two in
    the other grid of 丰收社区, two in 焦东街道; a few places and facilities."""
    ensure_routing_rules()
    grid = areas["定和街道/丰收社区/第1网格"]
    households = {"grid": [], "other": [], "jiaodong": []}
    for key, area, n in (
        ("grid", grid, 3),
        ("other", areas["定和街道/丰收社区/第2网格"], 2),
        ("jiaodong", areas["焦东街道/建设社区/第1网格"], 2),
    ):
        for i in range(n):
            entry = make_entry(area, category=("major", "policy", "general")[i % 3])
            households[key].append(entry.household_id)
            if i == 0:
                make_problem(entry)
        Place.objects.create(
            code=f"P{area.code}",
            name="幸福小区",
            kind=PlaceKind.ESTATE,
            area=area,
            lng=area.center_lng + 0.003,
            lat=area.center_lat + 0.002,
        )
        Facility.objects.create(
            code=f"F{area.code}",
            name="路灯",
            kind=FacilityKind.STREETLIGHT,
            area=area,
            lng=area.center_lng - 0.003,
            lat=area.center_lat - 0.002,
        )
    return households


def test_grid_worker_map_holds_only_their_grid(
    page, live_server, grid_worker, areas, world, persona_password, requests_seen, tmp_path
):
    log_in(page, live_server, "grid", persona_password)
    seconds = open_map(page, live_server)
    grid = areas["定和街道/丰收社区/第1网格"]
    wait_for_area(page, grid.code)
    option = page.evaluate(OPTION)
    assert option["regions"] == [grid.code]
    people = next(s for s in option["series"] if s["name"].startswith("人"))
    assert sorted(people["ids"]) == sorted(world["grid"])
    assert page.locator("#map-title").inner_text() == "第1网格 · 民情地图"
    assert "台账家庭 3 户" in page.locator("#map-summary").inner_text()
    # the other layers, switched on
    page.get_by_role("checkbox", name="地", exact=True).check()
    page.get_by_role("checkbox", name="物", exact=True).check()
    page.wait_for_function(
        "echarts.getInstanceByDom(document.getElementById('map-chart')).getOption()"
        ".series.length >= 5"
    )
    page.wait_for_timeout(600)
    names = [s["name"] for s in page.evaluate(OPTION)["series"]]
    assert "地 · 场所" in names and "物 · 设施" in names
    page.screenshot(path=tmp_path / "map-grid-worker.png", full_page=True)
    print(f"grid worker's map ready in {seconds:.2f} s; screenshots in {tmp_path}")
    assert seconds < 5
    assert_only_local_requests(requests_seen, live_server)


def test_leader_drills_down_to_a_household(
    page, live_server, district_leader, areas, world, persona_password, requests_seen, tmp_path
):
    log_in(page, live_server, "leader", persona_password)
    seconds = open_map(page, live_server)
    district = areas["山阳区"]
    wait_for_area(page, district.code)
    option = page.evaluate(OPTION)
    assert sorted(option["regions"]) == sorted([areas["定和街道"].code, areas["焦东街道"].code])
    people = next(s for s in option["series"] if s["name"].startswith("人"))
    assert len(people["ids"]) == 7
    assert "台账家庭 7 户" in page.locator("#map-summary").inner_text()
    page.screenshot(path=tmp_path / "map-leader-district.png", full_page=True)

    # the PNG is made in the browser
    with page.expect_download() as download:
        page.get_by_role("button", name="导出图片").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name == "民情地图-山阳区.png"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # 定和街道 → 丰收社区 → 第1网格 (each a box inside its parent: areas/tests/factories.py)
    steps = [
        ("定和街道", "定和街道"),
        ("定和街道/丰收社区", "丰收社区"),
        ("定和街道/丰收社区/第1网格", "第1网格"),
    ]
    for key, name in steps:
        area = areas[key]
        # a point inside the region away from the markers drawn at centres
        child = area.geometry["coordinates"][0]
        lng = child[0][0] + (child[1][0] - child[0][0]) * 0.2
        lat = child[0][1] + (child[2][1] - child[0][1]) * 0.8
        click_at(page, lng, lat)
        wait_for_area(page, area.code)
        assert page.locator("#map-title").inner_text() == f"{name} · 民情地图"
    crumbs = page.locator("#map-breadcrumb").inner_text().replace("\n", "")
    assert crumbs == "山阳区›定和街道›丰收社区›第1网格"
    option = page.evaluate(OPTION)
    people = next(s for s in option["series"] if s["name"].startswith("人"))
    assert sorted(people["ids"]) == sorted(world["grid"])
    page.screenshot(path=tmp_path / "map-leader-grid.png", full_page=True)

    # a household point opens its page
    target = world["grid"][1]
    point = page.evaluate(
        """(id) => {
          const chart = echarts.getInstanceByDom(document.getElementById("map-chart"));
          const series = chart.getOption().series;
          const index = series.findIndex(s => s.name.startsWith("人"));
          const d = series[index].data.find(d => d.id === id);
          return chart.convertToPixel({seriesIndex: index}, d.value);
        }""",
        target,
    )
    box = page.locator("#map-chart").bounding_box()
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    page.wait_for_url(live_server.url + reverse("casework:household", args=[target]))
    page.screenshot(path=tmp_path / "map-household.png", full_page=True)
    print(f"leader's map ready in {seconds:.2f} s; screenshots in {tmp_path}")
    assert seconds < 5
    assert_only_local_requests(requests_seen, live_server)


def test_breadcrumb_goes_back_up(page, live_server, street_staff, areas, world, persona_password):
    log_in(page, live_server, "street", persona_password)
    open_map(page, live_server)
    street = areas["定和街道"]
    wait_for_area(page, street.code)
    community = areas["定和街道/新华社区"]
    page.goto(live_server.url + reverse("maps:index") + f"?area={community.code}")
    wait_for_area(page, community.code)
    page.locator("#map-breadcrumb").get_by_role("button", name="定和街道").click()
    wait_for_area(page, street.code)
    assert sorted(page.evaluate(OPTION)["regions"]) == sorted(
        [areas["定和街道/丰收社区"].code, community.code]
    )


def test_a_filter_change_keeps_the_boundaries(
    page, live_server, district_leader, areas, world, persona_password, requests_seen, tmp_path
):
    """The boundaries come with an area's first load only: a filter asks for the figures
    (boundaries=0) and the map is still drawn, as it is when going back up to an area seen."""
    log_in(page, live_server, "leader", persona_password)
    open_map(page, live_server)
    district, street = areas["山阳区"], areas["定和街道"]
    streets = sorted([street.code, areas["焦东街道"].code])
    wait_for_area(page, district.code)

    def data_requests() -> list[str]:
        return [url for url in requests_seen if "/map/data/" in url]

    assert "boundaries=0" not in data_requests()[-1]
    page.get_by_label("类别").select_option("major")
    page.wait_for_function("document.getElementById('map-summary').textContent.includes('3 户')")
    wait_for_area(page, district.code)
    assert "category=major" in data_requests()[-1] and "boundaries=0" in data_requests()[-1]
    assert sorted(page.evaluate(OPTION)["regions"]) == streets
    page.screenshot(path=tmp_path / "map-leader-filtered.png", full_page=True)

    # a new area brings its boundaries; back up, the district's are still held
    child = street.geometry["coordinates"][0]
    click_at(
        page,
        child[0][0] + (child[1][0] - child[0][0]) * 0.2,
        child[0][1] + (child[2][1] - child[0][1]) * 0.8,
    )
    wait_for_area(page, street.code)
    assert "boundaries=0" not in data_requests()[-1]
    page.locator("#map-breadcrumb").get_by_role("button", name="山阳区").click()
    wait_for_area(page, district.code)
    assert "boundaries=0" in data_requests()[-1]
    assert sorted(page.evaluate(OPTION)["regions"]) == streets
    page.screenshot(path=tmp_path / "map-leader-back-up.png", full_page=True)

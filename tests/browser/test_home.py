"""The home page in a real browser: Chinese renders, the map draws, nothing leaves the server."""

from urllib.parse import urlparse

import pytest

from minqing.registry.models import Facility, FacilityKind, Place, PlaceKind

pytestmark = pytest.mark.browser

# Draws two different Chinese characters on a canvas in the page's own font. Real glyphs
# leave ink and differ from each other; tofu (the "missing glyph" box) is the same box for both.
GLYPH_CHECK = """
([first, second]) => {
  const font = "32px " + getComputedStyle(document.body).fontFamily;
  function draw(text) {
    const canvas = document.createElement("canvas");
    canvas.width = 48; canvas.height = 48;
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, 48, 48);
    ctx.fillStyle = "#000"; ctx.font = font; ctx.textBaseline = "top";
    ctx.fillText(text, 4, 4);
    const pixels = ctx.getImageData(0, 0, 48, 48).data;
    let ink = 0, signature = [];
    for (let i = 0; i < pixels.length; i += 4) {
      const dark = pixels[i] < 128;
      ink += dark ? 1 : 0;
      signature.push(dark ? 1 : 0);
    }
    return { ink, signature: signature.join(""), width: ctx.measureText(text).width };
  }
  const a = draw(first), b = draw(second);
  return { inkA: a.ink, inkB: b.ink, differ: a.signature !== b.signature, width: a.width,
           font: font };
}
"""

# Share of the map canvas that is painted (not transparent, not white).
MAP_INK = """
() => {
  const canvas = document.querySelector("#area-map canvas");
  const ctx = canvas.getContext("2d");
  const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] > 0 && !(data[i] > 245 && data[i + 1] > 245 && data[i + 2] > 245)) painted++;
  }
  return painted / (data.length / 4);
}
"""


@pytest.fixture
def places(areas):
    """Some places and facilities in 定和街道, so the map has colours to show."""
    for key, count in [("丰收社区/第1网格", 5), ("丰收社区/第2网格", 2), ("新华社区/第1网格", 1)]:
        grid = areas[f"定和街道/{key}"]
        for i in range(count):
            Place.objects.create(
                code=f"P{grid.code}{i}",
                name=f"小区{i}",
                kind=PlaceKind.ESTATE,
                area=grid,
                lng=grid.center_lng,
                lat=grid.center_lat,
            )
            Facility.objects.create(
                code=f"F{grid.code}{i}",
                name=f"路灯{i}",
                kind=FacilityKind.STREETLIGHT,
                area=grid,
                lng=grid.center_lng,
                lat=grid.center_lat,
            )


def log_in(page, live_server, username, password):
    page.goto(live_server.url + "/")
    assert "/accounts/login/" in page.url
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(live_server.url + "/")


def assert_only_local_requests(requests_seen, live_server):
    server = urlparse(live_server.url).netloc
    outside = [url for url in requests_seen if urlparse(url).netloc != server]
    assert requests_seen, "the page made no requests at all?"
    assert outside == [], f"requests left the server: {outside}"


def test_street_staff_home_page_renders_in_chinese_with_map(
    page, live_server, street_staff, places, persona_password, requests_seen, tmp_path
):
    log_in(page, live_server, "street", persona_password)

    # Chinese text is there and visible
    header = page.locator(".brand")
    assert header.inner_text().replace(" ", "") == "民情·山阳区"
    assert page.get_by_role("link", name="首页").is_visible()
    assert page.locator("h1").inner_text() == "定和街道"
    assert page.get_by_text("张丽华").is_visible()
    box = page.locator("h1").bounding_box()
    assert box is not None and box["width"] > 40 and box["height"] > 10

    # … and really rendered with CJK glyphs, not tofu
    glyphs = page.evaluate(GLYPH_CHECK, ["民", "情"])
    assert glyphs["inkA"] > 20 and glyphs["inkB"] > 20, glyphs
    assert glyphs["differ"], f"民 and 情 draw the same shape: missing CJK font? {glyphs['font']}"
    assert 24 <= glyphs["width"] <= 40, glyphs  # CJK glyphs are full-width (~1 em)
    assert "Noto Sans CJK SC" in page.evaluate("getComputedStyle(document.body).fontFamily")

    # the map is drawn from the district's own polygons
    page.wait_for_selector("#area-map canvas")
    page.wait_for_function("document.querySelector('#area-map canvas').width > 100")
    page.wait_for_timeout(800)  # ECharts' first paint is animated
    assert page.evaluate(MAP_INK) > 0.05
    assert page.locator("#area-map-metric option").count() == 5
    assert page.locator("#area-map-metric").input_value() == "places"  # no households yet
    assert page.locator(".card--places .card__value").inner_text() == "8"

    # the tree shows own communities only
    tree = page.locator(".panel--tree")
    assert tree.get_by_role("link", name="丰收社区").is_visible()
    assert tree.get_by_role("link", name="新华社区").is_visible()
    assert tree.get_by_text("焦东街道").count() == 0

    page.screenshot(path=tmp_path / "home.png", full_page=True)
    print(f"screenshot: {tmp_path / 'home.png'}")
    assert_only_local_requests(requests_seen, live_server)


def test_clicking_a_region_drills_down(
    page, live_server, street_staff, areas, persona_password, requests_seen, tmp_path
):
    log_in(page, live_server, "street", persona_password)
    page.wait_for_function("document.querySelector('#area-map canvas')")
    page.wait_for_timeout(800)
    # 新华社区 is the southern half of 定和街道 (see areas/tests/factories.py)
    x, y = page.evaluate(
        """() => echarts.getInstanceByDom(document.getElementById("area-map"))
                 .convertToPixel({seriesIndex: 0}, [113.22, 35.22])"""
    )
    holder = page.locator("#area-map").bounding_box()
    page.mouse.click(holder["x"] + x, holder["y"] + y)
    community = areas["定和街道/新华社区"]
    page.wait_for_url(f"{live_server.url}/areas/{community.code}/")
    assert page.locator("h1").inner_text() == "新华社区"
    page.wait_for_selector("#area-map canvas")
    page.wait_for_timeout(800)
    page.screenshot(path=tmp_path / "community.png", full_page=True)
    assert_only_local_requests(requests_seen, live_server)


def test_home_page_fits_a_phone(browser, live_server, grid_worker, persona_password, tmp_path):
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    try:
        log_in(page, live_server, "grid", persona_password)
        assert page.locator("h1").inner_text() == "第1网格"
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"page is {overflow}px wider than the phone"
        assert page.get_by_role("button", name="退出登录").is_visible()
        page.wait_for_selector("#area-map canvas")
        page.wait_for_timeout(800)
        page.screenshot(path=tmp_path / "phone.png", full_page=True)
    finally:
        context.close()


def test_logout_button_signs_out(page, live_server, grid_worker, persona_password):
    log_in(page, live_server, "grid", persona_password)
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    page.goto(live_server.url + "/")
    assert "/accounts/login/" in page.url

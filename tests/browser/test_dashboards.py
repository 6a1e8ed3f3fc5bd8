"""工作看板 in a real browser (issue 7): the district leader's charts draw, a number and a chart
bar click through to their lists, a chart exports a PNG without asking the server, a
screenshot goes to tmp_path, and no request leaves the server."""

import datetime as dt
from urllib.parse import urlparse

import pytest
from django.utils import timezone

from minqing.assessment.models import AssessmentRun, Finding, FindingStatus
from minqing.casework.models import EntryStatus, LedgerEntry, Problem, ProblemStatus
from minqing.casework.tests.factories import (
    ensure_routing_rules,
    make_entry,
    make_household,
    make_measure,
    make_problem,
)

pytestmark = pytest.mark.browser

# Share of a chart's canvas that is painted (not transparent, not white).
CHART_INK = """
(id) => {
  const canvas = document.querySelector("#" + id + " canvas");
  const ctx = canvas.getContext("2d");
  const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] > 0 && !(data[i] > 245 && data[i + 1] > 245 && data[i + 2] > 245)) painted++;
  }
  return painted / (data.length / 4);
}
"""
CHARTS = ["chart-types", "chart-categories", "chart-flow", "chart-departments", "chart-findings"]


def click_bar(page, chart_id: str, *, series: int, index: int) -> dict:
    """Click the middle of one bar of a chart (from the chart's own layout); the chart's data
    (the page's dashboard-data) for the test to compare with."""
    page.wait_for_function(f"window.minqingDashboards && window.minqingDashboards['{chart_id}']")
    page.locator(f"#{chart_id}").scroll_into_view_if_needed()
    box = page.locator(f"#{chart_id} canvas").bounding_box()
    bar = page.evaluate(
        """([id, series, index]) => {
          const chart = window.minqingDashboards[id];
          return chart.getModel().getSeriesByIndex(series).getData().getItemLayout(index);
        }""",
        [chart_id, series, index],
    )
    assert abs(bar["height"]) > 4, "the bar is too small to click"
    data = page.evaluate("JSON.parse(document.getElementById('dashboard-data').textContent)")
    page.mouse.click(
        box["x"] + bar["x"] + bar["width"] / 2, box["y"] + bar["y"] + bar["height"] / 2
    )
    return data[chart_id.removeprefix("chart-")]


@pytest.fixture
def district_data(areas):
    ensure_routing_rules()
    today = timezone.localdate()
    grid = areas["定和街道/丰收社区/第1网格"]
    other = areas["焦东街道/建设社区/第1网格"]
    first = make_entry(grid, category="major", types=("hardship", "guardianship_gap"))
    second = make_entry(other, category="general", types=("zero_employment",))
    make_entry(grid, category="policy", types=("attention",))
    late = make_problem(first, status=ProblemStatus.DISPATCHED, title="低保申请逾期未办")
    Problem.objects.filter(pk=late.pk).update(
        dispatched_on=today - dt.timedelta(days=20), due_on=today - dt.timedelta(days=10)
    )
    make_problem(second, status=ProblemStatus.RESOLVED, department="human_resources")
    make_measure(second, deadline=today - dt.timedelta(days=2), action="协助就业登记")
    run = AssessmentRun.objects.create(started_at=timezone.now(), assessed_on=today)
    Finding.objects.create(
        household=first.household, run=run, policy="dibao_urban", status=FindingStatus.MISSED
    )
    Finding.objects.create(
        household=make_household(other), run=run, policy="tekun", status=FindingStatus.MISMATCH
    )
    # the weekly flow: three households entered three weeks ago (one in 焦东), one of them
    # exited last week; a household entered and exited long ago
    monday = today - dt.timedelta(days=today.weekday())
    earlier = monday - dt.timedelta(weeks=3)
    for n, area in enumerate((grid, grid, other)):
        entry = make_entry(area, category="policy", types=("hardship",))
        LedgerEntry.objects.filter(pk=entry.pk).update(entered_on=earlier + dt.timedelta(days=n))
        if n == 0:
            LedgerEntry.objects.filter(pk=entry.pk).update(
                status=EntryStatus.EXITED, exited_on=monday - dt.timedelta(days=3)
            )
    return {"first": first, "flow_week": 12 - 1 - 3}


def test_leader_dashboard_draws_clicks_through_and_exports(
    page, requests_seen, live_server, district_data, district_leader, persona_password, tmp_path
):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("用户名").fill("leader")
    page.get_by_label("密码").fill(persona_password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(live_server.url + "/")

    page.get_by_role("link", name="工作看板").click()
    page.wait_for_url(live_server.url + "/dashboards/")
    for chart in CHARTS:
        page.wait_for_selector(f"#{chart} canvas")
        page.wait_for_function(f"document.querySelector('#{chart} canvas').width > 100")
        assert page.evaluate(CHART_INK, chart) > 0.005, f"{chart} drew nothing"
    assert page.locator("[data-figure=households] .card__value").inner_text().startswith("5")
    assert page.get_by_text("低保申请逾期未办").is_visible()
    assert page.locator(".level--2").first.inner_text() == "督办"
    page.screenshot(path=tmp_path / "dashboards.png", full_page=True)

    # 导出图片: a PNG made in the browser, no request to the server for it
    before = len(requests_seen)
    with page.expect_download() as download_info:
        page.locator("[data-export=chart-flow]").click()
    download = download_info.value
    assert download.suggested_filename == f"每周纳入与退出-{timezone.localdate():%Y-%m-%d}.png"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [u for u in requests_seen[before:] if not u.startswith("data:")] == []

    # numbers click through to their lists: the households card → the ledger; the overdue
    # problem → its household's page
    page.locator("[data-figure=households]").click()
    page.wait_for_url(live_server.url + "/casework/")
    page.go_back()
    household = district_data["first"].household
    page.locator(".table--overdue").get_by_role("link", name=household.number).first.click()
    page.wait_for_url(live_server.url + f"/casework/households/{household.pk}/")
    page.go_back()
    page.wait_for_selector("#chart-categories canvas")

    # a chart clicks through: the pie's slice → the ledger filtered by that category
    page.wait_for_function(
        "window.minqingDashboards && window.minqingDashboards['chart-categories']"
    )
    page.locator("#chart-categories").scroll_into_view_if_needed()
    box = page.locator("#chart-categories canvas").bounding_box()
    # the middle of the first slice (重大疑难问题类), from the chart's own layout
    point = page.evaluate(
        """() => {
          const chart = window.minqingDashboards['chart-categories'];
          const layout = chart.getModel().getSeriesByIndex(0).getData().getItemLayout(0);
          const mid = (layout.startAngle + layout.endAngle) / 2;
          const r = (layout.r0 + layout.r) / 2;
          return [layout.cx + r * Math.cos(mid), layout.cy + r * Math.sin(mid)];
        }"""
    )
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    page.wait_for_url(live_server.url + "/casework/?category=major")
    assert page.locator("table").first.is_visible()
    page.screenshot(path=tmp_path / "ledger-major.png", full_page=True)

    # a week's bar clicks through: 纳入 three weeks ago → the list of those households
    # (entered that Monday to Sunday, whatever their status now), as many as the bar shows
    page.go_back()
    week = district_data["flow_week"]
    flow = click_bar(page, "chart-flow", series=0, index=week)
    assert flow["entered"][week] == 3
    page.wait_for_url(live_server.url + flow["enteredUrls"][week])
    assert "entered_from=" in page.url and "status=all" in page.url
    assert page.locator("#ledger-title").inner_text() == "台账家庭 共 3 户"
    assert page.locator(".ledger-table tbody tr").count() == 3
    assert (
        page.locator("input[name=entered_from]").input_value()
        == (flow["enteredUrls"][week].split("entered_from=")[1][:10])
    )
    page.screenshot(path=tmp_path / "ledger-entered-week.png", full_page=True)
    # … and the 退出 bar of last week → the household that exited then
    page.go_back()
    flow = click_bar(page, "chart-flow", series=1, index=12 - 2)
    assert flow["exited"][12 - 2] == 1
    page.wait_for_url(live_server.url + flow["exitedUrls"][12 - 2])
    assert page.locator("#ledger-title").inner_text() == "台账家庭 共 1 户"
    assert page.locator(".ledger-table .entry-status--exited").count() == 1

    server = urlparse(live_server.url).netloc
    outside = [
        u for u in requests_seen if not u.startswith("data:") and urlparse(u).netloc != server
    ]
    assert requests_seen and outside == [], f"requests left the server: {outside}"

"""人工确认 in a real browser: open the queue, decide an item, land on the next one; the run's
chart draws from the vendored ECharts."""

from urllib.parse import urlparse

import pytest
from django.urls import reverse

from minqing.audit.models import AuditEvent
from minqing.linkage.models import Decision, ReviewItem
from minqing.linkage.tests.factories import ID_1, make_review_queue

pytestmark = pytest.mark.browser

# Share of the chart's canvas that is painted (not transparent, not white).
CHART_INK = """
() => {
  const canvas = document.querySelector("#run-chart canvas");
  const ctx = canvas.getContext("2d");
  const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] > 0 && !(data[i] > 245 && data[i + 1] > 245 && data[i + 2] > 245)) painted++;
  }
  return painted / (data.length / 4);
}
"""


def log_in(page, live_server, username, password):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(live_server.url + "/")


def assert_only_local_requests(requests_seen, live_server):
    server = urlparse(live_server.url).netloc
    outside = [url for url in requests_seen if urlparse(url).netloc != server]
    assert requests_seen and outside == [], f"requests left the server: {outside}"


def test_street_staff_decides_an_item_and_sees_the_next_one(
    page, live_server, street_staff, areas, persona_password, requests_seen, tmp_path
):
    items = make_review_queue(areas)
    first, second = items["fengshou"], items["xinhua"]
    log_in(page, live_server, "street", persona_password)

    page.get_by_role("link", name="人工确认").click()
    page.wait_for_url(live_server.url + reverse("linkage:review"))
    assert page.locator("[data-count=open]").inner_text() == "2"
    rows = page.locator(".table--queue tbody tr")
    assert rows.count() == 2
    assert "王鹏哲" in rows.first.inner_text()
    page.screenshot(path=tmp_path / "queue.png", full_page=True)

    rows.first.get_by_role("link", name="确认").click()
    page.wait_for_url(live_server.url + reverse("linkage:item", args=[first.pk]))
    assert page.locator("h1").inner_text() == f"确认事项 {first.pk}"
    assert page.get_by_text("410811********161X", exact=True).first.is_visible()
    assert ID_1 not in page.content()
    name_row = page.locator('.compare__row[data-field="name"]')
    assert "不一致" in name_row.inner_text()
    page.screenshot(path=tmp_path / "item.png", full_page=True)

    page.get_by_label("说明(可不填)").fill("学籍姓名录错一字")
    page.get_by_role("button", name="同一人", exact=True).click()
    page.wait_for_url(live_server.url + reverse("linkage:item", args=[second.pk]))
    assert page.locator("h1").inner_text() == f"确认事项 {second.pk}"
    assert page.get_by_text(f"已记录 #{first.pk}: 同一人").is_visible()
    assert page.locator(".page-title__meta").inner_text().endswith("尚余 1 项待确认")

    first.refresh_from_db()
    assert first.decision == Decision.SAME and first.note == "学籍姓名录错一字"
    assert first.decided_by == street_staff
    assert AuditEvent.objects.filter(action="linkage.decide", object_id=str(first.pk)).exists()
    assert ReviewItem.objects.get(pk=second.pk).decision == ""
    assert_only_local_requests(requests_seen, live_server)


def test_run_page_draws_the_weight_chart(
    page, live_server, street_staff, areas, persona_password, requests_seen, tmp_path
):
    run = make_review_queue(areas)["fengshou"].first_run
    log_in(page, live_server, "street", persona_password)
    page.goto(live_server.url + reverse("linkage:run", args=[run.pk]))
    page.wait_for_selector("#run-chart canvas")
    page.wait_for_function("document.querySelector('#run-chart canvas').width > 100")
    assert page.evaluate(CHART_INK) > 0.01
    assert page.locator(".table--params tbody tr").count() == 4
    page.screenshot(path=tmp_path / "run.png", full_page=True)
    assert_only_local_requests(requests_seen, live_server)

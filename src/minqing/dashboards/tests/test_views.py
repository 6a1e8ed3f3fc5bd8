"""The 工作看板 page and the 漏保/错保 list: what they show, where their numbers lead, who may
open them, and that their queries do not grow with the rows."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from minqing.casework.models import EntryStatus, LedgerEntry
from minqing.casework.tests.factories import make_entry, make_measure, make_problem
from minqing.dashboards.tests.conftest import add_members, make_finding

pytestmark = pytest.mark.django_db
URL = "/dashboards/"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def chart_data(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="dashboard-data" type="application/json">')
    start = html.index(">", start) + 1
    return json.loads(html[start : html.index("</script>", start)])


def test_url_name():
    assert reverse("dashboards:index") == URL
    assert reverse("dashboards:findings") == "/dashboards/findings/"


def test_leader_sees_the_figures_with_their_links(problems, findings, district_leader):
    response = client_for(district_leader).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "工作看板" in html and "全区" in html
    assert 'href="/casework/" data-figure="households"' in html
    assert "/casework/?family_type=hardship" in html
    assert "/casework/?category=major" in html
    assert "/casework/?overdue=on" in html
    assert "/casework/?department=civil_affairs&amp;status=all" in html
    assert "/dashboards/findings/?policy=dibao_urban&amp;status=missed" in html
    assert f"/casework/households/{problems['overdue'].entry.household_id}/" in html
    assert "督办" in html and "低保申请未办" in html
    assert "66.7%" in html and "50.0%" in html
    assert "导出图片" in html
    data = chart_data(response)
    assert data["types"]["households"] == [1, 1, 1, 1]
    assert data["types"]["urls"][0] == "/casework/?family_type=hardship"
    assert [c["value"] for c in data["categories"]] == [1, 1, 1]
    assert data["departments"]["labels"] == ["民政局", "教育局"]
    assert data["departments"]["onTime"] == [50.0, None]
    assert data["findings"]["labels"] == ["城市低保", "高龄津贴"]
    assert len(data["flow"]["labels"]) == 12
    # nothing from outside the server
    assert "http://" not in html and "https://" not in html


def test_a_rate_over_nothing_shows_a_dash(problems, district_leader):
    html = client_for(district_leader).get(URL).content.decode()
    # 教育局: nothing resolved yet
    assert '<td class="num" data-rate="on-time">—</td>' in html
    assert '<td class="num" data-rate="on-time">0' not in html


def test_no_problems_no_department_table(ledger, district_leader):
    html = client_for(district_leader).get(URL).content.decode()
    assert "暂无已派单的问题" in html
    assert "今天没有逾期的问题和帮扶措施" in html


def test_street_staff_see_their_street_only(problems, findings, street_staff):
    response = client_for(street_staff).get(URL)
    html = response.content.decode()
    assert "定和街道" in html
    data = chart_data(response)
    assert data["departments"]["labels"] == ["民政局"]
    assert data["findings"]["labels"] == ["城市低保"]
    assert "协助办理临时救助" not in html  # 焦东's overdue measure


def test_a_department_sees_no_findings(problems, findings, civil_affairs_clerk):
    response = client_for(civil_affairs_clerk).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "民政局承办的问题" in html
    assert "漏保与错保" not in html
    assert "findings" not in chart_data(response)
    assert client_for(civil_affairs_clerk).get("/dashboards/findings/").status_code == 403


@pytest.mark.parametrize(
    "persona", ["system_admin", "security_admin", "audit_admin", "hotline_operator"]
)
def test_roles_without_resident_data_are_refused(request, problems, persona):
    user = request.getfixturevalue(persona)
    assert client_for(user).get(URL).status_code in (302, 403)
    assert client_for(user).get("/dashboards/findings/").status_code in (302, 403)


def test_anonymous_is_sent_to_log_in(db):
    response = Client().get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_findings_list(findings, district_leader):
    client = client_for(district_leader)
    html = client.get("/dashboards/findings/?policy=dibao_urban&status=missed").content.decode()
    assert "城市低保漏保" in html and "共 2 条" in html
    html = client.get(
        "/dashboards/findings/?policy=dibao_urban&status=missed&confirmed=1"
    ).content.decode()
    assert "共 1 条" in html and findings[0].household.number in html
    html = client.get("/dashboards/findings/?status=mismatch").content.decode()
    assert "共 1 条" in html and "高龄津贴" in html
    # an unknown filter value is ignored, not an error
    assert client.get("/dashboards/findings/?policy=nope&status=x").status_code == 200


def test_findings_list_within_the_scope(findings, other_street_staff):
    html = client_for(other_street_staff).get("/dashboards/findings/").content.decode()
    assert "共 1 条" in html and findings[1].household.number not in html


def test_navigation_item(problems, district_leader, street_staff, civil_affairs_clerk, grid_worker):
    for user in (district_leader, street_staff, civil_affairs_clerk):
        assert ">工作看板</a>" in client_for(user).get("/").content.decode()
    assert ">工作看板</a>" not in client_for(grid_worker).get("/").content.decode()


@pytest.fixture
def flow_ledger(grid, other_grid, other_street_grid, cadre):
    """Entries entered and exited over the last 14 weeks, on Mondays, Sundays and midweek, in
    three grids of two streets; some paired with the cadre, some with a problem for 民政."""
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    areas = [grid, other_grid, other_street_grid]
    for week in range(14):
        start = monday - dt.timedelta(weeks=week)
        for n, day in enumerate((0, 6, 3)[: 1 + (week + 1) % 3]):
            entered_on = start + dt.timedelta(days=day)
            entry = make_entry(areas[(week + n) % 3], cadre=cadre if week % 4 == 0 else None)
            exited_on = None
            if (week + n) % 2:
                # gone the same week or up to two weeks later (some later than today: never)
                exited_on = entered_on + dt.timedelta(days=(week + n) % 3 * 6)
                if exited_on <= today:
                    entry.status = EntryStatus.EXITED
            LedgerEntry.objects.filter(pk=entry.pk).update(
                entered_on=entered_on,
                status=entry.status,
                exited_on=exited_on if entry.status == EntryStatus.EXITED else None,
            )
            if week % 5 == 1:
                make_problem(entry, department="civil_affairs")


@pytest.mark.parametrize(
    "persona",
    ["district_leader", "street_staff", "grid_worker", "civil_affairs_clerk", "cadre"],
)
def test_every_weekly_figure_opens_a_list_of_that_many(request, flow_ledger, persona):
    """Each bar of 每周纳入与退出, and each total in its header, opens the ledger list holding
    exactly the households it counts, for the whole district and for smaller scopes."""
    client = client_for(request.getfixturevalue(persona))
    flow = chart_data(client.get(URL))["flow"]

    def listed(url: str) -> int:
        response = client.get(url)
        assert response.status_code == 200, url
        return response.context["page_obj"].paginator.count

    for i, title in enumerate(flow["titles"]):
        assert listed(flow["enteredUrls"][i]) == flow["entered"][i], f"纳入 {title}"
        assert listed(flow["exitedUrls"][i]) == flow["exited"][i], f"退出 {title}"
    assert listed(flow["enteredUrl"]) == sum(flow["entered"])
    assert listed(flow["exitedUrl"]) == sum(flow["exited"])
    assert sum(flow["entered"]) > 0 and sum(flow["exited"]) > 0  # not a test of zeros


def test_a_weeks_links_are_its_monday_to_sunday(ledger, district_leader):
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    sunday = monday + dt.timedelta(days=6)
    response = client_for(district_leader).get(URL)
    flow = chart_data(response)["flow"]
    assert flow["enteredUrls"][-1] == (
        f"/casework/?status=all&entered_from={monday}&entered_to={sunday}"
    )
    assert flow["exitedUrls"][-1] == (
        f"/casework/?status=exited&exited_from={monday}&exited_to={sunday}"
    )
    first = monday - dt.timedelta(weeks=11)
    assert flow["enteredUrl"] == f"/casework/?status=all&entered_from={first}&entered_to={sunday}"
    html = response.content.decode()
    assert f'href="/casework/?status=all&amp;entered_from={first}&amp;entered_to={sunday}"' in html
    # the table under the chart: each week's figures as links too
    assert (
        f'<a href="/casework/?status=all&amp;entered_from={monday}&amp;entered_to={sunday}" '
        f'data-week="{monday}" data-flow="entered">2</a>'
    ) in html
    two_weeks = monday - dt.timedelta(weeks=2)
    assert (
        f'<a href="/casework/?status=exited&amp;exited_from={two_weeks}&amp;exited_to='
        f'{two_weeks + dt.timedelta(days=6)}" data-week="{two_weeks}" data-flow="exited">1</a>'
    ) in html


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_page_queries_do_not_grow_with_rows(problems, findings, district_leader, grid, other_grid):
    client = client_for(district_leader)
    before = _count(client, URL)
    findings_before = _count(client, "/dashboards/findings/")
    today = timezone.localdate()
    for i in range(12):
        entry = make_entry(grid if i % 2 else other_grid, types=("hardship",))
        add_members(entry.household, 2)
        problem = make_problem(entry, department="education" if i % 3 else "housing")
        make_measure(entry, problem=problem, deadline=today - dt.timedelta(days=i + 1))
        make_finding(entry.household, "tekun", "missed")
    assert _count(client, URL) == before
    assert _count(client, "/dashboards/findings/") == findings_before

"""The main flow of 一台账两清单 in a real browser (issue 6):

a grid worker logs in, sees only their grid, opens next Tuesday's plan and records a visit that
confirms a proposed household; the 民政 clerk sees the problem routed to them, accepts it, adds a
measure, closes the measure and the problem; the district leader sees the ledger's counts change.
Screenshots of each step go to the test's tmp_path; no request leaves the server."""

import datetime as dt
from urllib.parse import urlparse

import pytest
from django.urls import reverse

from minqing.assessment.models import ProposalStatus
from minqing.audit.models import AuditEvent
from minqing.casework.models import (
    EntryStatus,
    LedgerEntry,
    MeasureStatus,
    ProblemStatus,
    Visit,
)
from minqing.casework.tests.factories import (
    ensure_routing_rules,
    head_of,
    make_entry,
    make_household,
    make_problem,
    make_proposal,
)
from minqing.core.workdays import WorkCalendar

pytestmark = pytest.mark.browser


def log_in(context, live_server, username, password):
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(live_server.url + "/")
    return page


def in_ledger_total(page, live_server) -> int:
    page.goto(live_server.url + reverse("casework:ledger"))
    return int(page.locator(".status-count").first.locator(".status-count__value").inner_text())


def test_grid_worker_clerk_and_leader_walk_the_ledger(
    browser,
    live_server,
    areas,
    grid_worker,
    civil_affairs_clerk,
    district_leader,
    persona_password,
    tmp_path,
):
    ensure_routing_rules()
    grid = areas["定和街道/丰收社区/第1网格"]
    own = make_entry(grid, grid_worker=grid_worker)
    problem = make_problem(own, status=ProblemStatus.DISPATCHED, title="家中老人就医无人陪护")
    elsewhere = make_entry(areas["焦东街道/建设社区/第1网格"])
    proposed = make_household(grid, head="韩桂兰")
    proposal = make_proposal(proposed, types=("hardship",))

    seen: list[str] = []
    contexts = {}
    for name in ("leader", "grid", "minzheng"):
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        context.on("request", lambda request: seen.append(request.url))
        contexts[name] = context

    # the leader's figures before
    leader = log_in(contexts["leader"], live_server, "leader", persona_password)
    before = in_ledger_total(leader, live_server)
    assert before == 2
    leader.screenshot(path=tmp_path / "1-leader-before.png", full_page=True)

    # the grid worker: only their grid in the ledger
    page = log_in(contexts["grid"], live_server, "grid", persona_password)
    page.get_by_role("link", name="台账", exact=True).click()
    page.wait_for_url(live_server.url + reverse("casework:ledger"))
    listed = page.locator("table").first.inner_text()
    assert own.household.address in listed
    assert elsewhere.household.address not in listed
    page.screenshot(path=tmp_path / "2-grid-ledger.png", full_page=True)

    # next Tuesday's plan: the paired household, and the proposal to verify
    page.get_by_role("link", name="我的走访计划").click()
    page.wait_for_url(live_server.url + reverse("casework:care_day"))
    tuesday = WorkCalendar.shipped().next_weekday(dt.date.today(), 1, skip_days_off=True)
    assert f"{tuesday.month}月{tuesday.day}日" in page.locator("h1, .page-title").first.inner_text()
    assert head_of(own.household).name in page.content()
    verify = page.locator(".plan--verify tr", has_text="韩桂兰")
    assert verify.count() == 1
    page.screenshot(path=tmp_path / "3-grid-care-day.png", full_page=True)

    # the visit, on a phone-sized page, confirms the proposal
    verify.get_by_role("link", name="入户核实").click()
    page.wait_for_url(f"**{reverse('casework:visit_new', args=[proposed.pk])}**")
    page.set_viewport_size({"width": 375, "height": 812})
    page.get_by_label("走访情况", exact=True).fill("独居老人, 无固定收入, 患慢性病, 子女在外地。")
    page.get_by_label("确认", exact=True).check()
    page.get_by_label("核实意见").fill("入户核实属实, 同意纳入台账")
    page.screenshot(path=tmp_path / "4-grid-visit.png", full_page=True)
    page.get_by_role("button", name="保存走访记录").click()
    page.wait_for_url(f"**{reverse('casework:care_day')}**")
    page.screenshot(path=tmp_path / "5-grid-after-visit.png", full_page=True)

    entry = LedgerEntry.objects.get(household=proposed)
    assert entry.status == EntryStatus.LISTED and entry.types == ["hardship"]
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.CONFIRMED
    assert Visit.objects.filter(household=proposed, by=grid_worker).exists()

    # the 民政 clerk: the routed problem, accepted, a measure added and closed, the problem closed
    clerk = log_in(contexts["minzheng"], live_server, "minzheng", persona_password)
    clerk.get_by_role("link", name="部门待办").click()
    clerk.wait_for_url(f"**{reverse('casework:inbox')}**")
    assert "家中老人就医无人陪护" in clerk.content()
    clerk.screenshot(path=tmp_path / "6-clerk-inbox.png", full_page=True)
    clerk.get_by_role("button", name="签收").click()
    clerk.wait_for_load_state()
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.ACCEPTED

    row = clerk.locator(".inbox__item, article, tr", has_text="家中老人就医无人陪护").first
    row.locator("summary", has_text="添加帮扶措施").click()
    row.get_by_label("帮扶措施").fill("联系社区医院家庭医生上门随访, 申请临时救助")
    row.get_by_label("完成时限").fill((dt.date.today() + dt.timedelta(days=10)).isoformat())
    row.get_by_role("button", name="添加").click()
    clerk.wait_for_load_state()
    measure = problem.measures.get()
    assert measure.status == MeasureStatus.PLANNED

    item = clerk.locator("details", has_text="办结措施").first
    item.locator("summary").click()
    item.get_by_label("落实情况").fill("家庭医生已签约, 临时救助 2000 元已发放")
    item.get_by_role("button", name="确认已完成").click()
    clerk.wait_for_load_state()
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.DONE

    done = (
        clerk.locator("details", has_text="办结")
        .filter(has=clerk.locator("summary", has_text="办结"))
        .last
    )
    done.locator("summary").click()
    done.get_by_label("办结情况").fill("已落实帮扶措施, 群众满意")
    done.get_by_role("button", name="确认办结").click()
    clerk.wait_for_load_state()
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.RESOLVED
    clerk.screenshot(path=tmp_path / "7-clerk-done.png", full_page=True)

    # the leader sees one household more in the ledger
    assert in_ledger_total(leader, live_server) == before + 1
    leader.screenshot(path=tmp_path / "8-leader-after.png", full_page=True)

    assert AuditEvent.objects.filter(action="casework.record_visit").exists()
    server = urlparse(live_server.url).netloc
    assert seen and [u for u in seen if urlparse(u).netloc != server] == []
    for context in contexts.values():
        context.close()

"""The daily-work pages: a department's inbox, the Tuesday plan (page and xlsx), the visit form,
proposal decisions, the routing table and the joint-meeting list — each per role, inside and
outside the scope, with the forms' success and refusal paths."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from minqing.assessment.models import Category, ProposalKind, ProposalStatus
from minqing.audit.models import AuditEvent
from minqing.casework import deadlines
from minqing.casework.models import (
    Decision,
    EntryStatus,
    LedgerEntry,
    Measure,
    MeasureStatus,
    Problem,
    ProblemStatus,
    ProblemType,
    Visit,
    VisitPhoto,
)
from minqing.casework.tests.factories import (
    JPEG,
    PNG,
    head_of,
    make_entry,
    make_household,
    make_measure,
    make_problem,
    make_proposal,
)


def today() -> dt.date:
    """Today where the users are, read when a test runs: the suite can cross midnight."""
    return timezone.localdate()


INBOX = reverse("casework:inbox")
CARE_DAY = reverse("casework:care_day")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def as_user(client, user):
    client.force_login(user)
    return client


def step(problem, name):
    return reverse("casework:problem_step", args=[problem.pk, name])


def measure_step(measure, name):
    return reverse("casework:measure_step", args=[measure.pk, name])


def text(response) -> str:
    return response.content.decode()


def shown_messages(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


# who may open which page ----------------------------------------------------------------------

PAGE_ACCESS = {
    # page: roles answered 200; every other persona gets 403
    "casework:inbox": {"grid_worker", "community_staff", "street_staff", "civil_affairs_clerk"},
    "casework:care_day": {"grid_worker", "community_staff", "street_staff", "cadre"},
    "casework:care_day_xlsx": {"grid_worker", "community_staff", "street_staff", "cadre"},
    "casework:routing": {
        "grid_worker",
        "community_staff",
        "street_staff",
        "civil_affairs_clerk",
        "district_leader",
    },
    "casework:joint_meeting": {"community_staff", "street_staff", "district_leader"},
}
PERSONAS = [
    "grid_worker",
    "community_staff",
    "street_staff",
    "cadre",
    "civil_affairs_clerk",
    "district_leader",
    "hotline_operator",
    "system_admin",
    "security_admin",
    "audit_admin",
]


@pytest.mark.parametrize("page", sorted(PAGE_ACCESS))
@pytest.mark.parametrize("persona", PERSONAS)
def test_each_page_answers_each_role(client, request, page, persona):
    user = request.getfixturevalue(persona)
    response = as_user(client, user).get(reverse(page))
    assert response.status_code == (200 if persona in PAGE_ACCESS[page] else 403)


@pytest.mark.parametrize("page", sorted(PAGE_ACCESS))
def test_pages_ask_anonymous_users_to_sign_in(client, db, page):
    response = client.get(reverse(page))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_a_superuser_has_every_page(client, superuser):
    as_user(client, superuser)
    for page in PAGE_ACCESS:
        assert client.get(reverse(page)).status_code == 200, page


def test_navigation_shows_each_role_its_daily_work(
    client, grid_worker, cadre, community_staff, civil_affairs_clerk, street_staff, district_leader
):
    def labels(user) -> set[str]:
        client.force_login(user)
        return {item["label"] for item in client.get(reverse("home")).context["nav_items"]}

    daily = {"我的走访计划", "部门待办", "联席会议"}
    assert labels(grid_worker) & daily == {"我的走访计划", "部门待办"}
    assert labels(cadre) & daily == {"我的走访计划"}
    assert labels(community_staff) & daily == {"我的走访计划", "部门待办"}
    assert labels(civil_affairs_clerk) & daily == {"部门待办"}
    assert labels(street_staff) & daily == {"部门待办", "联席会议"}
    assert labels(district_leader) & daily == {"联席会议"}


# the department's inbox -----------------------------------------------------------------------


@pytest.fixture
def entry(grid):
    return make_entry(grid)


@pytest.fixture
def routed(entry):
    """A hardship problem dispatched to 民政局."""
    return make_problem(entry, title="低保待遇核查")


def test_a_clerk_sees_the_problems_routed_to_the_department_by_tab(
    client, civil_affairs_clerk, entry, other_street_grid
):
    mine = make_problem(entry, title="低保待遇核查")
    accepted = make_problem(entry, status=ProblemStatus.ACCEPTED, title="临时救助申请")
    make_problem(entry, status=ProblemStatus.DRAFT, title="尚未派单的问题")
    make_problem(
        entry, department="education", problem_type=ProblemType.SCHOOLING, title="教育局的问题"
    )
    elsewhere = make_problem(make_entry(other_street_grid), title="焦东街道的问题")
    as_user(client, civil_affairs_clerk)

    page = client.get(INBOX)
    assert page.context["tab"] == "dispatched"
    # the whole district's (the department's unit serves the district), by due date
    assert [r["problem"] for r in page.context["rows"]] == [mine, elsewhere]
    body = text(page)
    assert "低保待遇核查" in body and "尚未派单的问题" not in body and "教育局的问题" not in body
    assert dict((code, n) for code, _, n in page.context["tabs"]) == {
        "dispatched": 2,
        "accepted": 1,
        "returned": 0,
        "resolved": 0,
    }
    accepted_page = client.get(INBOX, {"tab": "accepted"})
    assert [r["problem"] for r in accepted_page.context["rows"]] == [accepted]


def test_the_inbox_shows_the_minimum_of_the_household_masked(client, civil_affairs_clerk, grid):
    household = make_household(grid, head="张桂兰", phone="13812345678")
    make_problem(make_entry(household))
    body = text(as_user(client, civil_affairs_clerk).get(INBOX))
    assert "张桂兰" in body and "138****5678" in body and "13812345678" not in body
    assert head_of(household).id_number not in body


def test_overdue_problems_are_marked_reminder_then_supervision(client, civil_affairs_clerk, entry):
    cal = deadlines.calendar()
    make_problem(entry, title="刚超期", due_on=cal.add_workdays(today(), -1))
    make_problem(entry, title="超期很久", due_on=cal.add_workdays(today(), -6))
    make_problem(entry, title="还有时间", due_on=cal.add_workdays(today(), 3))
    rows = as_user(client, civil_affairs_clerk).get(INBOX).context["rows"]
    levels = {r["problem"].title: (r["level"], r["deadline_note"]) for r in rows}
    assert levels["刚超期"][0] == 1 and levels["刚超期"][1].startswith("逾期提醒")
    assert levels["超期很久"][0] == 2 and levels["超期很久"][1].startswith("督办")
    assert levels["还有时间"] == (0, "剩 3 个工作日")
    assert "problem--supervision" in text(client.get(INBOX))


def test_a_clerk_accepts_a_problem_and_lands_on_it_in_progress(client, civil_affairs_clerk, routed):
    response = as_user(client, civil_affairs_clerk).post(step(routed, "accept"), {"tab": "x"})
    assert response.status_code == 302
    assert response["Location"] == f"{INBOX}?tab=accepted#problem-{routed.pk}"
    routed.refresh_from_db()
    assert routed.status == ProblemStatus.ACCEPTED and routed.accepted_on == today()


def test_returning_needs_a_reason(client, civil_affairs_clerk, routed):
    as_user(client, civil_affairs_clerk)
    refused = client.post(step(routed, "return"), {"reason": "  "})
    assert refused.status_code == 400 and "请填写退回原因" in text(refused)
    routed.refresh_from_db()
    assert routed.status == ProblemStatus.DISPATCHED
    done = client.post(step(routed, "return"), {"reason": "不属于民政职责"})
    assert done.status_code == 302
    routed.refresh_from_db()
    assert routed.status == ProblemStatus.RETURNED and routed.return_reason == "不属于民政职责"


def test_a_clerk_transfers_a_problem_to_another_department(
    client, civil_affairs_clerk, education_clerk, routed
):
    as_user(client, civil_affairs_clerk)
    same = client.post(
        step(routed, "transfer"), {"to_department": "civil_affairs", "reason": "重复"}
    )
    assert same.status_code == 400  # the current department is not offered
    done = client.post(
        step(routed, "transfer"),
        {"to_department": "education", "reason": "涉及子女就学", "tab": "dispatched"},
    )
    assert done["Location"] == f"{INBOX}?tab=dispatched#problem-{routed.pk}"
    routed.refresh_from_db()
    assert routed.department == "education" and routed.status == ProblemStatus.DISPATCHED
    assert client.post(step(routed, "accept")).status_code == 404  # no longer 民政's
    as_user(client, education_clerk)
    assert client.post(step(routed, "accept")).status_code == 302


def test_resolving_is_refused_while_a_measure_is_open_then_done(client, civil_affairs_clerk, entry):
    problem = make_problem(entry, status=ProblemStatus.ACCEPTED)
    as_user(client, civil_affairs_clerk)
    added = client.post(
        step(problem, "measure"),
        {"action": "落实低保待遇", "deadline": (today() + dt.timedelta(days=10)).isoformat()},
    )
    assert added.status_code == 302
    measure = Measure.objects.get(problem=problem)
    assert measure.owner_unit == civil_affairs_clerk.unit

    refused = client.post(step(problem, "resolve"), {"result": "已办理"})
    assert refused.status_code == 400
    assert "该问题尚有未完成的帮扶措施，不能办结" in text(refused)

    closed = client.post(
        measure_step(measure, "close"), {"version": measure.version, "result": "已发放"}
    )
    assert closed.status_code == 302
    assert client.post(step(problem, "resolve"), {"result": "已纳入低保"}).status_code == 302
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.RESOLVED and problem.result == "已纳入低保"


def test_a_measure_needs_the_problem_accepted_first(client, civil_affairs_clerk, routed):
    response = as_user(client, civil_affairs_clerk).post(
        step(routed, "measure"), {"action": "上门核查", "deadline": today().isoformat()}
    )
    assert response.status_code == 400 and "请先签收该问题" in text(response)
    assert not Measure.objects.exists()


def test_a_stale_measure_edit_is_refused_in_chinese_and_nothing_is_lost(
    client, civil_affairs_clerk, entry
):
    problem = make_problem(entry, status=ProblemStatus.ACCEPTED)
    measure = make_measure(entry, problem=problem, action="原措施")
    shown = measure.version
    form = {
        "version": shown,
        "action": "第一次修改",
        "deadline": measure.deadline.isoformat(),
        "status": MeasureStatus.IN_PROGRESS,
        "result": "已联系",
    }
    as_user(client, civil_affairs_clerk)
    first = client.post(measure_step(measure, "update"), form)
    assert first.status_code == 302
    measure.refresh_from_db()
    assert measure.action == "第一次修改" and measure.version == shown + 1

    # a second page, opened before the first save, still carries the old version
    stale = client.post(
        measure_step(measure, "update"), {**form, "action": "第二次修改"}, follow=True
    )
    assert "该帮扶措施已被他人修改，请刷新后重试" in text(stale)
    measure.refresh_from_db()
    assert measure.action == "第一次修改"
    stale_close = client.post(measure_step(measure, "close"), {"version": shown, "result": "完成"})
    assert stale_close.status_code == 302
    assert "该帮扶措施已被他人修改，请刷新后重试" in shown_messages(stale_close)
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.IN_PROGRESS


def test_closing_a_measure_needs_the_result(client, civil_affairs_clerk, entry):
    problem = make_problem(entry, status=ProblemStatus.ACCEPTED)
    measure = make_measure(entry, problem=problem)
    response = as_user(client, civil_affairs_clerk).post(
        measure_step(measure, "close"), {"version": measure.version, "result": ""}
    )
    assert response.status_code == 400
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.PLANNED


def test_steps_outside_the_scope_are_not_found(
    client, civil_affairs_clerk, education_clerk, grid_worker, other_grid, routed
):
    as_user(client, education_clerk)
    assert client.post(step(routed, "accept")).status_code == 404
    other = make_problem(make_entry(other_grid), status=ProblemStatus.DRAFT)
    as_user(client, grid_worker)
    assert client.post(step(other, "dispatch"), {"department": "civil_affairs"}).status_code == 404
    measure = make_measure(make_entry(other_grid))
    update = {"version": 1, "action": "x", "deadline": today().isoformat(), "status": "planned"}
    assert client.post(measure_step(measure, "update"), update).status_code == 404
    as_user(client, civil_affairs_clerk)
    assert client.post(step(routed, "no-such-step")).status_code == 404


def test_area_staff_dispatch_drafts_with_the_routed_department_preselected(
    client, grid_worker, entry
):
    draft = make_problem(
        entry, status=ProblemStatus.DRAFT, problem_type=ProblemType.EMPLOYMENT, department=""
    )
    as_user(client, grid_worker)
    page = client.get(INBOX)
    assert page.context["mode"] == "area" and page.context["tab"] == "draft"
    (row,) = page.context["rows"]
    assert row["forms"]["dispatch"]["department"].value() == "human_resources"

    missing = client.post(step(draft, "dispatch"), {"department": ""})
    assert missing.status_code == 400 and "请选择责任部门" in text(missing)
    done = client.post(step(draft, "dispatch"), {"department": "human_resources"})
    assert done["Location"] == f"{INBOX}?tab=running#problem-{draft.pk}"
    draft.refresh_from_db()
    assert draft.status == ProblemStatus.DISPATCHED and draft.department == "human_resources"
    assert draft.due_on == deadlines.due_on(today())


def test_area_staff_redispatch_a_returned_problem(client, community_staff, entry):
    returned = make_problem(entry, status=ProblemStatus.RETURNED)
    as_user(client, community_staff)
    page = client.get(INBOX, {"tab": "returned"})
    assert [r["problem"] for r in page.context["rows"]] == [returned]
    client.post(step(returned, "dispatch"), {"department": "housing"})
    returned.refresh_from_db()
    assert returned.status == ProblemStatus.DISPATCHED and returned.department == "housing"


def test_area_staff_see_only_their_area(client, grid_worker, other_grid, entry):
    mine = make_problem(entry, status=ProblemStatus.DRAFT)
    make_problem(make_entry(other_grid), status=ProblemStatus.DRAFT)
    rows = as_user(client, grid_worker).get(INBOX).context["rows"]
    assert [r["problem"] for r in rows] == [mine]


# the care day ---------------------------------------------------------------------------------


@pytest.fixture
def plan(grid, other_grid, grid_worker, cadre):
    """Households of the grid worker's grid: paired with the cadre or not, major or general,
    visited or not; and households elsewhere."""
    last_week = today() - dt.timedelta(days=7)
    general = make_entry(grid, category=Category.GENERAL, grid_worker=grid_worker)
    major = make_entry(grid, category=Category.MAJOR, cadre=cadre, last_visit_on=last_week)
    unpaired = make_entry(grid, category=Category.POLICY)
    late = make_measure(general, deadline=today() - dt.timedelta(days=3), action="送医疗救助材料")
    elsewhere = make_entry(other_grid, category=Category.MAJOR)
    exited = make_entry(grid, status=EntryStatus.EXITED, grid_worker=grid_worker)
    return {
        "general": general,
        "major": major,
        "unpaired": unpaired,
        "late": late,
        "elsewhere": elsewhere,
        "exited": exited,
    }


def test_my_plan_lists_my_households_major_first(client, grid_worker, plan):
    page = as_user(client, grid_worker).get(CARE_DAY)
    assert page.context["on"] == deadlines.next_care_day(today())
    entries = [row["entry"] for row in page.context["rows"]]
    assert entries == [plan["major"], plan["unpaired"], plan["general"]]
    by_entry = {row["entry"]: row for row in page.context["rows"]}
    assert (
        by_entry[plan["major"]]["days"] == (page.context["on"] - plan["major"].last_visit_on).days
    )
    assert by_entry[plan["general"]]["days"] is None
    assert by_entry[plan["general"]]["overdue"] == [plan["late"]]
    body = text(page)
    assert "送医疗救助材料" in body and "从未走访" in body
    assert reverse("casework:household", args=[plan["major"].household_id]) in body
    assert reverse("casework:visit_new", args=[plan["general"].household_id]) in body
    assert "@media print" not in body and "casework-work.css" in body


def test_a_cadre_plans_only_the_paired_households(client, cadre, plan):
    rows = as_user(client, cadre).get(CARE_DAY).context["rows"]
    assert [row["entry"] for row in rows] == [plan["major"]]


def test_the_plan_for_another_day(client, grid_worker, plan):
    as_user(client, grid_worker)
    on = deadlines.next_care_day(today()) + dt.timedelta(days=7)
    page = client.get(CARE_DAY, {"on": on.isoformat()})
    assert (
        page.context["on"] == on and f"{on.year}年{on.month}月{on.day}日" in page.context["title"]
    )
    bad = client.get(CARE_DAY, {"on": "2026-13-45"})
    assert bad.status_code == 200 and "无效" in bad.context["error"]


def test_the_plan_lists_proposals_to_verify_in_the_grid(client, grid_worker, grid, other_grid):
    proposed = make_household(grid, head="王秀珍")
    make_proposal(proposed)
    make_proposal(make_household(other_grid, head="别处的户"))
    page = as_user(client, grid_worker).get(CARE_DAY)
    assert [row["household"] for row in page.context["to_verify"]] == [proposed]
    body = text(page)
    assert "王秀珍" in body and "别处的户" not in body
    assert reverse("casework:visit_new", args=[proposed.pk]) in body


def test_the_xlsx_holds_only_my_rows_masked_and_is_audited(client, grid_worker, plan):
    household = plan["general"].household
    person = head_of(household)
    response = as_user(client, grid_worker).get(reverse("casework:care_day_xlsx"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook["走访计划"]
    on = deadlines.next_care_day(today())
    assert sheet["A1"].value == (
        f"丰收社区第1网格 李秀英 {on.year}年{on.month}月{on.day}日 家庭关爱日走访计划"
    )
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    numbers = [row[1] for row in values]
    assert numbers == [str(plan[k].household) for k in ("major", "unpaired", "general")]
    assert str(plan["elsewhere"].household) not in numbers
    flat = " ".join(str(v) for row in values for v in row if v is not None)
    assert person.id_number not in flat and person.phone not in flat
    assert "********" in flat and "****" in flat
    event = AuditEvent.objects.get(action="casework.export_care_day")
    assert event.actor == grid_worker and event.details["rows"] == 3


# the visit form -------------------------------------------------------------------------------


def visit_url(household, **query):
    url = reverse("casework:visit_new", args=[household.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_a_visit_confirming_a_proposal_puts_the_household_in_the_ledger(client, grid_worker, grid):
    household = make_household(grid)
    proposal = make_proposal(household, category=Category.MAJOR, types=("hardship",))
    as_user(client, grid_worker)
    form = client.get(visit_url(household))
    assert form.status_code == 200 and "建议纳入台账" in text(form)
    assert 'name="photos"' in text(form) and 'accept="image/*"' in text(form)
    response = client.post(
        visit_url(household),
        {
            "visited_on": today().isoformat(),
            "companions": "社区民警",
            "findings": "户主患病, 收入低于低保标准",
            "proposal": proposal.pk,
            "decision": Decision.CONFIRM,
            "reason": "",
            "photos": [
                SimpleUploadedFile("a.jpg", JPEG, content_type="image/jpeg"),
                SimpleUploadedFile("b.png", PNG, content_type="image/png"),
            ],
        },
    )
    assert response.status_code == 302 and response["Location"] == CARE_DAY
    entry = LedgerEntry.objects.get(household=household)
    assert entry.status == EntryStatus.LISTED and entry.category == Category.MAJOR
    assert entry.last_visit_on == today()
    visit = Visit.objects.get(household=household)
    assert visit.decision == Decision.CONFIRM and visit.proposal == proposal
    assert visit.entry == entry and visit.companions == "社区民警"
    assert VisitPhoto.objects.filter(visit=visit).count() == 2
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.CONFIRMED
    assert any("已确认" in m for m in shown_messages(response))


def test_a_visit_rejecting_a_proposal_leaves_the_ledger_alone(client, grid_worker, grid):
    household = make_household(grid)
    proposal = make_proposal(household)
    next_url = f"{CARE_DAY}?on=2026-12-08"
    response = as_user(client, grid_worker).post(
        visit_url(household),
        {
            "visited_on": today().isoformat(),
            "findings": "已有稳定工作",
            "proposal": proposal.pk,
            "decision": Decision.REJECT,
            "reason": "收入已超标准",
            "next": next_url,
        },
    )
    assert response["Location"] == next_url
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.REJECTED
    assert not LedgerEntry.objects.filter(household=household).exists()


def test_a_plain_visit_of_a_ledger_household(client, cadre, plan):
    entry = plan["major"]
    make_proposal(entry.household, kind=ProposalKind.EXIT)
    as_user(client, cadre)
    form = client.get(visit_url(entry.household))
    assert form.context["proposal"] is None  # a cadre does not decide proposals
    response = client.post(
        visit_url(entry.household), {"visited_on": today().isoformat(), "findings": "一切正常"}
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.last_visit_on == today()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"findings": ""}, "请填写走访情况"),
        ({"visited_on": "tomorrow"}, "走访日期不能晚于今天"),
        ({"decision": Decision.CONFIRM}, "该户的台账建议已有变化"),
        ({"photos": SimpleUploadedFile("x.jpg", b"not an image")}, "照片"),
    ],
)
def test_visit_errors_are_shown_in_chinese(client, grid_worker, plan, data, message):
    household = plan["general"].household
    form = {"visited_on": today().isoformat(), "findings": "正常", **data}
    if form["visited_on"] == "tomorrow":
        form["visited_on"] = (today() + dt.timedelta(days=1)).isoformat()
    response = as_user(client, grid_worker).post(visit_url(household), form)
    assert response.status_code == 400 and message in text(response)
    assert not Visit.objects.exists()


def test_the_visit_form_follows_the_scope(
    client, grid_worker, cadre, district_leader, civil_affairs_clerk, plan
):
    elsewhere = plan["elsewhere"].household
    assert as_user(client, grid_worker).get(visit_url(elsewhere)).status_code == 404
    assert as_user(client, cadre).get(visit_url(plan["general"].household)).status_code == 404
    # the leader sees every household but records no visit
    assert as_user(client, district_leader).get(visit_url(elsewhere)).status_code == 403
    # a department reaches a household only through a routed problem, and never visits
    assert as_user(client, civil_affairs_clerk).get(visit_url(elsewhere)).status_code == 404
    make_problem(plan["elsewhere"])
    assert client.get(visit_url(elsewhere)).status_code == 403


def test_the_visit_page_is_one_phone_column(client, grid_worker, plan):
    body = text(as_user(client, grid_worker).get(visit_url(plan["general"].household)))
    assert 'name="viewport"' in body and 'class="visit"' in body
    assert 'type="date"' in body and 'enctype="multipart/form-data"' in body


# proposal decisions from the proposals page --------------------------------------------------


def test_the_proposals_page_offers_the_decision_to_area_staff_only(
    client, grid_worker, district_leader, grid
):
    proposal = make_proposal(make_household(grid))
    url = reverse("casework:proposal_decide", args=[proposal.pk])
    assert url in text(as_user(client, grid_worker).get(reverse("assessment:proposals")))
    leader_page = as_user(client, district_leader).get(reverse("assessment:proposals"))
    assert leader_page.status_code == 200 and url not in text(leader_page)


def test_deciding_a_proposal_from_the_list(client, grid_worker, grid):
    proposal = make_proposal(make_household(grid))
    url = reverse("casework:proposal_decide", args=[proposal.pk])
    as_user(client, grid_worker)
    assert client.get(url).status_code == 405
    missing = client.post(url, {"decision": "confirm", "reason": ""})
    assert missing["Location"] == reverse("assessment:proposals")
    assert any("请填写核实意见" in m for m in shown_messages(missing))
    back = reverse("assessment:proposals") + "?category=policy"
    done = client.post(url, {"decision": "confirm", "reason": "已入户核实", "next": back})
    assert done["Location"] == back
    assert LedgerEntry.objects.get(household=proposal.household).status == EntryStatus.LISTED
    again = client.post(url, {"decision": "reject", "reason": "再次"})
    assert any("不能再否决" in m for m in shown_messages(again))


def test_deciding_outside_the_scope(client, grid_worker, district_leader, cadre, plan, other_grid):
    other = make_proposal(make_household(other_grid))
    data = {"decision": "reject", "reason": "x"}
    url = reverse("casework:proposal_decide", args=[other.pk])
    assert as_user(client, grid_worker).post(url, data).status_code == 404
    assert as_user(client, district_leader).post(url, data).status_code == 403
    paired = make_proposal(plan["major"].household, kind=ProposalKind.EXIT)
    paired_url = reverse("casework:proposal_decide", args=[paired.pk])
    assert as_user(client, cadre).post(paired_url, data).status_code == 403
    other.refresh_from_db()
    paired.refresh_from_db()
    assert other.status == paired.status == ProposalStatus.OPEN


# routing and the joint meeting ---------------------------------------------------------------


def test_the_routing_table(client, grid_worker, street_staff, areas):
    from minqing.casework.models import RoutingRule

    RoutingRule.objects.create(
        problem_type=ProblemType.OTHER, area=areas["定和街道"], department="market_regulation"
    )
    page = as_user(client, grid_worker).get(reverse("casework:routing"))
    rows = {row["type"]: row for row in page.context["rows"]}
    assert rows["生活困难"]["default"].get_department_display() == "民政局"
    assert rows["其他"]["default"] is None
    assert [r.department for r in rows["其他"]["overrides"]] == ["market_regulation"]
    assert "市场监督管理局" in text(page) and not page.context["may_edit"]


def test_the_demo_system_admin_edits_the_routing_table_and_sees_no_residents(client, areas):
    from minqing.accounts.actions import create_demo_accounts
    from minqing.accounts.models import User

    create_demo_accounts(district=areas["山阳区"])
    as_user(client, User.objects.get(username="sysadmin"))
    page = client.get(reverse("casework:routing"))
    assert page.status_code == 200 and page.context["may_edit"]
    assert reverse("admin:casework_routingrule_changelist") in text(page)
    assert client.get(reverse("admin:casework_routingrule_changelist")).status_code == 200
    assert client.get(reverse("admin:casework_ledgerentry_changelist")).status_code == 403
    assert client.get(INBOX).status_code == 403
    assert client.get(CARE_DAY).status_code == 403


def test_the_joint_meeting_list_is_scoped_and_masked_for_the_leader(
    client, street_staff, other_street_staff, district_leader, grid, other_street_grid
):
    household = make_household(grid, head="李建军")
    major = make_problem(make_entry(household), is_major=True, title="重病致贫")
    make_problem(make_entry(grid), title="一般问题")
    make_problem(make_entry(grid), is_major=True, status=ProblemStatus.RESOLVED, title="已办结")
    other = make_problem(make_entry(other_street_grid), is_major=True, title="焦东的重大问题")
    page = as_user(client, street_staff).get(reverse("casework:joint_meeting"))
    assert [row["problem"] for row in page.context["rows"]] == [major]
    assert "李建军" in text(page)
    leader = as_user(client, district_leader).get(reverse("casework:joint_meeting"))
    assert {row["problem"] for row in leader.context["rows"]} == {major, other}
    assert "李建军" not in text(leader) and "李**" in text(leader)
    theirs = as_user(client, other_street_staff).get(reverse("casework:joint_meeting"))
    assert [row["problem"] for row in theirs.context["rows"]] == [other]


def test_problem_rows_name_their_grid_without_a_query_each(
    client, civil_affairs_clerk, grid, django_assert_max_num_queries
):
    for _ in range(8):
        make_problem(make_entry(grid))
    as_user(client, civil_affairs_clerk)
    client.get(INBOX)  # warm the session and the routing of the first request
    with django_assert_max_num_queries(25):
        page = client.get(INBOX)
    assert len(page.context["rows"]) == 8 and "定和街道丰收社区第1网格" in text(page)


def test_the_routing_table_has_a_row_per_problem_type(client, grid_worker):
    page = as_user(client, grid_worker).get(reverse("casework:routing"))
    assert [row["type"] for row in page.context["rows"]] == [
        label for _, label in ProblemType.choices
    ]


def test_a_problem_id_that_does_not_exist(client, civil_affairs_clerk):
    as_user(client, civil_affairs_clerk)
    assert client.post(reverse("casework:problem_step", args=[999999, "accept"])).status_code == 404
    assert Problem.objects.count() == 0

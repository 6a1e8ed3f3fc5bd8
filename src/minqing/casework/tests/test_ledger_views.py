"""The ledger pages: the list, a household's page and its forms, "show in full", the export —
for each role, inside and outside its scope."""

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from minqing.audit.models import AuditEvent, Outcome
from minqing.casework.models import (
    Change,
    EntryStatus,
    LedgerEntry,
    Measure,
    MeasureStatus,
    Problem,
    ProblemStatus,
    Visit,
)
from minqing.casework.tests.factories import (
    head_of,
    make_entry,
    make_household,
    make_measure,
    make_problem,
)

HEAD_ID = "41081119700101123X"
HEAD_PHONE = "13812345678"


@pytest.fixture
def ledger(grid, other_grid, other_street_grid):
    """An entry in the grid worker's grid (a problem routed to 民政局, a measure, a visit), one
    in the next grid of the same community (a problem for 教育局), one in another street (a
    problem for 民政局 there), and an exited one in the grid."""
    home = make_household(grid, head="张秀兰", id_number=HEAD_ID, phone=HEAD_PHONE)
    mine = make_entry(home, types=("hardship", "zero_employment"))
    problem = make_problem(mine, title="低保待遇未落实", department="civil_affairs")
    measure = make_measure(mine, problem=problem, action="协助申请低保")
    Visit.objects.create(
        household=home, entry=mine, visited_on=timezone.localdate(), findings="家中老人卧床"
    )
    next_grid = make_entry(make_household(other_grid, head="王德福"), category="general")
    make_problem(next_grid, department="education", title="孩子辍学")
    far = make_entry(make_household(other_street_grid, head="赵远山"))
    make_problem(far, department="civil_affairs", title="远处的问题")
    exited = make_entry(make_household(grid, head="钱已退"), status=EntryStatus.EXITED)
    return {
        "mine": mine,
        "problem": problem,
        "measure": measure,
        "next_grid": next_grid,
        "far": far,
        "exited": exited,
    }


def page(client, user, name="casework:ledger", *args, **params):
    client.force_login(user)
    return client.get(reverse(name, args=args), params)


def heads(response) -> set[str]:
    return {row["entry"].head_name for row in response.context["rows"]}


def household_url(entry) -> str:
    return reverse("casework:household", args=[entry.household_id])


# the list ---------------------------------------------------------------------------------------


def test_grid_worker_sees_only_own_grid_masked(client, grid_worker, ledger):
    response = page(client, grid_worker)
    assert response.status_code == 200
    assert heads(response) == {"张秀兰"}
    text = response.content.decode()
    assert "410811********123X" in text and HEAD_ID not in text
    assert "生活困难" in text and "零就业" in text  # family types in Chinese
    counts = {s["code"]: s["count"] for s in response.context["status_counts"]}
    assert counts["listed"] == 1 and counts["exited"] == 1
    assert response["Cache-Control"].startswith("max-age=0")


def test_community_staff_see_their_community(client, community_staff, ledger):
    assert heads(page(client, community_staff)) == {"张秀兰", "王德福"}


def test_department_clerk_sees_only_households_with_a_problem_routed_to_it(
    client, civil_affairs_clerk, education_clerk, ledger
):
    assert heads(page(client, civil_affairs_clerk)) == {"张秀兰", "赵远山"}
    client.logout()
    assert heads(page(client, education_clerk)) == {"王德福"}


def test_district_leader_sees_everything_masked_and_read_only(client, district_leader, ledger):
    response = page(client, district_leader)
    assert heads(response) == {"张秀兰", "王德福", "赵远山"}
    assert HEAD_ID not in response.content.decode() and "只读" in response.content.decode()


@pytest.mark.parametrize(
    "persona", ["system_admin", "security_admin", "audit_admin", "hotline_operator"]
)
def test_roles_without_residents_get_403_and_404(client, request, persona, ledger):
    user = request.getfixturevalue(persona)
    assert page(client, user).status_code == 403
    assert page(client, user, "casework:export").status_code == 403
    assert client.get(household_url(ledger["mine"])).status_code == 404


def test_anonymous_users_are_sent_to_the_login(client, ledger):
    response = client.get(reverse("casework:ledger"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_filters(client, community_staff, other_grid, ledger):
    assert heads(page(client, community_staff, area=other_grid.pk)) == {"王德福"}
    assert heads(page(client, community_staff, family_type="zero_employment")) == {"张秀兰"}
    assert heads(page(client, community_staff, category="general")) == {"王德福"}
    assert heads(page(client, community_staff, department="education")) == {"王德福"}
    assert heads(page(client, community_staff, status="exited")) == {"钱已退"}
    assert heads(page(client, community_staff, status="all")) == {"张秀兰", "王德福", "钱已退"}
    # an area outside the scope is ignored, never widens it
    response = page(client, community_staff, area=ledger["far"].area_id)
    assert heads(response) == {"张秀兰", "王德福"}


def test_overdue_filter_on_the_working_day_clock(client, community_staff, ledger):
    assert heads(page(client, community_staff, overdue="on")) == set()
    Problem.objects.filter(pk=ledger["problem"].pk).update(
        due_on=timezone.localdate() - dt.timedelta(days=3)
    )
    response = page(client, community_staff, overdue="on")
    assert heads(response) == {"张秀兰"} and "逾期" in response.content.decode()


def dated(entry, entered_on, exited_on=None):
    LedgerEntry.objects.filter(pk=entry.pk).update(entered_on=entered_on, exited_on=exited_on)
    return entry


def test_date_filters_on_entered_and_exited(client, community_staff, other_grid, ledger):
    """纳入日期 and 退出日期 from / to, both days included, with the other filters."""
    day = dt.date(2026, 3, 2)  # a Monday
    dated(ledger["mine"], day)
    dated(ledger["next_grid"], day + dt.timedelta(days=6))  # the Sunday
    dated(ledger["far"], day)  # another street: outside community_staff's scope
    dated(ledger["exited"], day - dt.timedelta(days=30), day + dt.timedelta(days=7))

    def found(**params):
        response = page(client, community_staff, **params)
        assert response.status_code == 200
        return heads(response)

    week = {"entered_from": "2026-03-02", "entered_to": "2026-03-08"}
    assert found(**week) == {"张秀兰", "王德福"}
    assert found(entered_from="2026-03-03") == {"王德福"}
    assert found(entered_to="2026-03-02") == {"张秀兰"}
    assert found(**week, area=other_grid.pk) == {"王德福"}
    assert found(**week, category="general") == {"王德福"}
    # an exited household is listed under 已退出 or 全部, as without dates
    assert found(exited_from="2026-03-09", exited_to="2026-03-15") == set()
    assert found(exited_from="2026-03-09", exited_to="2026-03-15", status="exited") == {"钱已退"}
    assert found(exited_from="2026-03-10", status="all") == set()
    assert found(entered_to="2026-02-28", status="all") == {"钱已退"}
    response = page(client, community_staff, **week)
    assert 'type="date" name="entered_from" value="2026-03-02"' in response.content.decode()
    assert (
        "纳入日期(起)" in response.content.decode() and "退出日期(止)" in response.content.decode()
    )
    counts = {s["code"]: s["count"] for s in response.context["status_counts"]}
    assert counts["listed"] == 2 and counts["exited"] == 0


def test_exited_dates_on_the_default_status_say_where_the_households_are(
    client, community_staff, ledger
):
    text = page(client, community_staff, exited_from="2026-01-01").content.decode()
    assert "请将状态选为「已退出」或「全部(含已退出)」" in text


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"entered_from": "2026-02-30"}, "「纳入日期(起)」不是有效的日期"),
        ({"exited_to": "yesterday"}, "「退出日期(止)」不是有效的日期"),
        (
            {"entered_from": "2026-03-08", "entered_to": "2026-03-02"},
            "纳入日期的截止日 2026-03-02 早于起始日 2026-03-08",
        ),
        (
            {"exited_from": "2026-03-08", "exited_to": "2026-03-02", "status": "exited"},
            "退出日期的截止日 2026-03-02 早于起始日 2026-03-08",
        ),
    ],
)
def test_a_bad_date_is_shown_on_the_page_and_lists_nothing(
    client, community_staff, ledger, params, message
):
    response = page(client, community_staff, **params)
    assert response.status_code == 400
    text = response.content.decode()
    assert message in text and "日期筛选有误" in text
    assert "张秀兰" not in text and "导出 Excel" not in text
    # the export of the same query goes back to the list, which says why
    response = page(client, community_staff, "casework:export", **params)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("casework:ledger") + "?")
    assert client.get(response["Location"]).status_code == 400
    assert not AuditEvent.objects.filter(action="casework.export").exists()


def test_the_pages_keep_the_dates(client, community_staff, grid):
    day = dt.date(2026, 3, 2)
    for _ in range(51):
        dated(make_entry(grid), day)
    dated(make_entry(grid), day - dt.timedelta(days=1))
    first = page(client, community_staff, entered_from="2026-03-02", entered_to="2026-03-08")
    assert first.context["page_obj"].paginator.count == 51
    text = first.content.decode()
    assert "?entered_from=2026-03-02&amp;entered_to=2026-03-08&amp;page=2" in text
    assert "/casework/export.xlsx?entered_from=2026-03-02&amp;entered_to=2026-03-08" in text
    second = client.get(
        reverse("casework:ledger"),
        {"entered_from": "2026-03-02", "entered_to": "2026-03-08", "page": 2},
    )
    assert len(second.context["rows"]) == 1


@pytest.mark.parametrize("text", ["张秀", HEAD_ID, "123x", "123X"])
def test_search_by_name_full_id_or_last_four(client, community_staff, ledger, text):
    assert heads(page(client, community_staff, q=text)) == {"张秀兰"}


def test_search_by_a_masked_id_as_the_pages_show_it(client, community_staff, ledger):
    assert heads(page(client, community_staff, q=HEAD_ID[:6] + "********" + HEAD_ID[-4:])) == {
        "张秀兰"
    }


def test_a_department_finds_a_household_only_by_its_head(
    client, community_staff, civil_affairs_clerk, ledger
):
    from minqing.registry.models import Membership, Person, Relation

    spouse = Person.objects.create(name="李春生", id_number="410811197203041234")
    Membership.objects.create(
        household=ledger["mine"].household, person=spouse, relation=Relation.SPOUSE
    )
    # the area's staff see every member, so any member finds the household
    assert heads(page(client, community_staff, q="李春生")) == {"张秀兰"}
    assert heads(page(client, community_staff, q="1234")) == {"张秀兰"}
    # the department is shown the head only: a search must not tell it who else lives there
    assert heads(page(client, civil_affairs_clerk, q="李春生")) == set()
    assert heads(page(client, civil_affairs_clerk, q="410811197203041234")) == set()
    assert heads(page(client, civil_affairs_clerk, q="张秀兰")) == {"张秀兰"}


def test_the_list_runs_the_same_number_of_queries_for_5_and_50_rows(
    client, community_staff, grid, civil_affairs_clerk
):
    client.force_login(community_staff)
    url = reverse("casework:ledger")

    def queries_for(n):
        for _ in range(n - LedgerEntry.objects.count()):
            entry = make_entry(grid, cadre=community_staff, grid_worker=community_staff)
            make_measure(entry, problem=make_problem(entry))
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert len(response.context["rows"]) == n
        return len(captured)

    assert queries_for(5) == queries_for(50)


def test_pages_of_50(client, community_staff, grid):
    for _ in range(51):
        make_entry(grid)
    first = page(client, community_staff)
    assert len(first.context["rows"]) == 50
    second = client.get(reverse("casework:ledger"), {"page": 2})
    assert len(second.context["rows"]) == 1


def test_navigation_shows_the_ledger_to_those_who_see_it(client, grid_worker, hotline_operator):
    client.force_login(grid_worker)
    labels = [i["label"] for i in client.get(reverse("home")).context["nav_items"]]
    assert "台账" in labels
    client.force_login(hotline_operator)
    labels = [i["label"] for i in client.get(reverse("home")).context["nav_items"]]
    assert "台账" not in labels


# the household page -----------------------------------------------------------------------------


def test_grid_worker_household_page(client, grid_worker, ledger):
    client.force_login(grid_worker)
    response = client.get(household_url(ledger["mine"]))
    assert response.status_code == 200
    text = response.content.decode()
    for shown in ("张秀兰", "低保待遇未落实", "协助申请低保", "家中老人卧床", "410811********123X"):
        assert shown in text
    assert "138****5678" in text and HEAD_PHONE not in text and HEAD_ID not in text
    assert "显示完整" in text and "数据来源" in text and "政策认定" in text
    forms = response.context["forms"]
    # a grid worker changes status and raises problems, but does not assign cadres
    assert forms["status"] and forms["problem"] and forms["measure"] and not forms["pairing"]
    assert client.get(household_url(ledger["next_grid"])).status_code == 404
    assert client.get(household_url(ledger["far"])).status_code == 404


def test_a_member_who_died_is_marked(client, grid_worker, ledger):
    from minqing.registry.models import Membership

    person = Membership.objects.filter(household=ledger["mine"].household).first().person
    person.died_on = dt.date(2026, 8, 3)
    person.save(update_fields=["died_on"])
    client.force_login(grid_worker)
    text = client.get(household_url(ledger["mine"])).content.decode()
    assert "已故 2026-08-03" in text and text.count("已故") == 1


def test_department_clerk_gets_the_minimum(client, civil_affairs_clerk, ledger, grid):
    make_household(grid)  # a member-less neighbour: not reachable either
    client.force_login(civil_affairs_clerk)
    response = client.get(household_url(ledger["mine"]))
    assert response.status_code == 200
    context = response.context
    assert not context["whole"] and len(context["members"]) == 1
    assert context["sources"] == [] and context["findings"] == [] and context["visits"] == []
    assert [p.title for p in context["problems"]] == ["低保待遇未落实"]
    text = response.content.decode()
    assert "家中老人卧床" not in text and "最少信息" in text
    # no status, category or pairing for a department; measures only on an accepted problem
    assert not any(context["forms"].values())
    assert client.get(household_url(ledger["next_grid"])).status_code == 404


def test_department_adds_a_measure_once_it_accepted_the_problem(
    client, civil_affairs_clerk, ledger
):
    Problem.objects.filter(pk=ledger["problem"].pk).update(status=ProblemStatus.ACCEPTED)
    client.force_login(civil_affairs_clerk)
    url = household_url(ledger["mine"])
    assert client.get(url).context["forms"]["measure"] is not None
    deadline = timezone.localdate() + dt.timedelta(days=10)
    response = client.post(
        url,
        {
            "form": "measure",
            "action": "发放临时救助",
            "deadline": deadline.isoformat(),
            "problem": ledger["problem"].pk,
        },
    )
    assert response.status_code == 302
    assert Measure.objects.filter(action="发放临时救助", problem=ledger["problem"]).exists()


def test_district_leader_reads_the_household_masked_without_forms(client, district_leader, ledger):
    client.force_login(district_leader)
    response = client.get(household_url(ledger["far"]))
    assert response.status_code == 200
    assert not any(response.context["forms"].values())
    assert not response.context["may_reveal"] and "显示完整" not in response.content.decode()
    refused = client.post(
        household_url(ledger["far"]), {"form": "status", "to": "exited", "reason": "试图修改"}
    )
    assert refused.status_code == 403
    assert LedgerEntry.objects.get(pk=ledger["far"].pk).status == EntryStatus.LISTED


def test_a_household_not_in_the_ledger_shows_without_forms(client, grid_worker, grid):
    plain = make_household(grid, head="未入账")
    client.force_login(grid_worker)
    response = client.get(reverse("casework:household", args=[plain.pk]))
    assert response.status_code == 200 and "未纳入台账" in response.content.decode()
    assert response.context["forms"] == {}


# show in full -----------------------------------------------------------------------------------


def reveal_url(entry) -> str:
    return reverse("casework:reveal", args=[head_of(entry.household).pk])


def test_reveal_with_a_reason_shows_the_value_once_and_audits(client, grid_worker, ledger):
    client.force_login(grid_worker)
    response = client.post(reveal_url(ledger["mine"]), {"field": "id_number", "reason": "办理低保"})
    assert response.status_code == 200 and HEAD_ID in response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0")
    event = AuditEvent.objects.get(action="casework.reveal_identifier")
    assert event.outcome == Outcome.ALLOWED and "办理低保" in event.summary
    # htmx: only the cell comes back
    fragment = client.post(
        reveal_url(ledger["mine"]), {"field": "phone", "reason": "电话联系"}, HTTP_HX_REQUEST="true"
    )
    assert HEAD_PHONE in fragment.content.decode()
    assert "<html" not in fragment.content.decode()


def test_reveal_without_a_reason_is_refused(client, grid_worker, ledger):
    client.force_login(grid_worker)
    response = client.post(reveal_url(ledger["mine"]), {"field": "id_number", "reason": " "})
    assert response.status_code == 400
    text = response.content.decode()
    assert HEAD_ID not in text and "请填写查看原因" in text
    event = AuditEvent.objects.get(action="casework.reveal_identifier")
    assert event.outcome != Outcome.ALLOWED


def test_reveal_is_refused_to_the_leader_and_outside_the_scope(
    client, district_leader, grid_worker, ledger
):
    client.force_login(district_leader)
    response = client.post(reveal_url(ledger["mine"]), {"field": "id_number", "reason": "看看"})
    assert response.status_code == 403 and HEAD_ID not in response.content.decode()
    client.force_login(grid_worker)
    outside = client.post(reveal_url(ledger["far"]), {"field": "id_number", "reason": "看看"})
    assert outside.status_code == 404
    assert client.get(reveal_url(ledger["mine"])).status_code == 405


# the forms --------------------------------------------------------------------------------------


def post(client, user, entry, **data):
    client.force_login(user)
    return client.post(household_url(entry), data)


def test_change_status_with_a_reason(client, grid_worker, ledger):
    entry = ledger["mine"]
    response = post(
        client,
        grid_worker,
        entry,
        form="status",
        to="exited",
        reason="已迁出本区",
        version=entry.version,
    )
    assert response.status_code == 302 and response["Location"].endswith("#entry")
    assert LedgerEntry.objects.get(pk=entry.pk).status == EntryStatus.EXITED
    assert Change.objects.filter(entry=entry, to_value="exited", reason="已迁出本区").exists()
    shown = client.get(response["Location"]).content.decode()
    assert "状态已变更为「已退出」" in shown and "已迁出本区" in shown


def test_status_errors_are_shown_next_to_the_form(client, grid_worker, ledger):
    entry = ledger["mine"]
    missing = post(client, grid_worker, entry, form="status", to="exited", reason="")
    assert missing.status_code == 400 and "这个字段是必填项" in missing.content.decode()
    # 已解决 with an open problem: the action refuses, in Chinese
    refused = post(client, grid_worker, entry, form="status", to="resolved", reason="都解决了")
    assert refused.status_code == 400
    assert "尚有未办结的问题" in refused.content.decode()
    assert refused.context["forms"]["status"]["reason"].value() == "都解决了"
    stale = post(client, grid_worker, entry, form="status", to="exited", reason="迁出", version=0)
    assert stale.status_code == 409 and "已被他人修改" in stale.content.decode()
    assert LedgerEntry.objects.get(pk=entry.pk).status == EntryStatus.LISTED


def test_reclassify(client, community_staff, ledger):
    entry = ledger["mine"]
    response = post(
        client,
        community_staff,
        entry,
        form="reclassify",
        category="major",
        types=["hardship", "guardianship_gap"],
        reason="入户核实: 儿童无人照料",
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.category == "major" and entry.types == ["hardship", "guardianship_gap"]
    timeline = client.get(household_url(entry)).content.decode()
    assert "生活困难、教育管理缺失" in timeline and "重大疑难问题类" in timeline


def test_raise_a_problem_and_dispatch_it(client, grid_worker, ledger):
    entry = ledger["mine"]
    response = post(
        client,
        grid_worker,
        entry,
        form="problem",
        title="孩子上学难",
        problem_type="schooling",
        description="距离学校远",
        dispatch="on",
    )
    assert response.status_code == 302
    problem = Problem.objects.get(title="孩子上学难")
    assert problem.status == ProblemStatus.DISPATCHED and problem.department == "education"
    assert "已派单至教育局" in client.get(response["Location"]).content.decode()
    missing = post(client, grid_worker, entry, form="problem", title="", problem_type="")
    assert missing.status_code == 400 and "这个字段是必填项" in missing.content.decode()


def test_add_update_and_close_a_measure(client, grid_worker, ledger):
    entry, measure = ledger["mine"], ledger["measure"]
    deadline = timezone.localdate() + dt.timedelta(days=5)
    added = post(
        client,
        grid_worker,
        entry,
        form="measure",
        action="联系社区医生",
        deadline=deadline.isoformat(),
        problem="",
    )
    assert added.status_code == 302 and Measure.objects.filter(action="联系社区医生").exists()
    updated = post(
        client,
        grid_worker,
        entry,
        form="measure_update",
        measure=measure.pk,
        version=measure.version,
        action="协助申请低保(已递交材料)",
        deadline=deadline.isoformat(),
        status="in_progress",
        result="材料已递交",
    )
    assert updated.status_code == 302
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.IN_PROGRESS and measure.version == 2
    closed = post(
        client,
        grid_worker,
        entry,
        form="measure_close",
        measure=measure.pk,
        version=measure.version,
        result="已纳入低保",
    )
    assert closed.status_code == 302
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.DONE and measure.result == "已纳入低保"


def test_a_stale_measure_edit_shows_the_conflict_and_keeps_the_input(client, grid_worker, ledger):
    entry, measure = ledger["mine"], ledger["measure"]
    Measure.objects.filter(pk=measure.pk).update(action="别人改过的措施", version=2)
    response = post(
        client,
        grid_worker,
        entry,
        form="measure_update",
        measure=measure.pk,
        version=1,
        action="我的修改",
        deadline=measure.deadline.isoformat(),
        status="planned",
        result="",
    )
    assert response.status_code == 409
    text = response.content.decode()
    assert "该帮扶措施已被他人修改，请刷新后重试" in text
    assert "别人改过的措施" in text and "我的修改" in text  # current values and the user's input
    assert Measure.objects.get(pk=measure.pk).action == "别人改过的措施"
    (row,) = [r for r in response.context["measures"] if r["measure"].pk == measure.pk]
    assert row["update_form"]["version"].value() == "2"  # saving again is a deliberate choice


def test_pairing_by_community_staff_limited_to_users_in_scope(
    client, community_staff, cadre, other_cadre, grid_worker, ledger
):
    entry = ledger["mine"]
    client.force_login(community_staff)
    form = client.get(household_url(entry)).context["forms"]["pairing"]
    choices = {value for value, _ in form.fields["cadre"].choices}
    assert cadre.pk in choices and other_cadre.pk not in choices
    response = post(
        client,
        community_staff,
        entry,
        form="pairing",
        cadre=cadre.pk,
        grid_worker=grid_worker.pk,
        reason="按网格分配",
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.cadre == cadre and entry.grid_worker == grid_worker
    outside = post(client, community_staff, entry, form="pairing", cadre=other_cadre.pk)
    assert outside.status_code == 400
    assert LedgerEntry.objects.get(pk=entry.pk).cadre == cadre


def test_grid_worker_may_not_assign_pairing(client, grid_worker, cadre, ledger):
    response = post(client, grid_worker, ledger["mine"], form="pairing", cadre=cadre.pk)
    assert response.status_code == 403 and "无权进行此操作" in response.content.decode()
    assert LedgerEntry.objects.get(pk=ledger["mine"].pk).cadre is None


def test_posting_to_a_household_outside_the_scope_is_404(client, grid_worker, ledger):
    response = post(client, grid_worker, ledger["far"], form="status", to="exited", reason="x")
    assert response.status_code == 404


# the export -------------------------------------------------------------------------------------


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    return load_workbook(io.BytesIO(response.content))


def column(sheet, header: str) -> list:
    headers = [c.value for c in sheet[2]]
    index = headers.index(header)
    return [row[index] for row in sheet.iter_rows(min_row=3, values_only=True)]


def test_export_is_scoped_masked_formula_safe_and_audited(client, grid_worker, ledger, grid):
    make_entry(make_household(grid, head='=HYPERLINK("http://x","点我")'))
    book = workbook(page(client, grid_worker, "casework:export"))
    assert book.sheetnames == ["台账", "问题清单", "帮扶清单"]
    entries = book["台账"]
    today = timezone.localdate()
    assert entries["A1"].value == f"山阳区一台账（截至{today.year}年{today.month}月{today.day}日）"
    assert [c.value for c in entries[2]][:6] == [
        "序号",
        "户号",
        "户主",
        "身份证号",
        "联系电话",
        "居住地址",
    ]
    names = column(entries, "户主")
    assert "张秀兰" in names and "赵远山" not in names and "王德福" not in names
    assert "钱已退" not in names  # the list's default: the households in the ledger
    assert '\'=HYPERLINK("http://x","点我")' in names
    assert all(cell.data_type != "f" for row in entries.iter_rows() for cell in row)
    assert column(entries, "身份证号")[names.index("张秀兰")] == "410811********123X"
    assert column(entries, "联系电话")[names.index("张秀兰")] == "138****5678"
    assert column(book["问题清单"], "问题") == ["低保待遇未落实"]
    assert column(book["帮扶清单"], "帮扶措施") == ["协助申请低保"]
    event = AuditEvent.objects.get(action="casework.export")
    assert event.actor == grid_worker and event.outcome == Outcome.ALLOWED


def test_export_follows_the_filters_and_the_department(
    client, community_staff, civil_affairs_clerk, other_grid, ledger
):
    book = workbook(page(client, community_staff, "casework:export", area=other_grid.pk))
    assert column(book["台账"], "户主") == ["王德福"]
    assert column(book["问题清单"], "问题") == ["孩子辍学"]
    client.logout()
    book = workbook(page(client, civil_affairs_clerk, "casework:export"))
    assert set(column(book["台账"], "户主")) == {"张秀兰", "赵远山"}
    # a department's lists hold its own problems only
    assert set(column(book["问题清单"], "问题")) == {"低保待遇未落实", "远处的问题"}


def test_export_follows_the_date_filters_and_audits_them(client, community_staff, ledger):
    day = dt.date(2026, 3, 2)
    dated(ledger["mine"], day)
    dated(ledger["next_grid"], day - dt.timedelta(days=1))
    dated(ledger["exited"], day - dt.timedelta(days=30), day + dt.timedelta(days=2))
    response = page(
        client, community_staff, "casework:export", entered_from="2026-03-02", status="all"
    )
    assert column(workbook(response)["台账"], "户主") == ["张秀兰"]
    response = page(
        client,
        community_staff,
        "casework:export",
        exited_from="2026-03-02",
        exited_to="2026-03-08",
        status="exited",
    )
    book = workbook(response)
    assert column(book["台账"], "户主") == ["钱已退"] and column(book["问题清单"], "问题") == []
    event = AuditEvent.objects.filter(action="casework.export").latest("pk")
    assert (
        "退出日期(起): 2026-03-02" in event.summary and "退出日期(止): 2026-03-08" in event.summary
    )
    assert event.details["filters"]["exited_to"] == "2026-03-08"


# the assessment pages, on the same scope ---------------------------------------------------------


def test_assessment_pages_follow_the_ledger_scope_without_the_departments(
    client, grid_worker, cadre, civil_affairs_clerk, ledger
):
    LedgerEntry.objects.filter(pk=ledger["far"].pk).update(cadre=cadre)

    def status(user, entry):
        client.force_login(user)
        return client.get(reverse("assessment:household", args=[entry.household_id])).status_code

    assert status(grid_worker, ledger["mine"]) == 200
    assert status(grid_worker, ledger["far"]) == 404
    # a cadre: the households paired with them, not the whole office's area
    assert status(cadre, ledger["far"]) == 200
    assert status(cadre, ledger["mine"]) == 404
    # a department reaches a household through a routed problem, with the minimum only
    assert status(civil_affairs_clerk, ledger["mine"]) == 404
    client.force_login(civil_affairs_clerk)
    assert client.get(reverse("assessment:proposals")).status_code == 403


def test_the_export_runs_the_same_number_of_queries_for_5_and_30_households(
    client, community_staff, grid
):
    client.force_login(community_staff)
    url = reverse("casework:export")

    def queries_for(n):
        for _ in range(n - LedgerEntry.objects.count()):
            entry = make_entry(grid, cadre=community_staff)
            make_measure(entry, problem=make_problem(entry), owner=community_staff)
        with CaptureQueriesContext(connection) as captured:
            book = workbook(client.get(url))
        assert len(column(book["台账"], "户主")) == n
        assert column(book["台账"], "街道")[0] == "定和街道"
        return len(captured)

    assert queries_for(5) == queries_for(30)


def test_the_measure_form_shows_its_deadline_to_the_date_picker(client, grid_worker, ledger):
    client.force_login(grid_worker)
    text = client.get(household_url(ledger["mine"])).content.decode()
    assert f'type="date" name="deadline" value="{ledger["measure"].deadline.isoformat()}"' in text

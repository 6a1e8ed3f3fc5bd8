"""台账 API: every operation for an object inside and one outside each role's scope (the
matrix), masking, the minimum a department sees, conflicts, refusals, filters, keys."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from minqing.accounts.models import ApiToken
from minqing.assessment.models import ProposalKind, ProposalStatus
from minqing.audit.models import AuditEvent, Outcome
from minqing.casework.api import router
from minqing.casework.models import (
    EntryStatus,
    LedgerEntry,
    Measure,
    MeasureStatus,
    ProblemStatus,
    Visit,
)
from minqing.casework.tests.factories import (
    head_of,
    make_entry,
    make_household,
    make_measure,
    make_problem,
    make_proposal,
)

pytestmark = pytest.mark.django_db

API = "/api/casework/"
NEAR_ID = "410811196505051234"
NEAR_PHONE = "13912345678"
FAR_ID = "410811197007072345"


def key_of(user) -> dict[str, str]:
    _, key = ApiToken.issue(user, name="测试")
    return {"X-API-Key": key}


def call(client, user, method: str, path: str, body: dict | None = None):
    headers = key_of(user) if user is not None else {}
    send = getattr(client, method.lower())
    if method == "GET":
        return send(API + path, headers=headers)
    return send(API + path, body or {}, content_type="application/json", headers=headers)


def _objects(entry: LedgerEntry, department: str) -> dict:
    """A household in the ledger (帮扶中) with a problem in each state a department works on,
    a measure answering one of them, an open proposal and the head of the household."""
    working = make_problem(entry, status=ProblemStatus.ACCEPTED, department=department)
    return {
        "entry": entry,
        "household": entry.household,
        "person": head_of(entry.household),
        "proposal": make_proposal(entry.household, kind=ProposalKind.CHANGE, category="major"),
        "dispatched": make_problem(entry, department=department, title="低保待遇"),
        "returned": make_problem(entry, status=ProblemStatus.RETURNED, department=department),
        "accepted": make_problem(entry, status=ProblemStatus.ACCEPTED, department=department),
        "working": working,
        "measure": make_measure(entry, problem=working, action="申请低保"),
        "grid": entry.area,
    }


@pytest.fixture
def ledger(grid, other_street_grid, cadre, grid_worker, civil_affairs_clerk):
    """near: in the grid worker's grid (丰收社区), paired with the cadre, its problems routed to
    民政局; far: in another street, its problems routed to 教育局 — outside every scope but the
    district leader's."""
    near_home = make_household(grid, head="王秀兰", id_number=NEAR_ID, phone=NEAR_PHONE)
    far_home = make_household(other_street_grid, head="李建军", id_number=FAR_ID)
    near = make_entry(near_home, status=EntryStatus.HELPING, cadre=cadre)
    far = make_entry(far_home, status=EntryStatus.HELPING)
    return {"near": _objects(near, "civil_affairs"), "far": _objects(far, "education")}


def ids(objects: dict) -> dict[str, int | str]:
    """Primary keys for the paths and bodies; an area by its code."""
    return {key: obj.code if key == "grid" else obj.pk for key, obj in objects.items()}


# the matrix -----------------------------------------------------------------------------------

ROLES = [
    "grid_worker",
    "community_staff",
    "cadre",
    "civil_affairs_clerk",
    "district_leader",
    "system_admin",
]
ALL_SEE = {role: 200 for role in ROLES} | {"system_admin": 404}
LISTS = {role: 200 for role in ROLES} | {"system_admin": 403}


def only(ok: int, *roles: str) -> dict[str, int]:
    """`ok` for these roles, 403 for the others who see the object, 404 for the 三员."""
    return {role: ok if role in roles else 403 for role in ROLES} | {"system_admin": 404}


AREA = ("grid_worker", "community_staff")
WORKERS = (*AREA, "cadre")
# operation → method, path, body, the answer for the object inside each role's scope
# (outside it: 404 for everyone; the district leader sees everything)
MATRIX = {
    "list entries": ("GET", "entries", None, LISTS),
    "entry": ("GET", "entries/{entry}", None, ALL_SEE),
    "status": (
        "POST",
        "entries/{entry}/status",
        {"to": "exited", "reason": "迁出本区"},
        only(200, *AREA),
    ),
    "category": (
        "POST",
        "entries/{entry}/category",
        {"category": "major", "reason": "病情加重"},
        only(200, *AREA),
    ),
    "pairing": (
        "POST",
        "entries/{entry}/pairing",
        {"grid_worker": "grid", "reason": "按网格分配"},
        only(200, "community_staff"),
    ),
    # a whole grid: it is the object, read through the area grant only (a cadre or a department
    # reaching one of its households does not see the grid: 404)
    "grid pairing": (
        "POST",
        "areas/{grid}/pairing",
        {"grid_worker": "grid", "reason": "按网格分配"},
        only(200, "community_staff") | {"cadre": 404, "civil_affairs_clerk": 404},
    ),
    "timeline": ("GET", "households/{household}/timeline", None, ALL_SEE),
    # a proposal is about the whole household: a department does not see it (the assessment pages)
    "confirm": (
        "POST",
        "proposals/{proposal}/confirm",
        {"reason": "入户核实属实"},
        only(200, *AREA) | {"civil_affairs_clerk": 404},
    ),
    "reject": (
        "POST",
        "proposals/{proposal}/reject",
        {"reason": "核实不符"},
        only(200, *AREA) | {"civil_affairs_clerk": 404},
    ),
    "visit": (
        "POST",
        "households/{household}/visits",
        {"findings": "家中老人卧床, 需要护理"},
        only(201, *WORKERS),
    ),
    "list problems": ("GET", "problems", None, LISTS),
    "problem": ("GET", "problems/{dispatched}", None, ALL_SEE),
    "raise": (
        "POST",
        "entries/{entry}/problems",
        {"title": "子女就业困难", "problem_type": "employment"},
        only(201, *WORKERS),
    ),
    "dispatch": ("POST", "problems/{returned}/dispatch", {}, only(200, *AREA)),
    "accept": ("POST", "problems/{dispatched}/accept", None, only(200, "civil_affairs_clerk")),
    "return": (
        "POST",
        "problems/{dispatched}/return",
        {"reason": "不属于本部门职责"},
        only(200, "civil_affairs_clerk"),
    ),
    "transfer": (
        "POST",
        "problems/{dispatched}/transfer",
        {"to_department": "human_resources", "reason": "就业问题"},
        only(200, *AREA, "civil_affairs_clerk"),
    ),
    "resolve": (
        "POST",
        "problems/{accepted}/resolve",
        {"result": "已纳入低保"},
        only(200, "civil_affairs_clerk"),
    ),
    "major": (
        "POST",
        "problems/{dispatched}/major",
        {"is_major": True, "reason": "多部门联合研究"},
        only(200, "community_staff", "district_leader"),
    ),
    "measure": ("GET", "measures/{measure}", None, ALL_SEE),
    "add measure": (
        "POST",
        "entries/{entry}/measures",
        {"action": "协助申请临时救助", "deadline": "2027-01-15", "problem_id": "{working}"},
        only(201, *WORKERS, "civil_affairs_clerk"),
    ),
    "edit measure": (
        "PATCH",
        "measures/{measure}",
        {"expected_version": 1, "status": "in_progress"},
        only(200, *WORKERS, "civil_affairs_clerk"),
    ),
    "close measure": (
        "POST",
        "measures/{measure}/close",
        {"result": "已发放"},
        only(200, *WORKERS, "civil_affairs_clerk"),
    ),
    "cancel measure": (
        "POST",
        "measures/{measure}/cancel",
        {"reason": "家庭已搬离"},
        only(200, *WORKERS, "civil_affairs_clerk"),
    ),
    "care day": ("GET", "care-day", None, LISTS),
    "reveal": (
        "POST",
        "persons/{person}/reveal",
        {"field": "id_number", "reason": "办理低保需核对身份"},
        only(200, *WORKERS, "civil_affairs_clerk"),
    ),
}


def _fill(template, values: dict[str, int]):
    if isinstance(template, dict):
        return {key: _fill(value, values) for key, value in template.items()}
    if isinstance(template, str) and re.fullmatch(r"\{\w+\}", template):
        return values[template[1:-1]]
    if isinstance(template, str):
        return template.format(**values)
    return template


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("operation", sorted(MATRIX))
def test_every_operation_inside_and_outside_each_scope(client, request, ledger, role, operation):
    method, path, body, expected = MATRIX[operation]
    user = request.getfixturevalue(role)
    inside = call(
        client, user, method, _fill(path, ids(ledger["near"])), _fill(body, ids(ledger["near"]))
    )
    assert inside.status_code == expected[role], inside.content.decode()
    if inside.status_code >= 400:
        assert re.search(r"[\u4e00-\u9fff]", inside.json()["detail"])  # said in Chinese
    if "{" in path and role != "district_leader":
        far = ids(ledger["far"])
        outside = call(client, user, method, _fill(path, far), _fill(body, far))
        assert outside.status_code == 404, outside.content.decode()
        assert "不存在" in outside.json()["detail"]


def test_the_matrix_names_every_operation_of_the_router():
    def shape(path: str) -> str:
        return re.sub(r"\{\w+\}", "{}", path.strip("/"))

    offered = {
        (method, shape(path))
        for path, operations in router.path_operations.items()
        for operation in operations.operations
        for method in operation.methods
    }
    covered = {(method, shape(path)) for method, path, _, _ in MATRIX.values()}
    assert offered == covered


# reads: scope, masking, the minimum for a department ------------------------------------------


def test_lists_never_hold_rows_outside_the_scope(client, ledger, grid_worker, civil_affairs_clerk):
    near, far = ledger["near"], ledger["far"]
    mine = make_entry(make_household(near["entry"].area))
    body = call(client, grid_worker, "GET", "entries").json()
    assert {e["id"] for e in body["items"]} == {near["entry"].pk, mine.pk}
    assert body["count"] == 2
    problems = call(client, grid_worker, "GET", "problems").json()
    assert {p["id"] for p in problems["items"]} == {
        near[k].pk for k in ("dispatched", "returned", "accepted", "working")
    }
    clerk = call(client, civil_affairs_clerk, "GET", "entries").json()
    assert [e["id"] for e in clerk["items"]] == [near["entry"].pk]
    assert far["entry"].pk not in {e["id"] for e in clerk["items"]}


def test_identifiers_are_masked_in_every_answer(client, ledger, grid_worker, district_leader):
    near = ledger["near"]
    for user in (grid_worker, district_leader):
        for path in ("entries", f"entries/{near['entry'].pk}", "care-day"):
            response = call(client, user, "GET", path)
            text = response.content.decode()
            assert NEAR_ID not in text and NEAR_PHONE not in text
    detail = call(client, grid_worker, "GET", f"entries/{near['entry'].pk}").json()
    assert detail["head"]["id_number"] == "410811********1234"
    assert detail["head"]["phone"] == "139****5678"
    assert detail["members"][0]["name"] == "王秀兰"


def test_a_superuser_sees_identifiers_in_full(client, ledger, superuser):
    detail = call(client, superuser, "GET", f"entries/{ledger['near']['entry'].pk}").json()
    assert detail["head"]["id_number"] == NEAR_ID and detail["head"]["phone"] == NEAR_PHONE


def test_the_household_page_of_the_api(client, ledger, grid_worker):
    near = ledger["near"]
    Visit.objects.create(
        household=near["household"],
        entry=near["entry"],
        visited_on=timezone.localdate(),
        findings="走访",
    )
    body = call(client, grid_worker, "GET", f"entries/{near['entry'].pk}").json()
    assert body["sees_whole_household"] is True
    assert body["status"] == "helping" and body["status_label"] == "帮扶中"
    assert body["category_label"] == "政策保障类" and body["type_labels"] == ["生活困难"]
    assert body["cadre"] == {"username": "cadre", "name": "赵志刚"}
    assert len(body["problems"]) == 4 and len(body["measures"]) == 1
    assert body["measures"][0]["version"] == 1
    assert [v["findings"] for v in body["visits"]] == ["走访"]
    assert [p["kind"] for p in body["proposals"]] == ["change"]
    assert body["may"] == {"change_status": True, "write": True, "assign": False, "reveal": True}


def test_a_department_sees_the_minimum_of_the_household(client, ledger, civil_affairs_clerk):
    near = ledger["near"]
    spouse = make_household(near["entry"].area)  # a second member of the near household
    membership = spouse.memberships.get()
    membership.household = near["household"]
    membership.relation = "spouse"
    membership.save()
    Visit.objects.create(
        household=near["household"],
        entry=near["entry"],
        visited_on=timezone.localdate(),
        findings="走访",
    )
    body = call(client, civil_affairs_clerk, "GET", f"entries/{near['entry'].pk}").json()
    assert body["sees_whole_household"] is False
    assert [m["name"] for m in body["members"]] == ["王秀兰"]  # the head only
    assert body["visits"] == [] and body["proposals"] == []
    assert body["may"]["write"] is False and body["may"]["reveal"] is True
    # nor can it find the household by another member's name
    found = call(client, civil_affairs_clerk, "GET", f"entries?q={membership.person.name}")
    assert found.json()["items"] == []
    assert call(client, civil_affairs_clerk, "GET", "entries?q=王秀兰").json()["count"] == 1


def test_a_department_gets_its_inbox(client, ledger, civil_affairs_clerk):
    near = ledger["near"]
    body = call(client, civil_affairs_clerk, "GET", "problems").json()
    # to accept first, then those it handles; a returned problem has left the inbox
    assert body["items"][0]["id"] == near["dispatched"].pk
    assert {p["id"] for p in body["items"]} == {
        near["dispatched"].pk,
        near["accepted"].pk,
        near["working"].pk,
    }
    returned = call(client, civil_affairs_clerk, "GET", "problems?status=returned").json()
    assert [p["id"] for p in returned["items"]] == [near["returned"].pk]


def test_the_timeline_of_a_household(client, ledger, grid_worker, civil_affairs_clerk):
    near = ledger["near"]
    call(client, grid_worker, "POST", f"entries/{near['entry'].pk}/category",
         {"category": "major", "reason": "病情加重"})  # fmt: skip
    call(client, civil_affairs_clerk, "POST", f"problems/{near['dispatched'].pk}/accept")
    rows = call(client, grid_worker, "GET", f"households/{near['household'].pk}/timeline").json()
    assert [(r["kind_label"], r["to_label"]) for r in rows] == [
        ("类别调整", "重大疑难问题类"),
        ("状态变更", "已签收"),
    ]
    assert rows[0]["by"] == "李秀英" and rows[0]["reason"] == "病情加重"
    # the department sees only the rows of its own problems and measures
    theirs = call(client, civil_affairs_clerk, "GET", f"households/{near['household'].pk}/timeline")
    assert [r["subject"] for r in theirs.json()] == ["问题"]


# filters and pages ----------------------------------------------------------------------------


def test_entry_filters(client, areas, ledger, community_staff, district_leader):
    near, far = ledger["near"]["entry"], ledger["far"]["entry"]
    general = make_entry(
        areas["定和街道/丰收社区/第2网格"], category="general", types=("attention",)
    )
    exited = make_entry(near.area, status=EntryStatus.EXITED)
    overdue = make_entry(near.area)
    make_measure(overdue, deadline=timezone.localdate() - dt.timedelta(days=1))

    def found(query: str, user=district_leader) -> set[int]:
        response = call(client, user, "GET", f"entries?{query}")
        assert response.status_code == 200, response.content
        return {e["id"] for e in response.json()["items"]}

    assert found("area=" + near.area.code) == {near.pk, overdue.pk}  # 已退出 left out
    assert found(f"area={near.area.code}&status=all") == {near.pk, exited.pk, overdue.pk}
    assert found("area=" + far.area.parent.parent.code) == {far.pk}
    assert found("type=attention") == {general.pk}
    assert found("category=general") == {general.pk}
    assert found("status=exited") == {exited.pk}
    assert found("department=education") == {far.pk}
    assert found("overdue=true") == {overdue.pk}
    assert near.pk in found("overdue=false") and overdue.pk not in found("overdue=false")
    assert found("q=王秀兰") == {near.pk}
    assert found("q=410811********1234") == {near.pk}
    assert found("q=" + NEAR_ID) == {near.pk}
    assert found("q=1234") == {near.pk}
    assert found("q=" + near.household.number) == {near.pk}
    assert found("q=李建军", user=community_staff) == set()  # outside the scope


def test_entry_date_filters(client, ledger, community_staff, district_leader):
    near, far = ledger["near"]["entry"], ledger["far"]["entry"]
    monday = dt.date(2026, 3, 2)
    LedgerEntry.objects.filter(pk=near.pk).update(entered_on=monday)
    LedgerEntry.objects.filter(pk=far.pk).update(entered_on=monday + dt.timedelta(days=6))
    exited = make_entry(near.area, status=EntryStatus.EXITED)
    LedgerEntry.objects.filter(pk=exited.pk).update(
        entered_on=monday - dt.timedelta(days=30), exited_on=monday + dt.timedelta(days=1)
    )

    def found(query: str, user=district_leader) -> set[int]:
        response = call(client, user, "GET", f"entries?{query}")
        assert response.status_code == 200, response.content
        assert response.json()["count"] == len(response.json()["items"])
        return {e["id"] for e in response.json()["items"]}

    week = "entered_from=2026-03-02&entered_to=2026-03-08"
    assert found(week) == {near.pk, far.pk}
    assert found(week, user=community_staff) == {near.pk}  # the scope still holds
    assert found("entered_from=2026-03-03") == {far.pk}
    assert found("entered_to=2026-03-02&status=all") == {near.pk, exited.pk}
    assert found(f"{week}&area={far.area.code}") == {far.pk}
    assert found("exited_from=2026-03-02&exited_to=2026-03-08") == set()  # 已退出 left out
    assert found("exited_from=2026-03-02&exited_to=2026-03-08&status=exited") == {exited.pk}
    assert found("exited_from=2026-03-04&status=all") == set()


def test_entries_come_in_pages(client, grid, ledger, grid_worker):
    for _ in range(4):
        make_entry(grid)
    first = call(client, grid_worker, "GET", "entries?limit=2").json()
    second = call(client, grid_worker, "GET", "entries?limit=2&offset=2").json()
    assert first["count"] == second["count"] == 5
    assert len(first["items"]) == 2 and len(second["items"]) == 2
    assert not {e["id"] for e in first["items"]} & {e["id"] for e in second["items"]}
    assert call(client, grid_worker, "GET", "entries?limit=5000").json()["limit"] == 200


def test_the_list_takes_a_constant_number_of_queries(
    client, grid, ledger, grid_worker, django_assert_max_num_queries
):
    headers = key_of(grid_worker)
    for _ in range(10):
        make_entry(grid)
    with django_assert_max_num_queries(7):  # the key, the scope, the count, the page, heads
        assert client.get(API + "entries", headers=headers).status_code == 200


def test_the_household_takes_a_constant_number_of_queries(
    client, ledger, grid_worker, django_assert_max_num_queries
):
    near = ledger["near"]
    headers = key_of(grid_worker)
    for _ in range(5):
        problem = make_problem(near["entry"])
        make_measure(near["entry"], problem=problem)
        Visit.objects.create(
            household=near["household"], visited_on=timezone.localdate(), findings="走访"
        )
    with django_assert_max_num_queries(12):  # one per list, however long the lists
        response = client.get(API + f"entries/{near['entry'].pk}", headers=headers)
    assert response.status_code == 200 and len(response.json()["problems"]) == 9


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("type=poor", "type应为"),
        ("status=open", "status应为"),
        ("department=police", "department应为"),
        ("area=999", "区域编码「999」不存在"),
        ("overdue=maybe", "请求参数有误"),
        ("entered_from=2026-02-30", "请求参数有误"),
        ("exited_to=yesterday", "请求参数有误"),
        (
            "entered_from=2026-03-08&entered_to=2026-03-02",
            "entered_from (2026-03-08) 晚于 entered_to (2026-03-02)",
        ),
        ("exited_from=2026-03-08&exited_to=2026-03-02", "exited_from (2026-03-08) 晚于"),
    ],
)
def test_a_bad_filter_is_400_in_chinese(client, ledger, grid_worker, query, message):
    response = call(client, grid_worker, "GET", f"entries?{query}")
    assert response.status_code == 400 and message in response.json()["detail"]


# writes: refusals, conflicts, audit -----------------------------------------------------------


def test_a_stale_measure_edit_is_a_409(client, ledger, grid_worker, civil_affairs_clerk):
    measure = ledger["near"]["measure"]
    path = f"measures/{measure.pk}"
    first = call(
        client, grid_worker, "PATCH", path, {"expected_version": 1, "action": "申请低保和临时救助"}
    )
    assert first.status_code == 200 and first.json()["version"] == 2
    second = call(
        client, civil_affairs_clerk, "PATCH", path, {"expected_version": 1, "result": "已受理"}
    )
    assert second.status_code == 409
    assert second.json()["detail"] == "该帮扶措施已被他人修改，请刷新后重试"
    measure.refresh_from_db()
    assert (measure.action, measure.result, measure.version) == ("申请低保和临时救助", "", 2)
    retried = call(
        client, civil_affairs_clerk, "PATCH", path, {"expected_version": 2, "result": "已受理"}
    )
    assert retried.status_code == 200 and retried.json()["result"] == "已受理"


def test_a_patch_without_its_version_is_400(client, ledger, grid_worker):
    response = call(
        client, grid_worker, "PATCH", f"measures/{ledger['near']['measure'].pk}", {"action": "改"}
    )
    assert response.status_code == 400 and response.json()["detail"] == "请求参数有误"


def test_a_stale_entry_version_is_a_409(client, ledger, grid_worker):
    entry = ledger["near"]["entry"]
    response = call(
        client,
        grid_worker,
        "POST",
        f"entries/{entry.pk}/status",
        {"to": "exited", "reason": "迁出", "expected_version": entry.version + 1},
    )
    assert response.status_code == 409 and "已被他人修改" in response.json()["detail"]


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("entries/{entry}/status", {"to": "pending", "reason": "重新核实"}, "不能变更为「待核实」"),
        ("entries/{entry}/status", {"to": "exited"}, "请填写原因"),
        ("entries/{entry}/status", {"to": "resolved", "reason": "已解决"}, "尚有未办结的问题"),
        (
            "entries/{entry}/problems",
            {"title": "问题", "problem_type": "weather"},
            "请选择问题类型",
        ),
        ("problems/{dispatched}/dispatch", {}, "不能变更为「已派单」"),
        (
            "households/{household}/visits",
            {"findings": "走访", "visited_on": "2099-01-01"},
            "不能晚于今天",
        ),
        ("entries/{entry}/pairing", {"grid_worker": "nobody"}, "网格员「nobody」不存在"),
    ],
)
def test_the_rules_refuse_with_422_in_chinese(client, ledger, community_staff, path, body, message):
    response = call(client, community_staff, "POST", _fill(path, ids(ledger["near"])), body)
    assert response.status_code == 422 and message in response.json()["detail"]


def test_a_write_is_audited_and_a_refusal_too(client, ledger, grid_worker, district_leader):
    entry = ledger["near"]["entry"]
    path = f"entries/{entry.pk}/status"
    done = call(client, grid_worker, "POST", path, {"to": "exited", "reason": "迁出本区"})
    assert done.status_code == 200 and done.json()["status"] == "exited"
    event = AuditEvent.objects.get(action="casework.change_entry_status", outcome=Outcome.ALLOWED)
    assert event.actor == grid_worker and event.ip == "127.0.0.1"
    refused = call(client, district_leader, "POST", path, {"to": "listed", "reason": "重新纳入"})
    assert refused.status_code == 403 and refused.json()["detail"] == "无权进行此操作"
    assert AuditEvent.objects.filter(
        action="casework.change_entry_status", outcome=Outcome.DENIED, actor=district_leader
    ).exists()


def test_a_department_works_its_problem_to_the_end(client, ledger, civil_affairs_clerk):
    near = ledger["near"]
    problem = near["dispatched"]
    accepted = call(client, civil_affairs_clerk, "POST", f"problems/{problem.pk}/accept")
    assert accepted.json()["status_label"] == "已签收"
    added = call(
        client,
        civil_affairs_clerk,
        "POST",
        f"entries/{near['entry'].pk}/measures",
        {"action": "纳入低保", "deadline": "2027-01-15", "problem_id": problem.pk},
    )
    assert added.status_code == 201 and added.json()["owner_unit"] == "民政局"
    measure = added.json()
    closed = call(
        client, civil_affairs_clerk, "POST", f"measures/{measure['id']}/close", {"result": "已纳入"}
    )
    assert closed.json()["status"] == MeasureStatus.DONE
    resolved = call(
        client,
        civil_affairs_clerk,
        "POST",
        f"problems/{problem.pk}/resolve",
        {"result": "已纳入低保"},
    )
    assert resolved.status_code == 200 and resolved.json()["status_label"] == "已办结"


def test_a_transfer_answers_even_when_the_problem_leaves_the_scope(
    client, ledger, civil_affairs_clerk
):
    problem = ledger["near"]["dispatched"]
    body = {"to_department": "education", "reason": "属教育局职责"}
    moved = call(client, civil_affairs_clerk, "POST", f"problems/{problem.pk}/transfer", body)
    assert moved.status_code == 200 and moved.json()["department_label"] == "教育局"
    assert call(client, civil_affairs_clerk, "GET", f"problems/{problem.pk}").status_code == 404


def test_a_visit_confirms_a_proposed_household(client, grid, grid_worker):
    household = make_household(grid)
    proposal = make_proposal(household)
    response = call(
        client,
        grid_worker,
        "POST",
        f"households/{household.pk}/visits",
        {"findings": "入户核实, 情况属实", "proposal_id": proposal.pk, "decision": "confirm"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["decision_label"] == "确认" and response.json()["photos"] == 0
    entry = LedgerEntry.objects.get(household=household)
    assert entry.status == EntryStatus.LISTED and entry.last_visit_on == timezone.localdate()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.CONFIRMED


def test_pairing_leaves_out_what_is_not_given(client, ledger, community_staff, grid_worker, cadre):
    entry = ledger["near"]["entry"]
    path = f"entries/{entry.pk}/pairing"
    body = call(
        client, community_staff, "POST", path, {"grid_worker": "grid", "reason": "分配"}
    ).json()
    assert body["grid_worker"]["username"] == "grid" and body["cadre"]["username"] == "cadre"
    body = call(client, community_staff, "POST", path, {"cadre": None, "reason": "调离"}).json()
    assert body["cadre"] is None and body["grid_worker"]["username"] == "grid"


def test_a_grid_is_paired_at_once(client, grid, ledger, community_staff, grid_worker, cadre):
    near = ledger["near"]["entry"]
    second = make_entry(grid)
    exited = make_entry(grid, status=EntryStatus.EXITED)
    path = f"areas/{grid.code}/pairing"
    body = {"grid_worker": "grid", "cadre": "cadre", "reason": "年度包联调整"}
    response = call(client, community_staff, "POST", path, body)
    assert response.status_code == 200 and response.json() == {"changed": 2}
    assert set(
        LedgerEntry.objects.filter(grid_worker=grid_worker).values_list("pk", flat=True)
    ) == {
        near.pk,
        second.pk,
    }
    assert LedgerEntry.objects.get(pk=exited.pk).grid_worker is None
    again = call(client, community_staff, "POST", path, {"cadre": None, "reason": "干部调离"})
    assert again.json() == {"changed": 2}
    assert not LedgerEntry.objects.filter(cadre=cadre).exists()
    assert AuditEvent.objects.filter(action="casework.assign_pairing").count() == 2


@pytest.mark.parametrize(
    ("code", "body", "message"),
    [
        ("{grid}", {"cadre": "cadre2", "reason": "调整"}, "包联干部「cadre2」不在您的辖区内"),
        ("{grid}", {"cadre": "nobody", "reason": "调整"}, "包联干部「nobody」不存在"),
        ("{grid}", {"cadre": "grid", "reason": "调整"}, "不是包联干部"),
        ("{grid}", {"cadre": "cadre"}, "请填写调整原因"),
        ("{grid}", {"reason": "调整"}, "请选择包联干部或网格员"),
        ("{community}", {"cadre": "cadre", "reason": "调整"}, "请按网格分配包联"),
    ],
)
def test_grid_pairing_refusals_in_chinese(
    client, areas, grid, ledger, community_staff, other_cadre, code, body, message
):
    codes = {"grid": grid.code, "community": areas["定和街道/丰收社区"].code}
    path = f"areas/{code.format(**codes)}/pairing"
    response = call(client, community_staff, "POST", path, body)
    assert response.status_code == 422 and message in response.json()["detail"]
    assert not LedgerEntry.objects.filter(cadre=other_cadre).exists()


def test_my_care_day_plan(client, grid, ledger, cadre, grid_worker):
    tuesday = dt.date(2026, 3, 3)
    plan = call(client, cadre, "GET", f"care-day?on={tuesday}").json()
    assert plan["on"] == "2026-03-03"
    assert [i["id"] for i in plan["items"]] == [ledger["near"]["entry"].pk]
    assert plan["items"][0]["days_since_last_visit"] is None
    default = call(client, grid_worker, "GET", "care-day").json()
    assert dt.date.fromisoformat(default["on"]).weekday() == 1  # the next Tuesday
    assert ledger["near"]["entry"].pk in {i["id"] for i in default["items"]}


def test_reveal_gives_the_full_value_and_is_audited(client, ledger, grid_worker):
    person = ledger["near"]["person"]
    path = f"persons/{person.pk}/reveal"
    response = call(client, grid_worker, "POST", path, {"field": "phone", "reason": "电话回访"})
    assert response.json() == {"person_id": person.pk, "field": "phone", "value": NEAR_PHONE}
    event = AuditEvent.objects.get(action="casework.reveal_identifier", outcome=Outcome.ALLOWED)
    assert event.details["reason"] == "电话回访"
    without = call(client, grid_worker, "POST", path, {"field": "phone"})
    assert without.status_code == 422 and "请填写查看原因" in without.json()["detail"]


# who is asking --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role", ["system_admin", "security_admin", "audit_admin", "hotline_operator"]
)
def test_roles_without_resident_data_get_nothing(client, request, ledger, role):
    user = request.getfixturevalue(role)
    for path in ("entries", "problems", "care-day"):
        listed = call(client, user, "GET", path)
        assert listed.status_code == 403 and listed.json()["detail"] == "您的角色不查看居民台账"
    near = ledger["near"]
    for path in (f"entries/{near['entry'].pk}", f"measures/{near['measure'].pk}"):
        assert call(client, user, "GET", path).status_code == 404


def test_without_a_key_the_api_answers_401(client, ledger):
    assert client.get(API + "entries").status_code == 401
    wrong = client.get(API + "entries", headers={"X-API-Key": "mq_not-a-key"})
    assert wrong.status_code == 401 and "X-API-Key" in wrong.json()["detail"]


def test_a_withdrawn_key_is_refused(client, ledger, grid_worker):
    token, key = ApiToken.issue(grid_worker, name="脚本")
    assert client.get(API + "entries", headers={"X-API-Key": key}).status_code == 200
    token.is_active = False
    token.save()
    assert client.get(API + "entries", headers={"X-API-Key": key}).status_code == 401


def test_the_session_works_and_needs_the_csrf_token_for_writes(ledger, grid_worker):
    session = Client(enforce_csrf_checks=True)
    session.force_login(grid_worker)
    assert session.get(API + "entries").status_code == 200
    measure = ledger["near"]["measure"]
    refused = session.patch(
        API + f"measures/{measure.pk}",
        {"expected_version": 1, "action": "改"},
        content_type="application/json",
    )
    assert refused.status_code == 403
    assert Measure.objects.get(pk=measure.pk).version == 1


def test_the_docs_page_lists_the_casework_operations(client, grid_worker):
    client.force_login(grid_worker)
    assert client.get("/api/docs").status_code == 200
    schema = client.get("/api/openapi.json").json()
    operations = {
        (method, path): spec
        for path, methods in schema["paths"].items()
        if path.startswith(API)
        for method, spec in methods.items()
    }
    assert len(operations) == len(MATRIX)
    assert all(re.search(r"[\u4e00-\u9fff]", spec["summary"]) for spec in operations.values())
    patch = operations[("patch", API + "measures/{measure_id}")]
    assert {"200", "403", "404", "409", "422"} <= set(patch["responses"])

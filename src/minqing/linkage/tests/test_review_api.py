"""人工确认 API: the same scope and masking as the pages, decisions, validation, link runs."""

from __future__ import annotations

import pytest

from minqing.accounts.models import ApiToken
from minqing.audit.models import AuditEvent
from minqing.linkage.models import Decision, ReviewItem
from minqing.linkage.tests.factories import ID_1, PHONE_1, make_review_queue

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(areas):
    return make_review_queue(areas)


def key_of(user) -> dict[str, str]:
    _, key = ApiToken.issue(user, name="测试")
    return {"X-API-Key": key}


def test_list_is_scoped_paginated_and_sorted(client, items, street_staff):
    response = client.get("/api/linkage/review", headers=key_of(street_staff))
    assert response.status_code == 200
    body = response.json()
    assert [i["id"] for i in body["items"]] == [items["fengshou"].pk, items["xinhua"].pk]
    assert body["count"] == 2 and body["open"] == 2 and body["decided"] == 0
    first = body["items"][0]
    assert first["left_name"] == "王鹏哲" and first["right_source"] == "学籍信息"
    assert first["kind"] == "pair" and first["kind_label"] == "是否同一人"

    page_two = client.get("/api/linkage/review?page=2&page_size=1", headers=key_of(street_staff))
    assert [i["id"] for i in page_two.json()["items"]] == [items["xinhua"].pk]
    assert page_two.json()["pages"] == 2


def test_list_filters_by_kind_and_state(client, items, district_leader):
    headers = key_of(district_leader)
    unlinked = client.get("/api/linkage/review?kind=unlinked", headers=headers).json()
    assert [i["id"] for i in unlinked["items"]] == [items["jiaodong"].pk]
    assert unlinked["items"][0]["right_source"] is None
    decided = client.get("/api/linkage/review?state=decided", headers=headers).json()
    assert decided["items"] == []
    bad = client.get("/api/linkage/review?kind=everything", headers=headers)
    assert bad.status_code == 400 and "kind 应为" in bad.json()["detail"]


def test_item_is_side_by_side_and_masked(client, items, grid_worker):
    response = client.get(
        f"/api/linkage/review/{items['fengshou'].pk}", headers=key_of(grid_worker)
    )
    assert response.status_code == 200
    body = response.json()
    assert ID_1 not in response.content.decode() and PHONE_1 not in response.content.decode()
    rows = {row["key"]: row for row in body["rows"]}
    assert rows["id_number"]["left"] == "410811********161X" and rows["id_number"]["agree"]
    assert rows["phone"]["left"] == rows["phone"]["right"] == "138****5678"
    assert rows["phone"]["agree"] is False
    assert rows["key"]["right"] == "G410811********161X"
    assert body["masked"] is True and body["may_decide"] is True
    assert body["next_id"] is None  # the only open item in this grid


def test_superuser_gets_full_values(client, items):
    from minqing.accounts.models import User

    root = User.objects.create_superuser("root", password="Minqing-test-2026")
    body = client.get(f"/api/linkage/review/{items['fengshou'].pk}", headers=key_of(root)).json()
    rows = {row["key"]: row for row in body["rows"]}
    assert rows["id_number"]["left"] == ID_1 and rows["phone"]["left"] == PHONE_1
    assert body["masked"] is False


def test_out_of_scope_item_is_404(client, items, grid_worker):
    headers = key_of(grid_worker)
    item = items["xinhua"]
    assert client.get(f"/api/linkage/review/{item.pk}", headers=headers).status_code == 404
    response = client.post(
        f"/api/linkage/review/{item.pk}/decision",
        {"decision": "same"},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 404 and "不在您的范围内" in response.json()["detail"]


@pytest.mark.parametrize("persona", ["system_admin", "civil_affairs_clerk"])
def test_admin_roles_and_department_clerks_get_nothing(client, items, request, persona):
    headers = key_of(request.getfixturevalue(persona))
    listing = client.get("/api/linkage/review", headers=headers)
    assert listing.status_code == 403 and listing.json()["detail"] == "您的角色不参与人工确认"
    assert client.get("/api/linkage/runs", headers=headers).status_code == 403
    item = items["fengshou"]
    assert client.get(f"/api/linkage/review/{item.pk}", headers=headers).status_code == 404
    run = item.first_run
    assert client.get(f"/api/linkage/runs/{run.pk}", headers=headers).status_code == 404


def test_a_decision_is_recorded_and_audited(client, items, street_staff):
    item = items["fengshou"]
    response = client.post(
        f"/api/linkage/review/{item.pk}/decision",
        {"decision": "different", "note": "  不同的学生  "},
        content_type="application/json",
        headers=key_of(street_staff),
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["decision"] == "different" and body["decision_label"] == "不是同一人"
    assert body["decided_by"] == "张丽华" and body["note"] == "不同的学生"
    assert body["next_id"] == items["xinhua"].pk
    item.refresh_from_db()
    assert item.decision == Decision.DIFFERENT and item.decided_by == street_staff
    event = AuditEvent.objects.get(action="linkage.decide")
    assert event.actor == street_staff and event.object_id == str(item.pk)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"decision": "yes"}, "结论应为"),
        ({"decision": ""}, "请选择结论"),
        ({"decision": "same", "note": "长" * 301}, "说明不能超过 300 个字"),
    ],
)
def test_a_bad_decision_is_400_in_chinese(client, items, street_staff, payload, message):
    response = client.post(
        f"/api/linkage/review/{items['fengshou'].pk}/decision",
        payload,
        content_type="application/json",
        headers=key_of(street_staff),
    )
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert not ReviewItem.objects.decided().exists()
    assert not AuditEvent.objects.filter(action="linkage.decide").exists()


def test_a_body_without_decision_is_400(client, items, street_staff):
    response = client.post(
        f"/api/linkage/review/{items['fengshou'].pk}/decision",
        {"note": "忘了结论"},
        content_type="application/json",
        headers=key_of(street_staff),
    )
    assert response.status_code == 400 and response.json()["detail"] == "请求参数有误"


def test_district_leader_may_not_decide(client, items, district_leader):
    response = client.post(
        f"/api/linkage/review/{items['fengshou'].pk}/decision",
        {"decision": "same"},
        content_type="application/json",
        headers=key_of(district_leader),
    )
    assert response.status_code == 403 and "只查看" in response.json()["detail"]


def test_session_callers_need_the_csrf_token(items, street_staff):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(street_staff)
    url = f"/api/linkage/review/{items['fengshou'].pk}/decision"
    refused = client.post(url, {"decision": "same"}, content_type="application/json")
    assert refused.status_code == 403
    assert not ReviewItem.objects.decided().exists()


def test_run_with_its_parameters(client, items, street_staff):
    run = items["fengshou"].first_run
    headers = key_of(street_staff)
    assert [r["id"] for r in client.get("/api/linkage/runs", headers=headers).json()] == [run.pk]
    body = client.get(f"/api/linkage/runs/{run.pk}", headers=headers).json()
    assert body["id"] == run.pk and body["match_threshold"] == 0.8
    first = body["parameters"][0]
    assert first["comparison"] == "姓名" and first["level"] == "姓名相同" and first["tf"] is True
    assert round(first["weight"], 2) == 9.81
    assert client.get("/api/linkage/runs/99999", headers=headers).status_code == 404

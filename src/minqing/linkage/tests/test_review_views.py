"""人工确认 pages: who sees which items, masking, decisions, and the link run pages."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from minqing.accounts import roles
from minqing.accounts.tests.factories import make_unit, make_user
from minqing.audit.models import AuditEvent
from minqing.linkage import views
from minqing.linkage.models import Decision, ReviewItem
from minqing.linkage.tests.factories import ID_1, PHONE_1, make_review_queue, make_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(areas):
    return make_review_queue(areas)


@pytest.fixture
def district_office(areas):
    """街道工作人员 role in an office of the whole district: every item."""
    unit = make_unit(name="山阳区社会治理中心", area=areas["山阳区"])
    return make_user("district", unit=unit, roles=(roles.STREET_STAFF,), full_name="周建平")


@pytest.fixture
def superuser(db):
    from minqing.accounts.models import User

    return User.objects.create_superuser("root", password="Minqing-test-2026")


def queue_ids(client) -> set[int]:
    response = client.get(reverse("linkage:review"))
    assert response.status_code == 200
    return {item.pk for item in response.context["page"]}


def item_url(item: ReviewItem) -> str:
    return reverse("linkage:item", args=[item.pk])


# who sees what -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("grid_worker", {"fengshou"}),
        ("community_staff", {"fengshou"}),
        ("street_staff", {"fengshou", "xinhua"}),
        ("district_office", {"fengshou", "xinhua", "jiaodong", "nowhere"}),
        ("district_leader", {"fengshou", "xinhua", "jiaodong", "nowhere"}),
        ("superuser", {"fengshou", "xinhua", "jiaodong", "nowhere"}),
    ],
)
def test_queue_lists_the_items_whose_left_record_is_in_scope(
    client, items, request, persona, expected
):
    client.force_login(request.getfixturevalue(persona))
    assert queue_ids(client) == {items[key].pk for key in expected}


def test_grid_worker_cannot_open_an_item_of_another_grid(client, items, grid_worker):
    client.force_login(grid_worker)
    assert client.get(item_url(items["fengshou"])).status_code == 200
    for key in ("xinhua", "jiaodong", "nowhere"):
        assert client.get(item_url(items[key])).status_code == 404
        response = client.post(item_url(items[key]), {"decision": "same"})
        assert response.status_code == 404
    assert not ReviewItem.objects.decided().exists()


@pytest.mark.parametrize("persona", ["system_admin", "civil_affairs_clerk"])
def test_admin_roles_and_department_clerks_see_nothing(client, items, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("linkage:review")).status_code == 403
    assert client.get(reverse("linkage:runs")).status_code == 403
    run = make_run()
    assert client.get(reverse("linkage:run", args=[run.pk])).status_code == 404
    assert client.get(item_url(items["fengshou"])).status_code == 404
    assert client.post(item_url(items["fengshou"]), {"decision": "same"}).status_code == 404
    assert "人工确认" not in client.get(reverse("home")).content.decode()


def test_nav_offers_review_to_reviewers(client, grid_worker):
    client.force_login(grid_worker)
    nav = client.get(reverse("home")).context["nav_items"]
    assert {"label": "人工确认", "url": reverse("linkage:review"), "is_current": False} in nav


def test_anonymous_is_sent_to_log_in(client, items):
    response = client.get(reverse("linkage:review"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_district_leader_reads_but_does_not_decide(client, items, district_leader):
    client.force_login(district_leader)
    page = client.get(item_url(items["fengshou"])).content.decode()
    assert "您的角色只查看确认事项, 不作确认" in page
    assert 'value="same"' not in page
    response = client.post(item_url(items["fengshou"]), {"decision": "same"})
    assert response.status_code == 403
    items["fengshou"].refresh_from_db()
    assert items["fengshou"].decision == ""


# masking -------------------------------------------------------------------------------------


def test_id_numbers_phones_and_keys_are_masked_on_the_page(client, items, street_staff):
    client.force_login(street_staff)
    page = client.get(item_url(items["fengshou"])).content.decode()
    assert ID_1 not in page and PHONE_1 not in page
    assert "410811********161X" in page  # the ID number, and the key made of it
    assert "G410811********161X" in page
    assert "138****5678" in page
    assert "只有超级管理员可见完整号码" in page


def test_superuser_sees_full_values(client, items, superuser):
    client.force_login(superuser)
    page = client.get(item_url(items["fengshou"])).content.decode()
    assert ID_1 in page and PHONE_1 in page and "完整显示" in page


def test_agreement_is_judged_on_full_values(client, items, street_staff):
    client.force_login(street_staff)
    rows = {row.key: row for row in client.get(item_url(items["fengshou"])).context["rows"]}
    assert rows["name"].agree is False  # 王鹏哲 / 玉鹏哲
    assert rows["id_number"].agree is True
    # 13812345678 / 13899995678 look the same masked, and still do not agree
    assert rows["phone"].left == rows["phone"].right == "138****5678"
    assert rows["phone"].agree is False
    assert rows["sex"].left == "男" and rows["birth_on"].left == "2016-02-05"
    assert rows["source"].left == "户籍人口" and rows["source"].right == "学籍信息"
    assert rows["source"].agree is None and rows["first_seen"].left


# deciding ------------------------------------------------------------------------------------


def test_a_decision_is_recorded_audited_and_the_next_open_item_shown(client, items, street_staff):
    client.force_login(street_staff)
    first, second = items["fengshou"], items["xinhua"]  # probability 0.7, then 0.5
    response = client.post(item_url(first), {"decision": "same", "note": "同一个学生, 姓名录错"})
    assert response.status_code == 302 and response.url == item_url(second)
    first.refresh_from_db()
    assert first.decision == Decision.SAME and first.decided_by == street_staff
    assert first.note == "同一个学生, 姓名录错" and first.decided_at is not None
    event = AuditEvent.objects.get(action="linkage.decide")
    assert event.actor == street_staff and event.object_id == str(first.pk)
    assert event.details == {"decision": "same", "note": "同一个学生, 姓名录错"}

    # the last open item in scope leads back to the queue
    response = client.post(item_url(second), {"decision": "different"})
    assert response.status_code == 302 and response.url == reverse("linkage:review")
    page = client.get(response.url).content.decode()
    assert "待确认事项已全部处理完毕" in page
    assert client.get(reverse("linkage:review")).context["counts"] == {"open": 0, "decided": 2}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"decision": "maybe"}, "结论应为"),
        ({}, "请选择结论"),
        ({"decision": "same", "note": "很" * 301}, "说明不能超过 300 个字"),
    ],
)
def test_a_bad_decision_is_400_and_records_nothing(client, items, street_staff, data, message):
    client.force_login(street_staff)
    response = client.post(item_url(items["fengshou"]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ReviewItem.objects.decided().exists()
    assert not AuditEvent.objects.filter(action="linkage.decide").exists()


def test_an_item_without_candidate_cannot_be_the_same_person(client, items, district_office):
    client.force_login(district_office)
    lonely = items["jiaodong"]
    page = client.get(item_url(lonely)).content.decode()
    assert 'value="same"' not in page and "也没有找到相近的记录" in page
    response = client.post(item_url(lonely), {"decision": "same"})
    assert response.status_code == 400 and "没有候选记录" in response.content.decode()
    assert client.post(item_url(lonely), {"decision": "different"}).status_code == 302


def test_the_kind_filter_is_kept_after_a_decision(client, items, district_office):
    client.force_login(district_office)
    response = client.get(reverse("linkage:review") + "?kind=pair")
    assert {i.pk for i in response.context["page"]} == {
        items[k].pk for k in ("fengshou", "xinhua", "nowhere")
    }
    response = client.post(item_url(items["fengshou"]) + "?kind=pair", {"decision": "unsure"})
    assert response.url == item_url(items["xinhua"]) + "?kind=pair"


# the queue -----------------------------------------------------------------------------------


def test_queue_is_sorted_by_probability_with_no_candidate_last(client, items, district_office):
    client.force_login(district_office)
    response = client.get(reverse("linkage:review"))
    order = [item.pk for item in response.context["page"]]
    assert order == [items[k].pk for k in ("fengshou", "xinhua", "nowhere", "jiaodong")]
    assert response.context["counts"] == {"open": 4, "decided": 0}


def test_queue_is_paginated(client, items, district_office, monkeypatch):
    monkeypatch.setattr(views, "PER_PAGE", 3)
    client.force_login(district_office)
    first = client.get(reverse("linkage:review"))
    assert len(first.context["page"]) == 3 and "第 1 / 2 页" in first.content.decode()
    second = client.get(reverse("linkage:review") + "?page=2")
    assert [i.pk for i in second.context["page"]] == [items["jiaodong"].pk]


def test_decided_items_are_listed_apart(client, items, street_staff):
    from minqing.linkage.actions import decide

    decide(items["xinhua"], decision=Decision.DIFFERENT, by=street_staff)
    client.force_login(street_staff)
    assert queue_ids(client) == {items["fengshou"].pk}
    response = client.get(reverse("linkage:review") + "?state=decided")
    assert [i.pk for i in response.context["page"]] == [items["xinhua"].pk]
    assert "不是同一人" in response.content.decode()


def test_stale_items_leave_the_queue_but_can_still_be_opened(client, items, street_staff):
    ReviewItem.objects.filter(pk=items["xinhua"].pk).update(is_stale=True)
    client.force_login(street_staff)
    assert queue_ids(client) == {items["fengshou"].pk}
    assert "已不需确认" in client.get(item_url(items["xinhua"])).content.decode()


# link runs -----------------------------------------------------------------------------------


def test_run_page_shows_the_model_parameters_and_the_chart(client, items, street_staff):
    run = ReviewItem.objects.first().first_run
    run.records, run.persons = 60280, 20121
    run.save()
    client.force_login(street_staff)
    assert str(run.pk) in client.get(reverse("linkage:runs")).content.decode()
    response = client.get(reverse("linkage:run", args=[run.pk]))
    page = response.content.decode()
    assert "60,280" in page and "20,121" in page
    assert [(p["comparison"], p["level"]) for p in response.context["parameters"]] == [
        ("姓名", "姓名相同"),
        ("姓名", "不同"),
        ("电话", "电话相同"),
        ("电话", "不同"),
    ]
    assert "+9.81" in page  # log2(0.9 / 0.001)
    chart = response.context["chart"]
    assert chart["labels"][0] == "姓名 · 姓名相同" and chart["weights"][1] is None
    assert 'id="run-chart-data"' in page and json.dumps(chart["labels"][0])[1:-1] in page
    assert "vendor/echarts/echarts.min.js" in page and "linkage/run-chart.js" in page
    assert "http://" not in page and "https://" not in page


def test_a_run_without_a_model_says_so(client, street_staff):
    run = make_run(model_json="")
    client.force_login(street_staff)
    page = client.get(reverse("linkage:run", args=[run.pk])).content.decode()
    assert "该批次没有保存模型参数" in page and "run-chart.js" not in page

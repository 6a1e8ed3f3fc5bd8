"""The overdue sweep (`minqing sweep`): problems and measures marked 逾期提醒 then 督办 on the
working-day clock, with history rows; notices to the responsible users (提醒) and to the unit's
leader, or its users when it has none (督办); never twice; the 提醒 page."""

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from minqing.accounts import roles
from minqing.accounts.models import Department
from minqing.accounts.tests.factories import make_unit, make_user
from minqing.audit.models import AuditEvent
from minqing.casework.actions import NotPermitted, mark_notice_read, sweep_overdue
from minqing.casework.models import (
    Change,
    ChangeKind,
    Measure,
    MeasureStatus,
    Notice,
    OverdueLevel,
    Problem,
    ProblemStatus,
)
from minqing.casework.tests.factories import make_entry, make_measure, make_problem

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 10)  # a Thursday
ONE_DAY_LATE = dt.date(2026, 12, 9)  # Wednesday: 1 working day late
FOUR_DAYS_LATE = dt.date(2026, 12, 4)  # Friday: 7, 8, 9, 10 December, more than ESCALATE_AFTER
NOTHING = {
    "reminders": 0,
    "supervisions": 0,
    "measure_reminders": 0,
    "measure_supervisions": 0,
    "reminder_notices": 0,
    "supervision_notices": 0,
}


@pytest.fixture
def entry(grid):
    return make_entry(grid)


@pytest.fixture
def civil_affairs(civil_affairs_clerk):
    """民政局 (the clerk's unit) with a second clerk, an inactive user and a 三员 in it: the two
    clerks are its users, the others are never told."""
    unit = civil_affairs_clerk.unit
    make_user("minzheng2", unit=unit, roles=(roles.DEPARTMENT_CLERK,), full_name="马晓东")
    gone = make_user("minzheng3", unit=unit, roles=(roles.DEPARTMENT_CLERK,))
    gone.is_active = False
    gone.save()
    make_user("minzheng_admin", unit=unit, roles=(roles.SYSTEM_ADMIN,), is_staff=True)
    return unit


def told(**filters) -> set[tuple[str, int]]:
    return {(n.recipient.username, n.level) for n in Notice.objects.filter(**filters)}


# marks ----------------------------------------------------------------------------------------


def test_the_sweep_reminds_then_supervises_and_changes_nothing_twice(entry):
    on_time = make_problem(entry, due_on=TODAY)
    late = make_problem(entry, due_on=ONE_DAY_LATE)
    very_late = make_problem(entry, due_on=TODAY - dt.timedelta(days=14))
    resolved = make_problem(
        entry, status=ProblemStatus.RESOLVED, due_on=TODAY - dt.timedelta(days=30)
    )
    draft = make_problem(entry, status=ProblemStatus.DRAFT)
    counts = sweep_overdue(today=TODAY)
    assert (counts["reminders"], counts["supervisions"]) == (1, 1)
    levels = {p.pk: p.overdue_level for p in Problem.objects.all()}
    assert levels == {
        on_time.pk: OverdueLevel.NONE,
        late.pk: OverdueLevel.REMINDER,
        very_late.pk: OverdueLevel.SUPERVISION,
        resolved.pk: OverdueLevel.NONE,
        draft.pk: OverdueLevel.NONE,
    }
    assert Change.objects.filter(kind=ChangeKind.ESCALATION).count() == 2
    assert sweep_overdue(today=TODAY) == NOTHING
    assert Change.objects.filter(kind=ChangeKind.ESCALATION).count() == 2
    # a week later the reminder has become 督办
    counts = sweep_overdue(today=TODAY + dt.timedelta(days=7))
    assert (counts["reminders"], counts["supervisions"]) == (0, 2)
    assert AuditEvent.objects.filter(action="casework.sweep_overdue").count() == 3


def test_overdue_measures_are_marked_with_history_and_keep_their_version(entry, grid_worker):
    late = make_measure(entry, deadline=ONE_DAY_LATE, owner=grid_worker)
    very_late = make_measure(entry, deadline=FOUR_DAYS_LATE, owner_unit=grid_worker.unit)
    in_progress = make_measure(entry, deadline=ONE_DAY_LATE, status=MeasureStatus.IN_PROGRESS)
    on_time = make_measure(entry, deadline=TODAY)
    done = make_measure(entry, deadline=FOUR_DAYS_LATE, status=MeasureStatus.DONE)
    counts = sweep_overdue(today=TODAY)
    assert (counts["measure_reminders"], counts["measure_supervisions"]) == (2, 1)
    assert dict(Measure.objects.values_list("pk", "overdue_level")) == {
        late.pk: OverdueLevel.REMINDER,
        very_late.pk: OverdueLevel.SUPERVISION,
        in_progress.pk: OverdueLevel.REMINDER,
        on_time.pk: OverdueLevel.NONE,
        done.pk: OverdueLevel.NONE,
    }
    change = Change.objects.get(measure=very_late, kind=ChangeKind.ESCALATION)
    assert (change.from_label, change.to_label) == ("未逾期", "督办")
    assert change.household_id == entry.household_id
    # the level is nobody's edit: a page showing version 1 can still save
    assert set(Measure.objects.values_list("version", flat=True)) == {1}
    # a week later the others are 督办 too (the one due today is 5 working days late)
    assert sweep_overdue(today=TODAY + dt.timedelta(days=7))["measure_supervisions"] == 3
    assert sweep_overdue(today=TODAY + dt.timedelta(days=7)) == NOTHING


def test_the_clock_counts_working_days_across_a_public_holiday(entry, civil_affairs):
    problem = make_problem(entry, due_on=dt.date(2026, 9, 30))  # the eve of 国庆
    # eight calendar days later, but 8 October is the first working day after the due date
    assert sweep_overdue(today=dt.date(2026, 10, 8))["reminders"] == 1
    notice = Notice.objects.filter(problem=problem).first()
    assert "已超过办理时限 1 个工作日" in notice.text
    assert sweep_overdue(today=dt.date(2026, 10, 9)) == NOTHING  # 2 working days
    # 9, 10 (an adjusted working Saturday), 12 October: 4 working days late
    assert sweep_overdue(today=dt.date(2026, 10, 12))["supervisions"] == 1


# notices --------------------------------------------------------------------------------------


def test_one_working_day_late_reminds_the_departments_users(
    entry, civil_affairs, education_clerk, areas
):
    # a 民政 unit serving another street does not handle this household
    elsewhere = make_unit(
        name="民政局焦东所", area=areas["焦东街道"], department=Department.CIVIL_AFFAIRS
    )
    make_user("minzheng_jd", unit=elsewhere, roles=(roles.DEPARTMENT_CLERK,))
    problem = make_problem(entry, due_on=ONE_DAY_LATE, title="无稳定收入")
    counts = sweep_overdue(today=TODAY)
    assert (counts["reminder_notices"], counts["supervision_notices"]) == (2, 0)
    assert told() == {("minzheng", OverdueLevel.REMINDER), ("minzheng2", OverdueLevel.REMINDER)}
    notice = Notice.objects.filter(problem=problem).first()
    assert (
        notice.text == "问题「无稳定收入」已超过办理时限 1 个工作日(时限 2026-12-09), 请尽快办理。"
    )
    assert notice.read_at is None
    event = AuditEvent.objects.get(action="casework.sweep_overdue")
    assert event.details["reminder_notices"] == 2 and event.details["reminders"] == 1


def test_four_working_days_late_goes_to_the_units_leader(entry, civil_affairs):
    head = make_user("minzheng_head", unit=civil_affairs, roles=(roles.DEPARTMENT_CLERK,))
    civil_affairs.leader = head
    civil_affairs.save()
    problem = make_problem(entry, due_on=FOUR_DAYS_LATE, title="住房漏雨")
    counts = sweep_overdue(today=TODAY)
    # straight to 督办: the department is reminded as well, the 督办 goes to the leader only
    assert (counts["reminder_notices"], counts["supervision_notices"]) == (3, 1)
    assert told(level=OverdueLevel.SUPERVISION) == {("minzheng_head", OverdueLevel.SUPERVISION)}
    supervision = Notice.objects.get(problem=problem, level=OverdueLevel.SUPERVISION)
    assert supervision.text == (
        "问题「住房漏雨」已超过办理时限 4 个工作日(时限 2026-12-04), 请督促民政局办理。"
    )


def test_without_a_leader_the_supervision_goes_to_every_user_of_the_unit(entry, civil_affairs):
    make_problem(entry, due_on=ONE_DAY_LATE)
    sweep_overdue(today=TODAY)
    counts = sweep_overdue(today=TODAY + dt.timedelta(days=7))
    assert (counts["reminder_notices"], counts["supervision_notices"]) == (0, 2)
    assert told(level=OverdueLevel.SUPERVISION) == {
        ("minzheng", OverdueLevel.SUPERVISION),
        ("minzheng2", OverdueLevel.SUPERVISION),
    }


def test_measures_remind_their_owner_and_supervise_through_the_owner_unit(
    entry, grid_worker, community_staff, civil_affairs_clerk
):
    community = community_staff.unit
    colleague = make_user("community2", unit=community, roles=(roles.COMMUNITY_STAFF,))
    owned = make_measure(entry, deadline=FOUR_DAYS_LATE, owner=grid_worker, action="申请临时救助")
    unit_only = make_measure(entry, deadline=ONE_DAY_LATE, owner_unit=community)
    community.leader = community_staff
    community.save()
    sweep_overdue(today=TODAY)
    # the owner is reminded; the 督办 goes to the leader of the owner's unit (none: its users)
    assert told(measure=owned) == {
        ("grid", OverdueLevel.REMINDER),
        ("grid", OverdueLevel.SUPERVISION),
    }
    assert told(measure=unit_only) == {
        ("community", OverdueLevel.REMINDER),
        (colleague.username, OverdueLevel.REMINDER),
    }
    supervision = Notice.objects.get(measure=owned, level=OverdueLevel.SUPERVISION)
    assert supervision.text == (
        "帮扶措施「申请临时救助」已超过完成时限 4 个工作日(时限 2026-12-04), 请督促李秀英办理。"
    )
    # a week on, the unit's measure is 督办 to the unit's leader
    sweep_overdue(today=TODAY + dt.timedelta(days=7))
    assert told(measure=unit_only, level=OverdueLevel.SUPERVISION) == {
        ("community", OverdueLevel.SUPERVISION)
    }


def test_a_measure_nobody_was_named_for_goes_to_the_pair_then_the_nearest_area_office(
    entry, grid_worker, cadre, community_staff
):
    community = community_staff.unit
    community.leader = community_staff
    community.save()
    # no owner, no owner unit, nobody paired: the office of the household's grid
    orphan = make_measure(entry, deadline=FOUR_DAYS_LATE, action="联系就业培训")
    sweep_overdue(today=TODAY)
    assert told(measure=orphan) == {
        ("grid", OverdueLevel.REMINDER),
        ("grid", OverdueLevel.SUPERVISION),  # the grid office has no leader: its users
    }
    assert (
        "请督促丰收社区第1网格办理"
        in Notice.objects.get(measure=orphan, level=OverdueLevel.SUPERVISION).text
    )
    # paired: the household's grid worker and cadre are reminded
    entry.grid_worker, entry.cadre = grid_worker, cadre
    entry.save()
    paired = make_measure(entry, deadline=ONE_DAY_LATE, action="申请医疗救助")
    sweep_overdue(today=TODAY)
    assert told(measure=paired) == {
        ("grid", OverdueLevel.REMINDER),
        ("cadre", OverdueLevel.REMINDER),
    }


def test_a_second_sweep_on_the_same_day_creates_nothing(entry, civil_affairs, grid_worker):
    make_problem(entry, due_on=ONE_DAY_LATE)
    make_problem(entry, due_on=FOUR_DAYS_LATE)
    make_measure(entry, deadline=FOUR_DAYS_LATE, owner=grid_worker)
    sweep_overdue(today=TODAY)
    notices, changes = Notice.objects.count(), Change.objects.count()
    assert notices == 2 + 2 + 2 + 2  # 提醒 ×2 clerks, 提醒 ×2 and 督办 ×2 (no leader), the owner
    assert sweep_overdue(today=TODAY) == NOTHING
    assert (Notice.objects.count(), Change.objects.count()) == (notices, changes)


def test_a_transferred_problem_rising_again_tells_nobody_twice(entry, civil_affairs):
    problem = make_problem(entry, due_on=ONE_DAY_LATE)
    sweep_overdue(today=TODAY)
    # transfer_problem starts a new clock (level back to none); here the same department
    Problem.objects.filter(pk=problem.pk).update(overdue_level=OverdueLevel.NONE)
    counts = sweep_overdue(today=TODAY)
    assert counts["reminders"] == 1 and counts["reminder_notices"] == 0
    assert Notice.objects.count() == 2


def test_the_sweep_command(entry, civil_affairs, capsys):
    make_problem(entry, due_on=timezone.localdate() - dt.timedelta(days=1))
    call_command("sweep")
    assert "新增提醒 1 件" in capsys.readouterr().out
    call_command("sweep", "--json", "--on", "2099-01-01")
    printed = json.loads(capsys.readouterr().out)
    assert printed["today"] == "2099-01-01"
    assert printed["supervisions"] == 1 and printed["supervision_notices"] == 2


# the page -------------------------------------------------------------------------------------


def test_the_notices_page_lists_unread_first_and_marks_read(
    client, entry, civil_affairs, civil_affairs_clerk
):
    make_problem(entry, due_on=ONE_DAY_LATE, title="旧问题")
    sweep_overdue(today=TODAY)
    old = Notice.objects.get(recipient=civil_affairs_clerk)
    mark_notice_read(old, by=civil_affairs_clerk)
    make_problem(entry, due_on=TODAY, title="新问题")
    sweep_overdue(today=TODAY + dt.timedelta(days=1))
    client.force_login(civil_affairs_clerk)
    response = client.get(reverse("casework:notices"))
    content = response.content.decode()
    assert content.index("新问题") < content.index("旧问题")
    assert [r["notice"].text[:7] for r in response.context["unread"]] == ["问题「新问题」"]
    assert reverse("casework:household", args=[entry.household_id]) in content
    assert "提醒(1)" in content  # the navigation
    new = response.context["unread"][0]["notice"]
    response = client.post(reverse("casework:notices"), {"notice": new.pk})
    assert response.status_code == 302
    new.refresh_from_db()
    assert new.read_at is not None
    assert "提醒(" not in client.get(reverse("home")).content.decode()


def test_only_the_recipient_sees_and_marks_a_notice(
    client, entry, civil_affairs, civil_affairs_clerk, education_clerk
):
    make_problem(entry, due_on=ONE_DAY_LATE)
    sweep_overdue(today=TODAY)
    notice = Notice.objects.get(recipient=civil_affairs_clerk)
    client.force_login(education_clerk)
    assert client.get(reverse("casework:notices")).context["unread"] == []
    assert client.post(reverse("casework:notices"), {"notice": notice.pk}).status_code == 404
    assert client.post(reverse("casework:notices"), {"notice": "x"}).status_code == 404
    with pytest.raises(NotPermitted):
        mark_notice_read(notice, by=education_clerk)
    notice.refresh_from_db()
    assert notice.read_at is None


def test_a_later_deadline_lifts_the_overdue_mark(entry, grid_worker):
    from minqing.casework.actions import update_measure

    today = timezone.localdate()
    measure = make_measure(entry, deadline=today - dt.timedelta(days=10), owner=grid_worker)
    Measure.objects.filter(pk=measure.pk).update(overdue_level=OverdueLevel.SUPERVISION)
    measure.refresh_from_db()
    # the level follows the new deadline: one day late is a reminder, not 督办; not late, none
    moved = update_measure(
        measure,
        expected_version=measure.version,
        by=grid_worker,
        deadline=today - dt.timedelta(days=1),
    )
    assert moved.overdue_level == OverdueLevel.REMINDER
    lifted = update_measure(
        moved, expected_version=moved.version, by=grid_worker, deadline=today + dt.timedelta(days=7)
    )
    assert lifted.overdue_level == OverdueLevel.NONE
    assert Measure.objects.get(pk=measure.pk).overdue_level == OverdueLevel.NONE

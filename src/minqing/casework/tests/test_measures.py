"""Measures: added by whoever works the household or its problem, edited under an optimistic
lock, closed with a result and evidence, or cancelled."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from minqing.audit.models import AuditEvent, Outcome
from minqing.casework.actions import (
    CaseworkError,
    ConflictError,
    NotPermitted,
    add_measure,
    cancel_measure,
    close_measure,
    update_measure,
)
from minqing.casework.models import (
    Change,
    ChangeKind,
    EntryStatus,
    Measure,
    MeasureStatus,
    ProblemStatus,
)
from minqing.casework.tests.factories import PDF, make_entry, make_measure, make_problem

DEADLINE = dt.date(2027, 1, 15)


def audits(action: str, outcome=Outcome.ALLOWED):
    return AuditEvent.objects.filter(action=f"casework.{action}", outcome=outcome)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def entry(grid):
    return make_entry(grid)


def test_the_department_adds_a_measure_to_its_accepted_problem(entry, civil_affairs_clerk):
    problem = make_problem(entry, status=ProblemStatus.ACCEPTED)
    measure = add_measure(
        entry, problem=problem, action="办理低保", deadline=DEADLINE, by=civil_affairs_clerk
    )
    assert (measure.status, measure.owner_unit, measure.problem) == (
        MeasureStatus.PLANNED,
        civil_affairs_clerk.unit,
        problem,
    )
    entry.refresh_from_db()
    assert entry.status == EntryStatus.HELPING
    assert Change.objects.filter(measure=measure, kind=ChangeKind.CREATED).exists()
    assert audits("add_measure").count() == 1


def test_the_department_accepts_before_adding_measures(entry, civil_affairs_clerk):
    problem = make_problem(entry, status=ProblemStatus.DISPATCHED)
    with pytest.raises(CaseworkError, match="请先签收"):
        add_measure(entry, problem=problem, action="x", deadline=DEADLINE, by=civil_affairs_clerk)


def test_a_cadre_adds_a_measure_without_a_problem_for_a_paired_household(grid, cadre):
    paired = make_entry(grid, cadre=cadre)
    measure = add_measure(paired, action="送米面油", deadline=DEADLINE, by=cadre)
    assert measure.problem is None and measure.owner_unit == cadre.unit
    with pytest.raises(NotPermitted):
        add_measure(make_entry(grid), action="x", deadline=DEADLINE, by=cadre)


@pytest.mark.parametrize(
    "role", ["education_clerk", "district_leader", "other_grid_worker", "hotline_operator"]
)
def test_others_add_no_measure(request, entry, role):
    problem = make_problem(entry, status=ProblemStatus.ACCEPTED)
    with pytest.raises(NotPermitted):
        add_measure(
            entry, problem=problem, action="x", deadline=DEADLINE, by=request.getfixturevalue(role)
        )


def test_a_measure_needs_an_action_a_deadline_a_listed_household_and_an_open_problem(
    grid, grid_worker
):
    entry = make_entry(grid)
    with pytest.raises(CaseworkError, match="请填写帮扶措施"):
        add_measure(entry, action=" ", deadline=DEADLINE, by=grid_worker)
    with pytest.raises(CaseworkError, match="完成时限"):
        add_measure(entry, action="x", deadline=None, by=grid_worker)
    with pytest.raises(CaseworkError, match="不在册"):
        add_measure(
            make_entry(grid, status=EntryStatus.EXITED),
            action="x",
            deadline=DEADLINE,
            by=grid_worker,
        )
    resolved = make_problem(entry, status=ProblemStatus.RESOLVED)
    with pytest.raises(CaseworkError, match="已办结"):
        add_measure(entry, problem=resolved, action="x", deadline=DEADLINE, by=grid_worker)
    with pytest.raises(CaseworkError, match="不属于该户"):
        add_measure(
            make_entry(grid), problem=resolved, action="x", deadline=DEADLINE, by=grid_worker
        )


def test_an_update_keeps_each_changed_value(entry, grid_worker, community_staff):
    measure = make_measure(entry, action="联系就业岗位")
    measure = update_measure(
        measure,
        expected_version=1,
        by=grid_worker,
        action="推荐公益性岗位",
        deadline=DEADLINE,
        status=MeasureStatus.IN_PROGRESS,
        owner_unit=community_staff.unit,
        owner=community_staff,
    )
    assert (measure.action, measure.deadline, measure.status, measure.version) == (
        "推荐公益性岗位",
        DEADLINE,
        MeasureStatus.IN_PROGRESS,
        2,
    )
    changes = {
        c.field: (c.from_value, c.to_value, c.kind)
        for c in Change.objects.filter(measure=measure).exclude(kind=ChangeKind.CREATED)
    }
    assert changes["action"] == ("联系就业岗位", "推荐公益性岗位", ChangeKind.EDIT)
    assert changes["deadline"][1] == "2027-01-15"
    assert changes["status"] == ("planned", "in_progress", ChangeKind.STATUS)
    assert changes["owner"] == ("", "王建国", ChangeKind.EDIT)
    assert changes["owner_unit"][1] == "丰收社区居委会"
    assert audits("update_measure").count() == 1


def test_a_stale_edit_is_refused_and_loses_nothing(entry, grid_worker, community_staff):
    measure = make_measure(entry, action="原措施")
    first = Measure.objects.get(pk=measure.pk)
    second = Measure.objects.get(pk=measure.pk)
    update_measure(first, expected_version=first.version, by=grid_worker, action="甲的修改")
    with pytest.raises(ConflictError, match="该帮扶措施已被他人修改，请刷新后重试"):
        update_measure(
            second, expected_version=second.version, by=community_staff, result="乙的修改"
        )
    measure.refresh_from_db()
    assert (measure.action, measure.result, measure.version) == ("甲的修改", "", 2)
    assert audits("update_measure", Outcome.FAILED).count() == 1
    # the second user reloads and saves again: both edits are kept
    fresh = Measure.objects.get(pk=measure.pk)
    update_measure(fresh, expected_version=fresh.version, by=community_staff, result="乙的修改")
    measure.refresh_from_db()
    assert (measure.action, measure.result, measure.version) == ("甲的修改", "乙的修改", 3)


def test_closing_with_the_old_object_is_a_conflict(entry, grid_worker):
    measure = make_measure(entry)
    update_measure(
        Measure.objects.get(pk=measure.pk), expected_version=1, by=grid_worker, result="进展"
    )
    with pytest.raises(ConflictError):
        close_measure(measure, result="完成", by=grid_worker)


def test_update_refuses_unknown_fields_and_closing_by_status(entry, grid_worker):
    measure = make_measure(entry)
    with pytest.raises(CaseworkError, match="不能修改: entry"):
        update_measure(measure, expected_version=1, by=grid_worker, entry=None)
    with pytest.raises(CaseworkError, match="办结"):
        update_measure(measure, expected_version=1, by=grid_worker, status=MeasureStatus.DONE)


def test_closing_keeps_the_result_and_the_evidence(entry, civil_affairs_clerk):
    problem = make_problem(entry, status=ProblemStatus.ACCEPTED)
    measure = make_measure(entry, problem=problem)
    evidence = SimpleUploadedFile("审批表.pdf", PDF, content_type="application/pdf")
    measure = close_measure(measure, result="已纳入低保", by=civil_affairs_clerk, evidence=evidence)
    assert (measure.status, measure.result, measure.done_on) == (
        MeasureStatus.DONE,
        "已纳入低保",
        timezone.localdate(),
    )
    assert measure.evidence.name.startswith("casework/evidence/")
    assert measure.evidence.read() == PDF
    with pytest.raises(CaseworkError, match="已完成，不能再修改"):
        update_measure(
            measure, expected_version=measure.version, by=civil_affairs_clerk, result="x"
        )


def test_evidence_must_be_a_photo_or_a_pdf(entry, grid_worker):
    measure = make_measure(entry)
    fake = SimpleUploadedFile("照片.jpg", b"MZ\x90\x00 not an image", content_type="image/jpeg")
    with pytest.raises(CaseworkError, match="佐证材料只能是"):
        close_measure(measure, result="完成", by=grid_worker, evidence=fake)
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.PLANNED


def test_closing_needs_a_result(entry, grid_worker):
    with pytest.raises(CaseworkError, match="落实情况"):
        close_measure(make_measure(entry), result="", by=grid_worker)


def test_cancelling_needs_a_reason_and_is_final(entry, grid_worker):
    measure = make_measure(entry)
    with pytest.raises(CaseworkError, match="请填写原因"):
        cancel_measure(measure, reason="", by=grid_worker)
    measure = cancel_measure(measure, reason="家庭已搬离", by=grid_worker)
    assert measure.status == MeasureStatus.CANCELLED
    change = Change.objects.get(measure=measure, kind=ChangeKind.STATUS)
    assert (change.to_label, change.reason) == ("已取消", "家庭已搬离")
    with pytest.raises(CaseworkError):
        close_measure(measure, result="x", by=grid_worker)


def test_the_owner_unit_edits_its_measure_even_outside_the_household_scope(grid, education_clerk):
    measure = make_measure(make_entry(grid), owner_unit=education_clerk.unit)
    measure = update_measure(measure, expected_version=1, by=education_clerk, result="已联系学校")
    assert measure.result == "已联系学校"


@pytest.mark.parametrize(
    "role", ["district_leader", "other_grid_worker", "cadre", "education_clerk"]
)
def test_others_edit_no_measure(request, entry, role):
    measure = make_measure(entry)
    with pytest.raises(NotPermitted):
        update_measure(measure, expected_version=1, by=request.getfixturevalue(role), result="x")

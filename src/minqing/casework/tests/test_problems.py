"""Problems: raised with the routing table's department, dispatched on the working-day clock,
accepted, returned, transferred, resolved; every transition allowed or refused; the major list.
The overdue sweep: test_sweep.py."""

import pytest
from django.utils import timezone

from minqing.audit.models import AuditEvent, Outcome
from minqing.casework import deadlines
from minqing.casework.actions import (
    CaseworkError,
    NotPermitted,
    accept_problem,
    dispatch_problem,
    raise_problem,
    resolve_problem,
    return_problem,
    set_major,
    transfer_problem,
)
from minqing.casework.models import (
    Change,
    ChangeKind,
    EntryStatus,
    MeasureStatus,
    Problem,
    ProblemStatus,
    RoutingRule,
)
from minqing.casework.tests.factories import make_entry, make_measure, make_problem


def audits(action: str, outcome=Outcome.ALLOWED):
    return AuditEvent.objects.filter(action=f"casework.{action}", outcome=outcome)


@pytest.fixture
def entry(grid):
    return make_entry(grid)


def test_a_raised_problem_takes_its_department_from_the_routing_table(entry, grid_worker):
    problem = raise_problem(entry, title="无稳定收入", problem_type="hardship", by=grid_worker)
    assert (problem.department, problem.status) == ("civil_affairs", ProblemStatus.DRAFT)
    assert problem.raised_by == grid_worker and problem.raised_on == timezone.localdate()
    entry.refresh_from_db()
    assert entry.status == EntryStatus.HELPING
    changes = Change.objects.filter(household=entry.household).values_list("kind", "problem")
    assert set(changes) == {(ChangeKind.CREATED, problem.pk), (ChangeKind.STATUS, None)}
    assert audits("raise_problem").count() == 1


def test_a_problem_of_a_type_without_rule_waits_for_a_department(entry, grid_worker):
    problem = raise_problem(entry, title="其他诉求", problem_type="other", by=grid_worker)
    assert problem.department == ""
    with pytest.raises(CaseworkError, match="请先指定责任部门"):
        dispatch_problem(problem, by=grid_worker)
    problem = dispatch_problem(problem, by=grid_worker, department="housing")
    assert (problem.status, problem.department) == (ProblemStatus.DISPATCHED, "housing")


def test_a_problem_raised_with_dispatch_goes_out_at_once(entry, grid_worker):
    problem = raise_problem(
        entry, title="孩子辍学", problem_type="schooling", by=grid_worker, dispatch=True
    )
    today = timezone.localdate()
    assert (problem.status, problem.department) == (ProblemStatus.DISPATCHED, "education")
    assert problem.dispatched_on == today
    assert problem.due_on == deadlines.add_workdays(today, deadlines.HANDLING_WORKDAYS)


def test_a_cadre_raises_problems_for_paired_households_only(grid, cadre):
    paired = make_entry(grid, cadre=cadre)
    raise_problem(paired, title="就医困难", problem_type="medical", by=cadre)
    # a cadre is not area staff: dispatching is for the area
    problem = Problem.objects.get(entry=paired)
    with pytest.raises(NotPermitted):
        dispatch_problem(problem, by=cadre)
    with pytest.raises(NotPermitted):
        raise_problem(make_entry(grid), title="x", problem_type="medical", by=cadre)


@pytest.mark.parametrize(
    ("status", "message"),
    [(EntryStatus.PENDING, "尚未核实在册"), (EntryStatus.EXITED, "已退出台账")],
)
def test_problems_are_raised_only_for_households_in_the_ledger(grid, grid_worker, status, message):
    with pytest.raises(CaseworkError, match=message):
        raise_problem(
            make_entry(grid, status=status), title="x", problem_type="hardship", by=grid_worker
        )


def test_raising_needs_a_title_and_a_known_type(entry, grid_worker):
    with pytest.raises(CaseworkError, match="请填写问题"):
        raise_problem(entry, title="", problem_type="hardship", by=grid_worker)
    with pytest.raises(CaseworkError, match="问题类型"):
        raise_problem(entry, title="x", problem_type="weather", by=grid_worker)


def test_a_major_problem_has_the_longer_clock(entry, grid_worker):
    problem = raise_problem(
        entry,
        title="重病致贫",
        problem_type="medical",
        by=grid_worker,
        is_major=True,
        dispatch=True,
    )
    today = timezone.localdate()
    assert problem.due_on == deadlines.add_workdays(today, deadlines.MAJOR_HANDLING_WORKDAYS)
    assert Change.objects.filter(problem=problem, kind=ChangeKind.MAJOR).exists()


# the whole route ------------------------------------------------------------------------------


def test_the_route_from_raising_to_resolving(entry, grid_worker, civil_affairs_clerk):
    problem = raise_problem(entry, title="低保待遇未落实", problem_type="hardship", by=grid_worker)
    problem = dispatch_problem(problem, by=grid_worker, workdays=3)
    assert problem.due_on == deadlines.add_workdays(timezone.localdate(), 3)
    problem = accept_problem(problem, by=civil_affairs_clerk)
    assert problem.accepted_on == timezone.localdate()
    measure = make_measure(entry, problem=problem)
    with pytest.raises(CaseworkError, match="未完成的帮扶措施"):
        resolve_problem(problem, result="已纳入低保", by=civil_affairs_clerk)
    measure.status = MeasureStatus.DONE
    measure.save()
    problem = resolve_problem(problem, result="已纳入低保", by=civil_affairs_clerk)
    assert (problem.status, problem.result) == (ProblemStatus.RESOLVED, "已纳入低保")
    statuses = list(
        Change.objects.filter(problem=problem, kind=ChangeKind.STATUS).values_list(
            "from_value", "to_value", "by"
        )
    )
    assert statuses == [
        ("draft", "dispatched", grid_worker.pk),
        ("dispatched", "accepted", civil_affairs_clerk.pk),
        ("accepted", "resolved", civil_affairs_clerk.pk),
    ]
    for action in ("raise_problem", "dispatch_problem", "accept_problem", "resolve_problem"):
        assert audits(action).count() == 1
    assert problem.version == 4


def test_a_returned_problem_keeps_its_reason_and_is_dispatched_again(
    entry, grid_worker, civil_affairs_clerk
):
    problem = make_problem(entry, department="civil_affairs")
    with pytest.raises(CaseworkError, match="退回原因"):
        return_problem(problem, reason="", by=civil_affairs_clerk)
    problem = return_problem(problem, reason="属于教育局职责", by=civil_affairs_clerk)
    assert (problem.status, problem.return_reason) == (ProblemStatus.RETURNED, "属于教育局职责")
    problem = dispatch_problem(problem, by=grid_worker, department="education")
    assert (problem.status, problem.department, problem.return_reason) == (
        ProblemStatus.DISPATCHED,
        "education",
        "",
    )
    change = Change.objects.get(problem=problem, kind=ChangeKind.DEPARTMENT)
    assert (change.from_label, change.to_label) == ("民政局", "教育局")


def test_a_transfer_starts_a_new_clock_with_the_new_department(
    entry, civil_affairs_clerk, education_clerk
):
    problem = make_problem(entry, status=ProblemStatus.ACCEPTED, department="civil_affairs")
    problem = transfer_problem(
        problem, to_department="education", reason="涉及义务教育", by=civil_affairs_clerk
    )
    assert (problem.status, problem.department, problem.accepted_on) == (
        ProblemStatus.DISPATCHED,
        "education",
        None,
    )
    change = Change.objects.get(problem=problem, kind=ChangeKind.DEPARTMENT)
    assert (change.from_value, change.to_value, change.reason) == (
        "civil_affairs",
        "education",
        "涉及义务教育",
    )
    # the old department lets go; the new one takes it on
    with pytest.raises(NotPermitted):
        accept_problem(problem, by=civil_affairs_clerk)
    assert accept_problem(problem, by=education_clerk).status == ProblemStatus.ACCEPTED


def test_a_transfer_needs_another_department_and_a_reason(entry, civil_affairs_clerk):
    problem = make_problem(entry, department="civil_affairs")
    with pytest.raises(CaseworkError, match="相同"):
        transfer_problem(problem, to_department="civil_affairs", reason="x", by=civil_affairs_clerk)
    with pytest.raises(CaseworkError, match="无效"):
        transfer_problem(problem, to_department="nowhere", reason="x", by=civil_affairs_clerk)
    with pytest.raises(CaseworkError, match="转办原因"):
        transfer_problem(problem, to_department="health", reason="", by=civil_affairs_clerk)


# every action from every status -------------------------------------------------------------

# action → statuses it starts from
FROM = {
    "dispatch": {ProblemStatus.DRAFT, ProblemStatus.RETURNED},
    "accept": {ProblemStatus.DISPATCHED},
    "return": {ProblemStatus.DISPATCHED},
    "transfer": {ProblemStatus.DISPATCHED, ProblemStatus.ACCEPTED, ProblemStatus.RETURNED},
    "resolve": {ProblemStatus.ACCEPTED},
}
TO = {
    "dispatch": ProblemStatus.DISPATCHED,
    "accept": ProblemStatus.ACCEPTED,
    "return": ProblemStatus.RETURNED,
    "transfer": ProblemStatus.DISPATCHED,
    "resolve": ProblemStatus.RESOLVED,
}


def _run(action, problem, *, area_staff, clerk):
    if action == "dispatch":
        return dispatch_problem(problem, by=area_staff)
    if action == "accept":
        return accept_problem(problem, by=clerk)
    if action == "return":
        return return_problem(problem, reason="非本部门职责", by=clerk)
    if action == "transfer":
        return transfer_problem(problem, to_department="health", reason="转卫健", by=area_staff)
    return resolve_problem(problem, result="已办结", by=clerk)


@pytest.mark.parametrize("status", ProblemStatus.values)
@pytest.mark.parametrize("action", sorted(FROM))
def test_every_problem_transition_is_allowed_or_refused(
    entry, community_staff, civil_affairs_clerk, action, status
):
    problem = make_problem(entry, status=status, department="civil_affairs")
    if status in FROM[action]:
        problem = _run(action, problem, area_staff=community_staff, clerk=civil_affairs_clerk)
        assert problem.status == TO[action]
        assert Change.objects.filter(problem=problem, kind=ChangeKind.STATUS).exists() or (
            action == "transfer" and status == ProblemStatus.DISPATCHED
        )
    else:
        with pytest.raises(CaseworkError):
            _run(action, problem, area_staff=community_staff, clerk=civil_affairs_clerk)
        problem.refresh_from_db()
        assert problem.status == status and problem.version == 1
        assert not Change.objects.filter(problem=problem).exists()


@pytest.mark.parametrize("role", ["education_clerk", "grid_worker", "district_leader", "cadre"])
def test_only_the_routed_department_accepts_returns_and_resolves(request, entry, role):
    user = request.getfixturevalue(role)
    dispatched = make_problem(entry, department="civil_affairs")
    accepted = make_problem(entry, status=ProblemStatus.ACCEPTED, department="civil_affairs")
    with pytest.raises(NotPermitted):
        accept_problem(dispatched, by=user)
    with pytest.raises(NotPermitted):
        return_problem(dispatched, reason="x", by=user)
    with pytest.raises(NotPermitted):
        resolve_problem(accepted, result="x", by=user)
    assert audits("accept_problem", Outcome.DENIED).count() == 1


def test_a_department_clerk_of_another_district_does_not_handle(areas, entry):
    from minqing.accounts import roles
    from minqing.accounts.tests.factories import make_unit, make_user
    from minqing.areas.tests.factories import make_area

    other = make_area(code="410882", name="沁阳市", level="district")
    unit = make_unit(name="沁阳市民政局", area=other, department="civil_affairs")
    clerk = make_user("qinyang", unit=unit, roles=(roles.DEPARTMENT_CLERK,))
    with pytest.raises(NotPermitted):
        accept_problem(make_problem(entry, department="civil_affairs"), by=clerk)


# the joint-meeting list ---------------------------------------------------------------------


def test_the_leader_and_area_managers_mark_major_problems(
    entry, district_leader, street_staff, grid_worker
):
    problem = make_problem(entry)
    problem = set_major(problem, is_major=True, reason="多部门协调", by=district_leader)
    assert problem.is_major
    with pytest.raises(NotPermitted):
        set_major(problem, is_major=False, reason="x", by=grid_worker)
    problem = set_major(problem, is_major=False, reason="已协调", by=street_staff)
    assert not problem.is_major
    assert Change.objects.filter(problem=problem, kind=ChangeKind.MAJOR).count() == 2


def test_routing_rules_are_seeded():
    assert dict(
        RoutingRule.objects.filter(area__isnull=True).values_list("problem_type", "department")
    ) == {
        "hardship": "civil_affairs",
        "employment": "human_resources",
        "schooling": "education",
        "medical": "medical_insurance",
        "housing": "housing",
        "disability": "disabled_federation",
        "elderly_care": "civil_affairs",
        "guardianship": "civil_affairs",
        "dispute": "politics_law",
    }

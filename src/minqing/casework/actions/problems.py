"""Problems (问题清单): raised, routed, dispatched, accepted, returned, transferred, resolved; the joint-meeting list. The overdue sweep is overdue.py."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest

from minqing.accounts.models import Department, User
from minqing.audit.actions import record
from minqing.casework import deadlines
from minqing.casework.actions.common import (
    CaseworkError,
    NotPermitted,
    bump,
    change_row,
    local_today,
    locked,
    refusals_audited,
    required,
    start_helping,
    status_error,
)
from minqing.casework.models import (
    Change,
    ChangeKind,
    EntryStatus,
    LedgerEntry,
    OverdueLevel,
    Problem,
    ProblemStatus,
    ProblemType,
)
from minqing.casework.queries import department_for, ledger_scope


def _problem_change(problem: Problem, kind: str, *, by, **fields) -> Change:
    return change_row(
        kind,
        by=by,
        household_id=problem.entry.household_id,
        entry=problem.entry,
        problem=problem,
        **fields,
    )


def _dispatch(
    problem: Problem, *, by, department: str, workdays: int | None, reason: str
) -> list[Change]:
    """Put a locked problem on a department's clock from today."""
    changes = []
    if department != problem.department:
        changes.append(
            _problem_change(
                problem,
                ChangeKind.DEPARTMENT,
                by=by,
                field="department",
                from_value=problem.department,
                to_value=department,
                reason=reason,
            )
        )
        problem.department = department
    if problem.status != ProblemStatus.DISPATCHED:
        changes.append(
            _problem_change(
                problem,
                ChangeKind.STATUS,
                by=by,
                field="status",
                from_value=problem.status,
                to_value=ProblemStatus.DISPATCHED,
                reason=reason,
            )
        )
    due = deadlines.due_on(local_today(), is_major=problem.is_major, workdays=workdays)
    changes.append(
        _problem_change(
            problem,
            ChangeKind.DUE,
            by=by,
            field="due_on",
            from_value=problem.due_on.isoformat() if problem.due_on else "",
            to_value=due.isoformat(),
        )
    )
    problem.status = ProblemStatus.DISPATCHED
    problem.dispatched_on = local_today()
    problem.accepted_on = None
    problem.due_on = due
    problem.overdue_level = OverdueLevel.NONE
    return changes


_DISPATCH_FIELDS = (
    "department",
    "status",
    "dispatched_on",
    "accepted_on",
    "due_on",
    "overdue_level",
    "return_reason",
)


@refusals_audited
@transaction.atomic
def raise_problem(
    entry: LedgerEntry,
    *,
    title: str,
    problem_type: str,
    by: User,
    description: str = "",
    is_major: bool = False,
    dispatch: bool = False,
    request: HttpRequest | None = None,
) -> Problem:
    """A new problem of a household in the ledger (问题清单). The routing table gives its
    department; with `dispatch` and a department it goes out at once, otherwise it waits as
    待派单. The household becomes 帮扶中."""
    entry = locked(LedgerEntry, entry)
    scope = ledger_scope(by)
    if not scope.may_write_entry(entry):
        raise NotPermitted()
    if entry.status == EntryStatus.PENDING:
        raise CaseworkError("该户尚未核实在册，不能提出问题")
    if entry.status == EntryStatus.EXITED:
        raise CaseworkError("该户已退出台账")
    title = required(title, "问题")
    if problem_type not in ProblemType.values:
        raise CaseworkError("请选择问题类型")
    problem = Problem.objects.create(
        entry=entry,
        title=title,
        description=description,
        problem_type=problem_type,
        raised_by=by,
        raised_on=local_today(),
        department=department_for(problem_type, entry.area),
        is_major=is_major,
    )
    changes = [
        _problem_change(
            problem,
            ChangeKind.CREATED,
            by=by,
            field="status",
            to_value=problem.status,
            reason=title,
        )
    ]
    if is_major:
        changes.append(
            _problem_change(problem, ChangeKind.MAJOR, by=by, field="is_major", to_value="是")
        )
    if dispatch and problem.department and scope.may_dispatch(problem):
        changes += _dispatch(
            problem, by=by, department=problem.department, workdays=None, reason="提出时派单"
        )
        problem.save(update_fields=[*_DISPATCH_FIELDS, "updated_at"])
    changes += start_helping(entry, by=by, reason=f"提出问题: {title}")
    Change.objects.bulk_create(changes)
    record(
        "casework.raise_problem",
        by=by,
        obj=problem,
        request=request,
        summary=f"家庭户 {entry.household}: {problem.get_problem_type_display()} {title}"
        + (
            f", 派单至{problem.get_department_display()}"
            if problem.status == ProblemStatus.DISPATCHED
            else ""
        ),
    )
    return problem


@refusals_audited
@transaction.atomic
def dispatch_problem(
    problem: Problem,
    *,
    by: User,
    department: str | None = None,
    workdays: int | None = None,
    request: HttpRequest | None = None,
) -> Problem:
    """派单: send a problem waiting (待派单) or returned (已退回) to a department — the one
    given, or the one it has. It is due `workdays` working days from today (default:
    deadlines.HANDLING_WORKDAYS, longer for a major problem)."""
    problem = locked(Problem, problem)
    if not ledger_scope(by).may_dispatch(problem):
        raise NotPermitted()
    if not problem.may_become(ProblemStatus.DISPATCHED):
        raise status_error(
            "该问题", problem.status, ProblemStatus.DISPATCHED, dict(ProblemStatus.choices)
        )
    department = department or problem.department
    if not department:
        raise CaseworkError("请先指定责任部门")
    if department not in Department.values:
        raise CaseworkError("责任部门无效")
    changes = _dispatch(problem, by=by, department=department, workdays=workdays, reason="派单")
    problem.return_reason = ""
    bump(problem, *_DISPATCH_FIELDS)
    Change.objects.bulk_create(changes)
    record(
        "casework.dispatch_problem",
        by=by,
        obj=problem,
        request=request,
        summary=f"派单: {problem.title} → {problem.get_department_display()}, 时限 {problem.due_on}",
    )
    return problem


def _department_step(problem: Problem, to: str, *, by, reason: str = "") -> Problem:
    """Accept / return / resolve: the routed department moves its problem along."""
    problem = locked(Problem, problem)
    if not ledger_scope(by).may_handle_problem(problem):
        raise NotPermitted()
    if not problem.may_become(to):
        raise status_error("该问题", problem.status, to, dict(ProblemStatus.choices))
    _problem_change(
        problem,
        ChangeKind.STATUS,
        by=by,
        field="status",
        from_value=problem.status,
        to_value=to,
        reason=reason,
    ).save()
    problem.status = to
    return problem


@refusals_audited
@transaction.atomic
def accept_problem(problem: Problem, *, by: User, request: HttpRequest | None = None) -> Problem:
    """签收: the department takes the problem on."""
    problem = _department_step(problem, ProblemStatus.ACCEPTED, by=by)
    problem.accepted_on = local_today()
    bump(problem, "status", "accepted_on")
    record(
        "casework.accept_problem",
        by=by,
        obj=problem,
        request=request,
        summary=f"签收: {problem.title}",
    )
    return problem


@refusals_audited
@transaction.atomic
def return_problem(
    problem: Problem, *, reason: str, by: User, request: HttpRequest | None = None
) -> Problem:
    """退回: the department does not own it; the area staff re-dispatch or transfer it."""
    reason = required(reason, "退回原因")
    problem = _department_step(problem, ProblemStatus.RETURNED, by=by, reason=reason)
    problem.return_reason = reason
    bump(problem, "status", "return_reason")
    record(
        "casework.return_problem",
        by=by,
        obj=problem,
        request=request,
        summary=f"退回: {problem.title}: {reason}",
    )
    return problem


@refusals_audited
@transaction.atomic
def transfer_problem(
    problem: Problem,
    *,
    to_department: str,
    reason: str,
    by: User,
    workdays: int | None = None,
    request: HttpRequest | None = None,
) -> Problem:
    """转办: hand a dispatched, accepted or returned problem to another department, which must
    accept it anew, on a new clock. Either the department holding it or the area staff."""
    problem = locked(Problem, problem)
    scope = ledger_scope(by)
    if not (scope.may_handle_problem(problem) or scope.may_dispatch(problem)):
        raise NotPermitted()
    if problem.status not in (
        ProblemStatus.DISPATCHED,
        ProblemStatus.ACCEPTED,
        ProblemStatus.RETURNED,
    ):
        raise CaseworkError(f"该问题当前为「{problem.get_status_display()}」，不能转办")
    if to_department not in Department.values:
        raise CaseworkError("责任部门无效")
    if to_department == problem.department:
        raise CaseworkError("转办部门与当前责任部门相同")
    reason = required(reason, "转办原因")
    before = problem.get_department_display()
    changes = _dispatch(problem, by=by, department=to_department, workdays=workdays, reason=reason)
    problem.return_reason = ""
    bump(problem, *_DISPATCH_FIELDS)
    Change.objects.bulk_create(changes)
    record(
        "casework.transfer_problem",
        by=by,
        obj=problem,
        request=request,
        summary=f"转办: {problem.title}: {before} → {problem.get_department_display()}: {reason}",
    )
    return problem


@refusals_audited
@transaction.atomic
def resolve_problem(
    problem: Problem, *, result: str, by: User, request: HttpRequest | None = None
) -> Problem:
    """办结: the department closes an accepted problem whose measures are all closed."""
    result = required(result, "办结情况")
    problem = _department_step(problem, ProblemStatus.RESOLVED, by=by, reason=result)
    if problem.measures.open().exists():
        raise CaseworkError("该问题尚有未完成的帮扶措施，不能办结")
    problem.resolved_on = local_today()
    problem.result = result
    bump(problem, "status", "resolved_on", "result")
    record(
        "casework.resolve_problem",
        by=by,
        obj=problem,
        request=request,
        summary=f"办结: {problem.title}: {result}",
    )
    return problem


@refusals_audited
@transaction.atomic
def set_major(
    problem: Problem, *, is_major: bool, reason: str, by: User, request: HttpRequest | None = None
) -> Problem:
    """Put a problem on (or take it off) the district's joint-meeting list (重大疑难)."""
    problem = locked(Problem, problem)
    if not ledger_scope(by).may_escalate(problem):
        raise NotPermitted()
    reason = required(reason)
    if problem.is_major == is_major:
        return problem
    _problem_change(
        problem,
        ChangeKind.MAJOR,
        by=by,
        field="is_major",
        from_value="是" if problem.is_major else "否",
        to_value="是" if is_major else "否",
        reason=reason,
    ).save()
    problem.is_major = is_major
    bump(problem, "is_major")
    record(
        "casework.set_major",
        by=by,
        obj=problem,
        request=request,
        summary=f"{'列入' if is_major else '移出'}重大疑难: {problem.title}: {reason}",
    )
    return problem

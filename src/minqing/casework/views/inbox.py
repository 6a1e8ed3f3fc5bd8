"""A department's inbox (部门待办): the problems routed to it, by status, each with the steps
the clerk may take (accept, return, transfer, resolve, add and update measures); for area staff
the problems of their area to dispatch (the routed department preselected) and to follow.

A refused step comes back as its Chinese message beside the form that sent it, the text kept;
a measure saved meanwhile by someone else (ConflictError) sends the user to the fresh page."""

from __future__ import annotations

from collections import defaultdict

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from minqing.accounts.scopes import scope_of
from minqing.casework import actions
from minqing.casework.forms import (
    DispatchForm,
    MeasureCloseForm,
    MeasureUpdateForm,
    ProblemMeasureForm,
    ResolveForm,
    ReturnForm,
    TransferForm,
)
from minqing.casework.models import Measure, Problem, ProblemStatus
from minqing.casework.queries import department_for, ledger_scope, measure_for, problem_for
from minqing.casework.queries import inbox as inbox_problems
from minqing.casework.views.display import deadline_note, heads_of, shown_name


def inbox_mode(user) -> str:
    """'department' (a clerk: problems routed to the department), 'area' (area staff: problems
    of their area to dispatch and follow), or '' (no inbox)."""
    g = scope_of(user)
    if g.department:
        return "department"
    if g.area is not None or g.is_superuser:
        return "area"
    return ""


# tab code, label, statuses shown, ordering
DEPARTMENT_TABS = [
    ("dispatched", "待签收", (ProblemStatus.DISPATCHED,), ("due_on", "id")),
    ("accepted", "办理中", (ProblemStatus.ACCEPTED,), ("due_on", "id")),
    ("returned", "已退回", (ProblemStatus.RETURNED,), ("-updated_at", "-id")),
    ("resolved", "已办结", (ProblemStatus.RESOLVED,), ("-resolved_on", "-id")),
]
AREA_TABS = [
    ("draft", "待派单", (ProblemStatus.DRAFT,), ("raised_on", "id")),
    ("returned", "已退回", (ProblemStatus.RETURNED,), ("-updated_at", "-id")),
    ("running", "办理中", (ProblemStatus.DISPATCHED, ProblemStatus.ACCEPTED), ("due_on", "id")),
    ("resolved", "已办结", (ProblemStatus.RESOLVED,), ("-resolved_on", "-id")),
]
INBOX_LIMIT = 200
PROBLEM_STEPS = {"accept", "return", "transfer", "resolve", "dispatch", "measure"}
MEASURE_STEPS = {"update", "close"}


def _tabs(mode: str):
    return DEPARTMENT_TABS if mode == "department" else AREA_TABS


def _tab_of(mode: str, status: str) -> str:
    return next(code for code, _, statuses, _ in _tabs(mode) if status in statuses)


def _inbox_problems(user, mode: str):
    scope = ledger_scope(user)
    if mode == "department":
        return scope.problems().routed_to(scope.grants.department)
    # area staff: the problems of their area, which they may dispatch
    return scope.problems().filter(scope.grants.area_q("entry__area__path"))


def _problem_forms(problem: Problem, mode: str, scope) -> dict:
    """The forms one problem offers to this user, by step."""
    if mode == "department" and scope.may_handle_problem(problem):
        if problem.status == ProblemStatus.DISPATCHED:
            return {
                "accept": forms.Form(),
                "return": ReturnForm(auto_id=f"p{problem.pk}-return-%s"),
                "transfer": TransferForm(
                    current=problem.department, auto_id=f"p{problem.pk}-transfer-%s"
                ),
            }
        if problem.status == ProblemStatus.ACCEPTED:
            return {
                "measure": ProblemMeasureForm(auto_id=f"p{problem.pk}-measure-%s"),
                "resolve": ResolveForm(auto_id=f"p{problem.pk}-resolve-%s"),
                "transfer": TransferForm(
                    current=problem.department, auto_id=f"p{problem.pk}-transfer-%s"
                ),
            }
        return {}
    if mode == "area" and scope.may_dispatch(problem):
        if problem.status in (ProblemStatus.DRAFT, ProblemStatus.RETURNED):
            routed = ""
            if problem.status == ProblemStatus.DRAFT:
                routed = problem.department or department_for(
                    problem.problem_type, problem.entry.area
                )
            return {
                "dispatch": DispatchForm(
                    initial={"department": routed}, auto_id=f"p{problem.pk}-dispatch-%s"
                )
            }
        if problem.status in (ProblemStatus.DISPATCHED, ProblemStatus.ACCEPTED):
            return {
                "transfer": TransferForm(
                    current=problem.department, auto_id=f"p{problem.pk}-transfer-%s"
                )
            }
    return {}


def _measure_forms(measure: Measure, mode: str, scope) -> dict:
    if mode != "department" or not measure.is_open or not scope.may_edit_measure(measure):
        return {}
    auto = f"m{measure.pk}-%s-%%s"
    return {
        "update": MeasureUpdateForm(
            initial={
                "version": measure.version,
                "action": measure.action,
                "deadline": measure.deadline,
                "status": measure.status,
                "result": measure.result,
            },
            auto_id=auto % "update",
        ),
        "close": MeasureCloseForm(initial={"version": measure.version}, auto_id=auto % "close"),
    }


def _render_inbox(
    request: HttpRequest, mode: str, tab: str | None, *, failed=None, status: int = 200
) -> HttpResponse:
    """The inbox on one tab. `failed` = ("problem" | "measure", pk, step, bound form): that
    form is shown open, with what the user typed and why it was refused."""
    user = request.user
    scope = ledger_scope(user)
    tabs = _tabs(mode)
    base = _inbox_problems(user, mode)
    by_status = dict(base.order_by().values_list("status").annotate(n=Count("id")))
    codes = [code for code, *_ in tabs]
    tab = tab if tab in codes else codes[0]
    _, label, statuses, ordering = next(t for t in tabs if t[0] == tab)
    if mode == "department" and tab in ("dispatched", "accepted"):
        problems = inbox_problems(user).filter(status__in=statuses)
    else:
        problems = base.filter(status__in=statuses)
    # the area's parents too: the page names the grid with its community and street
    problems = problems.select_related("entry__household", "entry__area__parent__parent__parent")
    problems = list(problems.order_by(*ordering)[:INBOX_LIMIT])

    heads = heads_of(p.entry.household_id for p in problems)
    measures = defaultdict(list)
    by_pk = {p.pk: p for p in problems}
    for m in (
        scope.measures()
        .filter(problem__in=list(by_pk))
        .select_related("owner_unit", "owner")
        .order_by("deadline", "id")
    ):
        m.problem = by_pk[m.problem_id]
        m.entry = m.problem.entry
        measures[m.problem_id].append(m)

    today = timezone.localdate()
    rows = []
    for problem in problems:
        head = heads.get(problem.entry.household_id)
        level, note = deadline_note(problem, today)
        step_forms = _problem_forms(problem, mode, scope)
        if failed and failed[:2] == ("problem", problem.pk):
            step_forms[failed[2]] = failed[3]
        measure_rows = []
        for m in measures[problem.pk]:
            m_forms = _measure_forms(m, mode, scope)
            if failed and failed[:2] == ("measure", m.pk):
                m_forms[failed[2]] = failed[3]
            measure_rows.append({"measure": m, "forms": m_forms})
        rows.append(
            {
                "problem": problem,
                "head": shown_name(scope, head.name) if head else "",
                "phone": scope.show_phone(head.phone) if head else "",
                "level": level,
                "deadline_note": note,
                "forms": step_forms,
                "measures": measure_rows,
            }
        )
    return render(
        request,
        "casework/work/inbox.html",
        {
            "mode": mode,
            "tab": tab,
            "tab_label": label,
            "tabs": [
                (code, name, sum(by_status.get(s, 0) for s in sts)) for code, name, sts, _ in tabs
            ],
            "rows": rows,
            "limit": INBOX_LIMIT,
            "department": scope.grants.department,
            "department_label": user.unit.get_department_display() if user.unit_id else "",
        },
        status=status,
    )


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    mode = inbox_mode(request.user)
    if not mode:
        raise PermissionDenied("您的角色没有部门待办")
    return _render_inbox(request, mode, request.GET.get("tab"))


def _problem_form(step: str, problem: Problem, data, files):
    auto = f"p{problem.pk}-{step}-%s"
    if step == "accept":
        return forms.Form(data)
    if step == "return":
        return ReturnForm(data, auto_id=auto)
    if step == "transfer":
        return TransferForm(data, current=problem.department, auto_id=auto)
    if step == "resolve":
        return ResolveForm(data, auto_id=auto)
    if step == "dispatch":
        return DispatchForm(data, auto_id=auto)
    return ProblemMeasureForm(data, auto_id=auto)


def _do_problem_step(step: str, problem: Problem, data: dict, request: HttpRequest) -> str:
    """Run the action; the success message."""
    by = request.user
    if step == "accept":
        actions.accept_problem(problem, by=by, request=request)
        return f"已签收: {problem.title}"
    if step == "return":
        actions.return_problem(problem, reason=data["reason"], by=by, request=request)
        return f"已退回: {problem.title}"
    if step == "transfer":
        done = actions.transfer_problem(
            problem,
            to_department=data["to_department"],
            reason=data["reason"],
            by=by,
            request=request,
        )
        return f"已转办至{done.get_department_display()}: {problem.title}"
    if step == "resolve":
        actions.resolve_problem(problem, result=data["result"], by=by, request=request)
        return f"已办结: {problem.title}"
    if step == "dispatch":
        done = actions.dispatch_problem(
            problem, department=data["department"], by=by, request=request
        )
        return f"已派单至{done.get_department_display()}, 办理时限 {done.due_on:%Y-%m-%d}: {problem.title}"
    actions.add_measure(
        problem.entry,
        problem=problem,
        action=data["action"],
        deadline=data["deadline"],
        by=by,
        request=request,
    )
    return f"已添加帮扶措施: {problem.title}"


def _back_to_inbox(request: HttpRequest, mode: str, problem: Problem) -> str:
    """The tab where the problem now is, anchored on it; the tab the user was on when it has
    left the inbox (transferred to another department)."""
    problem.refresh_from_db(fields=["status", "department"])
    if mode == "area" or problem.department == scope_of(request.user).department:
        tab = _tab_of(mode, problem.status)
    else:
        tab = request.POST.get("tab", "")
    return f"{reverse('casework:inbox')}?tab={tab}#problem-{problem.pk}"


@login_required
@require_POST
def problem_step(request: HttpRequest, problem_id: int, step: str) -> HttpResponse:
    """One step on one problem from the inbox: accept, return, transfer, resolve (the
    department), dispatch (area staff), add a measure (the department, once accepted)."""
    mode = inbox_mode(request.user)
    if not mode:
        raise PermissionDenied("您的角色没有部门待办")
    if step not in PROBLEM_STEPS:
        raise Http404("没有这个操作")
    try:
        problem = problem_for(request.user, problem_id)
    except Problem.DoesNotExist:
        raise Http404("问题不存在") from None
    form = _problem_form(step, problem, request.POST, request.FILES)
    if form.is_valid():
        try:
            done = _do_problem_step(step, problem, form.cleaned_data, request)
        except actions.CaseworkError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, done)
            return redirect(_back_to_inbox(request, mode, problem))
    return _render_inbox(
        request,
        mode,
        _tab_of(mode, problem.status),
        failed=("problem", problem.pk, step, form),
        status=400,
    )


@login_required
@require_POST
def measure_step(request: HttpRequest, measure_id: int, step: str) -> HttpResponse:
    """Update or close a measure from the inbox, under its optimistic lock: the form carries
    the version the page showed; a measure saved meanwhile by someone else is refused."""
    mode = inbox_mode(request.user)
    if not mode:
        raise PermissionDenied("您的角色没有部门待办")
    if step not in MEASURE_STEPS:
        raise Http404("没有这个操作")
    try:
        measure = measure_for(request.user, measure_id)
    except Measure.DoesNotExist:
        raise Http404("帮扶措施不存在") from None
    form_class = MeasureUpdateForm if step == "update" else MeasureCloseForm
    form = form_class(request.POST, request.FILES, auto_id=f"m{measure.pk}-{step}-%s")
    tab = _tab_of(mode, measure.problem.status) if measure.problem_id else ""
    if form.is_valid():
        data = form.cleaned_data
        try:
            if step == "update":
                actions.update_measure(
                    measure,
                    expected_version=data["version"],
                    action=data["action"],
                    deadline=data["deadline"],
                    status=data["status"],
                    result=data["result"],
                    by=request.user,
                    request=request,
                )
                done = "已保存帮扶措施"
            else:
                actions.close_measure(
                    measure,
                    result=data["result"],
                    evidence=data["evidence"],
                    expected_version=data["version"],
                    by=request.user,
                    request=request,
                )
                done = "帮扶措施已完成"
        except actions.ConflictError as stale:
            # the page was stale: show the measure as it is now
            messages.error(request, str(stale))
            return redirect(f"{reverse('casework:inbox')}?tab={tab}#measure-{measure.pk}")
        except actions.CaseworkError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, f"{done}: {measure.action[:40]}")
            return redirect(f"{reverse('casework:inbox')}?tab={tab}#measure-{measure.pk}")
    return _render_inbox(request, mode, tab, failed=("measure", measure.pk, step, form), status=400)

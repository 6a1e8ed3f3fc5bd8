"""Daily-work pages (see __init__); this module owns their `urlpatterns`:

- inbox.py: a department's inbox, and the area staff's dispatching;
- care_day.py: my Tuesday plan (page, print, xlsx) and the phone-sized visit form;
- here: proposal decisions (from the assessment proposals page), the routing table, the
  joint-meeting list, and the navigation's daily-work items;
- display.py: how these pages show heads of household, masked names and due dates.

Every row comes through the one scope (queries.ledger_scope): an object outside it is "not
found" (404); a page the user's role has no use for is 403."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from minqing.accounts import roles
from minqing.accounts.scopes import scope_of
from minqing.assessment.models import Proposal
from minqing.casework import actions, deadlines
from minqing.casework.forms import ProposalDecisionForm
from minqing.casework.models import Decision, ProblemType, RoutingRule
from minqing.casework.queries import joint_meeting_list, ledger_scope
from minqing.casework.views.care_day import care_day, care_day_xlsx, plans_visits, visit_new
from minqing.casework.views.display import deadline_note, heads_of, next_url, shown_name
from minqing.casework.views.inbox import INBOX_LIMIT, inbox, inbox_mode, measure_step, problem_step

__all__ = ["inbox_mode", "nav_items", "plans_visits", "reads_routing", "sees_joint_meeting"]

CARE_DAY_VIEWS = {"casework:care_day", "casework:visit_new"}
INBOX_VIEWS = {"casework:inbox", "casework:problem_step", "casework:measure_step"}


def sees_joint_meeting(user) -> bool:
    """重大疑难: the district leader, street and community staff."""
    g = scope_of(user)
    return g.everything or g.manages


def reads_routing(user) -> bool:
    """The routing table: area staff, department clerks, the leader, and whoever may view the
    rules in the admin."""
    g = scope_of(user)
    return (
        g.everything
        or g.area is not None
        or bool(g.department)
        or user.has_perm("casework.view_routingrule")
    )


def nav_items(user, role_codes: set[str]) -> list[tuple[str, str, set[str]]]:
    """The navigation's daily-work items (label, url, the views under which it is current)."""
    g = scope_of(user)
    items = []
    if g.sees_residents and (g.paired or roles.COMMUNITY_STAFF in role_codes):
        items.append(("我的走访计划", reverse("casework:care_day"), CARE_DAY_VIEWS))
    if inbox_mode(user):
        items.append(("部门待办", reverse("casework:inbox"), INBOX_VIEWS))
    if g.everything or (g.manages and roles.STREET_STAFF in role_codes):
        items.append(("联席会议", reverse("casework:joint_meeting"), {"casework:joint_meeting"}))
    return items


@login_required
@require_POST
def proposal_decide(request: HttpRequest, proposal_id: int) -> HttpResponse:
    """Confirm or reject an open proposal with a reason (from the proposals page)."""
    scope = ledger_scope(request.user)
    try:
        proposal = Proposal.objects.select_related("household", "household__area").get(
            pk=proposal_id, household__in=scope.households()
        )
    except Proposal.DoesNotExist:
        raise Http404("建议不存在") from None
    if not scope.may_review(proposal.household):
        raise PermissionDenied("您不能核实该户的台账建议")
    form = ProposalDecisionForm(request.POST)
    if not form.is_valid():
        first = next(iter(form.errors.values()))[0]
        messages.error(request, f"{proposal.household}: {first}")
    else:
        data = form.cleaned_data
        decide = (
            actions.confirm_proposal
            if data["decision"] == Decision.CONFIRM
            else actions.reject_proposal
        )
        try:
            decide(proposal, reason=data["reason"], by=request.user, request=request)
        except actions.CaseworkError as refused:
            messages.error(request, f"{proposal.household}: {refused}")
        else:
            verb = "确认" if data["decision"] == Decision.CONFIRM else "否决"
            messages.success(
                request, f"已{verb}「{proposal.get_kind_display()}」: {proposal.household}"
            )
    return redirect(next_url(request, reverse("assessment:proposals")))


@login_required
@require_GET
def routing(request: HttpRequest) -> HttpResponse:
    """The routing table: problem type × area → department (edited in the admin)."""
    if not reads_routing(request.user):
        raise PermissionDenied("您的角色不查看派单规则")
    rules = defaultdict(list)
    for rule in RoutingRule.objects.select_related("area").order_by("area__path", "id"):
        rules[rule.problem_type].append(rule)
    rows = []
    for code, label in ProblemType.choices:
        found = rules.get(code, [])
        default = next((r for r in found if r.area_id is None), None)
        rows.append(
            {
                "type": label,
                "default": default,
                "overrides": [r for r in found if r.area_id is not None],
            }
        )
    return render(
        request,
        "casework/work/routing.html",
        {
            "rows": rows,
            "may_edit": request.user.has_perm("casework.change_routingrule"),
            "handling_workdays": deadlines.HANDLING_WORKDAYS,
            "major_workdays": deadlines.MAJOR_HANDLING_WORKDAYS,
            "escalate_after": deadlines.ESCALATE_AFTER,
        },
    )


@login_required
@require_GET
def joint_meeting(request: HttpRequest) -> HttpResponse:
    """重大疑难: the open major problems of the user's scope, for the district joint meeting."""
    if not sees_joint_meeting(request.user):
        raise PermissionDenied("您的角色不查看联席会议清单")
    scope = ledger_scope(request.user)
    problems = list(
        joint_meeting_list(request.user).select_related("entry__area__parent__parent__parent")[
            :INBOX_LIMIT
        ]
    )
    heads = heads_of(p.entry.household_id for p in problems)
    today = timezone.localdate()
    rows = []
    for problem in problems:
        head = heads.get(problem.entry.household_id)
        level, note = deadline_note(problem, today)
        rows.append(
            {
                "problem": problem,
                "head": shown_name(scope, head.name) if head else "",
                "level": level,
                "deadline_note": note,
                "days_open": (today - problem.raised_on).days,
            }
        )
    return render(
        request,
        "casework/work/joint_meeting.html",
        {"rows": rows, "limit": INBOX_LIMIT, "total": joint_meeting_list(request.user).count()},
    )


urlpatterns = [
    path("inbox/", inbox, name="inbox"),
    path("inbox/problems/<int:problem_id>/<slug:step>/", problem_step, name="problem_step"),
    path("inbox/measures/<int:measure_id>/<slug:step>/", measure_step, name="measure_step"),
    path("care-day/", care_day, name="care_day"),
    path("care-day.xlsx", care_day_xlsx, name="care_day_xlsx"),
    path("visits/new/<int:household_id>/", visit_new, name="visit_new"),
    path("proposals/<int:proposal_id>/decide/", proposal_decide, name="proposal_decide"),
    path("routing/", routing, name="routing"),
    path("joint-meeting/", joint_meeting, name="joint_meeting"),
]

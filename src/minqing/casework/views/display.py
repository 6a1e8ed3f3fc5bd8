"""How the daily-work pages show people and deadlines: household heads fetched in one query,
names masked for a read-only role, family types as labels, the due date of a problem in words."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from minqing.assessment.classify import TYPE_LABELS
from minqing.casework import deadlines
from minqing.casework.actions.common import codes
from minqing.casework.models import OverdueLevel, Problem, ProblemStatus
from minqing.registry.models import Membership, Relation


def heads_of(household_ids) -> dict:
    """Household id → its head (Person), in one query."""
    rows = Membership.objects.filter(
        household_id__in=set(household_ids), relation=Relation.HEAD
    ).select_related("person")
    return {m.household_id: m.person for m in rows}


def shown_name(scope, name: str) -> str:
    """A read-only role (the district leader) sees personal data masked: 李秀英 → 李**."""
    if not name or not scope.is_read_only:
        return name or ""
    return name[0] + "*" * (len(name) - 1)


def type_labels(types) -> list[str]:
    return [TYPE_LABELS.get(code, code) for code in codes(types)]


def next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def deadline_note(problem: Problem, today: dt.date) -> tuple[int, str]:
    """(overdue level, what to say about the due date) of a running problem."""
    if problem.status not in (ProblemStatus.DISPATCHED, ProblemStatus.ACCEPTED):
        return 0, ""
    if problem.due_on is None:
        return 0, ""
    level = max(problem.overdue_level, deadlines.overdue_level(problem.due_on, today))
    if level:
        late = deadlines.calendar().workdays_between(problem.due_on, today)
        label = OverdueLevel(level).label
        return level, f"{label}: 已超期 {late} 个工作日" if late else label
    left = deadlines.calendar().workdays_between(today, problem.due_on)
    return 0, "今日到期" if left == 0 else f"剩 {left} 个工作日"

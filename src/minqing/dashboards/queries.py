"""The dashboards' figures, each aggregated in the database within the user's one scope
(casework.queries.ledger_scope): the district leader gets the whole district, area staff their
subtree, a cadre their paired households, a department what is routed to it.

Each function runs a fixed number of queries however many rows there are (tests count them).

Definitions (docs/casework.md, "Dashboards"):
- 签收率 (acceptance rate) of a department: of the problems now routed to it that were
  dispatched (派单日期 set: 已派单 已签收 已退回 已办结), the share it accepted (签收日期 set). A
  problem still inside its 签收时限 (ACCEPT_WORKDAYS working days after dispatch) and not yet
  accepted is pending, not a failure: it counts once accepted, returned or late.
- 按时办结率 (on-time rate): of its resolved problems with a due date, the share resolved on or
  before the due date (办结日期 ≤ 办理时限).
- A rate over nothing is None (shown as "—", never 0 %).
- 漏保 / 错保 found: findings of the latest assessment with status missed / mismatch, of the
  households whose assessment the user may see; confirmed: of those, the households a person
  has since put into the ledger (an entry not 已退出).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Q, TextField
from django.db.models.functions import Cast, TruncWeek

from minqing.accounts.models import Department
from minqing.assessment.classify import CATEGORY_LABELS, TYPE_LABELS
from minqing.assessment.models import Finding, FindingStatus, Proposal
from minqing.assessment.queries import households_for, may_see_assessments
from minqing.casework.deadlines import ACCEPT_WORKDAYS, add_workdays, overdue_level
from minqing.casework.models import (
    ACTIVE_ENTRY,
    CATEGORY_ORDER,
    EntryStatus,
    OverdueLevel,
    ProblemStatus,
)
from minqing.casework.queries import ledger_scope
from minqing.policies import POLICY_LABELS
from minqing.registry.models import Membership

WEEKS = 12
OVERDUE_LIMIT = 50
DEPARTMENT_LABELS = dict(Department.choices)
LEVEL_LABELS = {
    OverdueLevel.REMINDER: "提醒",
    OverdueLevel.SUPERVISION: "督办",
}
FOUND_STATUSES = (FindingStatus.MISSED, FindingStatus.MISMATCH)


def rate(part: int, whole: int) -> float | None:
    """part ÷ whole as a percentage with one decimal; None when there is nothing to divide."""
    if not whole:
        return None
    return round(100 * part / whole, 1)


# 1. the ledger's figures ------------------------------------------------------------------------


def _by_type_and_category(prefix: str) -> dict:
    """Conditional counts for one aggregate: per family type (a code inside the JSON list: no
    code is part of another, as in the ledger's filter) and per category."""
    counts = {}
    for code in TYPE_LABELS:
        counts[f"type_{code}"] = Count("pk", filter=Q(types_text__contains=f'"{code}"'))
    for code in CATEGORY_ORDER:
        counts[f"category_{code}"] = Count("pk", filter=Q(**{f"{prefix}category": code}))
    return counts


def ledger_figures(user) -> dict:
    """台账家庭 N 户 M 人, by family type and by category, for entries not 已退出. Two queries."""
    entries = ledger_scope(user).entries().active()
    households = (
        entries.order_by()
        .alias(types_text=Cast("types", TextField()))
        .aggregate(total=Count("pk"), **_by_type_and_category(""))
    )
    persons = (
        Membership.objects.filter(household__ledger_entry__in=entries.values("pk"))
        .counted()
        .order_by()
        .alias(types_text=Cast("household__ledger_entry__types", TextField()))
        .aggregate(total=Count("pk"), **_by_type_and_category("household__ledger_entry__"))
    )
    return {
        "households": households["total"],
        "persons": persons["total"],
        "types": [
            {
                "code": code,
                "label": label,
                "households": households[f"type_{code}"],
                "persons": persons[f"type_{code}"],
            }
            for code, label in TYPE_LABELS.items()
        ],
        "categories": [
            {
                "code": code,
                "label": CATEGORY_LABELS[code],
                "households": households[f"category_{code}"],
                "persons": persons[f"category_{code}"],
            }
            for code in CATEGORY_ORDER
        ],
    }


# 2. weekly inflow and outflow -------------------------------------------------------------------


def week_start(day: dt.date) -> dt.date:
    """The Monday of the ISO week of the day."""
    return day - dt.timedelta(days=day.weekday())


def _as_date(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def weekly_flow(user, *, today: dt.date, weeks: int = WEEKS) -> list[dict]:
    """Entries entered (纳入日期, any status now) and exited (已退出, by 退出日期) per ISO week,
    Monday to Sunday, the last `weeks` weeks (this one included, whole), oldest first; `net` is
    the change of the ledger that week. Each figure is what the ledger list shows for
    entered_from/entered_to (status all), or exited_from/exited_to (status exited), of the
    week's Monday and Sunday. Two queries."""
    first = week_start(today) - dt.timedelta(weeks=weeks - 1)
    last = week_start(today) + dt.timedelta(days=6)
    entries = ledger_scope(user).entries().order_by()

    def per_week(dated, field: str) -> dict[dt.date, int]:
        rows = (
            dated.annotate(week=TruncWeek(field))
            .values("week")
            .annotate(n=Count("pk"))
            .values_list("week", "n")
        )
        return {_as_date(week): n for week, n in rows}

    entered = per_week(entries.entered_within(first, last), "entered_on")
    exited = per_week(
        entries.filter(status=EntryStatus.EXITED).exited_within(first, last), "exited_on"
    )
    result = []
    for i in range(weeks):
        monday = first + dt.timedelta(weeks=i)
        year, number, _ = monday.isocalendar()
        into, out = entered.get(monday, 0), exited.get(monday, 0)
        result.append(
            {
                "week": monday,
                "sunday": monday + dt.timedelta(days=6),
                "label": f"{year}年第{number}周",
                "short": f"{monday:%m-%d}",
                "entered": into,
                "exited": out,
                "net": into - out,
            }
        )
    return result


# 3. departments ----------------------------------------------------------------------------------


def acceptance_cutoff(today: dt.date) -> dt.date:
    """The latest dispatch day whose 签收时限 has passed by `today` (working days)."""
    day = today - dt.timedelta(days=1)
    while add_workdays(day, ACCEPT_WORKDAYS) >= today:
        day -= dt.timedelta(days=1)
    return day


def department_rates(user, *, today: dt.date) -> list[dict]:
    """Per department with problems in the scope: dispatched, accepted, resolved, on time,
    open and overdue counts and the two rates (module docstring). One query."""
    resolved = Q(status=ProblemStatus.RESOLVED, due_on__isnull=False)
    # dispatched and no longer pending acceptance: accepted, returned, or past the 签收时限
    decided = Q(dispatched_on__isnull=False) & (
        Q(accepted_on__isnull=False)
        | Q(status=ProblemStatus.RETURNED)
        | Q(dispatched_on__lte=acceptance_cutoff(today))
    )
    rows = (
        ledger_scope(user)
        .problems()
        .exclude(status=ProblemStatus.DRAFT)
        .exclude(department="")
        .order_by()
        .values("department")
        .annotate(
            dispatched=Count("pk", filter=Q(dispatched_on__isnull=False)),
            awaiting=Count("pk", filter=Q(dispatched_on__isnull=False) & ~decided),
            accepted=Count("pk", filter=Q(dispatched_on__isnull=False, accepted_on__isnull=False)),
            resolved=Count("pk", filter=resolved),
            on_time=Count("pk", filter=resolved & Q(resolved_on__lte=F("due_on"))),
            running=Count(
                "pk", filter=Q(status__in=(ProblemStatus.DISPATCHED, ProblemStatus.ACCEPTED))
            ),
            overdue=Count(
                "pk",
                filter=Q(
                    status__in=(ProblemStatus.DISPATCHED, ProblemStatus.ACCEPTED),
                    due_on__lt=today,
                ),
            ),
        )
    )
    result = [
        {
            **row,
            "label": DEPARTMENT_LABELS.get(row["department"], row["department"]),
            "acceptance_rate": rate(row["accepted"], row["dispatched"] - row["awaiting"]),
            "on_time_rate": rate(row["on_time"], row["resolved"]),
        }
        for row in rows
    ]
    order = list(DEPARTMENT_LABELS)
    result.sort(key=lambda r: order.index(r["department"]) if r["department"] in order else 99)
    return result


# 4. the overdue list -----------------------------------------------------------------------------


@dataclass
class OverdueItem:
    kind: str  # 问题 / 帮扶措施
    title: str
    household_id: int
    household_number: str
    area: str
    department: str
    due_on: dt.date
    days_late: int
    level: int

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS.get(self.level, "")


def overdue_items(user, *, today: dt.date, limit: int = OVERDUE_LIMIT) -> dict:
    """Running problems past their due date and open measures past their deadline, 督办 first,
    then the longest overdue; at most `limit` of each, with the totals. Four queries.

    The level is the one the daily sweep gives (提醒, then 督办 after ESCALATE_AFTER working
    days); the stored level (set by the sweep) counts too, so a list read before or after
    today's sweep agrees with it."""
    scope = ledger_scope(user)
    related = ("entry__household", "entry__area")
    problems = scope.problems().overdue(today)
    measures = scope.measures().overdue(today)
    items = []
    for p in (
        problems.select_related(*related, "entry__area__parent")
        .defer("entry__area__geometry", "entry__area__parent__geometry")
        .order_by("-overdue_level", "due_on", "pk")[:limit]
    ):
        items.append(
            OverdueItem(
                kind="问题",
                title=p.title,
                household_id=p.entry.household_id,
                household_number=p.entry.household.number,
                area=_area_name(p.entry.area),
                department=DEPARTMENT_LABELS.get(p.department, ""),
                due_on=p.due_on,
                days_late=(today - p.due_on).days,
                level=max(p.overdue_level, overdue_level(p.due_on, today)),
            )
        )
    for m in (
        measures.select_related(*related, "entry__area__parent", "owner_unit")
        .defer("entry__area__geometry", "entry__area__parent__geometry")
        .order_by("deadline", "pk")[:limit]
    ):
        items.append(
            OverdueItem(
                kind="帮扶措施",
                title=m.action[:60],
                household_id=m.entry.household_id,
                household_number=m.entry.household.number,
                area=_area_name(m.entry.area),
                department=m.owner_unit.name if m.owner_unit_id else "",
                due_on=m.deadline,
                days_late=(today - m.deadline).days,
                level=max(m.overdue_level, overdue_level(m.deadline, today)),
            )
        )
    items.sort(key=lambda i: (-i.level, i.due_on, i.kind))
    return {
        "items": items,
        "problems": problems.count(),
        "measures": measures.count(),
        "supervised": sum(1 for i in items if i.level == OverdueLevel.SUPERVISION),
    }


def _area_name(area) -> str:
    parent = area.parent
    if parent is not None and parent.level != "district":
        return f"{parent.name}{area.name}"
    return area.name


# 5. 漏保 and 错保 --------------------------------------------------------------------------------


def findings_for(user):
    """Findings of the households whose assessment the user may see (not a department's)."""
    return Finding.objects.filter(household__in=households_for(user).values("pk"))


def in_ledger_q(prefix: str = "household__") -> Q:
    return Q(**{f"{prefix}ledger_entry__status__in": ACTIVE_ENTRY})


def coverage_findings(user) -> dict | None:
    """漏保 and 错保 per policy: found, and confirmed (the household is now in the ledger).
    None for a user who sees no assessments (a department). Two queries."""
    if not may_see_assessments(user):
        return None
    rows = (
        findings_for(user)
        .filter(status__in=FOUND_STATUSES)
        .order_by()
        .values("policy", "status")
        .annotate(found=Count("pk"), confirmed=Count("pk", filter=in_ledger_q()))
    )
    by_policy: dict[str, dict] = {}
    for row in rows:
        counts = by_policy.setdefault(
            row["policy"],
            {"missed": 0, "missed_confirmed": 0, "mismatch": 0, "mismatch_confirmed": 0},
        )
        counts[row["status"]] = row["found"]
        counts[f"{row['status']}_confirmed"] = row["confirmed"]
    policies = [
        {"code": code, "label": label, **by_policy[code]}
        for code, label in POLICY_LABELS.items()
        if code in by_policy
    ]
    open_proposals = Proposal.objects.open().filter(household__in=households_for(user).values("pk"))
    totals = {
        key: sum(p[key] for p in policies)
        for key in ("missed", "missed_confirmed", "mismatch", "mismatch_confirmed")
    }
    return {
        "policies": policies,
        "totals": totals,
        "open_proposals": open_proposals.count(),
    }


def finding_rows(user, *, policy: str = "", status: str = "", confirmed: bool = False):
    """The findings behind one number of the 漏保/错保 chart, by area."""
    findings = findings_for(user).filter(status__in=FOUND_STATUSES)
    if status:
        findings = findings.filter(status=status)
    if policy:
        findings = findings.filter(policy=policy)
    if confirmed:
        findings = findings.filter(in_ledger_q())
    return (
        findings.select_related("household", "household__area", "household__ledger_entry")
        .defer("household__area__geometry")
        .order_by("household__area__path", "household_id", "policy")
    )

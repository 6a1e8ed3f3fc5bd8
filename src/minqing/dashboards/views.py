"""工作看板: the ledger's figures, the weekly inflow and outflow, the departments' rates, the
overdue list and 漏保/错保, all within the user's one scope, each number a link to its list.

Read only: nothing here writes. A role without resident data (12345, the 三员) gets 403, as on
the ledger list; the 漏保/错保 list is for those who see assessments (not a department).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from minqing.assessment.models import FindingStatus
from minqing.assessment.queries import may_see_assessments
from minqing.casework.queries import ledger_scope
from minqing.dashboards import queries as q
from minqing.policies import POLICY_LABELS

FINDINGS_LIMIT = 200
FINDING_LABELS = {FindingStatus.MISSED: "漏保", FindingStatus.MISMATCH: "错保"}


def ledger_url(**filters) -> str:
    """The ledger list (/casework/) with its filters (casework.forms.LedgerFilterForm)."""
    query = urlencode({k: v for k, v in filters.items() if v not in (None, "")})
    return reverse("casework:ledger") + (f"?{query}" if query else "")


def entered_url(first, last) -> str:
    """The households entered (纳入日期) from `first` to `last`, whatever their status now:
    what queries.weekly_flow counts as 纳入."""
    return ledger_url(status="all", entered_from=first.isoformat(), entered_to=last.isoformat())


def exited_url(first, last) -> str:
    """The households 已退出 with 退出日期 from `first` to `last`: weekly_flow's 退出."""
    return ledger_url(status="exited", exited_from=first.isoformat(), exited_to=last.isoformat())


def findings_url(**filters) -> str:
    query = urlencode({k: v for k, v in filters.items() if v})
    return reverse("dashboards:findings") + (f"?{query}" if query else "")


def _with_links(ledger: dict, flow: list, departments: list, coverage: dict | None) -> None:
    for row in ledger["types"]:
        row["url"] = ledger_url(family_type=row["code"])
    for row in ledger["categories"]:
        row["url"] = ledger_url(category=row["code"])
    for row in flow:
        row["entered_url"] = entered_url(row["week"], row["sunday"])
        row["exited_url"] = exited_url(row["week"], row["sunday"])
    for row in departments:
        row["url"] = ledger_url(department=row["department"], status="all")
        row["overdue_url"] = ledger_url(department=row["department"], overdue="on")
    if coverage is not None:
        for row in coverage["policies"]:
            for status in ("missed", "mismatch"):
                row[f"{status}_url"] = findings_url(policy=row["code"], status=status)
                row[f"{status}_confirmed_url"] = findings_url(
                    policy=row["code"], status=status, confirmed="1"
                )


def _chart_data(
    ledger: dict, flow: list, departments: list, coverage: dict | None, *, today
) -> dict:
    """What dashboards.js draws: labels, values and the list URL of every point."""
    data = {
        "today": today.isoformat(),
        "types": {
            "labels": [r["label"] for r in ledger["types"]],
            "households": [r["households"] for r in ledger["types"]],
            "persons": [r["persons"] for r in ledger["types"]],
            "urls": [r["url"] for r in ledger["types"]],
        },
        "categories": [
            {"name": r["label"], "value": r["households"], "url": r["url"]}
            for r in ledger["categories"]
        ],
        "flow": {
            "labels": [r["short"] for r in flow],
            "titles": [r["label"] for r in flow],
            "entered": [r["entered"] for r in flow],
            "exited": [r["exited"] for r in flow],
            "net": [r["net"] for r in flow],
            "enteredUrls": [r["entered_url"] for r in flow],
            "exitedUrls": [r["exited_url"] for r in flow],
            # the whole period of the chart (the totals in its header)
            "enteredUrl": entered_url(flow[0]["week"], flow[-1]["sunday"]),
            "exitedUrl": exited_url(flow[0]["week"], flow[-1]["sunday"]),
        },
        "departments": {
            "labels": [r["label"] for r in departments],
            "acceptance": [r["acceptance_rate"] for r in departments],
            "onTime": [r["on_time_rate"] for r in departments],
            "urls": [r["url"] for r in departments],
        },
    }
    if coverage is not None:
        rows = coverage["policies"]
        data["findings"] = {
            "labels": [r["label"] for r in rows],
            "series": [
                {
                    "key": key,
                    "values": [r[key] for r in rows],
                    "urls": [r[f"{key}_url"] for r in rows],
                }
                for key in ("missed", "missed_confirmed", "mismatch", "mismatch_confirmed")
            ],
        }
    return data


def _sees_dashboards(request: HttpRequest):
    scope = ledger_scope(request.user)
    if not scope.sees_ledger:
        raise PermissionDenied("您的角色不查看居民数据, 没有工作看板")
    return scope


@never_cache
@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    scope = _sees_dashboards(request)
    today = timezone.localdate()
    user = request.user
    ledger = q.ledger_figures(user)
    flow = q.weekly_flow(user, today=today)
    departments = q.department_rates(user, today=today)
    overdue = q.overdue_items(user, today=today)
    coverage = q.coverage_findings(user)
    _with_links(ledger, flow, departments, coverage)
    return render(
        request,
        "dashboards/index.html",
        {
            "today": today,
            "ledger": ledger,
            "flow": flow,
            "flow_totals": {
                "entered": sum(r["entered"] for r in flow),
                "exited": sum(r["exited"] for r in flow),
            },
            "departments": departments,
            "overdue": overdue,
            "coverage": coverage,
            "charts": _chart_data(ledger, flow, departments, coverage, today=today),
            "urls": {
                "ledger": ledger_url(),
                "overdue": ledger_url(overdue="on"),
                "proposals": reverse("assessment:proposals"),
                "findings": findings_url(),
                "inbox": reverse("casework:inbox") if scope.grants.department else "",
            },
            "weeks": q.WEEKS,
            "scope_label": _scope_label(scope),
        },
    )


def _scope_label(scope) -> str:
    g = scope.grants
    if g.everything:
        return "全区"
    parts = []
    if g.area is not None:
        parts.append(g.area.name)
    if g.department:
        parts.append(f"{q.DEPARTMENT_LABELS.get(g.department, g.department)}承办的问题")
    if g.paired and g.area is None:
        parts.append("本人包联的家庭")
    return "、".join(parts) or "本人范围"


@never_cache
@login_required
@require_GET
def findings(request: HttpRequest) -> HttpResponse:
    """The households behind a 漏保/错保 number: policy, status, confirmed (in the ledger)."""
    _sees_dashboards(request)
    if not may_see_assessments(request.user):
        raise PermissionDenied("您的角色不查看家庭评估")
    policy = request.GET.get("policy", "")
    policy = policy if policy in POLICY_LABELS else ""
    status = request.GET.get("status", "")
    status = status if status in FINDING_LABELS else ""
    confirmed = request.GET.get("confirmed") == "1"
    found = q.finding_rows(request.user, policy=policy, status=status, confirmed=confirmed)
    rows = [
        {
            "finding": f,
            "policy": POLICY_LABELS.get(f.policy, f.policy),
            "status": FINDING_LABELS.get(f.status, f.status),
            "in_ledger": _in_ledger(f.household),
        }
        for f in found[:FINDINGS_LIMIT]
    ]
    title = "".join(
        [
            POLICY_LABELS.get(policy, ""),
            FINDING_LABELS.get(status, "漏保与错保"),
            "(已纳入台账)" if confirmed else "",
        ]
    )
    return render(
        request,
        "dashboards/findings.html",
        {
            "rows": rows,
            "total": found.count(),
            "limit": FINDINGS_LIMIT,
            "title": title,
            "policy": policy,
            "status": status,
            "confirmed": confirmed,
        },
    )


def _in_ledger(household) -> bool:
    entry = getattr(household, "ledger_entry", None)
    return entry is not None and entry.is_active


app_name = "dashboards"
urlpatterns = [
    path("", index, name="index"),
    path("findings/", findings, name="findings"),
]

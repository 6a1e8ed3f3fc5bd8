"""My Tuesday plan (家庭关爱日走访计划) as a page, for print and as xlsx, and the phone-sized
visit form, which may confirm or reject an assessment proposal for the household."""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods

from minqing.accounts.scopes import scope_of
from minqing.assessment.models import Proposal
from minqing.audit.actions import record
from minqing.casework import actions, deadlines
from minqing.casework.actions.common import codes
from minqing.casework.forms import VisitForm
from minqing.casework.models import Decision
from minqing.casework.queries import (
    care_day_plan,
    days_since_last_visit,
    household_for,
    ledger_scope,
)
from minqing.casework.views.display import heads_of, next_url, type_labels
from minqing.core.workbook import Column, Sheet, write_workbook
from minqing.registry.models import Household


def plans_visits(user) -> bool:
    """My Tuesday plan and the visit form: cadres, grid workers, community and street staff."""
    g = scope_of(user)
    return g.is_superuser or g.paired or g.area is not None


PROPOSALS_LIMIT = 100


def _care_day_on(request: HttpRequest) -> tuple[dt.date, str]:
    """The day of the plan: ?on=YYYY-MM-DD, else the next care day (Tuesday)."""
    default = deadlines.next_care_day(timezone.localdate())
    raw = request.GET.get("on", "")
    if not raw:
        return default, ""
    try:
        return dt.date.fromisoformat(raw), ""
    except ValueError:
        return default, f"日期「{raw}」无效, 已显示下一个家庭关爱日"


def _day_label(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def care_day_data(user, on: dt.date) -> dict:
    """My plan for the day: the households in care_day_plan order, each with its head, the
    overdue measures and an open proposal to verify; then the proposals of households not in the
    ledger (or not in the plan) that the user verifies on a visit."""
    scope = ledger_scope(user)
    entries = list(care_day_plan(user, on=on).select_related("household__area"))
    heads = heads_of(e.household_id for e in entries)
    overdue = defaultdict(list)
    for m in scope.measures().overdue(on).filter(entry_id__in=[e.pk for e in entries]):
        overdue[m.entry_id].append(m)
    household_ids = [e.household_id for e in entries]
    proposals = {
        p.household_id: p
        for p in Proposal.objects.open().filter(household_id__in=household_ids).order_by("id")
    }
    rows = []
    for number, entry in enumerate(entries, start=1):
        head = heads.get(entry.household_id)
        proposal = proposals.get(entry.household_id)
        rows.append(
            {
                "number": number,
                "entry": entry,
                "head": head.name if head else "",
                "id_number": scope.show_id(head.id_number) if head else "",
                "phone": scope.show_phone(head.phone) if head else "",
                "types": type_labels(entry.types),
                "days": days_since_last_visit(entry, on=on),
                "overdue": sorted(overdue[entry.pk], key=lambda m: m.deadline),
                "proposal": proposal if proposal and scope.may_review(entry.household) else None,
            }
        )
    to_verify = []
    g = scope.grants
    if g.area is not None or g.is_superuser:
        found = (
            Proposal.objects.open()
            .filter(g.area_q("household__area__path"))
            .exclude(household_id__in=household_ids)
            .select_related("household", "household__area", "household__assessment")
            .order_by("-household__assessment__risk", "household_id")[:PROPOSALS_LIMIT]
        )
        found = list(found)
        heads = heads_of(p.household_id for p in found)
        for p in found:
            head = heads.get(p.household_id)
            to_verify.append(
                {
                    "proposal": p,
                    "household": p.household,
                    "head": head.name if head else "",
                    "id_number": scope.show_id(head.id_number) if head else "",
                    "phone": scope.show_phone(head.phone) if head else "",
                    "types": type_labels(p.types),
                }
            )
    unit = str(user.unit) if user.unit_id else ""
    return {
        "on": on,
        "title": " ".join(x for x in (unit, str(user), _day_label(on), "家庭关爱日走访计划") if x),
        "rows": rows,
        "to_verify": to_verify,
        "to_verify_limit": PROPOSALS_LIMIT,
    }


@login_required
@require_GET
def care_day(request: HttpRequest) -> HttpResponse:
    if not plans_visits(request.user):
        raise PermissionDenied("您的角色没有走访计划")
    on, error = _care_day_on(request)
    context = care_day_data(request.user, on)
    context["error"] = error
    context["is_care_day"] = on.weekday() == deadlines.CARE_WEEKDAY
    context["next_care_day"] = deadlines.next_care_day(timezone.localdate())
    context["query"] = f"?on={on.isoformat()}"
    return render(request, "casework/work/care_day.html", context)


PLAN_COLUMNS = [
    Column("序号", "number", width=6, kind="int"),
    Column("户号", "household", width=14),
    Column("户主", "head", width=10),
    Column("身份证号", "id_number", width=22),
    Column("联系电话", "phone", width=14),
    Column("居住地址", "address", width=30),
    Column("类别", "category", width=14),
    Column("家庭类型", "types", width=18),
    Column("台账状态", "status", width=10),
    Column("超期措施", "overdue", width=30),
    Column("上次走访", "last_visit_on", width=12, kind="date"),
    Column("距上次走访", "days", width=10),
    Column("待核实建议", "proposal", width=14),
    Column("走访情况", "notes", width=30),
]
VERIFY_COLUMNS = [
    Column("序号", "number", width=6, kind="int"),
    Column("户号", "household", width=14),
    Column("户主", "head", width=10),
    Column("身份证号", "id_number", width=22),
    Column("联系电话", "phone", width=14),
    Column("居住地址", "address", width=30),
    Column("建议", "kind", width=14),
    Column("建议类别", "category", width=14),
    Column("家庭类型", "types", width=18),
    Column("核实结论", "notes", width=30),
]


@login_required
@require_GET
def care_day_xlsx(request: HttpRequest) -> HttpResponse:
    """The plan as an xlsx list (masked identifiers), audited as an export."""
    if not plans_visits(request.user):
        raise PermissionDenied("您的角色没有走访计划")
    on, _ = _care_day_on(request)
    data = care_day_data(request.user, on)
    plan = [
        {
            "number": row["number"],
            "household": str(row["entry"].household),
            "head": row["head"],
            "id_number": row["id_number"],
            "phone": row["phone"],
            "address": row["entry"].household.address,
            "category": row["entry"].get_category_display(),
            "types": "、".join(row["types"]),
            "status": row["entry"].get_status_display(),
            "overdue": "; ".join(f"{m.action[:30]}(时限 {m.deadline})" for m in row["overdue"]),
            "last_visit_on": row["entry"].last_visit_on,
            "days": "从未走访" if row["days"] is None else f"{row['days']} 天",
            "proposal": row["proposal"].get_kind_display() if row["proposal"] else "",
            "notes": "",
        }
        for row in data["rows"]
    ]
    sheets = [Sheet("走访计划", PLAN_COLUMNS, plan, title_line=data["title"])]
    if data["to_verify"]:
        verify = [
            {
                "number": n,
                "household": str(row["household"]),
                "head": row["head"],
                "id_number": row["id_number"],
                "phone": row["phone"],
                "address": row["household"].address,
                "kind": row["proposal"].get_kind_display(),
                "category": row["proposal"].get_category_display(),
                "types": "、".join(row["types"]),
                "notes": "",
            }
            for n, row in enumerate(data["to_verify"], start=1)
        ]
        sheets.append(
            Sheet("待核实建议", VERIFY_COLUMNS, verify, title_line=f"{data['title']}(待核实建议)")
        )
    stream = io.BytesIO()
    write_workbook(sheets, stream)
    record(
        "casework.export_care_day",
        by=request.user,
        request=request,
        summary=f"导出走访计划 {on}: {len(plan)} 户, 待核实建议 {len(data['to_verify'])} 户",
        details={"on": on.isoformat(), "rows": len(plan), "proposals": len(data["to_verify"])},
    )
    response = HttpResponse(
        stream.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"家庭关爱日走访计划-{on.isoformat()}.xlsx"
    )
    return response


def _reasons(proposal: Proposal) -> list[str]:
    """A proposal's reasons as text: risk factors ({label, weight}) or sentences."""
    shown = []
    for reason in codes(proposal.reasons):
        shown.append(reason.get("label", "") if isinstance(reason, dict) else str(reason))
    return [r for r in shown if r]


@login_required
@require_http_methods(["GET", "POST"])
def visit_new(request: HttpRequest, household_id: int) -> HttpResponse:
    """The phone-sized visit form; with an open proposal for the household (and a user who may
    decide it), the visit can confirm or reject it."""
    scope = ledger_scope(request.user)
    try:
        household = household_for(request.user, household_id)
    except Household.DoesNotExist:
        raise Http404("家庭户不存在") from None
    if not scope.may_visit(household):
        raise PermissionDenied("您不能记录该户的走访")
    entry = scope.entries().filter(household=household).first()
    proposal = None
    if scope.may_review(household):
        proposal = Proposal.objects.open().filter(household=household).order_by("-id").first()
    default_next = reverse("casework:care_day") if plans_visits(request.user) else "/"
    back = next_url(request, default_next)
    head = heads_of([household.pk]).get(household.pk)
    status = 200
    if request.method == "POST":
        form = VisitForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            decision = data["decision"]
            if decision and (proposal is None or data["proposal"] != proposal.pk):
                form.add_error(None, "该户的台账建议已有变化, 请刷新页面后重新核实")
            else:
                try:
                    actions.record_visit(
                        entry or household,
                        visited_on=data["visited_on"],
                        findings=data["findings"],
                        companions=data["companions"],
                        photos=data["photos"],
                        proposal=proposal if decision else None,
                        decision=decision or None,
                        reason=data["reason"],
                        by=request.user,
                        request=request,
                    )
                except actions.CaseworkError as refused:
                    form.add_error(None, str(refused))
                else:
                    done = f"已记录走访: {head.name if head else household}"
                    if decision == Decision.CONFIRM:
                        done += f", 已确认「{proposal.get_kind_display()}」"
                    elif decision == Decision.REJECT:
                        done += f", 已否决「{proposal.get_kind_display()}」"
                    messages.success(request, done)
                    return redirect(back)
        status = 400
    else:
        form = VisitForm(
            initial={
                "visited_on": timezone.localdate(),
                "proposal": proposal.pk if proposal else None,
            }
        )
    return render(
        request,
        "casework/work/visit.html",
        {
            "household": household,
            "entry": entry,
            "head": head.name if head else "",
            "phone": scope.show_phone(head.phone) if head else "",
            "types": type_labels(entry.types) if entry else [],
            "proposal": proposal,
            "proposal_types": type_labels(proposal.types) if proposal else [],
            "reasons": _reasons(proposal) if proposal else [],
            "form": form,
            "next": back,
        },
        status=status,
    )

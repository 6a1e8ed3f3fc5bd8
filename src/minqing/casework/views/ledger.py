"""Ledger pages: the ledger list (一台账) with its filters, one household's page with the forms
that move its entry, problems and measures along, the Excel export, and "show in full" of one
masked identifier.

Every read goes through the one scope (queries.ledger_scope): a household outside it is "not
found" (404), a role without the ledger gets 403 on the list and the export. Every write is an
action (casework.actions), which checks again and audits; a refusal is shown next to its form.
ID numbers and phones are shown through scope.show_id / show_phone only.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from minqing.accounts import roles
from minqing.accounts.models import Department, User
from minqing.areas.models import Area, Level
from minqing.assessment.classify import TYPE_LABELS
from minqing.assessment.models import Finding, FindingStatus, ProposalStatus
from minqing.audit.actions import record
from minqing.casework import actions
from minqing.casework.actions import CaseworkError, ConflictError, NotPermitted
from minqing.casework.forms import (
    ALL_STATUSES,
    EntryStatusForm,
    LedgerFilterForm,
    MeasureCloseForm,
    MeasureForm,
    MeasureUpdateForm,
    PairingForm,
    ProblemForm,
    ReclassifyForm,
    RevealForm,
)
from minqing.casework.models import (
    CATEGORY_ORDER,
    OPEN_MEASURE,
    EntryStatus,
    LedgerEntry,
    Measure,
    MeasureStatus,
    OverdueLevel,
    Problem,
    ProblemStatus,
)
from minqing.casework.queries import (
    LedgerScope,
    household_for,
    ledger_scope,
    search_entries,
    timeline,
    types_include,
)
from minqing.core.masking import mask_ids_in
from minqing.core.workbook import Column, Sheet, write_workbook
from minqing.linkage.models import RecordLink
from minqing.policies import POLICY_LABELS
from minqing.registry.models import Household, Membership, Person, Relation
from minqing.sources.models import SourceRecord

PER_PAGE = 50
DEPARTMENT_LABELS = dict(Department.choices)


def _sees_ledger(request: HttpRequest) -> LedgerScope:
    scope = ledger_scope(request.user)
    if not scope.sees_ledger:
        raise PermissionDenied("您的角色不查看台账")
    return scope


def _types(value) -> list[str]:
    return [TYPE_LABELS.get(code, code) for code in actions.common.codes(value)]


# the list and the export: filters ----------------------------------------------------------------


def area_options(scope: LedgerScope) -> list[tuple[int, str, str]]:
    """(id, label, path) of the streets, communities and grids the user may filter by: their
    subtree, and the grids of the entries they reach by pairing or a routed problem."""
    g = scope.grants
    areas = Area.objects.exclude(level=Level.DISTRICT)
    if not g.everything:
        reach = Q(pk__in=scope.entries().values("area_id"))
        if g.area is not None:
            reach |= Q(path__startswith=g.area.path)
        areas = areas.filter(reach)
    return [
        (a.pk, a.indented_name, a.path)
        for a in areas.only("pk", "name", "level", "path").order_by("path")
    ]


def filtered_entries(
    scope: LedgerScope, filters: dict, options: list, *, today: dt.date, with_status: bool = True
) -> QuerySet[LedgerEntry]:
    """The scope's entries narrowed by the list's filters (the status one left out when
    `with_status` is False: the counts per status on top of the list)."""
    entries = scope.entries()
    paths = {pk: area_path for pk, _, area_path in options}
    if filters.get("area") in paths:
        entries = entries.filter(area__path__startswith=paths[filters["area"]])
    if family_type := filters.get("family_type"):
        # a code inside the JSON list; no code is part of another (TYPE_LABELS)
        entries = entries.filter(types_include(family_type))
    if category := filters.get("category"):
        entries = entries.filter(category=category)
    if department := filters.get("department"):
        entries = entries.routed_to(department)
    if filters.get("overdue"):
        entries = entries.overdue(today)
    if text := filters.get("q", "").strip():
        entries = search_entries(scope, entries, text)
    entries = entries.entered_within(
        filters.get("entered_from"), filters.get("entered_to")
    ).exited_within(filters.get("exited_from"), filters.get("exited_to"))
    if with_status:
        status = filters.get("status", "")
        if status == ALL_STATUSES:
            pass
        elif status:
            entries = entries.filter(status=status)
        else:
            entries = entries.active()
    return entries


def _head() -> QuerySet[Membership]:
    """The head of the household (or, without one, its first member) for a subquery."""
    return Membership.objects.filter(household_id=OuterRef("household_id")).order_by(
        Case(When(relation=Relation.HEAD, then=Value(0)), default=Value(1)), "person_id"
    )


def _category_rank() -> Case:
    return Case(
        *[When(category=code, then=Value(rank)) for rank, code in enumerate(CATEGORY_ORDER)],
        default=Value(len(CATEGORY_ORDER)),
        output_field=IntegerField(),
    )


def with_columns(
    scope: LedgerScope, entries: QuerySet[LedgerEntry], *, today: dt.date
) -> QuerySet[LedgerEntry]:
    """The list's columns in one query, however many rows: the head's name and ID number,
    the open problems the user sees, whether anything is overdue (and 督办), the area, pairing."""
    open_problems = (
        scope.problems()
        .open()
        .filter(entry=OuterRef("pk"))
        .order_by()
        .values("entry")
        .annotate(n=Count("pk"))
        .values("n")
    )
    problems = Problem.objects.filter(entry=OuterRef("pk"))
    return (
        entries.select_related("household", "area", "area__parent", "cadre", "grid_worker")
        # the areas' boundaries are the map's, not the list's (each is kilobytes of GeoJSON)
        .defer("area__geometry", "area__parent__geometry")
        .annotate(
            head_name=Subquery(_head().values("person__name")[:1]),
            head_id_number=Subquery(_head().values("person__id_number")[:1]),
            head_phone=Subquery(_head().values("person__phone")[:1]),
            open_problems=Coalesce(Subquery(open_problems), 0),
            is_overdue=Exists(problems.overdue(today))
            | Exists(Measure.objects.filter(entry=OuterRef("pk")).overdue(today)),
            is_supervised=Exists(problems.running().filter(overdue_level=OverdueLevel.SUPERVISION)),
            category_rank=_category_rank(),
        )
        .order_by("category_rank", "area__path", "id")
    )


def _filters_of(request: HttpRequest, options: list) -> tuple[LedgerFilterForm, dict]:
    form = LedgerFilterForm(request.GET or None, areas=[(pk, label) for pk, label, _ in options])
    return form, (form.filters() if request.GET else {})


# the list ---------------------------------------------------------------------------------------


@never_cache
@login_required
def ledger(request: HttpRequest) -> HttpResponse:
    scope = _sees_ledger(request)
    today = timezone.localdate()
    options = area_options(scope)
    form, filters = _filters_of(request, options)
    if form.date_errors:
        # refused, not ignored: the list without the date would look filtered by it
        return render(
            request,
            "casework/ledger/list.html",
            {
                "form": form,
                "filters": filters,
                "date_errors": form.date_errors,
                "read_only": scope.is_read_only,
                "assigns_pairing": scope.grants.manages,
            },
            status=400,
        )
    counted = filtered_entries(scope, filters, options, today=today, with_status=False)
    by_status = dict(counted.order_by().values_list("status").annotate(n=Count("pk")))
    entries = filtered_entries(scope, filters, options, today=today)
    # a page of ids first, then the columns for those 50 only: with OFFSET, PostgreSQL would
    # compute every column of every row it skips (3 s at page 100 of 12,000 entries)
    ordered = entries.annotate(category_rank=_category_rank()).order_by(
        "category_rank", "area__path", "id"
    )
    page = Paginator(ordered.values_list("pk", flat=True), PER_PAGE).get_page(
        request.GET.get("page")
    )
    ids = list(page.object_list)
    found = {
        e.pk: e for e in with_columns(scope, LedgerEntry.objects.filter(pk__in=ids), today=today)
    }
    rows = [
        {
            "entry": found[pk],
            "types": _types(found[pk].types),
            "head_id": scope.show_id(found[pk].head_id_number),
        }
        for pk in ids
        if pk in found
    ]
    status_counts = [
        {"code": code, "label": label, "count": by_status.get(code, 0)}
        for code, label in EntryStatus.choices
    ]
    return render(
        request,
        "casework/ledger/list.html",
        {
            "form": form,
            "filters": filters,
            "rows": rows,
            "page_obj": page,
            "status_counts": status_counts,
            "active_total": sum(n for s, n in by_status.items() if s != EntryStatus.EXITED),
            "current_status": filters.get("status", ""),
            "read_only": scope.is_read_only,
            "assigns_pairing": scope.grants.manages,  # the pairing page (views/pairing.py)
        },
    )


# the export -------------------------------------------------------------------------------------


def _district_name() -> str:
    name = (
        Area.objects.filter(level=Level.DISTRICT)
        .order_by("code")
        .values_list("name", flat=True)
        .first()
    )
    return name or ""


def _as_of(today: dt.date) -> str:
    return f"（截至{today.year}年{today.month}月{today.day}日）"


ENTRY_COLUMNS = [
    Column("序号", "n", kind="int", width=6),
    Column("户号", "number"),
    Column("户主", "head"),
    Column("身份证号", "id_number", width=22),
    Column("联系电话", "phone", width=14),
    Column("居住地址", "address", width=36),
    Column("街道", "street"),
    Column("社区", "community"),
    Column("网格", "grid"),
    Column("家庭类型", "types", width=20),
    Column("类别", "category"),
    Column("状态", "status"),
    Column("纳入日期", "entered_on", kind="date"),
    Column("包联干部", "cadre"),
    Column("网格员", "grid_worker"),
    Column("未办结问题", "open_problems", kind="int"),
    Column("是否逾期", "overdue"),
    Column("最近走访", "last_visit_on", kind="date"),
]
PROBLEM_COLUMNS = [
    Column("序号", "n", kind="int", width=6),
    Column("户号", "number"),
    Column("户主", "head"),
    Column("网格", "grid"),
    Column("问题", "title", width=30),
    Column("问题类型", "problem_type"),
    Column("责任部门", "department"),
    Column("办理状态", "status"),
    Column("提出日期", "raised_on", kind="date"),
    Column("派单日期", "dispatched_on", kind="date"),
    Column("办理时限", "due_on", kind="date"),
    Column("逾期等级", "overdue_level"),
    Column("重大疑难", "is_major"),
    Column("办结日期", "resolved_on", kind="date"),
    Column("办结情况", "result", width=30),
]
MEASURE_COLUMNS = [
    Column("序号", "n", kind="int", width=6),
    Column("户号", "number"),
    Column("户主", "head"),
    Column("网格", "grid"),
    Column("帮扶措施", "action", width=36),
    Column("对应问题", "problem", width=24),
    Column("责任单位", "owner_unit"),
    Column("责任人", "owner"),
    Column("完成时限", "deadline", kind="date"),
    Column("状态", "status"),
    Column("落实情况", "result", width=30),
    Column("完成日期", "done_on", kind="date"),
]


def _area_names(area: Area) -> dict[str, str]:
    """Street, community and grid of a grid whose parent and grandparent were selected."""
    community = area.parent if area.parent_id else None
    street = community.parent if community is not None and community.parent_id else None
    return {
        "street": street.name if street else "",
        "community": community.name if community else "",
        "grid": area.name,
    }


def _entry_rows(scope: LedgerScope, entries, today: dt.date):
    for n, e in enumerate(entries.iterator(chunk_size=2000), start=1):
        yield {
            "n": n,
            "number": str(e.household),
            "head": e.head_name or "",
            "id_number": scope.show_id(e.head_id_number),
            "phone": scope.show_phone(e.head_phone),
            "address": e.household.address,
            **_area_names(e.area),
            "types": "、".join(_types(e.types)),
            "category": e.get_category_display(),
            "status": e.get_status_display(),
            "entered_on": e.entered_on,
            "cadre": str(e.cadre) if e.cadre_id else "",
            "grid_worker": str(e.grid_worker) if e.grid_worker_id else "",
            "open_problems": e.open_problems,
            "overdue": ("督办" if e.is_supervised else "逾期") if e.is_overdue else "",
            "last_visit_on": e.last_visit_on,
        }


def _list_items(qs: QuerySet, entry_ids: QuerySet) -> QuerySet:
    """Problems or measures of the exported entries, with their household's head."""
    head = Membership.objects.filter(household_id=OuterRef("entry__household_id")).order_by(
        Case(When(relation=Relation.HEAD, then=Value(0)), default=Value(1)), "person_id"
    )
    return (
        qs.filter(entry__in=entry_ids)
        .select_related("entry__household", "entry__area")
        .annotate(head_name=Subquery(head.values("person__name")[:1]))
        .order_by("entry__area__path", "entry_id", "id")
    )


def _problem_rows(problems):
    for n, p in enumerate(problems.iterator(chunk_size=2000), start=1):
        yield {
            "n": n,
            "number": str(p.entry.household),
            "head": p.head_name or "",
            "grid": p.entry.area.name,
            "title": p.title,
            "problem_type": p.get_problem_type_display(),
            "department": p.get_department_display() if p.department else "",
            "status": p.get_status_display(),
            "raised_on": p.raised_on,
            "dispatched_on": p.dispatched_on,
            "due_on": p.due_on,
            "overdue_level": p.get_overdue_level_display() if p.overdue_level else "",
            "is_major": "是" if p.is_major else "",
            "resolved_on": p.resolved_on,
            "result": p.result,
        }


def _measure_rows(measures):
    for n, m in enumerate(measures.iterator(chunk_size=2000), start=1):
        yield {
            "n": n,
            "number": str(m.entry.household),
            "head": m.head_name or "",
            "grid": m.entry.area.name,
            "action": m.action,
            "problem": m.problem.title if m.problem_id else "",
            "owner_unit": str(m.owner_unit) if m.owner_unit_id else "",
            "owner": str(m.owner) if m.owner_id else "",
            "deadline": m.deadline,
            "status": m.get_status_display(),
            "result": m.result,
            "done_on": m.done_on,
        }


def _filters_summary(form: LedgerFilterForm, filters: dict) -> str:
    parts = []
    for name, value in filters.items():
        field = form.fields[name]
        if name == "q":
            parts.append(f"搜索「{mask_ids_in(value)}」")
        elif name == "overdue":
            parts.append("仅逾期")
        elif isinstance(value, dt.date):
            parts.append(f"{field.label}: {value:%Y-%m-%d}")
        else:
            shown = dict(field.choices).get(value, value)
            parts.append(f"{field.label}: {str(shown).strip()}")
    return "; ".join(parts) or "无筛选"


@never_cache
@login_required
def export(request: HttpRequest) -> HttpResponse:
    """One workbook: 台账 / 问题清单 / 帮扶清单, under the list's filters and the user's scope."""
    scope = _sees_ledger(request)
    today = timezone.localdate()
    options = area_options(scope)
    form, filters = _filters_of(request, options)
    if form.date_errors:
        # the list, with the same query, says what is wrong with the dates
        return redirect(reverse("casework:ledger") + "?" + request.GET.urlencode())
    entries = filtered_entries(scope, filters, options, today=today)
    entry_ids = entries.values("pk")
    problems = _list_items(scope.problems(), entry_ids)
    measures = _list_items(scope.measures(), entry_ids).select_related(
        "problem", "owner_unit", "owner"
    )
    district = _district_name()
    as_of = _as_of(today)
    response = HttpResponse(
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = content_disposition_header(
        True, f"{district}一台账_{today:%Y%m%d}.xlsx"
    )
    write_workbook(
        [
            Sheet(
                "台账",
                ENTRY_COLUMNS,
                _entry_rows(
                    scope,
                    with_columns(scope, entries, today=today).select_related(
                        "area__parent__parent"
                    ),
                    today,
                ),
                title_line=f"{district}一台账{as_of}",
            ),
            Sheet(
                "问题清单",
                PROBLEM_COLUMNS,
                _problem_rows(problems),
                title_line=f"{district}问题清单{as_of}",
            ),
            Sheet(
                "帮扶清单",
                MEASURE_COLUMNS,
                _measure_rows(measures),
                title_line=f"{district}帮扶清单{as_of}",
            ),
        ],
        response,
    )
    summary = _filters_summary(form, filters)
    record(
        "casework.export",
        by=request.user,
        request=request,
        summary=f"导出台账(Excel): {summary}",
        details={"filters": {k: str(v) for k, v in filters.items()}},
    )
    return response


# the household page -----------------------------------------------------------------------------

FIELD_LABELS = {
    "status": "状态",
    "category": "类别",
    "types": "家庭类型",
    "cadre": "包联干部",
    "grid_worker": "网格员",
    "department": "责任部门",
    "due_on": "办理时限",
    "is_major": "重大疑难",
    "overdue_level": "逾期等级",
    "action": "帮扶措施",
    "deadline": "完成时限",
    "owner_unit": "责任单位",
    "owner": "责任人",
    "result": "落实情况",
    "area": "所在网格",
    "proposal": "台账建议",
    "decision": "核实结论",
    "problem_type": "问题类型",
}
PROPOSAL_STATUS_LABELS = dict(ProposalStatus.choices)
FINDING_ORDER = [s.value for s in FindingStatus]


def _shown_change(change) -> dict:
    def label(value: str) -> str:
        if change.field == "types":
            return "、".join(TYPE_LABELS.get(c, c) for c in value.split(",") if c)
        if change.field == "proposal":
            return PROPOSAL_STATUS_LABELS.get(value, value)
        return change.label(value)

    about = change.subject
    if change.measure_id:
        about = f"帮扶措施「{change.measure.action[:30]}」"
    elif change.problem_id:
        about = f"问题「{change.problem.title[:30]}」"
    return {
        "at": change.at,
        "by": str(change.by) if change.by_id else "系统",
        "about": about,
        "kind": change.get_kind_display(),
        "field": FIELD_LABELS.get(change.field, change.field),
        "from": label(change.from_value),
        "to": label(change.to_value),
        "reason": change.reason,
    }


def paired_candidates(scope: LedgerScope, role: str, current: User | None) -> list[User]:
    """Users holding the role in the assigning user's area (everyone for a superuser), and the
    one paired now."""
    g = scope.grants
    users = User.objects.filter(is_active=True, roles__code=role)
    if not g.is_superuser:
        users = (
            users.filter(unit__area__path__startswith=g.area.path)
            if g.area is not None
            else users.none()
        )
    found = list(users.distinct().order_by("full_name", "username"))
    if current is not None and current not in found:
        found.insert(0, current)
    return found


class HouseholdPage:
    """What one user sees of one household, and the forms they may use on it."""

    FORMS = (
        "status",
        "reclassify",
        "problem",
        "measure",
        "measure_update",
        "measure_close",
        "pairing",
    )

    def __init__(self, request: HttpRequest, household: Household):
        self.request = request
        self.user = request.user
        self.scope = ledger_scope(request.user)
        self.household = household
        self.entry = (
            LedgerEntry.objects.select_related("area", "area__parent", "cadre", "grid_worker")
            .filter(household=household)
            .first()
        )
        scope, entry = self.scope, self.entry
        # a household reached only through a routed problem: the minimum of personal data
        self.whole = entry is None or scope.sees_whole_household(entry)
        self.problems = (
            list(
                scope.problems()
                .filter(entry=entry)
                .select_related("entry__area", "raised_by")
                .order_by("-raised_on", "-id")
            )
            if entry
            else []
        )
        self.measures = (
            list(
                scope.measures()
                .filter(entry=entry)
                .select_related(
                    "entry__area", "problem", "problem__entry__area", "owner_unit", "owner"
                )
                .order_by(
                    Case(When(status__in=OPEN_MEASURE, then=Value(0)), default=Value(1)),
                    "deadline",
                    "id",
                )
            )
            if entry
            else []
        )
        self.errors: dict[str, str] = {}
        self.bound: dict[str, object] = {}
        self.measure_errors: dict[int, dict] = {}
        self.status = 200
        self.measure_problems: list[Problem] = []
        self.allowed = self._allowed()

    # what the user may do -------------------------------------------------------------------

    def _measure_problems(self) -> list[Problem]:
        """Problems a new measure may answer: all open ones for the household's own workers,
        the accepted ones for the department they are routed to."""
        scope, entry = self.scope, self.entry
        if scope.may_write_entry(entry):
            return [p for p in self.problems if p.is_open]
        return [
            p
            for p in self.problems
            if p.status == ProblemStatus.ACCEPTED and scope.may_handle_problem(p)
        ]

    def _allowed(self) -> dict[str, bool]:
        scope, entry = self.scope, self.entry
        if entry is None or scope.is_read_only:
            return dict.fromkeys(self.FORMS, False)
        workable = entry.status in (EntryStatus.LISTED, EntryStatus.HELPING, EntryStatus.RESOLVED)
        self.measure_problems = self._measure_problems()
        return {
            "status": scope.may_change_entry(entry)
            and any(entry.may_become(s) for s in EntryStatus.values),
            "reclassify": scope.may_change_entry(entry) and entry.is_active,
            "problem": scope.may_write_entry(entry) and workable,
            "measure": workable and (scope.may_write_entry(entry) or bool(self.measure_problems)),
            "pairing": scope.may_assign(entry) and entry.is_active,
        }

    def _measure_form_kwargs(self) -> dict:
        return {
            "problems": self.measure_problems,
            "problem_required": not self.scope.may_write_entry(self.entry),
        }

    def _pairing_form_kwargs(self) -> dict:
        return {
            "cadres": paired_candidates(self.scope, roles.CADRE, self.entry.cadre),
            "grid_workers": paired_candidates(
                self.scope, roles.GRID_WORKER, self.entry.grid_worker
            ),
        }

    # the POST side ----------------------------------------------------------------------------

    def post(self) -> HttpResponse | None:
        """Run the submitted form's action: a redirect back on success (PRG), None when the
        page is to be shown again with the error next to the form."""
        post = self.request.POST
        name = post.get("form", "")
        if self.entry is None:
            self._fail("page", "该户不在台账中")
            return None
        try:
            if name in ("measure_update", "measure_close"):
                return self._post_measure_edit(name)
            if name not in self.allowed:
                self._fail("page", "无法识别的操作")
                return None
            if not self.allowed[name]:
                raise NotPermitted()
            return getattr(self, f"_post_{name}")()
        except NotPermitted as refused:
            self._fail(name, str(refused), status=403)
        except ConflictError as refused:
            self._fail(name, str(refused), status=409)
        except CaseworkError as refused:
            self._fail(name, str(refused))
        return None

    def _fail(self, name: str, message: str, *, status: int = 400) -> None:
        # a form the user is not shown has its error on top of the page
        self.errors[name if self.allowed.get(name) else "page"] = message
        self.status = status

    def _done(self, message: str, anchor: str = "") -> HttpResponse:
        messages.success(self.request, message)
        url = reverse("casework:household", args=[self.household.pk])
        return redirect(f"{url}#{anchor}" if anchor else url)

    def _bind(self, name: str, form_class, **kwargs):
        form = form_class(self.request.POST, self.request.FILES, auto_id=f"{name}_%s", **kwargs)
        self.bound[name] = form
        if not form.is_valid():
            self.status = 400
            return None
        return form.cleaned_data

    def _entry_version(self) -> int | None:
        try:
            return int(self.request.POST.get("version", ""))
        except ValueError:
            return None

    def _post_status(self):
        data = self._bind("status", EntryStatusForm, entry=self.entry)
        if data is None:
            return None
        actions.change_entry_status(
            self.entry,
            to=data["to"],
            reason=data["reason"],
            by=self.user,
            expected_version=self._entry_version(),
            request=self.request,
        )
        return self._done(f"状态已变更为「{EntryStatus(data['to']).label}」", "entry")

    def _post_reclassify(self):
        data = self._bind("reclassify", ReclassifyForm)
        if data is None:
            return None
        actions.reclassify_entry(
            self.entry,
            category=data["category"],
            types=data["types"],
            reason=data["reason"],
            by=self.user,
            expected_version=self._entry_version(),
            request=self.request,
        )
        return self._done("类别和家庭类型已保存", "entry")

    def _post_problem(self):
        data = self._bind("problem", ProblemForm)
        if data is None:
            return None
        problem = actions.raise_problem(
            self.entry,
            title=data["title"],
            problem_type=data["problem_type"],
            description=data["description"],
            is_major=data["is_major"],
            dispatch=data["dispatch"],
            by=self.user,
            request=self.request,
        )
        message = f"已提出问题「{problem.title}」"
        if problem.status == ProblemStatus.DISPATCHED:
            message += f", 已派单至{problem.get_department_display()}, 办理时限 {problem.due_on}"
        elif data["dispatch"]:
            message += ", 派单规则未指定责任部门, 待派单"
        return self._done(message, "problems")

    def _post_measure(self):
        data = self._bind("measure", MeasureForm, **self._measure_form_kwargs())
        if data is None:
            return None
        problem = next((p for p in self.problems if p.pk == data["problem"]), None)
        actions.add_measure(
            self.entry,
            action=data["action"],
            deadline=data["deadline"],
            problem=problem,
            by=self.user,
            request=self.request,
        )
        return self._done("帮扶措施已添加", "measures")

    def _post_measure_edit(self, name: str):
        try:
            pk = int(self.request.POST.get("measure", ""))
        except ValueError:
            raise Http404("帮扶措施不存在") from None
        measure = next((m for m in self.measures if m.pk == pk), None)
        if measure is None:
            raise Http404("帮扶措施不存在")
        form_class = MeasureUpdateForm if name == "measure_update" else MeasureCloseForm
        auto_id = f"m{pk}_{name}_%s"
        form = form_class(self.request.POST, self.request.FILES, auto_id=auto_id)
        state = self.measure_errors.setdefault(pk, {"form": name})
        state[name] = form
        if not form.is_valid():
            self.status = 400
            return None
        data = form.cleaned_data
        try:
            if not self.scope.may_edit_measure(measure):
                raise NotPermitted()
            if name == "measure_update":
                actions.update_measure(
                    measure,
                    expected_version=data["version"],
                    by=self.user,
                    request=self.request,
                    action=data["action"],
                    deadline=data["deadline"],
                    status=data["status"],
                    result=data["result"],
                )
                return self._done("帮扶措施已保存", f"measure-{pk}")
            actions.close_measure(
                measure,
                result=data["result"],
                expected_version=data["version"],
                evidence=data.get("evidence"),
                by=self.user,
                request=self.request,
            )
            return self._done("帮扶措施已办结", f"measure-{pk}")
        except ConflictError as refused:
            current = Measure.objects.select_related("owner_unit", "owner").get(pk=pk)
            state["error"] = str(refused)
            state["current"] = current
            # the user's input is kept; saving again now overwrites the current values knowingly
            again = self.request.POST.copy()
            again["version"] = str(current.version)
            state[name] = form_class(again, self.request.FILES, auto_id=auto_id)
            state[name].is_valid()
            self.status = 409
        except NotPermitted as refused:
            state["error"] = str(refused)
            self.status = 403
        except CaseworkError as refused:
            state["error"] = str(refused)
            self.status = 400
        return None

    def _post_pairing(self):
        kwargs = self._pairing_form_kwargs()
        data = self._bind("pairing", PairingForm, **kwargs)
        if data is None:
            return None
        users = {u.pk: u for u in [*kwargs["cadres"], *kwargs["grid_workers"]]}
        changed = actions.assign_pairing(
            [self.entry],
            by=self.user,
            cadre=users.get(data["cadre"]),
            grid_worker=users.get(data["grid_worker"]),
            reason=data["reason"],
            request=self.request,
        )
        return self._done("包联已更新" if changed else "包联未变化", "entry")

    # the GET side -----------------------------------------------------------------------------

    def _form(self, name: str, form_class, **kwargs):
        if not self.allowed.get(name):
            return None
        if name in self.bound:
            return self.bound[name]
        return form_class(auto_id=f"{name}_%s", **kwargs)

    def _members(self) -> list[dict]:
        scope = self.scope
        members = self.household.memberships.select_related("person").order_by(
            Case(When(relation=Relation.HEAD, then=Value(0)), default=Value(1)), "person_id"
        )
        if not self.whole:
            members = members[:1]  # a department sees whom to contact, no more
        return [
            {
                "person": m.person,
                "relation": m.get_relation_display(),
                "sex": m.person.get_sex_display(),
                "birth_on": m.person.birth_on,
                "died_on": m.person.died_on,
                "id_number": scope.show_id(m.person.id_number),
                "phone": scope.show_phone(m.person.phone),
            }
            for m in members
        ]

    def _sources(self, members: list[dict]) -> list[dict]:
        persons = {m["person"].pk: m["person"] for m in members}
        links = list(
            RecordLink.objects.filter(person_id__in=persons)
            .select_related("source")
            .order_by("person_id", "source__name", "key")
        )
        imported = dict(
            SourceRecord.objects.filter(pk__in=[link.record_id for link in links]).values_list(
                "pk", "valid_from"
            )
        )
        full = self.scope.shows_identifiers
        return [
            {
                "person": persons[link.person_id].name,
                "source": link.source.name,
                "imported_at": imported.get(link.record_id),
                "key": link.key if full else mask_ids_in(link.key),
            }
            for link in links
        ]

    def _findings(self) -> list[dict]:
        findings = sorted(
            Finding.objects.filter(household=self.household),
            key=lambda f: (FINDING_ORDER.index(f.status), f.policy),
        )
        return [
            {
                "policy": POLICY_LABELS.get(f.policy, f.policy),
                "status": f.status,
                "status_label": f.get_status_display(),
                "amount": f.amount,
            }
            for f in findings
        ]

    def _measure_rows(self) -> list[dict]:
        scope = self.scope
        rows = []
        for m in self.measures:
            state = self.measure_errors.get(m.pk, {})
            editable = not scope.is_read_only and m.is_open and scope.may_edit_measure(m)
            update = close = None
            if editable:
                update = state.get("measure_update") or MeasureUpdateForm(
                    auto_id=f"m{m.pk}_measure_update_%s",
                    initial={
                        "version": m.version,
                        "action": m.action,
                        "deadline": m.deadline,
                        "status": m.status,
                        "result": m.result,
                    },
                )
                if m.status == MeasureStatus.IN_PROGRESS:
                    update.fields["status"].choices = [
                        (MeasureStatus.IN_PROGRESS, MeasureStatus.IN_PROGRESS.label)
                    ]
                close = state.get("measure_close") or MeasureCloseForm(
                    auto_id=f"m{m.pk}_measure_close_%s",
                    initial={"version": m.version, "result": m.result},
                )
            rows.append(
                {
                    "measure": m,
                    "update_form": update,
                    "close_form": close,
                    "open_form": state.get("form", ""),
                    "error": state.get("error", ""),
                    "current": state.get("current"),
                }
            )
        return rows

    def context(self) -> dict:
        scope, entry, whole = self.scope, self.entry, self.whole
        members = self._members()
        version = {"version": entry.version} if entry else {}
        forms = {}
        if entry is not None:
            forms = {
                "status": self._form("status", EntryStatusForm, entry=entry, initial=version),
                "reclassify": self._form(
                    "reclassify",
                    ReclassifyForm,
                    initial={
                        "category": entry.category,
                        "types": actions.common.codes(entry.types),
                    },
                ),
                "problem": self._form("problem", ProblemForm),
                "measure": self._form("measure", MeasureForm, **self._measure_form_kwargs())
                if self.allowed.get("measure")
                else None,
                "pairing": self._form(
                    "pairing",
                    PairingForm,
                    initial={"cadre": entry.cadre_id, "grid_worker": entry.grid_worker_id},
                    **self._pairing_form_kwargs(),
                )
                if self.allowed.get("pairing")
                else None,
            }
        today = timezone.localdate()
        return {
            "household": self.household,
            "entry": entry,
            "whole": whole,
            "head": members[0] if members else None,
            "types": _types(entry.types) if entry else [],
            "members": members,
            "may_reveal": scope.may_reveal and not scope.shows_identifiers,
            "sources": self._sources(members) if whole else [],
            "findings": self._findings() if whole else [],
            "problems": self.problems,
            "measures": self._measure_rows(),
            "visits": list(
                scope.visits()
                .filter(household=self.household)
                .select_related("by")
                .annotate(photo_count=Count("photos"))
            )
            if whole
            else [],
            "changes": [_shown_change(c) for c in timeline(self.user, self.household)],
            "forms": forms,
            "errors": self.errors,
            "version": entry.version if entry else None,
            "read_only": scope.is_read_only,
            "today": today,
        }


@never_cache
@login_required
def household(request: HttpRequest, household_id: int) -> HttpResponse:
    try:
        found = household_for(request.user, household_id)
    except Household.DoesNotExist:
        raise Http404("家庭户不存在") from None
    page = HouseholdPage(request, found)
    if request.method == "POST":
        done = page.post()
        if done is not None:
            return done
    return render(request, "casework/ledger/household.html", page.context(), status=page.status)


# show in full -----------------------------------------------------------------------------------


@never_cache
@login_required
@require_POST
def reveal(request: HttpRequest, person_id: int) -> HttpResponse:
    """One masked identifier in full, for a reason; the read is audited by the action, and the
    value is shown in this response only."""
    try:
        person = ledger_scope(request.user).persons().get(pk=person_id)
    except Person.DoesNotExist:
        raise Http404("人员不存在") from None
    form = RevealForm(request.POST)
    form.is_valid()
    field = form.cleaned_data.get("field", "")
    value, error, status = "", "", 200
    try:
        value = actions.reveal_identifier(
            user=request.user,
            obj=person,
            field=field,
            reason=form.cleaned_data.get("reason", ""),
            request=request,
        )
    except NotPermitted as refused:
        error, status = str(refused), 403
    except CaseworkError as refused:
        error, status = str(refused), 400
    context = {
        "person": person,
        "field": field,
        "field_label": actions.REVEALABLE.get(field, ""),
        "value": value,
        "error": error,
        "household_id": person.memberships.values_list("household_id", flat=True).first(),
    }
    if request.htmx:
        # htmx swaps only successful answers: the refusal is shown in place, with a 200
        return render(request, "casework/ledger/_revealed.html", context)
    return render(request, "casework/ledger/reveal.html", context, status=status)


urlpatterns = [
    path("", ledger, name="ledger"),
    path("households/<int:household_id>/", household, name="household"),
    path("export.xlsx", export, name="export"),
    path("persons/<int:person_id>/reveal/", reveal, name="reveal"),
]

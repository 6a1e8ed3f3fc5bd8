"""The shapes of the 台账 API (casework/api.py): what it takes, what it answers, and rows as
answers — masked through the caller's scope, with the Chinese label next to every code."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch
from django.utils import timezone
from ninja import Field, Schema

from minqing.accounts.models import Department, User
from minqing.assessment.classify import TYPE_LABELS
from minqing.assessment.models import Category, Proposal
from minqing.casework.actions.common import codes
from minqing.casework.models import Change, LedgerEntry, Measure, Problem, ProblemType, Visit
from minqing.casework.queries import LedgerScope
from minqing.registry.models import Membership, Relation

LIMIT = 50
LIMIT_MAX = 200
CATEGORY_LABELS = dict(Category.choices)
DEPARTMENT_LABELS = dict(Department.choices)


# answers --------------------------------------------------------------------------------------


class Error(Schema):
    detail: str


class AreaOut(Schema):
    code: str
    name: str


class UserRef(Schema):
    username: str
    name: str


class MemberOut(Schema):
    person_id: int
    name: str
    relation: str
    relation_label: str
    sex: str
    birth_on: dt.date | None
    id_number: str = Field(description="脱敏 (超级管理员除外)")
    phone: str = Field(description="脱敏 (超级管理员除外)")


class EntrySummary(Schema):
    id: int
    household_id: int
    household_number: str
    address: str
    area: AreaOut
    head: MemberOut | None
    status: str
    status_label: str
    category: str
    category_label: str
    types: list[str]
    type_labels: list[str]
    entered_on: dt.date | None
    exited_on: dt.date | None
    last_visit_on: dt.date | None
    cadre: UserRef | None
    grid_worker: UserRef | None
    is_overdue: bool = Field(description="有逾期未办结的问题或逾期未完成的帮扶措施")
    version: int


class EntryPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[EntrySummary]


class ProblemOut(Schema):
    id: int
    entry_id: int
    household_id: int
    household_number: str
    area: AreaOut
    title: str
    description: str
    problem_type: str
    problem_type_label: str
    status: str
    status_label: str
    department: str
    department_label: str
    raised_on: dt.date
    raised_by: str | None
    dispatched_on: dt.date | None
    accepted_on: dt.date | None
    resolved_on: dt.date | None
    due_on: dt.date | None
    is_overdue: bool
    overdue_level: int
    overdue_label: str
    is_major: bool
    return_reason: str
    result: str
    version: int


class ProblemPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ProblemOut]


class MeasureOut(Schema):
    id: int
    entry_id: int
    problem_id: int | None
    action: str
    owner_unit: str | None
    owner: UserRef | None
    deadline: dt.date
    status: str
    status_label: str
    result: str
    done_on: dt.date | None
    is_overdue: bool
    has_evidence: bool
    version: int


class VisitOut(Schema):
    id: int
    household_id: int
    entry_id: int | None
    visited_on: dt.date
    by: str | None
    companions: str
    findings: str
    proposal_id: int | None
    decision: str
    decision_label: str
    photos: int


class ProposalOut(Schema):
    id: int
    kind: str
    kind_label: str
    category: str
    category_label: str
    types: list[str]
    status: str
    status_label: str


class ChangeOut(Schema):
    id: int
    at: dt.datetime
    by: str | None
    subject: str = Field(description="台账 / 问题 / 帮扶措施 / 走访 / 建议")
    kind: str
    kind_label: str
    field: str
    from_value: str
    to_value: str
    from_label: str
    to_label: str
    reason: str
    problem_id: int | None
    measure_id: int | None
    visit_id: int | None


class Permissions(Schema):
    change_status: bool = Field(description="变更状态、调整类别")
    write: bool = Field(description="走访、提出问题、添加帮扶措施")
    assign: bool = Field(description="包联分配")
    reveal: bool = Field(description="可申请查看完整身份证号/电话 (需填写原因)")


class EntryDetail(EntrySummary):
    sees_whole_household: bool = Field(
        description="false: 部门只通过派给本部门的问题看到该户, 只显示户主 (个人信息最小化)"
    )
    members: list[MemberOut]
    problems: list[ProblemOut]
    measures: list[MeasureOut]
    visits: list[VisitOut]
    proposals: list[ProposalOut]
    timeline: list[ChangeOut]
    may: Permissions


class CareDayItem(EntrySummary):
    overdue_measures: int
    days_since_last_visit: int | None


class CareDay(Schema):
    on: dt.date
    items: list[CareDayItem]


class RevealOut(Schema):
    person_id: int
    field: str
    value: str


# inputs


def reason_field(what: str = "原因"):
    # optional in the schema, so that a missing reason gets the action's Chinese message (422)
    return Field("", description=f"{what} (必填)")


class StatusIn(Schema):
    to: str = Field(
        description="pending 待核实 / listed 在册 / helping 帮扶中 / resolved 已解决 / exited 已退出"
    )
    reason: str = reason_field()
    expected_version: int | None = Field(None, description="读取时的 version; 不一致则 409")


class CategoryIn(Schema):
    category: str = Field(
        description="general 一般生活类 / policy 政策保障类 / major 重大疑难问题类"
    )
    types: list[str] | None = Field(
        None,
        description="家庭类型: hardship / guardianship_gap / zero_employment / attention; 不填则不变",
    )
    reason: str = reason_field()
    expected_version: int | None = None


class PairingIn(Schema):
    cadre: str | None = Field(None, description="包联干部的用户名; null 取消; 不传则不变")
    grid_worker: str | None = Field(None, description="网格员的用户名; null 取消; 不传则不变")
    reason: str = ""


class GridPairingIn(Schema):
    """A whole grid: every household of the ledger in it (已退出 ones left out)."""

    cadre: str | None = Field(
        None, description="包联干部的用户名 (须是本辖区的包联干部); null 取消; 不传则不变"
    )
    grid_worker: str | None = Field(
        None, description="网格员的用户名 (须是本辖区的网格员); null 取消; 不传则不变"
    )
    reason: str = reason_field("调整原因")


class PairingDone(Schema):
    changed: int = Field(description="包联有变化的户数")


class ReasonIn(Schema):
    reason: str = reason_field()


class ProblemIn(Schema):
    title: str
    problem_type: str = Field(
        description="、".join(f"{v} {label}" for v, label in ProblemType.choices)
    )
    description: str = ""
    is_major: bool = False
    dispatch: bool = Field(False, description="按派单规则立即派单 (有责任部门且有权派单时)")


class DispatchIn(Schema):
    department: str | None = Field(None, description="责任部门代码; 不填则用派单规则给出的部门")
    workdays: int | None = Field(None, ge=1, le=120, description="办理时限 (工作日); 不填按默认")


class TransferIn(Schema):
    to_department: str
    reason: str = reason_field()
    workdays: int | None = Field(None, ge=1, le=120)


class ResolveIn(Schema):
    result: str = Field(description="办结情况")


class MajorIn(Schema):
    is_major: bool
    reason: str = reason_field()


class MeasureIn(Schema):
    action: str
    deadline: dt.date
    problem_id: int | None = Field(None, description="对应的问题 (该户的)")
    owner_unit_id: int | None = Field(None, description="责任单位; 不填为本人单位")
    owner: str | None = Field(None, description="责任人的用户名")


class MeasurePatch(Schema):
    expected_version: int = Field(description="读取时的 version (必填); 不一致则 409")
    action: str | None = None
    deadline: dt.date | None = None
    status: str | None = Field(
        None, description="只能改为 in_progress 进行中; 完成/取消用 close/cancel"
    )
    result: str | None = None
    owner_unit_id: int | None = None
    owner: str | None = Field(None, description="责任人的用户名; null 取消")


class CloseIn(Schema):
    result: str = Field(description="落实情况")
    expected_version: int | None = None


class CancelIn(Schema):
    reason: str = reason_field()
    expected_version: int | None = None


class VisitIn(Schema):
    visited_on: dt.date | None = Field(None, description="走访日期; 不填为今天")
    findings: str = Field(description="走访情况")
    companions: str = ""
    proposal_id: int | None = Field(None, description="本次走访核实的建议")
    decision: str | None = Field(
        None, description="confirm 确认 / reject 否决 (与 proposal_id 同时填写)"
    )
    reason: str = ""


class RevealIn(Schema):
    field: str = Field(description="id_number 身份证号 / phone 联系电话")
    reason: str = reason_field()


class EntryFilters(Schema):
    area: str = Field("", description="区域编码 (含下级)")
    type: str = Field("", description="家庭类型")
    category: str = ""
    status: str = Field("", description="不填: 已退出以外的各状态; all: 全部 (含已退出)")
    department: str = Field("", description="有派给该部门的问题")
    overdue: bool | None = None
    q: str = Field(
        "",
        description="成员姓名、身份证号、身份证号后四位、脱敏身份证号 (410811********123X)、户号",
    )
    entered_from: dt.date | None = Field(None, description="纳入日期不早于 (YYYY-MM-DD)")
    entered_to: dt.date | None = Field(None, description="纳入日期不晚于 (YYYY-MM-DD)")
    exited_from: dt.date | None = Field(None, description="退出日期不早于 (YYYY-MM-DD)")
    exited_to: dt.date | None = Field(None, description="退出日期不晚于 (YYYY-MM-DD)")
    limit: int = LIMIT
    offset: int = 0


class ProblemFilters(Schema):
    area: str = ""
    status: str = ""
    problem_type: str = ""
    department: str = ""
    overdue: bool | None = None
    is_major: bool | None = None
    limit: int = LIMIT
    offset: int = 0


# rows as answers ------------------------------------------------------------------------------


def user_ref(user: User | None) -> dict | None:
    return {"username": user.username, "name": str(user)} if user is not None else None


def member_of(scope: LedgerScope, membership: Membership) -> dict:
    person = membership.person
    return {
        "person_id": person.pk,
        "name": person.name,
        "relation": membership.relation,
        "relation_label": membership.get_relation_display(),
        "sex": person.sex,
        "birth_on": person.birth_on,
        "id_number": scope.show_id(person.id_number),
        "phone": scope.show_phone(person.phone),
    }


def prefetch_heads() -> Prefetch:
    heads = Membership.objects.filter(relation=Relation.HEAD).select_related("person")
    return Prefetch("household__memberships", queryset=heads, to_attr="heads")


def with_overdue(entries):
    today = timezone.localdate()
    return entries.annotate(
        problem_overdue=Exists(Problem.objects.filter(entry=OuterRef("pk")).overdue(today)),
        measure_overdue=Exists(Measure.objects.filter(entry=OuterRef("pk")).overdue(today)),
    )


def listed(entries):
    """Entries with what a summary shows, in a constant number of queries."""
    return with_overdue(
        entries.select_related("household", "area", "cadre", "grid_worker").prefetch_related(
            prefetch_heads()
        )
    )


def summary_of(scope: LedgerScope, entry: LedgerEntry) -> dict:
    types = codes(entry.types)
    heads = entry.household.heads  # prefetched: prefetch_heads()
    return {
        "id": entry.pk,
        "household_id": entry.household_id,
        "household_number": entry.household.number,
        "address": entry.household.address,
        "area": {"code": entry.area.code, "name": entry.area.name},
        "head": member_of(scope, heads[0]) if heads else None,
        "status": entry.status,
        "status_label": entry.get_status_display(),
        "category": entry.category,
        "category_label": CATEGORY_LABELS.get(entry.category, ""),
        "types": types,
        "type_labels": [TYPE_LABELS.get(t, t) for t in types],
        "entered_on": entry.entered_on,
        "exited_on": entry.exited_on,
        "last_visit_on": entry.last_visit_on,
        "cadre": user_ref(entry.cadre),
        "grid_worker": user_ref(entry.grid_worker),
        "is_overdue": bool(
            getattr(entry, "problem_overdue", False) or getattr(entry, "measure_overdue", False)
        ),
        "version": entry.version,
    }


def problem_of(problem: Problem) -> dict:
    entry = problem.entry
    return {
        "id": problem.pk,
        "entry_id": entry.pk,
        "household_id": entry.household_id,
        "household_number": entry.household.number,
        "area": {"code": entry.area.code, "name": entry.area.name},
        "title": problem.title,
        "description": problem.description,
        "problem_type": problem.problem_type,
        "problem_type_label": problem.get_problem_type_display(),
        "status": problem.status,
        "status_label": problem.get_status_display(),
        "department": problem.department,
        "department_label": DEPARTMENT_LABELS.get(problem.department, ""),
        "raised_on": problem.raised_on,
        "raised_by": str(problem.raised_by) if problem.raised_by_id else None,
        "dispatched_on": problem.dispatched_on,
        "accepted_on": problem.accepted_on,
        "resolved_on": problem.resolved_on,
        "due_on": problem.due_on,
        "is_overdue": problem.is_overdue,
        "overdue_level": problem.overdue_level,
        "overdue_label": problem.get_overdue_level_display(),
        "is_major": problem.is_major,
        "return_reason": problem.return_reason,
        "result": problem.result,
        "version": problem.version,
    }


def problem_rows(qs):
    return qs.select_related("entry", "entry__household", "entry__area", "raised_by")


def measure_of(measure: Measure) -> dict:
    return {
        "id": measure.pk,
        "entry_id": measure.entry_id,
        "problem_id": measure.problem_id,
        "action": measure.action,
        "owner_unit": measure.owner_unit.name if measure.owner_unit_id else None,
        "owner": user_ref(measure.owner),
        "deadline": measure.deadline,
        "status": measure.status,
        "status_label": measure.get_status_display(),
        "result": measure.result,
        "done_on": measure.done_on,
        "is_overdue": measure.is_overdue,
        "has_evidence": bool(measure.evidence),
        "version": measure.version,
    }


def measure_rows(qs):
    return qs.select_related("owner_unit", "owner")


def visit_of(visit: Visit) -> dict:
    return {
        "id": visit.pk,
        "household_id": visit.household_id,
        "entry_id": visit.entry_id,
        "visited_on": visit.visited_on,
        "by": str(visit.by) if visit.by_id else None,
        "companions": visit.companions,
        "findings": visit.findings,
        "proposal_id": visit.proposal_id,
        "decision": visit.decision,
        "decision_label": visit.get_decision_display() if visit.decision else "",
        "photos": visit.photo_count if hasattr(visit, "photo_count") else visit.photos.count(),
    }


def change_of(change: Change) -> dict:
    return {
        "id": change.pk,
        "at": change.at,
        "by": str(change.by) if change.by_id else None,
        "subject": change.subject,
        "kind": change.kind,
        "kind_label": change.get_kind_display(),
        "field": change.field,
        "from_value": change.from_value,
        "to_value": change.to_value,
        "from_label": change.from_label,
        "to_label": change.to_label,
        "reason": change.reason,
        "problem_id": change.problem_id,
        "measure_id": change.measure_id,
        "visit_id": change.visit_id,
    }


def proposal_of(proposal: Proposal) -> dict:
    return {
        "id": proposal.pk,
        "kind": proposal.kind,
        "kind_label": proposal.get_kind_display(),
        "category": proposal.category,
        "category_label": CATEGORY_LABELS.get(proposal.category, ""),
        "types": codes(proposal.types),
        "status": proposal.status,
        "status_label": proposal.get_status_display(),
    }


def answers(ok: Any, *refusals: int, created: bool = False) -> dict:
    """The response map for the OpenAPI page: the body on success, `{detail}` for refusals."""
    return {201 if created else 200: ok, **dict.fromkeys(refusals, Error)}

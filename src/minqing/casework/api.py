"""台账 API (一台账两清单): the same operations as the casework pages, with the same scope
(`queries.ledger_scope`) and through the same audited actions.

    GET   /api/casework/entries                        the ledger: filters, limit/offset; masked
    GET   /api/casework/entries/{id}                   one household: members, problems, measures,
                                                       visits, open proposals, timeline
    POST  /api/casework/entries/{id}/status            {to, reason, expected_version?}
    POST  /api/casework/entries/{id}/category          {category, types?, reason, expected_version?}
    POST  /api/casework/entries/{id}/pairing           {cadre?, grid_worker?, reason} (usernames)
    POST  /api/casework/areas/{code}/pairing           the same for every household of a grid
                                                       → {changed}
    POST  /api/casework/entries/{id}/problems          raise a problem                   → 201
    POST  /api/casework/entries/{id}/measures          add a measure                     → 201
    GET   /api/casework/households/{id}/timeline
    POST  /api/casework/households/{id}/visits         a visit, JSON (photos on the page) → 201
    POST  /api/casework/proposals/{id}/confirm         {reason}
    POST  /api/casework/proposals/{id}/reject          {reason}
    GET   /api/casework/problems                       a department's inbox; everyone else's scope
    GET   /api/casework/problems/{id}
    POST  /api/casework/problems/{id}/dispatch|accept|return|transfer|resolve|major
    GET   /api/casework/measures/{id}
    PATCH /api/casework/measures/{id}                  {expected_version, fields to change}
    POST  /api/casework/measures/{id}/close|cancel
    GET   /api/casework/care-day?on=YYYY-MM-DD         my care-day plan
    POST  /api/casework/persons/{id}/reveal            {field, reason} → the full value, audited

Status codes, the same for every operation:

    200 / 201  done (201: a problem, measure or visit was created)
    400  the request cannot be read: a field missing or of the wrong type, an unknown filter value
    401  no valid key and no session
    403  the object is in your scope, but your role may not do this (the message says why); the
         lists, for a role that sees no resident data (12345, the 三员)
    404  not found, or outside your scope: the two are never told apart
    409  stale version: someone saved the object after you read it (`expected_version`) — read
         it again, then retry
    422  the casework rules refuse it: a transition the status tables do not allow, a missing
         reason, a household not in the ledger … (the action's Chinese message, audited)

Identifiers come masked (410811********123X, 138****5678) except for a superuser; the full value
is `persons/{id}/reveal`, with a reason, for the roles that may ask.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Q
from django.utils import timezone
from ninja import Query, Router, Status
from ninja.errors import HttpError

from minqing.accounts.models import Department, Unit, User
from minqing.areas.models import Area, Level
from minqing.assessment.classify import TYPE_LABELS
from minqing.assessment.models import Category, Proposal
from minqing.assessment.queries import households_for as assessment_households
from minqing.casework import actions, deadlines, queries
from minqing.casework.models import (
    EntryStatus,
    LedgerEntry,
    Problem,
    ProblemStatus,
    ProblemType,
)
from minqing.casework.queries import LedgerScope, ledger_scope, search_entries, types_include
from minqing.casework.schemas import (
    LIMIT_MAX,
    CancelIn,
    CareDay,
    CategoryIn,
    ChangeOut,
    CloseIn,
    DispatchIn,
    EntryDetail,
    EntryFilters,
    EntryPage,
    GridPairingIn,
    MajorIn,
    MeasureIn,
    MeasureOut,
    MeasurePatch,
    PairingDone,
    PairingIn,
    ProblemFilters,
    ProblemIn,
    ProblemOut,
    ProblemPage,
    ProposalOut,
    ReasonIn,
    ResolveIn,
    RevealIn,
    RevealOut,
    StatusIn,
    TransferIn,
    VisitIn,
    VisitOut,
    answers,
    change_of,
    listed,
    measure_of,
    measure_rows,
    member_of,
    prefetch_heads,
    problem_of,
    problem_rows,
    proposal_of,
    summary_of,
    visit_of,
    with_overdue,
)
from minqing.registry.models import Person

router = Router(tags=["台账"])

# 410811********123X: the region code and the last four characters of a masked ID number
ALL_STATUSES = "all"

WRITE = (403, 404, 409, 422)


# helpers --------------------------------------------------------------------------------------


@contextmanager
def _refusals() -> Iterator[None]:
    """An action's refusal as an answer: may not → 403, stale version → 409, the rules → 422."""
    try:
        yield
    except actions.NotPermitted as refused:
        raise HttpError(403, str(refused)) from None
    except actions.ConflictError as refused:
        raise HttpError(409, str(refused)) from None
    except actions.CaseworkError as refused:
        raise HttpError(422, str(refused)) from None


def _get(fetch: Callable, request, pk: int, what: str):
    try:
        return fetch(request.auth, pk)
    except ObjectDoesNotExist:
        raise HttpError(404, f"{what}不存在或不在您的范围内") from None


def _ledger(request) -> LedgerScope:
    scope = ledger_scope(request.auth)
    if not scope.sees_ledger:
        raise HttpError(403, "您的角色不查看居民台账")
    return scope


def _proposal(request, pk: int) -> Proposal:
    # as on the assessment pages: the households whose whole record the caller sees (a
    # department reaching one only through a routed problem does not see its proposals)
    households = assessment_households(request.auth)
    found = Proposal.objects.filter(pk=pk, household__in=households.values("pk")).first()
    if found is None:
        raise HttpError(404, "建议不存在或不在您的范围内")
    return found


def _user(username: str | None, what: str) -> User | None:
    if username is None:
        return None
    found = User.objects.filter(username=username).first()
    if found is None:
        raise HttpError(422, f"{what}「{username}」不存在")
    return found


def _unit(pk: int | None) -> Unit | None:
    if pk is None:
        return None
    found = Unit.objects.filter(pk=pk).first()
    if found is None:
        raise HttpError(422, "责任单位不存在")
    return found


def _choice(value: str, allowed, what: str) -> str:
    if value and value not in allowed:
        raise HttpError(400, f"{what}应为 {' / '.join(allowed)} 之一")
    return value


def _area_path(code: str) -> str:
    path = Area.objects.filter(code=code).values_list("path", flat=True).first()
    if path is None:
        raise HttpError(400, f"区域编码「{code}」不存在")
    return path


def _dates(first: dt.date | None, last: dt.date | None, name: str) -> tuple:
    if first and last and first > last:
        raise HttpError(400, f"日期范围有误: {name}_from ({first}) 晚于 {name}_to ({last})")
    return first, last


def _window(limit: int, offset: int) -> tuple[int, int]:
    return min(max(limit, 1), LIMIT_MAX), max(offset, 0)


def _detail(request, entry_id: int) -> dict:
    user = request.auth
    scope = ledger_scope(user)
    try:
        entry = listed(scope.entries()).get(pk=entry_id)
    except LedgerEntry.DoesNotExist:
        raise HttpError(404, "台账家庭不存在或不在您的范围内") from None
    household = entry.household
    whole = scope.sees_whole_household(entry)
    if whole:
        members = household.memberships.select_related("person").order_by("pk")
        proposals = Proposal.objects.open().filter(household=household).order_by("pk")
    else:
        members, proposals = household.heads, Proposal.objects.none()
    visits = scope.visits().filter(household=household).select_related("by")
    return {
        **summary_of(scope, entry),
        "sees_whole_household": whole,
        "members": [member_of(scope, m) for m in members],
        "problems": [
            problem_of(p) for p in problem_rows(scope.problems().filter(entry=entry)).order_by("pk")
        ],
        "measures": [
            measure_of(m) for m in measure_rows(scope.measures().filter(entry=entry)).order_by("pk")
        ],
        "visits": [visit_of(v) for v in visits.annotate(photo_count=Count("photos"))],
        "proposals": [proposal_of(p) for p in proposals],
        "timeline": [change_of(c) for c in queries.timeline(user, household)],
        "may": {
            "change_status": scope.may_change_entry(entry),
            "write": scope.may_write_entry(entry),
            "assign": scope.may_assign(entry),
            "reveal": scope.may_reveal,
        },
    }


# the ledger -----------------------------------------------------------------------------------


@router.get("/entries", response=answers(EntryPage, 400, 403), summary="台账家庭列表 (筛选、分页)")
def list_entries(request, filters: Query[EntryFilters]):
    """范围内的台账家庭 (网格员: 本网格和包联的户; 社区/街道: 辖区; 部门: 有派给本部门问题的户;
    区领导: 全区)。身份证号和电话脱敏。筛选: area 区域编码 (含下级)、type 家庭类型、category 类别、
    status 状态 (不填: 已退出以外的各状态; all: 全部)、department 有派给该部门的问题、overdue 是否逾期、
    q 姓名/身份证号/身份证号后四位/脱敏身份证号/户号、entered_from / entered_to 纳入日期、
    exited_from / exited_to 退出日期 (YYYY-MM-DD, 含当日; 已退出的户需 status=exited 或 all);
    limit (≤200) / offset 分页。"""
    scope = _ledger(request)
    f = filters
    entries = scope.entries()
    if f.area:
        entries = entries.filter(area__path__startswith=_area_path(f.area))
    if _choice(f.type, list(TYPE_LABELS), "type"):
        entries = entries.filter(types_include(f.type))
    if _choice(f.category, Category.values, "category"):
        entries = entries.filter(category=f.category)
    if _choice(f.status, [*EntryStatus.values, ALL_STATUSES], "status") == ALL_STATUSES:
        pass
    elif f.status:
        entries = entries.filter(status=f.status)
    else:
        entries = entries.active()  # as the page: 已退出 only when asked for
    if _choice(f.department, Department.values, "department"):
        entries = entries.routed_to(f.department)
    if f.overdue is not None:
        overdue = LedgerEntry.objects.overdue(timezone.localdate()).values("pk")
        entries = entries.filter(pk__in=overdue) if f.overdue else entries.exclude(pk__in=overdue)
    if f.q.strip():
        entries = search_entries(scope, entries, f.q)
    entries = entries.entered_within(
        *_dates(f.entered_from, f.entered_to, "entered")
    ).exited_within(*_dates(f.exited_from, f.exited_to, "exited"))
    limit, offset = _window(f.limit, f.offset)
    page = listed(entries.order_by("area__path", "pk"))[offset : offset + limit]
    return {
        "count": entries.count(),
        "limit": limit,
        "offset": offset,
        "items": [summary_of(scope, e) for e in page],
    }


@router.get(
    "/entries/{entry_id}",
    response=answers(EntryDetail, 404),
    summary="台账家庭详情: 成员、问题、帮扶措施、走访、变更记录",
)
def get_entry(request, entry_id: int):
    """成员的身份证号和电话脱敏。部门只通过派给本部门的问题看到该户时, 只列户主, 不含走访,
    变更记录只含本部门问题和措施的部分 (sees_whole_household=false)。"""
    return _detail(request, entry_id)


@router.post(
    "/entries/{entry_id}/status",
    response=answers(EntryDetail, *WRITE),
    summary="变更台账家庭状态",
)
def change_status(request, entry_id: int, payload: StatusIn):
    """待核实 → 在册/已退出; 在册 → 帮扶中/已解决/已退出; 帮扶中 → 已解决/已退出;
    已解决 → 帮扶中/已退出; 已退出 → 在册。须填写原因; 有未办结问题或未完成措施时不能标记已解决。
    不允许的变更: 422; expected_version 与当前不一致: 409。"""
    entry = _get(queries.entry_for, request, entry_id, "台账家庭")
    with _refusals():
        actions.change_entry_status(
            entry,
            to=payload.to,
            reason=payload.reason,
            expected_version=payload.expected_version,
            by=request.auth,
            request=request,
        )
    return _detail(request, entry_id)


@router.post(
    "/entries/{entry_id}/category",
    response=answers(EntryDetail, *WRITE),
    summary="调整类别 (和家庭类型)",
)
def change_category(request, entry_id: int, payload: CategoryIn):
    entry = _get(queries.entry_for, request, entry_id, "台账家庭")
    if payload.types is not None:
        for code in payload.types:
            _choice(code, list(TYPE_LABELS), "types")
    with _refusals():
        actions.reclassify_entry(
            entry,
            category=payload.category,
            types=payload.types,
            reason=payload.reason,
            expected_version=payload.expected_version,
            by=request.auth,
            request=request,
        )
    return _detail(request, entry_id)


@router.post(
    "/entries/{entry_id}/pairing",
    response=answers(EntryDetail, *WRITE),
    summary="包联分配: 包联干部和网格员",
)
def assign_pairing(request, entry_id: int, payload: PairingIn):
    """社区和街道工作人员。cadre / grid_worker 为用户名; 传 null 取消包联, 不传则不变。"""
    entry = _get(queries.entry_for, request, entry_id, "台账家庭")
    given = payload.model_fields_set
    people = {
        field: _user(getattr(payload, field), label)
        for field, label in (("cadre", "包联干部"), ("grid_worker", "网格员"))
        if field in given
    }
    with _refusals():
        actions.assign_pairing(
            [entry], **people, reason=payload.reason, by=request.auth, request=request
        )
    return _detail(request, entry_id)


@router.post(
    "/areas/{code}/pairing",
    response=answers(PairingDone, *WRITE),
    summary="按网格分配包联: 网格内全部台账家庭",
)
def assign_grid_pairing(request, code: str, payload: GridPairingIn):
    """社区和街道工作人员, 本辖区的网格 (code: 网格的区域编码)。网格内已退出以外的全部台账家庭
    统一设为 cadre / grid_worker (用户名, 须是本辖区的包联干部/网格员); 传 null 取消包联,
    不传则不变; 须填写原因。返回包联有变化的户数; 每户每项变更记入变更记录, 记一条审计日志。"""
    grants = ledger_scope(request.auth).grants
    grid = Area.objects.filter(code=code).first()
    if grid is None or not grants.reads_area(grid.path):
        raise HttpError(404, "区域不存在或不在您的范围内")
    if not grants.manages:
        raise HttpError(403, "只有社区和街道工作人员可以分配包联")
    if grid.level != Level.GRID:
        raise HttpError(422, f"请按网格分配包联:「{grid.name}」不是网格")
    if not payload.reason.strip():
        raise HttpError(422, "请填写调整原因")
    people = {}
    for field, label in (("cadre", "包联干部"), ("grid_worker", "网格员")):
        if field not in payload.model_fields_set:
            continue
        # a person outside the caller's area is refused by the action (422)
        people[field] = _user(getattr(payload, field), label)
    with _refusals():
        changed = actions.assign_pairing(
            grid, **people, reason=payload.reason, by=request.auth, request=request
        )
    return {"changed": changed}


@router.get(
    "/households/{household_id}/timeline",
    response=answers(list[ChangeOut], 404),
    summary="家庭户的变更记录 (时间线)",
)
def household_timeline(request, household_id: int):
    """从早到晚; 部门只看到本部门问题和措施的记录。"""
    household = _get(queries.household_for, request, household_id, "家庭户")
    return [change_of(c) for c in queries.timeline(request.auth, household)]


# proposals and visits -------------------------------------------------------------------------


@router.post(
    "/proposals/{proposal_id}/confirm",
    response=answers(ProposalOut, *WRITE),
    summary="确认纳入/退出/调整建议",
)
def confirm_proposal(request, proposal_id: int, payload: ReasonIn):
    """纳入: 该户以建议的类别进入台账 (在册); 退出: 已退出; 调整: 改为建议的类别。每项建议只能决定一次。"""
    proposal = _proposal(request, proposal_id)
    with _refusals():
        actions.confirm_proposal(proposal, reason=payload.reason, by=request.auth, request=request)
    proposal.refresh_from_db()
    return proposal_of(proposal)


@router.post(
    "/proposals/{proposal_id}/reject",
    response=answers(ProposalOut, *WRITE),
    summary="否决建议",
)
def reject_proposal(request, proposal_id: int, payload: ReasonIn):
    proposal = _proposal(request, proposal_id)
    with _refusals():
        actions.reject_proposal(proposal, reason=payload.reason, by=request.auth, request=request)
    proposal.refresh_from_db()
    return proposal_of(proposal)


@router.post(
    "/households/{household_id}/visits",
    response=answers(VisitOut, *WRITE, created=True),
    summary="记录走访 (可同时核实一项建议)",
)
def record_visit(request, household_id: int, payload: VisitIn):
    """JSON, 不含照片 (照片在走访页面上传)。带 proposal_id 和 decision 时同时确认或否决该建议,
    原因为 reason (不填则为走访情况)。"""
    household = _get(queries.household_for, request, household_id, "家庭户")
    proposal = None
    if payload.proposal_id is not None:
        proposal = Proposal.objects.filter(pk=payload.proposal_id, household=household).first()
        if proposal is None:
            raise HttpError(404, "该户没有这项建议")
    with _refusals():
        visit = actions.record_visit(
            household,
            visited_on=payload.visited_on or timezone.localdate(),
            findings=payload.findings,
            companions=payload.companions,
            proposal=proposal,
            decision=payload.decision,
            reason=payload.reason,
            by=request.auth,
            request=request,
        )
    return Status(201, visit_of(visit))


# problems -------------------------------------------------------------------------------------


@router.get("/problems", response=answers(ProblemPage, 400, 403), summary="问题清单 / 部门待办")
def list_problems(request, filters: Query[ProblemFilters]):
    """部门工作人员: 本部门的待办 (已派单的在前, 再按办理时限), 给出 status 时为派给本部门的该状态问题;
    其他角色: 范围内的全部问题, 新的在前。筛选: area、status、problem_type、department、overdue、
    is_major; limit (≤200) / offset 分页。"""
    scope = _ledger(request)
    f = filters
    _choice(f.status, ProblemStatus.values, "status")
    department = scope.grants.department
    if department and scope.grants.area is None and not scope.grants.everything:
        problems = (
            queries.inbox(request.auth)
            if not f.status
            else scope.problems().routed_to(department).order_by("due_on", "pk")
        )
    else:
        problems = scope.problems().order_by("-raised_on", "-pk")
    if f.area:
        problems = problems.filter(entry__area__path__startswith=_area_path(f.area))
    if f.status:
        problems = problems.filter(status=f.status)
    if _choice(f.problem_type, ProblemType.values, "problem_type"):
        problems = problems.filter(problem_type=f.problem_type)
    if _choice(f.department, Department.values, "department"):
        problems = problems.filter(department=f.department)
    if f.overdue is not None:
        overdue = Q(pk__in=Problem.objects.overdue(timezone.localdate()).values("pk"))
        problems = problems.filter(overdue if f.overdue else ~overdue)
    if f.is_major is not None:
        problems = problems.filter(is_major=f.is_major)
    limit, offset = _window(f.limit, f.offset)
    return {
        "count": problems.count(),
        "limit": limit,
        "offset": offset,
        "items": [problem_of(p) for p in problem_rows(problems)[offset : offset + limit]],
    }


def _scoped_problem(user, pk: int) -> Problem:
    return problem_rows(ledger_scope(user).problems()).get(pk=pk)


@router.get("/problems/{problem_id}", response=answers(ProblemOut, 404), summary="一个问题")
def get_problem(request, problem_id: int):
    return problem_of(_get(_scoped_problem, request, problem_id, "问题"))


@router.post(
    "/entries/{entry_id}/problems",
    response=answers(ProblemOut, *WRITE, created=True),
    summary="提出问题",
)
def raise_problem(request, entry_id: int, payload: ProblemIn):
    """责任部门按派单规则 (问题类型 × 区域) 确定; dispatch=true 时立即派单, 否则待派单。
    该户变为帮扶中。在册、帮扶中、已解决的户才能提出问题。"""
    entry = _get(queries.entry_for, request, entry_id, "台账家庭")
    with _refusals():
        problem = actions.raise_problem(
            entry,
            title=payload.title,
            problem_type=payload.problem_type,
            description=payload.description,
            is_major=payload.is_major,
            dispatch=payload.dispatch,
            by=request.auth,
            request=request,
        )
    return Status(201, problem_of(problem))


def _problem_step(request, problem_id: int, step: Callable[..., Problem], **arguments) -> dict:
    """One move of a problem; the answer is the problem as the action left it (after a transfer
    the department that sent it away no longer sees it, but is told where it went)."""
    problem = _get(queries.problem_for, request, problem_id, "问题")
    with _refusals():
        moved = step(problem, by=request.auth, request=request, **arguments)
    return problem_of(moved)


@router.post(
    "/problems/{problem_id}/dispatch",
    response=answers(ProblemOut, *WRITE),
    summary="派单",
)
def dispatch_problem(request, problem_id: int, payload: DispatchIn):
    """属地工作人员: 待派单或已退回的问题派给部门, 办理时限从今天起按工作日计算。"""
    return _problem_step(
        request,
        problem_id,
        actions.dispatch_problem,
        department=payload.department,
        workdays=payload.workdays,
    )


@router.post("/problems/{problem_id}/accept", response=answers(ProblemOut, *WRITE), summary="签收")
def accept_problem(request, problem_id: int):
    """问题派往的部门。"""
    return _problem_step(request, problem_id, actions.accept_problem)


@router.post("/problems/{problem_id}/return", response=answers(ProblemOut, *WRITE), summary="退回")
def return_problem(request, problem_id: int, payload: ReasonIn):
    """问题派往的部门, 须填写退回原因; 属地重新派单或转办。"""
    return _problem_step(request, problem_id, actions.return_problem, reason=payload.reason)


@router.post(
    "/problems/{problem_id}/transfer", response=answers(ProblemOut, *WRITE), summary="转办"
)
def transfer_problem(request, problem_id: int, payload: TransferIn):
    """承办部门或属地工作人员把问题转给另一部门, 重新计算办理时限。"""
    return _problem_step(
        request,
        problem_id,
        actions.transfer_problem,
        to_department=payload.to_department,
        reason=payload.reason,
        workdays=payload.workdays,
    )


@router.post("/problems/{problem_id}/resolve", response=answers(ProblemOut, *WRITE), summary="办结")
def resolve_problem(request, problem_id: int, payload: ResolveIn):
    """承办部门办结已签收的问题 (其帮扶措施须已全部完成或取消)。"""
    return _problem_step(request, problem_id, actions.resolve_problem, result=payload.result)


@router.post(
    "/problems/{problem_id}/major",
    response=answers(ProblemOut, *WRITE),
    summary="列入或移出重大疑难",
)
def set_major(request, problem_id: int, payload: MajorIn):
    """区领导、社区和街道工作人员; 须填写原因。"""
    return _problem_step(
        request, problem_id, actions.set_major, is_major=payload.is_major, reason=payload.reason
    )


# measures -------------------------------------------------------------------------------------


@router.get("/measures/{measure_id}", response=answers(MeasureOut, 404), summary="一项帮扶措施")
def get_measure(request, measure_id: int):
    return measure_of(_get(queries.measure_for, request, measure_id, "帮扶措施"))


@router.post(
    "/entries/{entry_id}/measures",
    response=answers(MeasureOut, *WRITE, created=True),
    summary="添加帮扶措施",
)
def add_measure(request, entry_id: int, payload: MeasureIn):
    """对应问题的部门须先签收; 责任单位默认为本人单位。该户变为帮扶中。"""
    entry = _get(queries.entry_for, request, entry_id, "台账家庭")
    problem = None
    if payload.problem_id is not None:
        problem = _get(queries.problem_for, request, payload.problem_id, "问题")
    owner_unit = _unit(payload.owner_unit_id)
    owner = _user(payload.owner, "责任人")
    with _refusals():
        measure = actions.add_measure(
            entry,
            action=payload.action,
            deadline=payload.deadline,
            problem=problem,
            owner_unit=owner_unit,
            owner=owner,
            by=request.auth,
            request=request,
        )
    return Status(201, measure_of(measure))


@router.patch(
    "/measures/{measure_id}", response=answers(MeasureOut, *WRITE), summary="修改帮扶措施"
)
def update_measure(request, measure_id: int, payload: MeasurePatch):
    """只传要修改的字段, 并带上读取时的 expected_version: 其间他人已保存则 409
    (「该帮扶措施已被他人修改，请刷新后重试」), 重新读取后再改。status 只能改为 in_progress。"""
    measure = _get(queries.measure_for, request, measure_id, "帮扶措施")
    changes = payload.model_dump(exclude_unset=True)
    expected_version = changes.pop("expected_version")
    for text in ("action", "result"):
        if text in changes and changes[text] is None:
            changes[text] = ""
    if changes.get("status", "") is None:
        del changes["status"]
    if "owner_unit_id" in changes:
        changes["owner_unit"] = _unit(changes.pop("owner_unit_id"))
    if "owner" in changes:
        changes["owner"] = _user(changes["owner"], "责任人")
    with _refusals():
        measure = actions.update_measure(
            measure,
            expected_version=expected_version,
            by=request.auth,
            request=request,
            **changes,
        )
    return measure_of(measure)


@router.post(
    "/measures/{measure_id}/close", response=answers(MeasureOut, *WRITE), summary="完成帮扶措施"
)
def close_measure(request, measure_id: int, payload: CloseIn):
    """已完成, 须填写落实情况。佐证材料在页面上传。"""
    measure = _get(queries.measure_for, request, measure_id, "帮扶措施")
    with _refusals():
        measure = actions.close_measure(
            measure,
            result=payload.result,
            expected_version=payload.expected_version,
            by=request.auth,
            request=request,
        )
    return measure_of(measure)


@router.post(
    "/measures/{measure_id}/cancel", response=answers(MeasureOut, *WRITE), summary="取消帮扶措施"
)
def cancel_measure(request, measure_id: int, payload: CancelIn):
    measure = _get(queries.measure_for, request, measure_id, "帮扶措施")
    with _refusals():
        measure = actions.cancel_measure(
            measure,
            reason=payload.reason,
            expected_version=payload.expected_version,
            by=request.auth,
            request=request,
        )
    return measure_of(measure)


# care day and identifiers ---------------------------------------------------------------------


@router.get("/care-day", response=answers(CareDay, 403), summary="我的家庭关爱日走访计划")
def care_day(request, on: dt.date | None = None):
    """包联干部和网格员在该日 (不填为下一个家庭关爱日, 即今天或之后的周二) 要走访的户:
    重大疑难在前, 再按逾期措施数、从未走访、距上次走访天数。其他角色的计划为空。"""
    scope = _ledger(request)
    day = on or deadlines.next_care_day(timezone.localdate())
    plan = queries.care_day_plan(request.auth, on=day).prefetch_related(prefetch_heads())
    items = []
    for entry in with_overdue(plan).select_related("cadre", "grid_worker"):
        items.append(
            {
                **summary_of(scope, entry),
                "overdue_measures": entry.overdue_measures,
                "days_since_last_visit": queries.days_since_last_visit(entry, on=day),
            }
        )
    return {"on": day, "items": items}


@router.post(
    "/persons/{person_id}/reveal",
    response=answers(RevealOut, 403, 404, 422),
    summary="查看完整身份证号或电话 (留痕)",
)
def reveal(request, person_id: int, payload: RevealIn):
    """须填写原因; 每次查看记入审计日志。区领导和不接触居民数据的角色: 403。"""
    person = _get(_scoped_person, request, person_id, "人员")
    with _refusals():
        value = actions.reveal_identifier(
            user=request.auth,
            obj=person,
            field=payload.field,
            reason=payload.reason,
            request=request,
        )
    return {"person_id": person.pk, "field": payload.field, "value": value}


def _scoped_person(user, pk: int) -> Person:
    return ledger_scope(user).persons().get(pk=pk)

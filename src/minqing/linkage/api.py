"""人工确认 API: the same review queue, items and link runs as the pages.

    GET  /api/linkage/review                      the open items in the caller's scope (paginated)
    GET  /api/linkage/review/{item_id}            one item, its two records side by side, masked
    POST /api/linkage/review/{item_id}/decision   {decision: same|different|unsure, note}
    GET  /api/linkage/runs                        link runs, newest first
    GET  /api/linkage/runs/{run_id}               one run with its model's parameters

Callers who take no part in the review (department clerks, the 三员 admin roles) get 403 on
the lists; an item or run outside the caller's scope is 404 (for them: every one), as on the
pages.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from ninja import Query, Router, Schema
from ninja.errors import HttpError

from minqing.linkage import queries as q
from minqing.linkage.actions import decide
from minqing.linkage.forms import DecisionForm
from minqing.linkage.models import LinkRun, ReviewItem, ReviewKind

router = Router(tags=["人工确认"])

PAGE_SIZE = 50
PAGE_SIZE_MAX = 200


class ItemSummary(Schema):
    id: int
    kind: str
    kind_label: str
    left_source: str
    left_name: str
    right_source: str | None
    right_name: str | None
    probability: float | None
    match_weight: float | None
    decision: str
    is_stale: bool


class ReviewPage(Schema):
    count: int
    page: int
    pages: int
    open: int
    decided: int
    items: list[ItemSummary]


class Row(Schema):
    key: str
    label: str
    left: str
    right: str
    agree: bool | None


class ItemDetail(ItemSummary):
    decision_label: str
    decided_by: str | None
    decided_at: datetime | None
    note: str
    masked: bool
    may_decide: bool
    rows: list[Row]
    next_id: int | None


class DecisionIn(Schema):
    decision: str
    note: str = ""


class Parameter(Schema):
    comparison: str
    level: str | None
    m: float | None
    u: float | None
    weight: float | None
    tf: bool


class RunSummary(Schema):
    id: int
    started_at: datetime
    finished_at: datetime | None
    engine: str
    records: int
    pairs_scored: int
    pairs_linked: int
    persons: int
    persons_new: int
    persons_retired: int
    households: int
    review_items: int
    conflicts: int
    seconds: float
    match_threshold: float
    review_threshold: float


class RunDetail(RunSummary):
    parameters: list[Parameter]


class ReviewFilters(Schema):
    kind: str = ""
    state: str = "open"
    page: int = 1
    page_size: int = PAGE_SIZE


@router.get("/review", response=ReviewPage, summary="人工确认事项")
def list_review(request, filters: Query[ReviewFilters]):
    """按模型判定概率从高到低; `state=decided` 列出已确认的事项 (最近确认的在前)。
    `kind`: pair (是否同一人) 或 unlinked (未能对应到人员)。"""
    _scope(request)
    if filters.kind and filters.kind not in ReviewKind.values:
        raise HttpError(400, "kind 应为 pair (是否同一人) 或 unlinked (未能对应到人员)")
    if filters.state not in ("open", "decided"):
        raise HttpError(400, "state 应为 open (待确认) 或 decided (已确认)")
    size = min(max(filters.page_size, 1), PAGE_SIZE_MAX)
    items = q.queue(request.auth, kind=filters.kind, decided=filters.state == "decided")
    count = items.count()
    pages = max((count + size - 1) // size, 1)
    page = min(max(filters.page, 1), pages)
    counts = q.counts_for(request.auth)
    return {
        "count": count,
        "page": page,
        "pages": pages,
        "open": counts["open"],
        "decided": counts["decided"],
        "items": [
            _summary(item, left_name=item.left_name, right_name=item.right_name)
            for item in items[(page - 1) * size : page * size]
        ],
    }


@router.get("/review/{item_id}", response=ItemDetail, summary="一项确认事项: 两条记录对照")
def get_review_item(request, item_id: int):
    """身份证号和电话脱敏 (超级管理员除外); `agree` 按完整号码比对得出。"""
    return _detail(request, _item(request, item_id))


@router.post(
    "/review/{item_id}/decision",
    response=ItemDetail,
    summary="记录确认结论",
    description=(
        "decision: same (同一人)、different (不是同一人) 或 unsure (不确定); note: 说明, 可不填, "
        "不超过 300 字。结论从下一次交叉对比起生效。应答中的 next_id 是下一项待确认事项。"
    ),
)
def post_decision(request, item_id: int, payload: DecisionIn):
    item = _item(request, item_id)
    if not q.review_scope(request.auth).may_decide:
        raise HttpError(403, "您的角色只查看确认事项, 不作确认")
    form = DecisionForm(payload.dict(), item=item)
    if not form.is_valid():
        raise HttpError(400, form.error_text())
    decide(
        item,
        decision=form.cleaned_data["decision"],
        by=request.auth,
        note=form.cleaned_data["note"].strip(),
        request=request,
    )
    return _detail(request, item)


@router.get("/runs", response=list[RunSummary], summary="对比批次")
def list_runs(request):
    _scope(request)
    return [_run(run) for run in q.link_runs_for(request.auth)[:100]]


@router.get("/runs/{run_id}", response=RunDetail, summary="对比批次及其模型参数")
def get_run(request, run_id: int):
    """parameters: 每个比对层级的 m、u 和匹配权重 (log₂ m/u)。"""
    try:
        run = q.link_run_for(request.auth, run_id)
    except LinkRun.DoesNotExist:
        raise HttpError(404, "对比批次不存在") from None
    return {**_run(run), "parameters": q.run_parameters(run)}


def _scope(request) -> q.ReviewScope:
    scope = q.review_scope(request.auth)
    if not scope.may_see:
        raise HttpError(403, "您的角色不参与人工确认")
    return scope


def _item(request, item_id: int) -> ReviewItem:
    try:
        return q.review_item_for(request.auth, item_id)
    except ReviewItem.DoesNotExist:
        raise HttpError(404, "确认事项不存在或不在您的范围内") from None


def _summary(item: ReviewItem, *, left_name: str, right_name: str | None) -> dict:
    return {
        "id": item.pk,
        "kind": item.kind,
        "kind_label": item.get_kind_display(),
        "left_source": item.left_source.name,
        "left_name": left_name or "",
        "right_source": item.right_source.name if item.right_source_id else None,
        "right_name": (right_name or "") if item.right_source_id else None,
        "probability": item.probability,
        "match_weight": item.match_weight,
        "decision": item.decision,
        "is_stale": item.is_stale,
    }


def _detail(request, item: ReviewItem) -> dict:
    scope = q.review_scope(request.auth)
    rows = q.side_by_side(item, user=request.auth)
    name = next(row for row in rows if row.key == "name")
    following = q.next_open_item(request.auth, item)
    return {
        **_summary(item, left_name=name.left, right_name=name.right),
        "decision_label": item.get_decision_display() if item.decision else "",
        "decided_by": str(item.decided_by) if item.decided_by_id else None,
        "decided_at": item.decided_at,
        "note": item.note,
        "masked": not scope.shows_identifiers,
        "may_decide": scope.may_decide,
        "rows": [asdict(row) for row in rows],
        "next_id": following.pk if following else None,
    }


def _run(run: LinkRun) -> dict:
    fields = ["started_at", "finished_at", "engine", *q.RUN_COUNTS, "seconds"]
    fields += ["match_threshold", "review_threshold"]
    return {"id": run.pk, **{field: getattr(run, field) for field in fields}}

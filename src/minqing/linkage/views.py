"""人工确认 pages: the open review queue, one item side by side with the three answers, and the
link runs with their trained model. Who sees what: see queries.py."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from minqing.linkage import queries as q
from minqing.linkage.actions import decide
from minqing.linkage.forms import DecisionForm
from minqing.linkage.models import LinkRun, ReviewItem, ReviewKind

PER_PAGE = 30


def _scope(request: HttpRequest) -> q.ReviewScope:
    scope = q.review_scope(request.user)
    if not scope.may_see:
        raise PermissionDenied("您的角色不参与人工确认")
    return scope


def _kind(request: HttpRequest) -> str:
    kind = request.GET.get("kind") or request.POST.get("kind") or ""
    return kind if kind in ReviewKind.values else ""


@login_required
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    """The open items in the user's scope, most probable first; or the decided ones."""
    scope = _scope(request)
    kind = _kind(request)
    decided = request.GET.get("state") == "decided"
    page = Paginator(q.queue(request.user, kind=kind, decided=decided), PER_PAGE).get_page(
        request.GET.get("page")
    )
    for item in page:
        item.percent = percent(item.probability)
    filters = [
        {"kind": "", "label": "全部"},
        *({"kind": value, "label": label} for value, label in ReviewKind.choices),
    ]
    context = {
        "page": page,
        "kind": kind,
        "decided": decided,
        "filters": filters,
        "counts": q.counts_for(request.user),
        "scope": scope,
        "query": _query(kind=kind, state="decided" if decided else ""),
    }
    return render(request, "linkage/review_queue.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def review_item(request: HttpRequest, item_id: int) -> HttpResponse:
    """One item side by side; a POST records the answer and moves on to the next open item.
    An item the user may not see is "not found", whoever asks (the 三员 admins too)."""
    item = _item(request, item_id)
    scope = q.review_scope(request.user)
    kind = _kind(request)
    form = DecisionForm()
    status = 200
    if request.method == "POST":
        if not scope.may_decide:
            raise PermissionDenied("区领导角色只查看, 不作确认")
        form = DecisionForm(request.POST, item=item)
        if form.is_valid():
            decide(
                item,
                decision=form.cleaned_data["decision"],
                by=request.user,
                note=form.cleaned_data["note"].strip(),
                request=request,
            )
            messages.success(request, f"已记录 #{item.pk}: {item.get_decision_display()}")
            following = q.next_open_item(request.user, item, kind=kind)
            if following is None:
                messages.info(request, "待确认事项已全部处理完毕。")
                return redirect(reverse("linkage:review") + _query(kind=kind))
            return redirect(reverse("linkage:item", args=[following.pk]) + _query(kind=kind))
        status = 400
    context = {
        "item": item,
        "percent": percent(item.probability),
        "rows": q.side_by_side(item, user=request.user),
        "following": q.next_open_item(request.user, item, kind=kind),
        "form": form,
        "scope": scope,
        "kind": kind,
        "query": _query(kind=kind),
        "counts": q.counts_for(request.user),
    }
    return render(request, "linkage/review_item.html", context, status=status)


def _item(request: HttpRequest, item_id: int) -> ReviewItem:
    try:
        return q.review_item_for(request.user, item_id)
    except ReviewItem.DoesNotExist:
        raise Http404("确认事项不存在或不在您的范围内") from None


def percent(probability: float | None) -> str:
    return "—" if probability is None else f"{probability * 100:.1f}%"


def _number(value: float | None) -> str:
    """m and u span 1 to 1e-6: three significant digits, not a fixed number of decimals."""
    return "—" if value is None else f"{value:.3g}"


def _query(**params: str) -> str:
    kept = {key: value for key, value in params.items() if value}
    return "?" + urlencode(kept) if kept else ""


@login_required
@require_GET
def runs(request: HttpRequest) -> HttpResponse:
    _scope(request)
    return render(request, "linkage/runs.html", {"runs": q.link_runs_for(request.user)[:100]})


@login_required
@require_GET
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    """One run: its counts, and the trained model's parameters as a table and a chart."""
    try:
        run = q.link_run_for(request.user, run_id)
    except LinkRun.DoesNotExist:
        raise Http404("对比批次不存在") from None
    parameters = q.run_parameters(run)
    for p in parameters:
        p["m_text"], p["u_text"] = _number(p["m"]), _number(p["u"])
        p["weight_text"] = "—" if p["weight"] is None else f"{p['weight']:+.2f}"
    chart = {
        "labels": [f"{p['comparison']} · {p['level']}" for p in parameters],
        "comparisons": [p["comparison"] for p in parameters],
        "weights": [None if p["weight"] is None else round(p["weight"], 2) for p in parameters],
    }
    counts = [
        {
            "key": field,
            "label": LinkRun._meta.get_field(field).verbose_name,
            "value": f"{getattr(run, field):,}",
        }
        for field in q.RUN_COUNTS
    ]
    context = {"run": run, "counts": counts, "parameters": parameters, "chart": chart}
    return render(request, "linkage/run.html", context)

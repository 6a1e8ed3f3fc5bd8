"""The 民情地图 page and its data endpoint. Both answer only within the user's scope
(maps.queries, through casework.queries.ledger_scope): an area outside it is 404, a role
without the ledger (12345 operators, the 三员) gets 403, as on the ledger list."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from minqing.areas.models import Area
from minqing.assessment.classify import CATEGORY_LABELS, TYPE_LABELS
from minqing.casework.queries import ledger_scope
from minqing.maps import queries

DEFAULT_LAYERS = ("people", "events")


def _scoped_area(request: HttpRequest) -> Area:
    if not ledger_scope(request.user).sees_ledger:
        raise PermissionDenied("您的角色不查看民情地图")
    try:
        return queries.area_for(request.user, request.GET.get("area", "").strip())
    except Area.DoesNotExist:
        raise Http404("区域不存在或不在您的管辖范围内") from None


@never_cache
@login_required
def index(request: HttpRequest) -> HttpResponse:
    area = _scoped_area(request)
    config = {
        "dataUrl": reverse("maps:data"),
        "area": area.code,
        "householdUrl": reverse("casework:household", args=[0]),
        "measures": [{"key": k, "label": v} for k, v in queries.MEASURES],
        "layers": [{"key": k, "label": v, "on": k in DEFAULT_LAYERS} for k, v in queries.LAYERS],
        "categories": CATEGORY_LABELS,
        "types": TYPE_LABELS,
    }
    context = {
        "config": config,
        "measures": queries.MEASURES,
        "layers": config["layers"],
        "types": TYPE_LABELS.items(),
        "categories": [(c, CATEGORY_LABELS[c]) for c in ("general", "policy", "major")],
    }
    return render(request, "maps/index.html", context)


@never_cache
@login_required
def data(request: HttpRequest) -> JsonResponse:
    """`?area=<code>&layers=people,events&type=<family type>&category=<category>` → the regions
    below the area with every measure, and the layers (points, or counts per grid when dense);
    with the regions' boundaries unless `&boundaries=0` (the page holds them for this area)."""
    area = _scoped_area(request)
    family_type = request.GET.get("type", "")
    category = request.GET.get("category", "")
    layers = {k for k in request.GET.get("layers", ",".join(DEFAULT_LAYERS)).split(",") if k}
    known = {k for k, _ in queries.LAYERS}
    if (
        (family_type and family_type not in TYPE_LABELS)
        or (category and category not in CATEGORY_LABELS)
        or layers - known
    ):
        return JsonResponse({"error": "参数无效"}, status=400)
    payload = queries.map_data(
        request.user,
        area,
        layers=layers,
        filters=queries.Filters(family_type=family_type, category=category),
        today=timezone.localdate(),
        boundaries=request.GET.get("boundaries") != "0",
    )
    payload["breadcrumb"] = queries.breadcrumb(request.user, area)
    return JsonResponse(
        payload, json_dumps_params={"ensure_ascii": False, "separators": (",", ":")}
    )

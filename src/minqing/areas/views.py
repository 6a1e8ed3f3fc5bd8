from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from minqing.accounts.access import resident_data_required
from minqing.areas import queries
from minqing.areas.models import LEVEL_DEPTH, Area, Level
from minqing.core.context import roles_of


@login_required
@resident_data_required
def home(request: HttpRequest) -> HttpResponse:
    """The signed-in user's own area: its tree with counts, and its map."""
    scope = queries.scope_of(request.user)
    if scope is None:
        return render(request, "areas/home.html", {"no_areas": True})
    return _render_area(request, scope, scope)


@login_required
@resident_data_required
def area_detail(request: HttpRequest, code: str) -> HttpResponse:
    """The same page for an area inside the user's scope; 404 for any other code."""
    scope = queries.scope_of(request.user)
    try:
        area = queries.area_in_scope(scope, code)
    except Area.DoesNotExist:
        raise Http404("区域不存在或不在您的管辖范围内") from None
    return _render_area(request, area, scope)


def _render_area(request: HttpRequest, area: Area, scope: Area) -> HttpResponse:
    # The 三员 admin roles (system, security, audit) keep their duties apart from resident data.
    is_security_admin = any(role.is_security_admin for role in roles_of(request))
    with_residents = not is_security_admin
    tree = queries.area_tree(area, with_residents=with_residents)
    count_labels = (queries.RESIDENT_COUNTS if with_residents else []) + queries.OTHER_COUNTS
    levels_below = [
        {"label": Level(level).label, "count": count}
        for level, count in _count_levels(tree).items()
        if LEVEL_DEPTH[level] > LEVEL_DEPTH[Level(area.level)]
    ]
    context = {
        "area": area,
        "tree": tree,
        "breadcrumb": _breadcrumb(area, scope),
        "cards": [
            {"key": key, "label": label, "value": tree.counts[key]} for key, label in count_labels
        ],
        "levels_below": levels_below,
        "with_residents": with_residents,
        "map_data": _map_data(area, tree, count_labels),
    }
    return render(request, "areas/home.html", context)


def _count_levels(tree: queries.AreaNode) -> dict[str, int]:
    counts = {level: 0 for level in Level}
    for node in tree.walk():
        counts[Level(node.area.level)] += 1
    return counts


def _breadcrumb(area: Area, scope: Area) -> list[Area]:
    """From the user's scope down to `area` (a few rows: at most district → grid)."""
    chain = [area]
    node = area
    while node.pk != scope.pk and node.parent_id is not None:
        node = node.parent
        chain.append(node)
    return list(reversed(chain))


def _map_data(area: Area, tree: queries.AreaNode, count_labels: list) -> dict:
    """What static/js/area-map.js needs: a GeoJSON FeatureCollection of the regions and,
    per region, its counts and the address to drill down to."""
    counts = {node.area.pk: node.counts for node in tree.walk()}
    regions = queries.map_regions(tree)
    features = []
    for region in regions:
        geometry = queries.drawable_boundary(region.geometry)
        if geometry is None:
            continue
        features.append(
            {
                "type": "Feature",
                "properties": {"name": region.code},
                "geometry": geometry,
            }
        )
    return {
        "mapName": f"area-{area.code}",
        "currentCode": area.code,
        "geojson": {"type": "FeatureCollection", "features": features},
        "regions": [
            {
                "code": region.code,
                "name": region.name,
                "url": reverse("areas:detail", args=[region.code]),
                "counts": counts.get(region.pk, {}),
            }
            for region in regions
        ],
        "metrics": [{"key": key, "label": label} for key, label in count_labels],
        "defaultMetric": _default_metric(tree, count_labels),
    }


def _default_metric(tree: queries.AreaNode, count_labels: list) -> str:
    """Households when there are any (after linkage), otherwise the first count that is not 0."""
    for key, _ in count_labels:
        if tree.counts.get(key):
            return key
    return count_labels[0][0]

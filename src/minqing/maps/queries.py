"""Reads for the 民情地图: one area's child regions with their figures, and the point layers.

Everything comes through the one scope (casework.queries.ledger_scope): the ledger's households,
problems and measures the user may see, inside the area they may open (`map_root`). Figures are
grouped in the database (one query per kind of thing, whatever the number of rows or areas) and
summed up to the child regions in Python, as the home page's area tree does. The areas themselves
and their boundaries come from the copy each process holds (maps.boundaries, checked against the
database on every request); the boundaries are left out when the page says it has them.

A point layer sends points while it has at most MAX_POINTS of them in view; above that it sends
counts per grid (`"clustered": true`): the browser never gets more than it can draw.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, TextField
from django.db.models.functions import Cast

from minqing.accounts.scopes import scope_of
from minqing.areas.models import Area, Level
from minqing.assessment.classify import CATEGORY_LABELS, TYPE_LABELS
from minqing.casework.queries import LedgerScope, ledger_scope, types_include
from minqing.maps.boundaries import AreaTree, area_tree
from minqing.registry.models import (
    Facility,
    FacilityKind,
    Membership,
    Organization,
    OrganizationKind,
    Place,
    PlaceKind,
    Relation,
)
from minqing.sources.models import SourceRecord

MAX_POINTS = 2000
# households without a place of their own are drawn near their grid's centre, spread over this
# share of the grid's extent (so that they do not sit on one pixel, nor leave the grid), or by
# JITTER degrees (about 150 m) for a grid without a boundary
SPREAD = 0.2
JITTER = 0.0015
HOTLINE_SOURCE = "hotline_12345"

MEASURES: list[tuple[str, str]] = [
    ("households", "台账家庭数"),
    *[(f"type:{code}", f"{label}家庭") for code, label in TYPE_LABELS.items()],
    *[
        (f"category:{code}", CATEGORY_LABELS[code])
        for code in ("general", "policy", "major")  # 一般生活类, 政策保障类, 重大疑难问题类
    ],
    ("problems", "未办结问题"),
    ("overdue", "超期措施"),
    ("hotline", "12345工单"),
]
LAYERS: list[tuple[str, str]] = [
    ("people", "人"),
    ("events", "事"),
    ("places", "地"),
    ("things", "物"),
    ("organizations", "组织"),
]
KIND_LABELS = {
    "places": dict(PlaceKind.choices),
    "things": dict(FacilityKind.choices),
    "organizations": dict(OrganizationKind.choices),
}


@dataclass(frozen=True)
class Filters:
    family_type: str = ""  # a code of TYPE_LABELS
    category: str = ""  # a code of CATEGORY_LABELS

    def entries_q(self, prefix: str = "") -> Q:
        q = Q()
        if self.category:
            q &= Q(**{f"{prefix}category": self.category})
        return q


def map_root(user) -> Area | None:
    """The area the user's map opens on: the district for the leader, the office's area for
    area staff; cadres and department clerks get their unit's area (their households inside it
    are those of their scope)."""
    grants = scope_of(user)
    if grants.everything:
        return _district()
    if grants.area is not None:
        return grants.area
    return user.area_scope or _district()


def _district() -> Area | None:
    # as areas.queries.district, without the district's boundary (the map holds it, and
    # decoding it twice a request for nothing is a cost)
    return Area.objects.filter(level=Level.DISTRICT).defer("geometry").order_by("code").first()


def area_for(user, code: str | None) -> Area:
    """The area with this code inside the user's map (the root without a code);
    Area.DoesNotExist outside it: callers answer 404."""
    root = map_root(user)
    if root is None:
        raise Area.DoesNotExist(code)
    if not code:
        return root
    return Area.objects.within(root).defer("geometry").get(code=code)


def breadcrumb(user, area: Area) -> list[dict]:
    """From the user's map root down to `area` (one query)."""
    root = map_root(user)
    codes = area.path.split("/")
    chain = Area.objects.filter(code__in=codes, path__startswith=root.path).values("code", "name")
    names = {row["code"]: row["name"] for row in chain}
    return [{"code": code, "name": names[code]} for code in codes if code in names]


def _with_filters(scope: LedgerScope, filters: Filters, prefix: str, qs: QuerySet) -> QuerySet:
    if filters.family_type:
        qs = qs.filter(types_include(filters.family_type, prefix))
    return qs.filter(filters.entries_q(prefix))


def _jitter(pk: int, extent: tuple[float, float] | None) -> tuple[float, float]:
    """A fixed offset per household (the same on every request and every machine)."""
    a = (pk * 2654435761) % 4294967296 / 4294967296
    b = (pk * 40503 + 12345) % 65536 / 65536
    dx, dy = (extent[0] * SPREAD, extent[1] * SPREAD) if extent else (JITTER, JITTER)
    return (a - 0.5) * 2 * dx, (b - 0.5) * 2 * dy


def map_data(
    user,
    area: Area,
    *,
    layers: set[str],
    filters: Filters,
    today: dt.date,
    max_points: int | None = None,
    boundaries: bool = True,
) -> dict:
    """The regions below `area` with every measure, and the requested point layers; the
    regions' boundaries too unless `boundaries` is false (the page already holds them)."""
    max_points = MAX_POINTS if max_points is None else max_points
    scope = ledger_scope(user)
    grants = scope.grants
    tree = area_tree()
    subtree = tree.within(area)
    by_pk = tree.by_pk
    # an area holding every area (the district): filtering rows to it would keep them all, at
    # the cost of a join with the areas in every query
    everywhere = len(subtree) == len(tree.rows)

    def in_area(qs: QuerySet) -> QuerySet:
        return qs if everywhere else qs.in_area(area)

    children = [row for row in subtree if row["parent_id"] == area.pk]
    regions = children or [row for row in subtree if row["pk"] == area.pk]
    depth = area.path.count("/") + 1
    region_codes = {row["code"] for row in regions}
    # the region each area of the subtree is summed into (worked out once, not per row)
    region_of: dict[int, str] = {}
    for row in subtree:
        parts = row["path"].split("/")
        code = parts[depth] if len(parts) > depth and children else parts[depth - 1]
        if code in region_codes:
            region_of[row["pk"]] = code
    figures = {row["code"]: {key: 0 for key, _ in MEASURES} for row in regions}

    def add(area_id: int, key: str, n: int) -> None:
        code = region_of.get(area_id)
        if code is not None:
            figures[code][key] += n

    # households in the ledger, by grid, family types (as text: grouping on the JSON itself
    # costs PostgreSQL twice as much) and category: one grouped query, a few thousand rows
    # summed per region first, so each distinct list of types is decoded once
    entries = _with_filters(scope, filters, "", in_area(scope.entries().active()))
    per_grid: dict[int, int] = {}
    per_region: Counter[tuple[str, str, str]] = Counter()
    for area_id, types, category, n in (
        entries.order_by()
        .annotate(types_text=Cast("types", TextField()))
        .values_list("area_id", "types_text", "category")
        .annotate(n=Count("pk"))
    ):
        per_grid[area_id] = per_grid.get(area_id, 0) + n
        code = region_of.get(area_id)
        if code is not None:
            per_region[code, types or "[]", category] += n
    decoded: dict[str, set] = {}
    for (code, types, category), n in per_region.items():
        region = figures[code]
        region["households"] += n
        if types not in decoded:
            decoded[types] = set(json.loads(types) or ())
        for type_code in decoded[types]:
            if type_code in TYPE_LABELS:
                region[f"type:{type_code}"] += n
        if category in CATEGORY_LABELS:
            region[f"category:{category}"] += n

    problems = _with_filters(scope, filters, "entry__", in_area(scope.problems().open()))
    problems_per_grid = dict(
        problems.order_by().values_list("entry__area_id").annotate(n=Count("pk"))
    )
    for area_id, n in problems_per_grid.items():
        add(area_id, "problems", n)
    overdue = _with_filters(scope, filters, "entry__", scope.measures().overdue(today))
    for area_id, n in (
        in_area(overdue).order_by().values_list("entry__area_id").annotate(n=Count("pk"))
    ):
        add(area_id, "overdue", n)

    # 12345 work orders carry no coordinates: counted per grid by their address's area code;
    # only for those who read the area (their text is about residents, not routed to anyone here)
    hotline_per_grid: dict[int, int] = {}
    if grants.everything or (grants.area is not None and area.path.startswith(grants.area.path)):
        orders = SourceRecord.objects.current().filter(source__code=HOTLINE_SOURCE)
        if not everywhere:
            orders = orders.filter(area_code__in=Area.objects.within(area).values("code"))
        for code, n in orders.order_by().values_list("area_code").annotate(n=Count("pk")):
            row = tree.by_code.get(code)
            if row is not None and row["path"].startswith(area.path):
                hotline_per_grid[row["pk"]] = n
                add(row["pk"], "hotline", n)

    def counts(per_area: dict[int, int]) -> list[dict]:
        out = []
        for area_id, n in sorted(per_area.items()):
            row = by_pk.get(area_id)
            if row is None or row["center"] is None or not n:
                continue
            out.append(
                {"code": row["code"], "name": row["name"], "count": n, "value": row["center"]}
            )
        return out

    personal = scope.may_reveal or scope.shows_identifiers
    result_layers: dict[str, dict] = {}
    if "people" in layers:
        total = sum(per_grid.values())
        if total > max_points:
            result_layers["people"] = {
                "clustered": True,
                "total": total,
                "counts": counts(per_grid),
            }
        else:
            result_layers["people"] = {
                "clustered": False,
                "total": total,
                "points": _household_points(entries, tree, personal, "", max_points),
            }
    if "events" in layers:
        total = sum(problems_per_grid.values())
        layer = {"total": total, "hotline": counts(hotline_per_grid)}
        if total > max_points:
            layer |= {"clustered": True, "counts": counts(problems_per_grid)}
        else:
            layer |= {
                "clustered": False,
                "points": _household_points(problems, tree, personal, "entry__", max_points),
            }
        result_layers["events"] = layer
    for key, model in (("places", Place), ("things", Facility), ("organizations", Organization)):
        if key in layers:
            items = model.objects.all() if everywhere else model.objects.within(area)
            result_layers[key] = _item_layer(items, key, max_points, counts)

    totals = {key: sum(figures[r["code"]][key] for r in regions) for key, _ in MEASURES}
    payload = {
        "area": {
            "code": area.code,
            "name": area.name,
            "level": area.level,
            "levelLabel": area.level_label,
        },
        "mapName": f"map-{area.code}",
        "isLeaf": not children,
        "regions": [
            {
                "code": row["code"],
                "name": row["name"],
                "level": row["level"],
                "figures": figures[row["code"]],
            }
            for row in regions
        ],
        "totals": totals,
        "layers": result_layers,
        "maxPoints": max_points,
    }
    if boundaries:
        polygons = tree.boundaries([row["pk"] for row in regions])
        payload["geojson"] = {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "properties": {"name": row["code"]}, "geometry": geometry}
                for row in regions
                if (geometry := polygons[row["pk"]]) is not None
            ],
        }
    return payload


def _household_points(
    qs: QuerySet, tree: AreaTree, personal: bool, prefix: str, limit: int
) -> list[dict]:
    """One point per row of `qs` (entries, or problems with prefix "entry__"): at the household's
    place, or near its grid's centre. Names only for roles that work with personal data."""
    fields = {
        "household_id": f"{prefix}household_id",
        "area_id": f"{prefix}area_id",
        "category": f"{prefix}category",
        "lng": f"{prefix}household__place__lng",
        "lat": f"{prefix}household__place__lat",
    }
    qs = qs.order_by("pk")
    annotations = {}
    if personal:
        head = Membership.objects.filter(
            household_id=OuterRef(fields["household_id"]), relation=Relation.HEAD
        ).order_by("person_id")
        annotations["head_name"] = Subquery(head.values("person__name")[:1])
    if prefix:
        fields["title"] = "title"
        fields["problem_type"] = "problem_type"
    rows = list(qs.annotate(**annotations).values(*fields.values(), *annotations)[:limit])
    unplaced = {row[fields["area_id"]] for row in rows if row[fields["lng"]] is None}
    extents = tree.extents(unplaced) if unplaced else {}
    points = []
    for row in rows:
        household_id = row[fields["household_id"]]
        lng, lat = row[fields["lng"]], row[fields["lat"]]
        if lng is None or lat is None:
            grid = tree.by_pk.get(row[fields["area_id"]])
            if grid is None or grid["center_lng"] is None:
                continue
            dx, dy = _jitter(household_id, extents.get(row[fields["area_id"]]))
            lng, lat = grid["center_lng"] + dx, grid["center_lat"] + dy
        point = {
            "id": household_id,
            "value": [round(lng, 6), round(lat, 6)],
            "category": row[fields["category"]] or "",
        }
        if personal:
            point["name"] = row.get("head_name") or ""
            if prefix:
                point["title"] = row["title"]
        if prefix:
            point["problemType"] = row["problem_type"]
        points.append(point)
    return points


def _item_layer(items: QuerySet, key: str, limit: int, counts) -> dict:
    """Places, facilities or organizations in the area: points, or counts per grid."""
    per_area = dict(items.order_by().values_list("area_id").annotate(n=Count("pk")))
    total = sum(per_area.values())
    if total > limit:
        return {"clustered": True, "total": total, "counts": counts(per_area)}
    labels = KIND_LABELS[key]
    points = [
        {
            "name": name,
            "kind": kind,
            "kindLabel": labels.get(kind, kind),
            "value": [round(lng, 6), round(lat, 6)],
        }
        for name, kind, lng, lat in items.order_by("pk").values_list("name", "kind", "lng", "lat")
    ]
    return {"clustered": False, "total": total, "points": points}

"""Reads about areas: whose scope covers what, and the area tree with its counts.

The counts are computed with one grouped query per kind of thing (households, persons, places,
organizations, facilities) over the whole subtree, then summed up the tree in Python, so the
number of queries does not grow with the number of areas."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, QuerySet

from minqing.areas.models import LEVEL_DEPTH, Area, Level
from minqing.registry.models import Facility, Household, Membership, Organization, Place

# What the home page counts, in display order: key, label. Households and persons are
# resident data; places, organizations and facilities are not.
RESIDENT_COUNTS = [("households", "家庭户"), ("persons", "人员")]
OTHER_COUNTS = [("places", "场所"), ("organizations", "组织"), ("facilities", "设施")]
COUNT_LABELS = dict(RESIDENT_COUNTS + OTHER_COUNTS)


@dataclass
class AreaNode:
    area: Area
    children: list[AreaNode] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def labelled_counts(self) -> list[tuple[str, int]]:
        return [(COUNT_LABELS[key], value) for key, value in self.counts.items()]

    def walk(self):
        """This node and every node below it, parents before children."""
        yield self
        for child in self.children:
            yield from child.walk()


def district() -> Area | None:
    """The district (the one area with level district), or None before areas are loaded."""
    return Area.objects.filter(level=Level.DISTRICT).order_by("code").first()


def scope_of(user) -> Area | None:
    """The area whose subtree the user may see. Users without a unit see the district;
    None only when no areas are loaded at all."""
    return user.area_scope or district()


def area_in_scope(scope: Area | None, code: str) -> Area:
    """The area with this code if it lies inside `scope` (see scope_of); Area.DoesNotExist
    otherwise: callers answer 404, so an area outside the scope looks the same as one that
    does not exist. Its ancestors come along (for the breadcrumb), without their geometry."""
    if scope is None:
        raise Area.DoesNotExist(code)
    return (
        Area.objects.within(scope)
        .select_related("parent__parent__parent")
        .defer("geometry", "parent__geometry", "parent__parent__geometry")
        .defer("parent__parent__parent__geometry")
        .get(code=code)
    )


def area_tree(root: Area, *, with_residents: bool = True) -> AreaNode:
    """The tree below `root` (root included), each node with counts of what lies inside it.

    with_residents=False leaves households and persons out (not even queried): the 三员
    admin roles see no resident data."""
    areas = list(Area.objects.within(root).defer("geometry"))
    nodes = {area.pk: AreaNode(area) for area in areas}
    if root.pk not in nodes:  # an area whose path is not a prefix of itself: never, but be safe
        nodes[root.pk] = AreaNode(root)

    per_area: dict[str, dict[int, int]] = {
        "places": _count_by_area(Place.objects.within(root)),
        "organizations": _count_by_area(Organization.objects.within(root)),
        "facilities": _count_by_area(Facility.objects.within(root)),
    }
    if with_residents:
        per_area["households"] = _count_by_area(Household.objects.within(root).active())
        per_area["persons"] = dict(
            Membership.objects.filter(household__area__path__startswith=root.path)
            .counted()
            .order_by()
            .values_list("household__area_id")
            .annotate(n=Count("person_id", distinct=True))
        )
    keys = [key for key, _ in (RESIDENT_COUNTS if with_residents else []) + OTHER_COUNTS]
    for pk, node in nodes.items():
        node.counts = {key: per_area[key].get(pk, 0) for key in keys}

    # Deepest first, so every node has its full total before it is added to its parent.
    # (A person in households of two grids is counted in each: linkage keeps that rare.)
    deepest_first = sorted(nodes.values(), key=lambda n: -LEVEL_DEPTH[Level(n.area.level)])
    for node in deepest_first:
        parent = nodes.get(node.area.parent_id)
        if parent is None or node is nodes[root.pk]:
            continue
        parent.children.append(node)
        for key in keys:
            parent.counts[key] += node.counts[key]
    for node in nodes.values():
        node.children.sort(key=lambda n: n.area.code)
    return nodes[root.pk]


def map_regions(node: AreaNode) -> list[Area]:
    """The areas the map of `node` draws, with their geometry: its children, or the area
    itself when it has none (a grid)."""
    pks = [child.area.pk for child in node.children] or [node.area.pk]
    return list(Area.objects.filter(pk__in=pks).order_by("code"))


def _count_by_area(queryset: QuerySet) -> dict[int, int]:
    return dict(queryset.order_by().values_list("area_id").annotate(n=Count("id")))


def drawable_boundary(value) -> dict | None:
    """An area's geometry as a map draws it: the GeoJSON Polygon or MultiPolygon (a Feature's
    geometry accepted), else None."""
    if not isinstance(value, dict):
        return None
    if value.get("type") == "Feature":
        value = value.get("geometry")
    if isinstance(value, dict) and value.get("type") in ("Polygon", "MultiPolygon"):
        return value
    return None

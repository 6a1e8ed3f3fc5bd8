"""The area tree and its boundaries as the map needs them, kept in memory in each process.

Areas change only when they are loaded (areas.actions.load_areas) or edited in the admin, and
every such write sets `updated_at`; a removal lowers the count. So (latest `updated_at`, number
of areas) is the areas' version: one aggregate per request (a fraction of a millisecond) tells
whether what this process holds is still true, and a new version drops all of it. Nothing
needs telling when areas change, and several server processes each notice on their own.

Held: every area without its geometry (code, name, level, path, parent, centre — the rows the
map sums its figures into), and, read the first time a map needs one, every area's boundary
decoded and checked once, with its bounding box.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass, field

from django.db.models import Count, Max

from minqing.areas.models import Area
from minqing.areas.queries import drawable_boundary

ROW_FIELDS = ("pk", "code", "name", "level", "path", "parent_id", "center_lng", "center_lat")


@dataclass
class AreaTree:
    version: tuple
    rows: list[dict]  # every area in path order, without its geometry
    by_pk: dict[int, dict]
    by_code: dict[str, dict]
    _boundaries: dict[int, dict | None] | None = None
    _extents: dict[int, tuple[float, float] | None] = field(default_factory=dict)

    def within(self, area: Area) -> list[dict]:
        """The area and everything below it (as Area.objects.within)."""
        return [row for row in self.rows if row["path"].startswith(area.path)]

    def boundaries(self, pks: list[int]) -> dict[int, dict | None]:
        """Each area's Polygon or MultiPolygon (None without one)."""
        held = self._held_boundaries()
        return {pk: held.get(pk) for pk in pks}

    def extents(self, pks: set[int]) -> dict[int, tuple[float, float]]:
        """Width and height of each area's bounding box (areas without a boundary left out)."""
        self._held_boundaries()
        return {pk: extent for pk in pks if (extent := self._extents.get(pk)) is not None}

    def _held_boundaries(self) -> dict[int, dict | None]:
        # all of them at the first need, in one query (a district's are well under a megabyte
        # of JSON): a request then never makes a query more or less depending on which areas
        # some earlier request happened to draw
        if self._boundaries is None:
            boundaries, extents = {}, {}
            for pk, value in Area.objects.values_list("pk", "geometry"):
                boundaries[pk] = drawable_boundary(value)
                extents[pk] = _extent(boundaries[pk])
            self._extents = extents
            self._boundaries = boundaries
            # hundreds of thousands of small objects (every point of every boundary), alive as
            # long as the process: out of the cyclic collector's sight, so that its full
            # collections stop walking them on later requests (the map data's p95 halved:
            # docs/benchmarks.md). Reference counting still frees them when a new version of
            # the areas replaces them (plain JSON data holds no cycles).
            gc.freeze()
        return self._boundaries


_held: AreaTree | None = None


def area_tree() -> AreaTree:
    """The areas as they are now: this process's copy when still current (one small query),
    else read afresh (one more)."""
    global _held
    version = tuple(Area.objects.aggregate(latest=Max("updated_at"), n=Count("pk")).values())
    held = _held
    if held is not None and held.version == version:
        return held
    rows = list(Area.objects.order_by("path").values(*ROW_FIELDS))
    for row in rows:  # where a count per area is drawn, rounded to about 10 cm
        row["center"] = (
            None
            if row["center_lng"] is None or row["center_lat"] is None
            else [round(row["center_lng"], 6), round(row["center_lat"], 6)]
        )
    held = AreaTree(
        version=version,
        rows=rows,
        by_pk={row["pk"]: row for row in rows},
        by_code={row["code"]: row for row in rows},
    )
    _held = held  # one assignment: a thread still using the old copy keeps a consistent one
    return held


def _extent(geometry: dict | None) -> tuple[float, float] | None:
    if geometry is None:
        return None
    polygons = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        polygons = [polygons]
    xs = [x for polygon in polygons for x, _ in polygon[0]]
    ys = [y for polygon in polygons for _, y in polygon[0]]
    if not xs:
        return None
    return max(xs) - min(xs), max(ys) - min(ys)

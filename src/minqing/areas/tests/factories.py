"""Hand-made areas for tests: small square polygons that nest, so the map has something to draw."""

from __future__ import annotations

from minqing.areas.models import Area, Level


def square(west: float, south: float, east: float, north: float) -> dict:
    """A GeoJSON Polygon for the box, counter-clockwise as RFC 7946 asks."""
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def make_area(
    *,
    code: str,
    name: str,
    level: str,
    parent: Area | None = None,
    box: tuple[float, float, float, float] | None = None,
) -> Area:
    """One area; its path is the parent's path and its own code, as areas.actions.load_areas
    writes it ("410811/410811001/410811001001")."""
    path = f"{parent.path}/{code}" if parent else code
    geometry = square(*box) if box else None
    center = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2) if box else (None, None)
    return Area.objects.create(
        code=code,
        name=name,
        level=level,
        parent=parent,
        path=path,
        geometry=geometry,
        center_lng=center[0],
        center_lat=center[1],
    )


# The tree of the test district: street → communities; every community has 第1网格 and 第2网格.
STREETS = {
    "定和街道": ["丰收社区", "新华社区"],
    "焦东街道": ["建设社区", "和平社区"],
}


def make_district(
    *,
    code: str = "410811",
    name: str = "山阳区",
    streets: dict[str, list[str]] | None = None,
    grids_per_community: int = 2,
) -> dict[str, Area]:
    """A district with streets, communities and grids, each a square inside its parent.

    Returns every area by a readable key: "山阳区", "定和街道", "定和街道/丰收社区",
    "定和街道/丰收社区/第1网格" …"""
    streets = STREETS if streets is None else streets
    box = (113.20, 35.20, 113.28, 35.28)
    district = make_area(code=code, name=name, level=Level.DISTRICT, box=box)
    areas = {name: district}
    for s, (street_name, communities) in enumerate(streets.items()):
        street_box = _slice(box, s, len(streets), vertical=True)
        street = make_area(
            code=f"{code}{s + 1:03d}",
            name=street_name,
            level=Level.STREET,
            parent=district,
            box=street_box,
        )
        areas[street_name] = street
        for c, community_name in enumerate(communities):
            community_box = _slice(street_box, c, len(communities), vertical=False)
            community = make_area(
                code=f"{street.code}{c + 1:03d}",
                name=community_name,
                level=Level.COMMUNITY,
                parent=street,
                box=community_box,
            )
            areas[f"{street_name}/{community_name}"] = community
            for g in range(grids_per_community):
                grid = make_area(
                    code=f"{community.code}{g + 1:03d}",
                    name=f"第{g + 1}网格",
                    level=Level.GRID,
                    parent=community,
                    box=_slice(community_box, g, grids_per_community, vertical=True),
                )
                areas[f"{street_name}/{community_name}/{grid.name}"] = grid
    return areas


def _slice(box, index: int, count: int, *, vertical: bool) -> tuple[float, float, float, float]:
    """Cut the box into `count` strips (vertical: west → east) and return strip `index`."""
    west, south, east, north = box
    if vertical:
        step = (east - west) / count
        return (west + index * step, south, west + (index + 1) * step, north)
    step = (north - south) / count
    return (west, north - (index + 1) * step, east, north - index * step)

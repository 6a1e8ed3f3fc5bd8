"""The synthetic district's geography: 山阳区 areas, places, organizations, facilities, dwellings.

Everything comes from one seed. Every area is a union of cells of one jittered lattice, and the
cell vertices are rounded before any union, so a parent is exactly the union of its children and
neighbours share their border vertex for vertex. The area structure does not depend on
`households`; only the number of buildings (and so of dwellings and elevators) does.

The lattice lives in `lattice.py`, the name pools in `placenames.py`, the dwelling rows in
`dwellings.py`; this module assembles them and writes the GeoJSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import shapely

from minqing.synth.dwellings import DWELLING_SCHEMA, rural_dwellings, urban_dwellings
from minqing.synth.lattice import NX, NY, Lattice, make_connected, near, partition, reading_order
from minqing.synth.placenames import (
    COMMUNITY_NAMES,
    FACILITY_LABELS,
    FARM_KINDS,
    NEW_ESTATES,
    OLD_ESTATES,
    PROPERTY_FIRMS,
    REQUIRED,
    SHOP_KINDS,
    SHOP_PREFIXES,
    SOCIAL_ORGS,
    STREETS,
    TOWNSHIP,
    TREE_SPECIES,
    VILLAGE_NAMES,
)

__all__ = ["DWELLING_SCHEMA", "Geography", "build_geography", "write_geojson"]

DISTRICT_CODE, DISTRICT_NAME = "410811", "山阳区"
DWELLINGS_PER_HOUSEHOLD = 1.3
RURAL_SHARE = 0.08  # of all dwellings
# per grid: (urban low, urban high, rural low, rural high), numbers drawn in [low, high]
FACILITY_COUNTS = {
    "streetlight": (8, 25, 3, 10),
    "fire_hydrant": (2, 6, 0, 2),
    "camera": (3, 10, 1, 4),
    "manhole": (5, 15, 1, 4),
    "charger": (0, 6, 0, 0),
}


@dataclass
class Geography:
    seed: int
    households: int
    areas: list[dict]  # parents first
    places: list[dict]
    organizations: list[dict]
    facilities: list[dict]
    dwellings: pl.DataFrame


def build_geography(seed: int, households: int) -> Geography:
    """The whole synthetic 山阳区 for `seed`, with about 1.3 dwellings per household."""
    lattice = Lattice(np.random.default_rng([seed, 1]))
    areas, grids = _build_areas(lattice, np.random.default_rng([seed, 2]))
    places, buildings, dwellings = _build_places(
        lattice, grids, households, np.random.default_rng([seed, 3])
    )
    organizations = _build_organizations(lattice, grids, places, np.random.default_rng([seed, 4]))
    facilities = _build_facilities(lattice, grids, buildings, np.random.default_rng([seed, 5]))
    geo = Geography(
        seed=seed,
        households=households,
        areas=areas,
        places=sorted(places, key=lambda p: p["code"]),
        organizations=sorted(organizations, key=lambda o: o["code"]),
        facilities=sorted(facilities, key=lambda f: f["code"]),
        dwellings=dwellings,
    )
    _check_points_inside(geo)
    return geo


def write_geojson(geo: Geography, out_dir: Path) -> None:
    """areas/places/organizations/facilities.geojson; byte-identical for the same seed."""
    out_dir.mkdir(parents=True, exist_ok=True)
    _dump(
        out_dir / "areas.geojson",
        [
            _feature(a["geometry"], {k: v for k, v in a.items() if k != "geometry"})
            for a in geo.areas
        ],
    )
    for name, items in (
        ("places", geo.places),
        ("organizations", geo.organizations),
        ("facilities", geo.facilities),
    ):
        features = []
        for item in items:
            props = {k: v for k, v in item.items() if k not in ("lng", "lat", "properties")}
            props.update(item.get("properties") or {})
            features.append(
                _feature({"type": "Point", "coordinates": [item["lng"], item["lat"]]}, props)
            )
        _dump(out_dir / f"{name}.geojson", features)


def _feature(geometry: dict, properties: dict) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def _dump(path: Path, features: list[dict]) -> None:
    text = json.dumps(
        {"type": "FeatureCollection", "features": features},
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    path.write_bytes(text.encode("utf-8"))


# ---- areas -------------------------------------------------------------------------------


def _build_areas(lattice: Lattice, rng: np.random.Generator) -> tuple[list[dict], list[dict]]:
    """Areas, parents first; and per grid a dict with its names, codes and cells."""
    mask, xy = lattice.mask, lattice.centres
    # streets: nearest jittered seed, weighted so the township is larger
    seeds = np.array([[p[0] * NX, p[1] * NY] for _, _, p, _ in STREETS])
    seeds += rng.uniform(-0.03, 0.03, size=seeds.shape) * [NX, NY]
    weights = np.array([s[3] for s in STREETS])
    dist = np.sqrt(((xy[:, :, None, :] - seeds[None, None]) ** 2).sum(-1)) / weights
    street_lab = np.where(mask, dist.argmin(-1), -1)
    street_lab = make_connected(street_lab, np.where(mask, 0, -1))

    # communities within streets, then grids within communities (labels are global ids)
    community_lab = np.full((NX, NY), -1)
    communities = []  # (street index, number in street)
    names_left = list(COMMUNITY_NAMES)
    rng.shuffle(names_left)
    for s in range(len(STREETS)):
        cells = np.argwhere(street_lab == s)
        k = int(rng.integers(5, 10))
        lab = reading_order(cells, partition(cells + 0.0, k, rng), k)
        community_lab[cells[:, 0], cells[:, 1]] = len(communities) + lab
        communities += [(s, n) for n in range(k)]
    community_lab = make_connected(community_lab, street_lab)

    grid_lab = np.full((NX, NY), -1)
    grid_owner = []  # community id per grid
    for c in range(len(communities)):
        cells = np.argwhere(community_lab == c)
        k = int(min(rng.integers(4, 9), len(cells)))
        lab = reading_order(cells, partition(cells + 0.0, k, rng), k)
        grid_lab[cells[:, 0], cells[:, 1]] = len(grid_owner) + lab
        grid_owner += [c] * k
    grid_lab = make_connected(grid_lab, community_lab)

    # names and codes
    areas = [_area(lattice, DISTRICT_CODE, DISTRICT_NAME, "district", None, mask)]
    grids: list[dict] = []
    community_ids = np.array([s for s, _ in communities])
    for s, (suffix, street_name, _, _) in enumerate(STREETS):
        street_code = DISTRICT_CODE + suffix
        areas.append(
            _area(lattice, street_code, street_name, "street", DISTRICT_CODE, street_lab == s)
        )
        rural = street_name == TOWNSHIP
        mine = np.flatnonzero(community_ids == s)
        if rural:
            pool = list(VILLAGE_NAMES)
            rng.shuffle(pool)
            names = pool[: len(mine)]
        else:
            required = REQUIRED.get(street_name, (None, None))[0]
            names = [required] if required else []
            while len(names) < len(mine):
                name = names_left.pop()
                if name not in names and name not in [r[0] for r in REQUIRED.values()]:
                    names.append(name)
        for n, c in enumerate(mine):
            community_code = f"{street_code}{(201 if rural else 1) + n:03d}"
            community_name = names[n]
            in_community = community_lab == c
            areas.append(
                _area(
                    lattice, community_code, community_name, "community", street_code, in_community
                )
            )
            for g, grid_id in enumerate(i for i, owner in enumerate(grid_owner) if owner == c):
                in_grid = grid_lab == grid_id
                grid_code = f"{community_code}{g + 1:02d}"
                area = _area(lattice, grid_code, f"第{g + 1}网格", "grid", community_code, in_grid)
                areas.append(area)
                grids.append(
                    {
                        "code": grid_code,
                        "name": area["name"],
                        "community_code": community_code,
                        "community_name": community_name,
                        "street_code": street_code,
                        "street_name": street_name,
                        "is_rural": rural,
                        "cells": np.flatnonzero(in_grid.ravel()),
                        "cell_set": set(np.flatnonzero(in_grid.ravel()).tolist()),
                    }
                )
    return areas, grids


def _area(lattice: Lattice, code, name, level, parent_code, in_area: np.ndarray) -> dict:
    polygon = lattice.polygon(np.flatnonzero(in_area.ravel()))
    centre = shapely.point_on_surface(polygon)
    rings = [polygon.exterior, *polygon.interiors]
    return {
        "code": code,
        "name": name,
        "level": level,
        "parent_code": parent_code,
        "geometry": {
            "type": "Polygon",
            "coordinates": [np.round(shapely.get_coordinates(r), 6).tolist() for r in rings],
        },
        "center_lng": round(centre.x, 6),
        "center_lat": round(centre.y, 6),
    }


# ---- places and dwellings ----------------------------------------------------------------


def _item(code, name, kind, area_code, lng, lat, address, properties=None, **links) -> dict:
    """A place, organization or facility: a named point in an area."""
    return {
        "code": code,
        "name": name,
        "kind": kind,
        "area_code": area_code,
        **links,
        "address": address,
        "lng": float(lng),
        "lat": float(lat),
        "properties": properties or {},
    }


def _build_places(lattice, grids, households, rng):
    places: list[dict] = []
    estates: list[dict] = []
    total = int(np.ceil(households * DWELLINGS_PER_HOUSEHOLD))
    # Estate names are unique in the district, as addresses need them to be: a name drawn again
    # takes the community's name in front (新华万方小区); the required ones stay where they belong.
    reserved = {estate for _, estate in REQUIRED.values()}
    used: set[str] = set()
    for community_code, community_grids in _by_community(grids).items():
        first = community_grids[0]
        prefix = first["street_name"] + first["community_name"]
        rural = first["is_rural"]
        host = community_grids[int(rng.integers(len(community_grids)))]
        lng, lat = lattice.points([rng.choice(host["cells"])], rng)[0]
        centre = "便民服务中心" if rural else "党群服务中心"
        places.append(
            _item(
                f"{community_code}S01",
                first["community_name"] + centre,
                "service_center",
                host["code"],
                lng,
                lat,
                prefix + centre,
                {"community_code": community_code},
                parent_code=None,
            )
        )
        if rural:
            continue
        pool = OLD_ESTATES + NEW_ESTATES
        names = list(rng.permutation(pool))
        required = REQUIRED.get(first["street_name"], (None, None))
        if required[0] == first["community_name"]:
            names.remove(required[1])
            names.insert(0, required[1])
        for grid in community_grids:
            k = int(rng.integers(1, 5))
            homes = rng.choice(grid["cells"], size=k, replace=k > len(grid["cells"]))
            for e in range(k):
                drawn = str(names.pop(0))
                is_old = drawn in OLD_ESTATES
                name = drawn
                if name in used or (name in reserved and name != required[1]):
                    name = first["community_name"].removesuffix("社区") + drawn
                    while name in used:
                        name += "二期"
                used.add(name)
                lng, lat = lattice.points([homes[e]], rng)[0]
                built_in = int(rng.integers(1975, 2000) if is_old else rng.integers(2005, 2023))
                estate = _item(
                    f"{grid['code']}E{e + 1:02d}",
                    name,
                    "estate",
                    grid["code"],
                    lng,
                    lat,
                    prefix + name,
                    {"is_old": is_old, "built_in": built_in},
                    parent_code=None,
                )
                places.append(estate)
                estates.append({"place": estate, "grid": grid, "home": homes[e], "is_old": is_old})

    # buildings: share the urban dwellings out by estate weight, then size each estate's buildings
    urban_total = total - round(total * RURAL_SHARE)
    weight = rng.lognormal(0.0, 0.6, len(estates)) * np.array(
        [1.0 if e["is_old"] else 2.5 for e in estates]
    )
    specs = []  # per estate: typical floors, rooms per floor per unit, mean dwellings per building
    for estate in estates:
        if estate["is_old"]:
            rooms = int(rng.choice([2, 2, 3]))
            specs.append((6, rooms, 2.5 * 6 * rooms))
        else:
            floors, rooms = int(rng.integers(11, 34)), int(rng.integers(2, 5))
            specs.append((floors, rooms, 2.0 * floors * rooms))
    means = np.array([mean for _, _, mean in specs])
    counts = _building_counts(urban_total * weight / weight.sum(), means)
    cols: dict[str, list] = {k: [] for k in ("estate", "no", "units", "floors", "rooms", "cell")}
    for n, (estate, (floors, rooms, _), count) in enumerate(
        zip(estates, specs, counts, strict=True)
    ):
        cols["estate"].append(np.full(count, n))
        cols["no"].append(np.arange(1, count + 1))
        if estate["is_old"]:
            cols["units"].append(rng.integers(1, 5, size=count))
            cols["floors"].append(rng.integers(5, 8, size=count))
        else:
            cols["units"].append(rng.integers(1, 4, size=count))
            cols["floors"].append(np.clip(floors + rng.integers(-2, 3, size=count), 11, 33))
        cols["rooms"].append(np.full(count, rooms))
        near_home = near(estate["home"], estate["grid"]["cell_set"])
        cols["cell"].append(near_home[rng.integers(len(near_home), size=count)])
    b = {k: np.concatenate(v) for k, v in cols.items()}
    points = lattice.points(b["cell"], rng)
    buildings = []
    for n in range(len(b["no"])):
        e, no = estates[b["estate"][n]]["place"], b["no"][n]
        size = {"units": b["units"][n], "floors": b["floors"][n], "rooms_per_floor": b["rooms"][n]}
        buildings.append(
            _item(
                f"{e['code']}B{no:04d}",
                f"{e['name']}{no}号楼",
                "building",
                e["area_code"],
                points[n, 0],
                points[n, 1],
                f"{e['address']}{no}号楼",
                {k: int(v) for k, v in size.items()},
                parent_code=e["code"],
            )
        )
    places += buildings
    urban = urban_dwellings(estates, b, buildings)
    # sized from the urban count, so the rural share holds even when the one-building-per-estate
    # floor makes the urban part larger than asked
    rural_total = round(len(urban) * RURAL_SHARE / (1 - RURAL_SHARE))
    rural = rural_dwellings(lattice, grids, rural_total, rng)
    dwellings = (
        pl.concat([urban, rural])
        .with_row_index("dwelling_id")
        .with_columns(pl.col("dwelling_id").cast(pl.Int64))
    )
    return places, buildings, dwellings


def _building_counts(targets: np.ndarray, means: np.ndarray) -> np.ndarray:
    """Buildings per estate (at least one) so that the expected dwellings add up to the targets'
    sum: estates too small for one building get one, and the others shrink to make up for it."""
    total = targets.sum()

    def counts(scale: float) -> np.ndarray:
        return np.maximum(1, np.round(scale * targets / means)).astype(int)

    low, high = 0.0, 1.0
    for _ in range(40):
        mid = (low + high) / 2
        if (counts(mid) * means).sum() > total:
            high = mid
        else:
            low = mid
    return counts(high)


# ---- organizations and facilities --------------------------------------------------------


def _build_organizations(lattice, grids, places, rng) -> list[dict]:
    orgs: list[dict] = []
    centres = {
        p["properties"]["community_code"]: p for p in places if p["kind"] == "service_center"
    }
    estates_by_grid: dict[str, list[dict]] = {}
    for p in places:
        if p["kind"] == "estate":
            estates_by_grid.setdefault(p["area_code"], []).append(p)

    def org(code, name, kind, area_code, at, address, place=None, **properties):
        """`at` is a place dict or an (lng, lat) pair."""
        lng, lat = (at["lng"], at["lat"]) if isinstance(at, dict) else at
        code_of_place = place["code"] if place else None
        orgs.append(
            _item(
                code, name, kind, area_code, lng, lat, address, properties, place_code=code_of_place
            )
        )

    for code, community_grids in _by_community(grids).items():
        first = community_grids[0]
        name, rural = first["community_name"], first["is_rural"]
        address, centre = first["street_name"] + name, centres[code]
        party = name + ("党支部" if rural else "党委")
        org(f"{code}P01", party, "party", code, centre, address, place=centre)
        org(f"{code}C01", name + "党群议事会", "council", code, centre, address, place=centre)
        all_cells = np.concatenate([g["cells"] for g in community_grids])
        social = rng.choice(SOCIAL_ORGS, size=int(rng.integers(1, 4)), replace=False)
        points = lattice.points(rng.choice(all_cells, size=len(social)), rng)
        for n, (kind_name, point) in enumerate(zip(social, points, strict=True)):
            org(f"{code}G{n + 1:02d}", name + str(kind_name), "social", code, point, address)

        # property firms: most estates have their own, some share the previous one
        firms: list[tuple[str, list[dict]]] = []
        estates = [e for g in community_grids for e in estates_by_grid.get(g["code"], [])]
        for estate in estates:
            if firms and rng.random() < 0.3:
                firms[-1][1].append(estate)
            else:
                firms.append((f"焦作市{rng.choice(PROPERTY_FIRMS)}物业服务有限公司", [estate]))
        for n, (firm, served) in enumerate(firms):
            grid_codes = sorted({e["area_code"] for e in served})
            area_code = grid_codes[0] if len(grid_codes) == 1 else code
            org(
                f"{code}W{n + 1:02d}",
                firm,
                "property",
                area_code,
                served[0],
                served[0]["address"],
                place=served[0],
                estates=[e["code"] for e in served],
            )
        for e in [e for e in estates if rng.random() < 0.4]:
            org(
                f"{e['code']}P01", e["name"] + "党支部", "party", e["area_code"], e, e["address"], e
            )

        for grid in community_grids:
            count = int(rng.integers(0, 3 if rural else 4))
            points = lattice.points(rng.choice(grid["cells"], size=count), rng)
            for n, point in enumerate(points):
                kinds = FARM_KINDS if rural and rng.random() < 0.6 else SHOP_KINDS
                firm = f"山阳区{rng.choice(SHOP_PREFIXES)}{rng.choice(kinds)}"
                where = address + grid["name"]
                org(f"{grid['code']}Q{n + 1:02d}", firm, "enterprise", grid["code"], point, where)
    return orgs


def _by_community(grids: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for grid in grids:
        out.setdefault(grid["community_code"], []).append(grid)
    return out


def _build_facilities(lattice, grids, buildings, rng) -> list[dict]:
    facilities: list[dict] = []
    by_grid: dict[str, list[dict]] = {}
    for b in buildings:
        if b["properties"]["floors"] >= 8:
            by_grid.setdefault(b["area_code"], []).append(b)
    for grid in grids:
        address = grid["street_name"] + grid["community_name"] + grid["name"]
        items: list[tuple] = []  # (kind, name, place, lng, lat, properties)
        for b in by_grid.get(grid["code"], []):
            per_unit = 2 if b["properties"]["floors"] > 18 else 1
            for unit in range(1, b["properties"]["units"] + 1):
                for k in range(1, per_unit + 1):
                    name = f"{b['name']}{unit}单元{k}号电梯"
                    items.append(("elevator", name, b, b["lng"], b["lat"], {"unit_no": unit}))
        for kind, (ul, uh, rl, rh) in FACILITY_COUNTS.items():
            low, high = (rl, rh) if grid["is_rural"] else (ul, uh)
            count = int(rng.integers(low, high + 1))
            points = lattice.points(rng.choice(grid["cells"], size=count), rng)
            for n, (lng, lat) in enumerate(points):
                items.append((kind, f"{FACILITY_LABELS[kind]}{n + 1}号", None, lng, lat, {}))
        if rng.random() < (0.4 if grid["is_rural"] else 0.15):
            lng, lat = lattice.points(rng.choice(grid["cells"], size=1), rng)[0]
            species = str(rng.choice(TREE_SPECIES))
            props = {"species": species, "age_years": int(rng.integers(100, 501))}
            items.append(("old_tree", f"古树({species})", None, lng, lat, props))
        working = rng.random(len(items)) >= 0.03
        for n, (kind, name, place, lng, lat, props) in enumerate(items):
            facilities.append(
                _item(
                    f"{grid['code']}F{n + 1:05d}",
                    name,
                    kind,
                    grid["code"],
                    lng,
                    lat,
                    place["address"] if place else address,
                    props,
                    place_code=place["code"] if place else None,
                    is_working=bool(working[n]),
                )
            )
    return facilities


def _check_points_inside(geo: Geography) -> None:
    """Every point lies inside its area: a cheap guard against a lattice bug."""
    polygons = {a["code"]: shapely.geometry.shape(a["geometry"]) for a in geo.areas}
    points = [
        (p["area_code"], p["lng"], p["lat"])
        for p in geo.places + geo.organizations + geo.facilities
    ]
    df = pl.concat(
        [
            pl.DataFrame(points, schema=["area_code", "lng", "lat"], orient="row"),
            geo.dwellings.select(pl.col("grid_code").alias("area_code"), "lng", "lat").unique(),
        ]
    )
    for (code,), part in df.group_by(["area_code"]):
        inside = shapely.contains_xy(polygons[code], part["lng"].to_numpy(), part["lat"].to_numpy())
        if not inside.all():
            raise RuntimeError(f"{(~inside).sum()} points fall outside area {code}")

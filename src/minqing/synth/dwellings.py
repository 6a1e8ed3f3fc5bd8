"""The dwelling table: one row per flat in an urban building, one per house in a village."""

from __future__ import annotations

import numpy as np
import polars as pl

from minqing.synth.lattice import Lattice

DWELLING_SCHEMA = {
    "grid_code": pl.String,
    "community_code": pl.String,
    "street_code": pl.String,
    "street_name": pl.String,
    "community_name": pl.String,
    "estate_code": pl.String,
    "estate_name": pl.String,
    "building_code": pl.String,
    "building_no": pl.Int32,
    "unit_no": pl.Int32,
    "floor": pl.Int32,
    "room_no": pl.Int32,
    "group_no": pl.Int32,
    "house_no": pl.Int32,
    "address": pl.String,
    "lng": pl.Float64,
    "lat": pl.Float64,
    "is_rural": pl.Boolean,
}


def urban_dwellings(estates: list[dict], b: dict, buildings: list[dict]) -> pl.DataFrame:
    """Every flat of every building: units × floors × rooms per floor; `b` holds the buildings'
    columns (estate, no, units, floors, rooms) in the order of `buildings`."""
    per_floor = b["rooms"]
    per_unit = b["floors"] * per_floor
    counts = b["units"] * per_unit
    which = np.repeat(np.arange(len(counts)), counts)
    local = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    unit = local // per_unit[which] + 1
    floor = (local % per_unit[which]) // per_floor[which] + 1
    room_no = floor * 100 + local % per_floor[which] + 1
    grid = [estates[e]["grid"] for e in b["estate"]]
    per_building = pl.DataFrame(
        {
            "grid_code": [g["code"] for g in grid],
            "community_code": [g["community_code"] for g in grid],
            "street_code": [g["street_code"] for g in grid],
            "street_name": [g["street_name"] for g in grid],
            "community_name": [g["community_name"] for g in grid],
            "estate_code": [p["parent_code"] for p in buildings],
            "estate_name": [estates[e]["place"]["name"] for e in b["estate"]],
            "building_code": [p["code"] for p in buildings],
            "building_no": b["no"].astype(np.int32),
            "prefix": [p["address"] for p in buildings],
            "lng": [p["lng"] for p in buildings],
            "lat": [p["lat"] for p in buildings],
        }
    )
    df = per_building[which].with_columns(
        unit_no=pl.Series(unit, dtype=pl.Int32),
        floor=pl.Series(floor, dtype=pl.Int32),
        room_no=pl.Series(room_no, dtype=pl.Int32),
        group_no=pl.lit(None, dtype=pl.Int32),
        house_no=pl.lit(None, dtype=pl.Int32),
        is_rural=pl.lit(False),
    )
    df = df.with_columns(
        address=pl.concat_str(
            [pl.col("prefix"), pl.col("unit_no"), pl.lit("单元"), pl.col("room_no"), pl.lit("室")]
        )
    )
    return df.select([pl.col(k).cast(t) for k, t in DWELLING_SCHEMA.items()])


def rural_dwellings(
    lattice: Lattice, grids: list[dict], total: int, rng: np.random.Generator
) -> pl.DataFrame:
    """About `total` village houses spread over the rural grids, numbered by group (组)."""
    rows: dict[str, list] = {k: [] for k in DWELLING_SCHEMA}
    cells = []
    village_grids = [g for g in grids if g["is_rural"]]
    share = rng.lognormal(0.0, 0.4, len(village_grids))
    sizes = np.maximum(10, np.round(max(total, 0) * share / share.sum())).astype(int)
    next_group: dict[str, int] = {}
    for grid, size in zip(village_grids, sizes, strict=True):
        groups = int(rng.integers(1, 4))
        first = next_group.get(grid["community_code"], 1)
        next_group[grid["community_code"]] = first + groups
        settlements = rng.choice(grid["cells"], size=min(3, len(grid["cells"])), replace=False)
        for g in range(groups):
            n = size // groups + (1 if g < size % groups else 0)
            group_no = first + g
            for house in range(1, n + 1):
                rows["group_no"].append(group_no)
                rows["house_no"].append(house)
                rows["address"].append(
                    f"{grid['street_name']}{grid['community_name']}{group_no}组{house}号"
                )
            for key, value in (
                ("grid_code", grid["code"]),
                ("community_code", grid["community_code"]),
                ("street_code", grid["street_code"]),
                ("street_name", grid["street_name"]),
                ("community_name", grid["community_name"]),
                ("estate_code", grid["community_code"]),
                ("estate_name", grid["community_name"]),
            ):
                rows[key] += [value] * n
            cells.append(settlements[rng.integers(len(settlements), size=n)])
    points = lattice.points(np.concatenate(cells), rng)
    n = len(points)
    for key in ("building_code", "building_no", "unit_no", "floor", "room_no"):
        rows[key] = [None] * n
    rows["lng"], rows["lat"] = points[:, 0].tolist(), points[:, 1].tolist()
    rows["is_rural"] = [True] * n
    return pl.DataFrame(rows, schema=DWELLING_SCHEMA)

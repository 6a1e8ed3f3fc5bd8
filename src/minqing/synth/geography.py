"""The synthetic district's geography: 山阳区 areas, places, organizations, facilities, dwellings.

Everything comes from one seed. Every area is a union of cells of one jittered lattice, and the
cell vertices are rounded before any union, so a parent is exactly the union of its children and
neighbours share their border vertex for vertex. The area structure does not depend on
`households`; only the number of buildings (and so of dwellings and elevators) does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import shapely

DISTRICT_CODE, DISTRICT_NAME = "410811", "山阳区"
WEST, EAST, SOUTH, NORTH = 113.17, 113.33, 35.18, 35.27
NX, NY = 160, 100  # lattice cells; one cell is about 120 m × 135 m
DX, DY = (EAST - WEST) / NX, (NORTH - SOUTH) / NY
JITTER = 0.22  # of a cell side; below 0.25 every cell stays a convex quadrilateral
MARGIN = 0.06  # keeps sampled points a few metres away from cell edges
DWELLINGS_PER_HOUSEHOLD = 1.3
RURAL_SHARE = 0.08  # of all dwellings
TOWNSHIP = "苏家作乡"


def _words(text: str) -> list[str]:
    return text.split()


# (code suffix, name, position as fractions of the box west→east / south→north, size weight)
STREETS = [
    ("001", "定和街道", (0.36, 0.56), 1.0),
    ("002", "东方红街道", (0.22, 0.64), 1.0),
    ("003", "太行街道", (0.30, 0.80), 1.0),
    ("004", "艺新街道", (0.46, 0.74), 1.0),
    ("005", "焦东街道", (0.52, 0.50), 1.0),
    ("006", "焦西街道", (0.10, 0.45), 1.0),
    ("007", "百间房街道", (0.38, 0.30), 1.0),
    ("008", "光亚街道", (0.20, 0.25), 1.0),
    ("009", "中星街道", (0.58, 0.84), 1.0),
    ("010", "新城街道", (0.58, 0.22), 1.0),
    ("011", "李万街道", (0.68, 0.60), 1.0),
    ("200", TOWNSHIP, (0.88, 0.42), 2.1),
]
# street → (community that must exist, estate that must be in its first grid)
REQUIRED = {
    "定和街道": ("丰收社区", "丰收小区"),
    "东方红街道": ("广场社区", "广电小区"),
    "太行街道": ("阳光社区", "水泥厂小区"),
    "艺新街道": ("工字路社区", "云台小区"),
}
COMMUNITY_NAMES = [
    f"{n}社区"
    for n in _words(
        "建设路 新华 塔南路 民主路 解放路 人民路 和平 团结 幸福 光明 朝阳 红旗 胜利 东风 前进 "
        "站前 焦作路 山阳路 太行路 丰收路 迎宾路 中原路 政二街 焦东路 新华街 百间房 映湖 龙源 "
        "电厂 矿务局 健康路 文昌 嘉禾 学苑 花园 锦祥 春华 北环 南环 东环 塔北路 工人村 恒安 "
        "兴华 园林 雪莲 月季 青年 东苑 西苑 南苑 北苑 福园 馨园 翠园 康乐 安居 丰泽 瑞丰 永安 "
        "宁静 和谐 鑫苑 紫荆 友谊路 光亚路 车站路 文苑路 东环路 世纪路 神州路 映湖路 新园路 "
        "长恩路 普济路 公园路 西环路 玉溪路 南通路 清风 明月 金桥 银河 启明 振兴 育才 博爱 "
        "仁和 怡康 新村 焦南 焦北 李封 王封 马村 冯营 演马 韩王 九里山 缝山"
    )
]
VILLAGE_NAMES = [
    f"{n}村"
    for n in _words("苏家作 新庄 北孔 南孔 寺后 陈庄 小尚 东于 西于 王庄 李河 龙洞 恩村 马作")
]
OLD_ESTATES = _words(
    "丰收小区 广电小区 水泥厂小区 云台小区 焦煤小区 电厂小区 纺织厂家属院 万方小区 山阳小区 "
    "矿务局家属院 铁路小区 化工厂家属院 邮电小区 粮食局家属院 机械厂小区 电业局家属院 "
    "供销社家属院 建设小区 人民小区 东方红小区 百间房小区 塔南小区 民主小区 财政局家属院 "
    "教育局家属院 医院家属院 交通小区 工商小区 二建家属院 冶金小区 电机厂小区 水利小区 "
    "轻工小区 面粉厂家属院 棉纺小区 光亚小区 新华小区 林业局家属院"
)
NEW_ESTATES = _words(
    "建业小区 阳光花园 太行嘉苑 山水名苑 锦江花园 世纪花园 和谐家园 金色家园 东方名城 丽景湾 "
    "怡馨苑 翠湖苑 御景园 幸福里 龙源湖小区 映湖苑 焦作新城 碧水苑 紫荆苑 书香苑 滨河花园 "
    "天一城 鑫苑名家 瑞丰苑 山阳新苑 缝山花园 凤凰城 桂花园 南湖雅居 学府名邸 盛世华庭"
)
PROPERTY_FIRMS = _words(
    "鑫源 恒通 安居 宏达 瑞祥 华宇 佳美 祥和 金盾 德润 嘉和 中兴 康宁 永泰 盛达 鸿运 泰和 "
    "锦程 天润 博远 润泽 兴盛 福瑞 众诚"
)
SOCIAL_ORGS = _words(
    "志愿服务队 老年协会 红白理事会 巾帼志愿服务队 文艺队 人民调解委员会 四点半课堂 "
    "邻里互助会 书画协会 太极拳协会"
)
SHOP_PREFIXES = _words("鑫隆 华联 老王 福满 惠民 金鼎 顺达 康源 佳佳 德信 宏图 天天 永兴 万家 诚信")
SHOP_KINDS = _words(
    "超市 烩面馆 大药房 五金店 商贸有限公司 建材店 便利店 汽修厂 餐饮店 物流有限公司"
)
FARM_KINDS = _words("养殖专业合作社 种植专业合作社 农机专业合作社 家庭农场")
TREE_SPECIES = _words("国槐 皂角 银杏 柿树 榆树 侧柏")
FACILITY_LABELS = {
    "streetlight": "路灯",
    "old_tree": "古树",
    "fire_hydrant": "消防栓",
    "camera": "监控探头",
    "manhole": "井盖",
    "charger": "充电桩",
}
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
    lattice = _Lattice(np.random.default_rng([seed, 1]))
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


# ---- the lattice -------------------------------------------------------------------------


class _Lattice:
    """Jittered cells over the box; `mask` marks the district's cells (one piece, no holes)."""

    def __init__(self, rng: np.random.Generator) -> None:
        i, j = np.meshgrid(np.arange(NX + 1), np.arange(NY + 1), indexing="ij")
        jitter = rng.uniform(-JITTER, JITTER, size=(2, NX + 1, NY + 1))
        self.vertices = np.stack(
            [
                np.round(WEST + (i + jitter[0]) * DX, 6),
                np.round(SOUTH + (j + jitter[1]) * DY, 6),
            ],
            axis=-1,
        )
        v = self.vertices
        rings = np.stack([v[:-1, :-1], v[1:, :-1], v[1:, 1:], v[:-1, 1:], v[:-1, :-1]], axis=2)
        self.cells = shapely.polygons(rings.reshape(NX * NY, 5, 2))
        # the outline: a wobbly ellipse, then its largest piece with holes filled
        ci, cj = np.meshgrid(np.arange(NX) + 0.5, np.arange(NY) + 0.5, indexing="ij")
        u, w = ci / NX * 2 - 1, cj / NY * 2 - 1
        theta, r = np.arctan2(w, u), np.hypot(u, w)
        radius = np.full_like(r, 0.92)
        for k in range(2, 7):
            radius += rng.uniform(0.0, 0.07) * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
        inside = np.where(r < radius, 0, -1)
        comp = _components(inside)
        sizes = np.bincount(comp[comp >= 0])
        mask = comp == np.argmax(sizes)
        outside = np.where(mask, -1, 0)
        ocomp = _components(outside)
        border = np.unique(np.concatenate([ocomp[0], ocomp[-1], ocomp[:, 0], ocomp[:, -1]]))
        self.mask = mask | ((ocomp >= 0) & ~np.isin(ocomp, border))
        self.centres = np.stack([ci, cj], axis=-1)  # in cell units, for distances

    def polygon(self, flat_cells: np.ndarray) -> shapely.Polygon:
        geom = shapely.coverage_union_all(self.cells[flat_cells])
        if geom.geom_type != "Polygon" or not geom.is_valid:
            raise RuntimeError(f"area is not one valid polygon: {geom.geom_type}")
        return shapely.orient_polygons(geom)

    def points(self, flat_cells: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One random point strictly inside each given cell, rounded to 6 decimals."""
        flat_cells = np.asarray(flat_cells, dtype=np.int64)
        i, j = np.divmod(flat_cells, NY)
        v = self.vertices
        v00, v11 = v[i, j], v[i + 1, j + 1]
        second = np.where((rng.random(len(i)) < 0.5)[:, None], v[i + 1, j], v[i, j + 1])
        a, b = rng.random(len(i)), rng.random(len(i))
        flip = a + b > 1
        a, b = np.where(flip, 1 - a, a), np.where(flip, 1 - b, b)
        w1, w2 = MARGIN + (1 - 3 * MARGIN) * a, MARGIN + (1 - 3 * MARGIN) * b
        p = (1 - w1 - w2)[:, None] * v00 + w1[:, None] * second + w2[:, None] * v11
        return np.round(p, 6)


def _components(labels: np.ndarray) -> np.ndarray:
    """4-connected pieces of equal labels on the lattice (-1 = no cell); returns piece ids."""
    flat = np.arange(labels.size).reshape(labels.shape)
    comp = np.where(labels >= 0, flat, -1)
    same_x = (labels[1:] == labels[:-1]) & (labels[1:] >= 0)
    same_y = (labels[:, 1:] == labels[:, :-1]) & (labels[:, 1:] >= 0)
    while True:
        before = comp.copy()
        m = np.minimum(comp[1:], comp[:-1])
        comp[1:] = np.where(same_x, m, comp[1:])
        comp[:-1] = np.where(same_x, np.minimum(comp[1:], comp[:-1]), comp[:-1])
        m = np.minimum(comp[:, 1:], comp[:, :-1])
        comp[:, 1:] = np.where(same_y, m, comp[:, 1:])
        comp[:, :-1] = np.where(same_y, np.minimum(comp[:, 1:], comp[:, :-1]), comp[:, :-1])
        valid = comp >= 0
        comp[valid] = comp.ravel()[comp[valid]]  # pointer jumping: the root's own label
        if np.array_equal(before, comp):
            return comp


def _make_connected(lab: np.ndarray, parent: np.ndarray) -> np.ndarray:
    """Give stray pieces to a neighbouring label of the same parent until every label is one
    piece. The parent must itself be connected."""
    lab = lab.copy()
    while True:
        comp = _components(lab)
        valid = lab >= 0
        pairs, counts = np.unique(
            np.stack([lab[valid], comp[valid]], axis=1), axis=0, return_counts=True
        )
        order = np.lexsort((pairs[:, 1], -counts, pairs[:, 0]))
        ranked = pairs[order]
        first = np.r_[True, ranked[1:, 0] != ranked[:-1, 0]]
        kept = np.isin(comp, ranked[first, 1])
        stray = valid & ~kept
        if not stray.any():
            return lab
        changed = False
        for i, j in np.argwhere(stray):
            options = []
            for ni, nj in ((i + 1, j), (i - 1, j), (i, j + 1), (i, j - 1)):
                if not (0 <= ni < NX and 0 <= nj < NY):
                    continue
                other = lab[ni, nj]
                if other >= 0 and other != lab[i, j] and parent[ni, nj] == parent[i, j]:
                    options.append((not kept[ni, nj], int(other)))
            if options:
                lab[i, j] = min(options)[1]
                changed = True
        if not changed:
            raise RuntimeError("cannot make areas connected")


def _partition(xy: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k compact, non-empty groups of points (k-means++ then a few Lloyd steps)."""
    for _attempt in range(20):
        centres = [xy[rng.integers(len(xy))]]
        d2 = ((xy - centres[0]) ** 2).sum(1)
        for _ in range(1, k):
            centres.append(xy[rng.choice(len(xy), p=d2 / d2.sum())])
            d2 = np.minimum(d2, ((xy - centres[-1]) ** 2).sum(1))
        c = np.array(centres, dtype=float)
        for _ in range(8):
            lab = ((xy[:, None, :] - c[None]) ** 2).sum(2).argmin(1)
            for g in range(k):
                if (lab == g).any():
                    c[g] = xy[lab == g].mean(0)
        lab = ((xy[:, None, :] - c[None]) ** 2).sum(2).argmin(1)
        if len(np.unique(lab)) == k:
            return lab
    raise RuntimeError("cannot partition")


def _reading_order(xy: np.ndarray, lab: np.ndarray, k: int) -> np.ndarray:
    """Relabel groups north to south, then west to east, by their centres."""
    cx = np.array([xy[lab == g, 0].mean() for g in range(k)])
    cy = np.array([xy[lab == g, 1].mean() for g in range(k)])
    order = np.lexsort((cx, -np.round(cy / 8)))
    rank = np.empty(k, dtype=int)
    rank[order] = np.arange(k)
    return rank[lab]


# ---- areas -------------------------------------------------------------------------------


def _build_areas(lattice: _Lattice, rng: np.random.Generator) -> tuple[list[dict], list[dict]]:
    """Areas, parents first; and per grid a dict with its names, codes and cells."""
    mask, xy = lattice.mask, lattice.centres
    # streets: nearest jittered seed, weighted so the township is larger
    seeds = np.array([[p[0] * NX, p[1] * NY] for _, _, p, _ in STREETS])
    seeds += rng.uniform(-0.03, 0.03, size=seeds.shape) * [NX, NY]
    weights = np.array([s[3] for s in STREETS])
    dist = np.sqrt(((xy[:, :, None, :] - seeds[None, None]) ** 2).sum(-1)) / weights
    street_lab = np.where(mask, dist.argmin(-1), -1)
    street_lab = _make_connected(street_lab, np.where(mask, 0, -1))

    # communities within streets, then grids within communities (labels are global ids)
    community_lab = np.full((NX, NY), -1)
    communities = []  # (street index, number in street)
    names_left = list(COMMUNITY_NAMES)
    rng.shuffle(names_left)
    for s in range(len(STREETS)):
        cells = np.argwhere(street_lab == s)
        k = int(rng.integers(5, 10))
        lab = _reading_order(cells, _partition(cells + 0.0, k, rng), k)
        community_lab[cells[:, 0], cells[:, 1]] = len(communities) + lab
        communities += [(s, n) for n in range(k)]
    community_lab = _make_connected(community_lab, street_lab)

    grid_lab = np.full((NX, NY), -1)
    grid_owner = []  # community id per grid
    for c in range(len(communities)):
        cells = np.argwhere(community_lab == c)
        k = int(min(rng.integers(4, 9), len(cells)))
        lab = _reading_order(cells, _partition(cells + 0.0, k, rng), k)
        grid_lab[cells[:, 0], cells[:, 1]] = len(grid_owner) + lab
        grid_owner += [c] * k
    grid_lab = _make_connected(grid_lab, community_lab)

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


def _area(lattice: _Lattice, code, name, level, parent_code, in_area: np.ndarray) -> dict:
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


def _near(lattice: _Lattice, grid: dict, cell: int) -> np.ndarray:
    """The cell and its four neighbours that lie in the same grid."""
    i, j = divmod(int(cell), NY)
    around = [
        n * NY + m
        for n, m in ((i, j), (i + 1, j), (i - 1, j), (i, j + 1), (i, j - 1))
        if 0 <= n < NX and 0 <= m < NY
    ]
    return np.array([c for c in around if c in grid["cell_set"]])


def _build_places(lattice, grids, households, rng):
    places: list[dict] = []
    estates: list[dict] = []
    total = int(np.ceil(households * DWELLINGS_PER_HOUSEHOLD))
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
                name = str(names.pop(0))
                is_old = name in OLD_ESTATES
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
        near = _near(lattice, estate["grid"], estate["home"])
        cols["cell"].append(near[rng.integers(len(near), size=count)])
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
    urban = _urban_dwellings(estates, b, buildings)
    # sized from the urban count, so the rural share holds even when the one-building-per-estate
    # floor makes the urban part larger than asked
    rural_total = round(len(urban) * RURAL_SHARE / (1 - RURAL_SHARE))
    rural = _rural_dwellings(lattice, grids, rural_total, rng)
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


def _urban_dwellings(estates, b, buildings) -> pl.DataFrame:
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


def _rural_dwellings(lattice, grids, total, rng) -> pl.DataFrame:
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

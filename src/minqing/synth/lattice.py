"""The jittered lattice under the synthetic district, and how its cells are grouped into areas.

Every area is a union of cells of one lattice, and the cell vertices are rounded before any
union, so a parent is exactly the union of its children and neighbours share their border
vertex for vertex.
"""

from __future__ import annotations

import numpy as np
import shapely

WEST, EAST, SOUTH, NORTH = 113.17, 113.33, 35.18, 35.27
NX, NY = 160, 100  # lattice cells; one cell is about 120 m × 135 m
DX, DY = (EAST - WEST) / NX, (NORTH - SOUTH) / NY
JITTER = 0.22  # of a cell side; below 0.25 every cell stays a convex quadrilateral
MARGIN = 0.06  # keeps sampled points a few metres away from cell edges


class Lattice:
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


def make_connected(lab: np.ndarray, parent: np.ndarray) -> np.ndarray:
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


def partition(xy: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
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


def reading_order(xy: np.ndarray, lab: np.ndarray, k: int) -> np.ndarray:
    """Relabel groups north to south, then west to east, by their centres."""
    cx = np.array([xy[lab == g, 0].mean() for g in range(k)])
    cy = np.array([xy[lab == g, 1].mean() for g in range(k)])
    order = np.lexsort((cx, -np.round(cy / 8)))
    rank = np.empty(k, dtype=int)
    rank[order] = np.arange(k)
    return rank[lab]


def near(cell: int, within: set[int]) -> np.ndarray:
    """The cell and its four neighbours, those of them that are in `within` (flat indices)."""
    i, j = divmod(int(cell), NY)
    around = [
        n * NY + m
        for n, m in ((i, j), (i + 1, j), (i - 1, j), (i, j + 1), (i, j - 1))
        if 0 <= n < NX and 0 <= m < NY
    ]
    return np.array([c for c in around if c in within])

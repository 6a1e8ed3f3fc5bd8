"""From scored pairs to persons: connected components, people's decisions first, stable ids.

Pure Polars, NumPy and SciPy; no Django, no Splink.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

PAIR_SCHEMA = {"unique_id_l": pl.Int64, "unique_id_r": pl.Int64}


def clusters(
    ids: pl.Series,
    pairs: pl.DataFrame,
    *,
    threshold: float,
    same: pl.DataFrame | None = None,
    different: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """unique_id → cluster number. Pairs at or above the threshold link, and so do pairs people
    said are the same person; pairs people said are different never end in one cluster, even
    through other records (those clusters are rebuilt strongest link first)."""
    same = same if same is not None else pl.DataFrame(schema=PAIR_SCHEMA)
    different = different if different is not None else pl.DataFrame(schema=PAIR_SCHEMA)
    edges = pl.concat(
        [
            pairs.filter(pl.col("match_probability") >= threshold).select(
                "unique_id_l", "unique_id_r", "match_probability"
            ),
            same.select("unique_id_l", "unique_id_r", match_probability=pl.lit(2.0)),
        ]
    )
    edges = _ordered(edges).join(_ordered(different), on=["unique_id_l", "unique_id_r"], how="anti")
    positions = pl.DataFrame({"unique_id": ids, "i": np.arange(len(ids), dtype=np.int64)})
    indexed = _indexed(edges, positions)
    n = len(ids)
    graph = coo_matrix(
        (np.ones(indexed.height), (indexed["i_l"].to_numpy(), indexed["i_r"].to_numpy())),
        shape=(n, n),
    )
    _, labels = connected_components(graph, directed=False)
    if different.height:
        labels = _separate(labels, indexed, _indexed(_ordered(different), positions))
    return pl.DataFrame({"unique_id": ids, "cluster": labels.astype(np.int64)})


def same_list_pairs(records: pl.DataFrame, sources: list[int]) -> pl.DataFrame:
    """Pairs of records of one ID-keyed list that share a cluster but carry different valid ID
    numbers: never the same person (each such list names a person once)."""
    listed = records.filter(pl.col("source_id").is_in(sources) & pl.col("id_valid")).select(
        "unique_id", "cluster", "source_id", "id_number"
    )
    crowded = listed.filter(pl.col("id_number").n_unique().over("cluster", "source_id") > 1)
    if not crowded.height:
        return pl.DataFrame(schema=PAIR_SCHEMA)
    pairs = crowded.join(crowded, on=["cluster", "source_id"], suffix="_r").filter(
        (pl.col("unique_id") < pl.col("unique_id_r"))
        & (pl.col("id_number") != pl.col("id_number_r"))
    )
    return pairs.select(unique_id_l="unique_id", unique_id_r="unique_id_r")


def without(pairs: pl.DataFrame, others: pl.DataFrame) -> pl.DataFrame:
    """The pairs that are not among the others, whichever way round either is written."""
    return _ordered(pairs).join(_ordered(others), on=["unique_id_l", "unique_id_r"], how="anti")


def _ordered(pairs: pl.DataFrame) -> pl.DataFrame:
    """Each pair with the smaller id on the left."""
    return pairs.with_columns(
        unique_id_l=pl.min_horizontal("unique_id_l", "unique_id_r"),
        unique_id_r=pl.max_horizontal("unique_id_l", "unique_id_r"),
    ).unique(["unique_id_l", "unique_id_r"], keep="first", maintain_order=True)


def _indexed(pairs: pl.DataFrame, positions: pl.DataFrame) -> pl.DataFrame:
    return pairs.join(
        positions.rename({"unique_id": "unique_id_l", "i": "i_l"}), on="unique_id_l"
    ).join(positions.rename({"unique_id": "unique_id_r", "i": "i_r"}), on="unique_id_r")


def _separate(labels: np.ndarray, edges: pl.DataFrame, cannot: pl.DataFrame) -> np.ndarray:
    """Rebuild each component holding a cannot-link pair: strongest edge first, skipping any edge
    that would put the two sides of a cannot-link pair together (a few components, small)."""
    labels = labels.copy()
    bad = set(
        labels[cannot["i_l"].to_numpy()][
            labels[cannot["i_l"].to_numpy()] == labels[cannot["i_r"].to_numpy()]
        ]
    )
    if not bad:
        return labels
    next_label = labels.max() + 1
    comp_edges = edges.with_columns(c=pl.Series(labels[edges["i_l"].to_numpy()])).filter(
        pl.col("c").is_in(list(bad))
    )
    forbidden = {
        (a, b) for a, b in zip(cannot["i_l"].to_list(), cannot["i_r"].to_list(), strict=True)
    }
    for component in bad:
        members = np.flatnonzero(labels == component)
        parent = {int(m): int(m) for m in members}
        groups = {int(m): {int(m)} for m in members}

        # equal probabilities are common (same agreement pattern): ties broken by the records,
        # so the same pairs in any order give the same persons
        rows = comp_edges.filter(pl.col("c") == component).sort(
            ["match_probability", "i_l", "i_r"], descending=[True, False, False]
        )
        for a, b in zip(rows["i_l"].to_list(), rows["i_r"].to_list(), strict=True):
            ra, rb = _find(parent, a), _find(parent, b)
            if ra == rb:
                continue
            if any(
                (x, y) in forbidden or (y, x) in forbidden for x in groups[ra] for y in groups[rb]
            ):
                continue
            parent[rb] = ra
            groups[ra] |= groups.pop(rb)
        for root, group in groups.items():
            if root == _find(parent, root) and group:
                labels[list(group)] = next_label
                next_label += 1
    return labels


def _find(parent: dict[int, int], x: int) -> int:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def assign_persons(
    records: pl.DataFrame, previous: pl.DataFrame, *, first_new_id: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Give each cluster a person id that does not change between runs.

    records: unique_id, cluster, source_id, key. previous: source_id, key, person_id (last run).
    A cluster keeps the previous person holding most of its records; each previous person goes to
    one cluster at most (the one holding most of their records); other clusters get new ids from
    first_new_id up. Returns (unique_id → person_id, retired: person_id → merged_into)."""
    joined = records.join(previous, on=["source_id", "key"], how="left")
    votes = (
        joined.drop_nulls("person_id")
        .group_by("cluster", "person_id")
        .agg(n=pl.len())
        .sort(["n", "person_id", "cluster"], descending=[True, False, False])
    )
    taken_clusters: dict[int, int] = {}
    taken_persons: set[int] = set()
    for cluster, person, _ in votes.iter_rows():
        if cluster in taken_clusters or person in taken_persons:
            continue
        taken_clusters[cluster] = person
        taken_persons.add(person)
    all_clusters = records["cluster"].unique(maintain_order=True)
    unclaimed = [c for c in all_clusters.to_list() if c not in taken_clusters]
    mapping = pl.DataFrame(
        {
            "cluster": list(taken_clusters) + unclaimed,
            "person_id": list(taken_clusters.values())
            + list(range(first_new_id, first_new_id + len(unclaimed))),
        },
        schema={"cluster": pl.Int64, "person_id": pl.Int64},
    )
    assigned = records.join(mapping, on="cluster", how="left").select("unique_id", "person_id")
    # previous persons no cluster kept: merged into the person now holding most of their records
    retired = (
        joined.drop_nulls("person_id")
        .filter(~pl.col("person_id").is_in(list(taken_persons)))
        .join(mapping.rename({"person_id": "merged_into"}), on="cluster")
        .group_by("person_id", "merged_into")
        .agg(n=pl.len())
        .sort(["n", "merged_into"], descending=[True, False])
        .unique("person_id", keep="first")
        .select("person_id", "merged_into")
    )
    gone = (
        previous.filter(
            ~pl.col("person_id").is_in(list(taken_persons))
            & ~pl.col("person_id").is_in(retired["person_id"].to_list())
        )
        .select("person_id", merged_into=pl.lit(None, dtype=pl.Int64))
        .unique("person_id")
    )
    return assigned, pl.concat([retired, gone])

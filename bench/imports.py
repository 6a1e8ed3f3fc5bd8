"""Benchmark: import one department extract end to end (read, validate, normalize, diff, write),
on SQLite and on PostgreSQL, and django-import-export importing the same rows into the same
table in the same run, for comparison.

    uv run python bench/imports.py --size 1000000

--size is the number of persons of the synthetic district; its household register
(公安_户籍人口.xlsx) has one row per person. django-import-export gets a slice of at most
--die-rows rows (default 100,000; 0 runs ours only). Ends with one line of JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"


def district(size: int, seed: int) -> Path:
    from minqing.synth.generate import generate

    out = OUT / f"district-{seed}-{size}"
    manifest = out / "manifest.json"
    if not manifest.exists() or json.loads(manifest.read_text(encoding="utf-8"))["persons"] > size:
        generate(out, seed=seed, persons=size)
    return out


def child(backend: str, folder: Path, die_rows: int) -> dict:
    """Runs inside a fresh process whose settings point at a fresh database."""
    import django

    django.setup()
    import polars as pl
    import tablib
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from import_export import fields, instance_loaders, resources

    from minqing.areas.actions import load_areas
    from minqing.registry.actions import load_places
    from minqing.sources.actions import import_file, sync_sources
    from minqing.sources.models import ImportRun, SourceRecord

    call_command("migrate", verbosity=0)
    load_areas(folder / "areas.geojson")
    load_places(folder / "places.geojson")
    register = folder / "extracts" / "公安_户籍人口.xlsx"

    started = time.perf_counter()
    result = import_file("gongan_huji", register, channel="bench")
    ours = time.perf_counter() - started
    assert result["status"] == "succeeded", result["message"]

    ours_only = {
        "backend": backend,
        "rows": result["counts"]["read"],
        "wall_s": round(ours, 1),
        "rows_per_s": round(result["counts"]["read"] / ours),
        "rejected": result["counts"]["rejected"],
    }
    if die_rows <= 0:  # --die-rows 0: our import only
        connection.close()
        return {
            **ours_only,
            "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }
    # django-import-export: the same rows into the same table (SourceRecord), its default import
    # clean rows only (django-import-export has no validation of its own to run on the bad ones)
    rows = (
        pl.read_excel(register, infer_schema_length=0)
        .filter(pl.col("公民身份号码").is_not_null())
        .unique("公民身份号码", keep="first", maintain_order=True)
        .head(die_rows)
    )
    source = sync_sources()["gongan_huji"]
    run = ImportRun.objects.create(
        source=source,
        file_name="die",
        file_hash="-",
        file_size=0,
        started_at=timezone.now(),
        finished_at=timezone.now(),
        status="succeeded",
    )
    now = timezone.now()

    class RecordResource(resources.ModelResource):
        key = fields.Field(attribute="key", column_name="主键")
        name = fields.Field(attribute="name", column_name="姓名")
        id_number = fields.Field(attribute="id_number", column_name="公民身份号码")

        class Meta:
            model = SourceRecord
            fields = ("key", "name", "id_number")
            import_id_fields = ("key",)
            # one query for the existing rows instead of one per row (its documented fast path)
            instance_loader_class = instance_loaders.CachedInstanceLoader

        def before_save_instance(self, instance, row, **kwargs):
            instance.source_id = source.pk
            instance.first_run_id = run.pk
            instance.valid_from = now
            instance.row_number = 0
            instance.content_hash = ""
            instance.raw_json = json.dumps(dict(row), ensure_ascii=False)

    data = tablib.Dataset(headers=["主键", *rows.columns])
    for values in rows.iter_rows():
        data.append([f"die:{values[2]}", *values])
    SourceRecord.objects.filter(key__startswith="die:").delete()
    started = time.perf_counter()
    outcome = RecordResource().import_data(data, dry_run=False, use_transactions=True)
    theirs = time.perf_counter() - started
    assert not outcome.has_errors(), outcome.row_errors()[:3]
    connection.close()
    return {
        **ours_only,
        "die_rows": rows.height,
        "die_wall_s": round(theirs, 1),
        "die_rows_per_s": round(rows.height / theirs),
        "speedup": round((result["counts"]["read"] / ours) / (rows.height / theirs), 1),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def run_backend(backend: str, folder: Path, die_rows: int) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MINQING_", "DATABASE_URL"))}
    env["DJANGO_SETTINGS_MODULE"] = "minqing.settings"
    env["MINQING_DEBUG"] = "0"  # as in production: no query log
    env["MINQING_SECRET_KEY"] = "bench-" + uuid.uuid4().hex
    with tempfile.TemporaryDirectory() as tmp:
        env["MINQING_DATA_DIR"] = tmp
        name = None
        if backend == "postgresql":
            import psycopg

            name = f"minqing_bench_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(
                "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True
            ) as conn:
                conn.execute(f"CREATE DATABASE {name}")
            env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"
        try:
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    backend,
                    "--folder",
                    str(folder),
                    "--die-rows",
                    str(die_rows),
                ],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if out.returncode:
                raise SystemExit(f"{backend} failed:\n{out.stderr[-3000:]}")
            return json.loads(out.stdout.strip().splitlines()[-1])
        finally:
            if name:
                with psycopg.connect(
                    "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True
                ) as conn:
                    conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--die-rows", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--child")
    parser.add_argument("--folder", type=Path)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.folder, args.die_rows)))
        return
    folder = district(args.size, args.seed)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    results = {b: run_backend(b, folder, args.die_rows) for b in backends}
    for b, r in results.items():
        print(f"{b}: {r}", file=sys.stderr)
    print(
        json.dumps(
            {
                "bench": "imports",
                "size": args.size,
                **{
                    f"{b}_{k}": v
                    for b, r in results.items()
                    for k, v in r.items()
                    if k != "backend"
                },
            }
        )
    )


if __name__ == "__main__":
    main()

"""Writes of the sources box: syncing definitions, and importing a file.

`import_file` is the one way in for the command, the upload page and the API. A run writes all
its accepted rows or nothing (one transaction); a refused or unchanged file changes no record.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl
from django.conf import settings
from django.db import connection, transaction
from django.http import FileResponse
from django.utils import timezone

from minqing.accounts.models import Department
from minqing.audit.actions import record
from minqing.core.bulk import insert_frame
from minqing.core.bulkxlsx import write_xlsx
from minqing.core.spreadsheet import neutralize
from minqing.sources import definitions as defs
from minqing.sources.models import ImportRun, RunStatus, Source, SourceRecord
from minqing.sources.pipeline import LINKAGE_COLUMNS, RECORD_COLUMNS, Staged, stage
from minqing.sources.queries import build_gazetteer
from minqing.sources.queries_web import XLSX, error_report_name, error_report_path
from minqing.sources.readers import FileRejected, read_table

Progress = Callable[[str, int, int], None]
ERRORS_KEPT_ON_RUN = 1000


def sync_sources(*, by=None) -> dict[str, Source]:
    """Mirror every definition file into the Source table (for the admin and foreign keys)."""
    found = defs.load_all()
    known = {d.value for d in Department}
    sources = {}
    changed = []
    for code, definition in found.items():
        if definition.department not in known:
            raise defs.DefinitionError(
                f"数据来源定义 {definition.path}: 部门 {definition.department!r} 不存在 (可用: {', '.join(sorted(known))})"
            )
        values = {
            "name": definition.name,
            "department": definition.department,
            "kind": definition.kind,
            "file_pattern": definition.file_pattern,
            "definition": definition.as_dict(),
            "definition_path": f"sources/definitions/{definition.path}",
        }
        source = Source.objects.filter(code=code).first()
        if source is None:
            source = Source.objects.create(code=code, **values)
            changed.append(code)
        elif any(getattr(source, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(source, k, v)
            source.save()
            changed.append(code)
        sources[code] = source
    if changed:
        record("sources.sync_sources", by=by, summary=f"同步数据来源定义: {', '.join(changed)}")
    return sources


def definition_for(source: Source) -> defs.SourceDefinition:
    return defs.parse(source.definition, path=source.definition_path)


def import_file(
    source_code: str,
    path: Path,
    *,
    by=None,
    channel: str = "cli",
    file_name: str | None = None,
    progress: Progress | None = None,
) -> dict:
    """Import one department file. Returns the result as a JSON-ready dict (the same for the
    command, the upload page and the API). Never raises for a bad file: a refused file is a
    result with status "refused" and its message."""
    step = progress or (lambda label, done, total: None)
    started_at = timezone.now()
    clock = time.perf_counter()
    path = Path(path)
    file_name = file_name or path.name
    sources = sync_sources()
    if source_code not in sources:
        raise KeyError(f"没有数据来源 {source_code!r} (可用: {', '.join(sorted(sources))})")
    source = sources[source_code]
    definition = definition_for(source)
    size = path.stat().st_size
    digest = _sha256(path) if size <= settings.MINQING_IMPORT_MAX_BYTES else ""
    run = ImportRun(
        source=source,
        file_name=file_name,
        file_hash=digest,
        file_size=size,
        by=by if getattr(by, "pk", None) else None,
        channel=channel,
        started_at=started_at,
    )

    last = (
        ImportRun.objects.filter(source=source, status=RunStatus.SUCCEEDED)
        .order_by("-started_at", "-id")
        .first()
    )
    if last is not None and digest and last.file_hash == digest:
        run.message = f"与 {timezone.localtime(last.started_at):%Y-%m-%d %H:%M} 导入的文件「{last.file_name}」内容完全相同, 未做任何更改。"
        return _finish(run, RunStatus.UNCHANGED, clock)

    try:
        step("读取文件", 0, 4)
        table = read_table(
            path,
            kind=definition.kind,
            encoding=definition.encoding,
            sheet=definition.sheet,
            header_row=definition.header_row,
            max_bytes=settings.MINQING_IMPORT_MAX_BYTES,
        )
        run.encoding = table.encoding or ""
        run.rows_read = table.frame.height
        step("校验与规范化", 1, 4)
        staged = stage(definition, table, gazetteer=build_gazetteer())
    except FileRejected as exc:
        run.message = str(exc)
        return _finish(run, RunStatus.REFUSED, clock)

    run.rows_rejected = staged.rows_rejected
    share = staged.rows_rejected / max(staged.rows_read, 1)
    if share > definition.max_rejected_share:
        run.message = (
            f"{staged.rows_read:,} 行中有 {staged.rows_rejected:,} 行有错误 ({share:.0%}), "
            f"超过允许的 {definition.max_rejected_share:.0%}, 整个文件不予导入 — 可能选错了数据来源或列的对应关系有误。"
            "请查看错误报告。"
        )
        return _finish(run, RunStatus.REFUSED, clock, staged)

    step("与已有记录比对", 2, 4)
    current = _current(source)
    diff = staged.records.join(current, on="key", how="left")
    new = diff.filter(pl.col("old_id").is_null())
    updated = diff.filter(
        pl.col("old_id").is_not_null() & (pl.col("old_hash") != pl.col("content_hash"))
    )
    unchanged = diff.height - new.height - updated.height
    # a batch file says nothing of the rows it does not carry; a full list ends them
    ended_ids = (
        current.clear()["old_id"]
        if definition.delivery == "batch"
        else current.join(staged.records.select("key"), on="key", how="anti")["old_id"]
    )
    run.rows_new, run.rows_updated, run.rows_unchanged, run.rows_ended = (
        new.height,
        updated.height,
        unchanged,
        ended_ids.len(),
    )
    if not (new.height or updated.height or ended_ids.len()):
        run.message = "所有行与库中现有记录相同, 未做更改。"
    step("写入", 3, 4)
    with transaction.atomic():
        run.status = RunStatus.SUCCEEDED
        run.finished_at = timezone.now()
        run.errors = staged.errors.head(ERRORS_KEPT_ON_RUN).to_dicts()
        run.save()
        now = timezone.now()
        _end(pl.concat([updated["old_id"], ended_ids]), run, now)
        # in key order, so the (source, key) index grows at its end instead of all over
        to_write = pl.concat([new, updated]).sort("key")
        _insert(
            source,
            run,
            to_write,
            now,
            lambda done: step(f"写入 {done:,}/{to_write.height:,}", 3, 4),
        )
        if staged.errors.height:
            run.error_report = _write_error_report(run, staged.errors)
        run.finished_at = timezone.now()
        run.save(update_fields=["error_report", "finished_at"])
        record(
            "sources.import_file",
            by=run.by,
            obj=run,
            summary=f"导入 {source.name} {file_name}: 新增 {run.rows_new}, 更新 {run.rows_updated}, "
            f"终止 {run.rows_ended}, 拒绝 {run.rows_rejected}",
        )
    step("完成", 4, 4)
    return result(run)


def _finish(run: ImportRun, status: str, clock: float, staged: Staged | None = None) -> dict:
    """Record a run that changed no record (refused or unchanged), with its error report."""
    run.status = status
    run.finished_at = timezone.now()
    if staged is not None and staged.errors.height:
        run.errors = staged.errors.head(ERRORS_KEPT_ON_RUN).to_dicts()
    with transaction.atomic():
        run.save()
        if staged is not None and staged.errors.height:
            run.error_report = _write_error_report(run, staged.errors)
            run.save(update_fields=["error_report"])
        record(
            f"sources.import_{status}",
            by=run.by,
            obj=run,
            summary=f"{run.source.name} {run.file_name}: {run.get_status_display()} {run.message[:200]}",
            outcome="denied" if status == RunStatus.REFUSED else "allowed",
        )
    return result(run, seconds=time.perf_counter() - clock)


def result(run: ImportRun, seconds: float | None = None) -> dict:
    """The JSON of an import run, the same for the command, the page and the API."""
    return {
        "run_id": run.pk,
        "source": run.source.code,
        "source_name": run.source.name,
        "file": run.file_name,
        "file_sha256": run.file_hash,
        "status": run.status,
        "status_label": run.get_status_display(),
        "message": run.message,
        "encoding": run.encoding,
        "counts": {
            "read": run.rows_read,
            "staged": run.rows_staged,
            "new": run.rows_new,
            "updated": run.rows_updated,
            "unchanged": run.rows_unchanged,
            "ended": run.rows_ended,
            "rejected": run.rows_rejected,
        },
        "errors": run.errors[:100],
        "error_count": run.rows_rejected,
        "has_error_report": bool(run.error_report),
        "started_at": run.started_at.isoformat(),
        "seconds": round(
            seconds if seconds is not None else (run.finished_at - run.started_at).total_seconds(),
            2,
        ),
    }


def send_error_report(run: ImportRun, *, by, request, channel: str) -> FileResponse | None:
    """The run's error report as a download, audited (page and API alike); None if it has none."""
    path = error_report_path(run)
    if path is None:
        return None
    record(
        "sources.download_error_report",
        by=by,
        obj=run,
        request=request,
        summary=f"下载错误报告({channel}): {run.source.name} {run.file_name} (批次 {run.pk})",
    )
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=error_report_name(run), content_type=XLSX
    )


def _write_error_report(run: ImportRun, errors: pl.DataFrame) -> str:
    """行号, 列, 值, 原因 as xlsx; values that a spreadsheet would run as formulas are neutralized."""
    folder = Path(settings.DATA_DIR) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    name = f"run-{run.pk}-errors.xlsx"
    report = errors.select(
        pl.col("row").alias("行号"),
        pl.col("column").alias("列"),
        neutralize(pl.col("value").fill_null("")).alias("值"),
        pl.col("reason").alias("原因"),
    )
    write_xlsx(folder / name, [("错误报告", report)])
    return name


def _current(source: Source) -> pl.DataFrame:
    """key → id, content hash of the versions in force, straight from the database (fast)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, key, content_hash FROM {SourceRecord._meta.db_table} WHERE source_id = %s AND valid_to IS NULL",
            [source.pk],
        )
        rows = cursor.fetchall()
    return pl.DataFrame(
        rows, schema={"old_id": pl.Int64, "key": pl.String, "old_hash": pl.String}, orient="row"
    )


def _end(ids: pl.Series, run: ImportRun, now) -> None:
    table = SourceRecord._meta.db_table
    values = ids.to_list()
    with connection.cursor() as cursor:
        for start in range(0, len(values), 5_000):
            chunk = values[start : start + 5_000]
            marks = ",".join(["%s"] * len(chunk))
            cursor.execute(
                f"UPDATE {table} SET valid_to = %s, ended_run_id = %s WHERE id IN ({marks})",
                [now, run.pk, *chunk],
            )


TEXT_COLUMNS = (
    "name",
    "id_number",
    "sex",
    "phone",
    "address",
    "area_code",
    "building_code",
    *LINKAGE_COLUMNS,
)


def _insert(
    source: Source, run: ImportRun, rows: pl.DataFrame, now, progress: Callable[[int], None]
) -> None:
    """Bulk insert: COPY on PostgreSQL, executemany on SQLite."""
    frame = rows.select(
        pl.lit(source.pk).alias("source_id"),
        *[pl.col(c).fill_null("") if c in TEXT_COLUMNS else pl.col(c) for c in RECORD_COLUMNS],
        pl.lit(run.pk).alias("first_run_id"),
        pl.lit(now.isoformat()).alias("valid_from"),
    )
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            # a large page cache keeps the index B-trees in memory while a million rows go in
            cursor.execute("PRAGMA cache_size = -400000")
    insert_frame(SourceRecord._meta.db_table, frame.rename({"raw": "raw_json"}), progress=progress)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()

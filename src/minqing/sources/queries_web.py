"""Reads for the import pages and the API."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db.models import OuterRef, Subquery

from minqing.accounts.models import Department
from minqing.sources.models import ImportRun, Source
from minqing.sources.permissions import importable_sources, visible_runs

RECENT_RUNS = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHANNEL_LABELS = {"cli": "命令行", "web": "网页上传", "api": "接口", "demo": "演示"}


def sources_with_last_run(user) -> list[Source]:
    """The sources this user may import, each with `last_run` (None if never imported)."""
    latest = ImportRun.objects.filter(source=OuterRef("pk")).order_by("-started_at", "-id")
    sources = list(importable_sources(user).annotate(last_run_pk=Subquery(latest.values("pk")[:1])))
    runs = ImportRun.objects.in_bulk([s.last_run_pk for s in sources if s.last_run_pk])
    for source in sources:
        source.last_run = runs.get(source.last_run_pk)
    return sources


def recent_runs(user, limit: int = RECENT_RUNS) -> list[ImportRun]:
    return list(visible_runs(user)[:limit])


def visible_run(user, run_id: int) -> ImportRun:
    """One run this user may see; ImportRun.DoesNotExist otherwise (answered as 404)."""
    return visible_runs(user).get(pk=run_id)


def importable_source(user, code: str) -> Source:
    """One source this user may import; Source.DoesNotExist otherwise (answered as 404)."""
    return importable_sources(user).get(code=code)


def error_report_path(run: ImportRun) -> Path | None:
    """The run's error report on disk, if it has one and the file is still there."""
    if not run.error_report:
        return None
    folder = (Path(settings.DATA_DIR) / "imports").resolve()
    path = (folder / run.error_report).resolve()
    if path.parent != folder or not path.is_file():
        return None
    return path


def error_report_name(run: ImportRun) -> str:
    return f"{run.source.name}_导入批次{run.pk}_错误报告.xlsx"


def department_label(code: str) -> str:
    try:
        return Department(code).label
    except ValueError:
        return code

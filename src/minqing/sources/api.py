"""数据导入 API: the same sources, imports and results as the pages, for department scripts.

    GET  /api/sources                          sources the caller may import
    POST /api/sources/{code}/imports           multipart `file` → the result (201 imported,
                                               200 unchanged, 422 refused; same body each time)
    GET  /api/imports/{run_id}                 the result of a run
    GET  /api/imports/{run_id}/errors.xlsx     its error report

Anything outside the caller's scope is 404, as on the pages.
"""

from __future__ import annotations

from functools import wraps

from django.http import HttpRequest, JsonResponse
from ninja import File, Router, Schema, Status
from ninja.decorators import decorate_view
from ninja.errors import HttpError
from ninja.files import UploadedFile

from minqing.sources import queries_web as q
from minqing.sources.actions import import_file, result, send_error_report, sync_sources
from minqing.sources.forms import (
    announced_too_large,
    close_uploads,
    receive_uploads_on_disk,
    too_large_message,
    upload_was_too_large,
)
from minqing.sources.models import ImportRun, RunStatus, Source

router = Router(tags=["数据导入"])

STATUS_CODES = {RunStatus.SUCCEEDED: 201, RunStatus.UNCHANGED: 200, RunStatus.REFUSED: 422}


class SourceOut(Schema):
    code: str
    name: str
    department: str
    department_name: str
    kind: str
    file_pattern: str
    description: str
    last_run_id: int | None
    last_run_status: str | None
    last_run_at: str | None


class Counts(Schema):
    read: int
    staged: int
    new: int
    updated: int
    unchanged: int
    ended: int
    rejected: int


class RejectedRow(Schema):
    row: int | None
    column: str | None
    value: str | None
    reason: str


class ImportResult(Schema):
    """The same object `minqing import --json` prints and the run page shows."""

    run_id: int
    source: str
    source_name: str
    file: str
    file_sha256: str
    status: str
    status_label: str
    message: str
    encoding: str
    counts: Counts
    errors: list[RejectedRow]
    error_count: int
    has_error_report: bool
    started_at: str
    seconds: float


class Refusal(Schema):
    status: str
    message: str


def _stream_to_disk(run):
    """Before ninja reads the body: refuse a body announced too large, else stream the file
    to DATA_DIR/uploads/ and stop it at the size limit (see forms.ImportUploadHandler)."""

    @wraps(run)
    def wrapper(request: HttpRequest, *args, **kwargs):
        size = announced_too_large(request)
        if size is not None:
            return JsonResponse(
                {"status": RunStatus.REFUSED, "message": too_large_message(size)}, status=413
            )
        receive_uploads_on_disk(request)
        try:
            response = run(request, *args, **kwargs)
        finally:
            close_uploads(request)
        if upload_was_too_large(request):
            return JsonResponse(
                {"status": RunStatus.REFUSED, "message": too_large_message()}, status=413
            )
        return response

    return wrapper


@router.get("/sources", response=list[SourceOut], summary="可导入的数据来源")
def list_sources(request):
    sync_sources()
    return [
        {
            "code": s.code,
            "name": s.name,
            "department": s.department,
            "department_name": q.department_label(s.department),
            "kind": s.kind,
            "file_pattern": s.file_pattern,
            "description": s.definition.get("description", ""),
            "last_run_id": s.last_run.pk if s.last_run else None,
            "last_run_status": s.last_run.status if s.last_run else None,
            "last_run_at": s.last_run.started_at.isoformat() if s.last_run else None,
        }
        for s in q.sources_with_last_run(request.auth)
    ]


@router.post(
    "/sources/{code}/imports",
    response={201: ImportResult, 200: ImportResult, 422: ImportResult, 413: Refusal},
    summary="导入一个文件",
    description=(
        "上传部门清单 (multipart 字段 `file`, xlsx 或 csv)。201: 已导入; 200: 与上次导入的文件"
        "内容相同, 未做更改; 422: 文件被拒绝 (原因见 message 和 errors); 413: 文件过大, 未接收。"
    ),
)
@decorate_view(_stream_to_disk)
def create_import(request, code: str, file: File[UploadedFile]):
    source = _source(request, code)
    outcome = import_file(
        source.code, file.path, by=request.auth, channel="api", file_name=file.name
    )
    return Status(STATUS_CODES[outcome["status"]], outcome)


@router.get("/imports/{run_id}", response=ImportResult, summary="导入批次的结果")
def get_import(request, run_id: int):
    return result(_run(request, run_id))


@router.get(
    "/imports/{run_id}/errors.xlsx",
    summary="导入批次的错误报告 (xlsx)",
    response={200: None},
    openapi_extra={
        "responses": {
            200: {
                "description": "错误报告: 行号, 列, 值, 原因",
                "content": {q.XLSX: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def get_error_report(request, run_id: int):
    run = _run(request, run_id)
    response = send_error_report(run, by=request.auth, request=request, channel="接口")
    if response is None:
        raise HttpError(404, "该批次没有错误报告")
    return response


def _source(request, code: str) -> Source:
    sync_sources()
    try:
        return q.importable_source(request.auth, code)
    except Source.DoesNotExist:
        raise HttpError(404, "数据来源不存在或您无权导入") from None


def _run(request, run_id: int) -> ImportRun:
    try:
        return q.visible_run(request.auth, run_id)
    except ImportRun.DoesNotExist:
        raise HttpError(404, "导入批次不存在或不在您的范围内") from None

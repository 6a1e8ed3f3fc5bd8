"""数据导入 pages: the sources a user may import and their runs, the upload form, the result
of one run and its error report. Sources and runs outside the user's scope are "not found"."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from minqing.accounts.access import resident_data_required
from minqing.sources import queries_web as q
from minqing.sources.actions import import_file, result, send_error_report, sync_sources
from minqing.sources.forms import (
    UploadForm,
    announced_too_large,
    close_uploads,
    receive_uploads_on_disk,
    size_label,
    too_large_message,
    upload_was_too_large,
)
from minqing.sources.models import ImportRun, RunStatus
from minqing.sources.permissions import can_import, importable_sources

__all__ = ["can_import", "error_report", "importable_sources", "index", "run_detail", "upload"]

# (key in result["counts"], label) in the order the page shows them
COUNT_LABELS = [
    ("read", "读取"),
    ("new", "新增"),
    ("updated", "更新"),
    ("unchanged", "未变"),
    ("ended", "终止"),
    ("rejected", "拒绝"),
]


@login_required
@resident_data_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The sources this user may import, with their last run, and the runs they may see."""
    sync_sources()  # definitions are files: a new one shows up without a command
    sources = q.sources_with_last_run(request.user)
    for source in sources:
        source.department_label = q.department_label(source.department)
    runs = q.recent_runs(request.user)
    for run in runs:
        run.channel_label = q.CHANNEL_LABELS.get(run.channel, run.channel)
    return render(
        request,
        "sources/index.html",
        {"sources": sources, "runs": runs, "max_runs": q.RECENT_RUNS},
    )


# The upload handler must be in place before anything reads the body, and CSRF checking
# reads it: so CSRF is checked inside, once the handler is installed (Django's documented
# pattern for custom upload handlers).
@csrf_exempt
@login_required
@resident_data_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        size = announced_too_large(request)
        if size is not None:
            # refused on the announced size: the body is never read, nothing is stored
            return _render_upload(request, _form(request), too_large_message(size), status=413)
        receive_uploads_on_disk(request)
    return _upload(request)


@csrf_protect
def _upload(request: HttpRequest) -> HttpResponse:
    try:
        return _handle_upload(request)
    finally:
        if request.method == "POST":
            close_uploads(request)  # deletes the temporary files under DATA_DIR/uploads/


def _handle_upload(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        code = request.GET.get("source", "")
        form = _form(request, initial={"source": code})
        if code and code not in form.sources:
            raise Http404("数据来源不存在或您无权导入")
        return _render_upload(request, form)

    form = _form(request, data=request.POST, files=request.FILES)
    if upload_was_too_large(request):
        return _render_upload(request, form, too_large_message(), status=413)
    code = request.POST.get("source", "")
    if code and code not in form.sources:
        raise Http404("数据来源不存在或您无权导入")
    if not form.is_valid():
        return _render_upload(request, form, status=400)
    upload = form.cleaned_data["file"]
    outcome = import_file(
        form.cleaned_data["source"],
        upload.path,
        by=request.user,
        channel="web",
        file_name=upload.name,
    )
    return redirect("sources:run", run_id=outcome["run_id"])


def _form(request: HttpRequest, **kwargs) -> UploadForm:
    sync_sources()
    return UploadForm(sources=list(importable_sources(request.user)), **kwargs)


def _render_upload(
    request: HttpRequest, form: UploadForm, error: str = "", *, status: int = 200
) -> HttpResponse:
    context = {
        "form": form,
        "error": error,
        "max_bytes": settings.MINQING_IMPORT_MAX_BYTES,
        "max_label": size_label(settings.MINQING_IMPORT_MAX_BYTES),
        "too_large_message": too_large_message(),
    }
    return render(request, "sources/upload.html", context, status=status)


@login_required
@require_GET
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    """The result of one run: status, message, counts, the first rejected rows."""
    run = _visible_run(request, run_id)
    data = result(run)
    counts = data["counts"]
    bars = [{"key": key, "label": label, "value": counts[key]} for key, label in COUNT_LABELS]
    context = {
        "run": run,
        "result": data,
        "bars": bars,
        "bars_max": max(bar["value"] for bar in bars) or 1,
        "channel_label": q.CHANNEL_LABELS.get(run.channel, run.channel),
        "may_import": can_import(request.user, run.source),
        "has_report_file": q.error_report_path(run) is not None,
        "is_refused": run.status == RunStatus.REFUSED,
    }
    return render(request, "sources/run.html", context)


@login_required
@require_GET
def error_report(request: HttpRequest, run_id: int) -> FileResponse:
    """The run's full error report (行号 列 值 原因) as xlsx."""
    run = _visible_run(request, run_id)
    response = send_error_report(run, by=request.user, request=request, channel="网页")
    if response is None:
        raise Http404("该批次没有错误报告")
    return response


def _visible_run(request: HttpRequest, run_id: int) -> ImportRun:
    try:
        return q.visible_run(request.user, run_id)
    except ImportRun.DoesNotExist:
        raise Http404("导入批次不存在或不在您的范围内") from None

"""The upload form, and how an uploaded file reaches the disk (shared by the page and the API).

An upload is streamed straight into a temporary file under DATA_DIR/uploads/ (not the system
temp folder, not memory) and stopped as soon as it passes MINQING_IMPORT_MAX_BYTES; a request
that announces more than that is refused before a byte of it is read. The temporary file
disappears when it is closed (at the latest when the request ends).
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest

from minqing.accounts.models import Department

# multipart boundaries and the other form fields around the file
MULTIPART_SLACK = 64 * 1024


def upload_folder() -> Path:
    return Path(settings.DATA_DIR) / "uploads"


def too_large_message(size: int | None = None) -> str:
    limit = settings.MINQING_IMPORT_MAX_BYTES
    got = f" ({size_label(size)})" if size else ""
    return (
        f"文件过大{got}: 单个文件不能超过 {size_label(limit)}, 未予接收, 也未保存。"
        "请确认选择的是正确的文件; 如部门清单确实超过上限, 请联系系统管理员调整。"
    )


def size_label(size: int) -> str:
    if size >= 1024 * 1024:
        return (
            f"{size / 1024 / 1024:,.0f} MB"
            if size % (1024 * 1024) == 0
            else f"{size / 1024 / 1024:,.1f} MB"
        )
    return f"{max(size // 1024, 1):,} KB"


def announced_too_large(request: HttpRequest) -> int | None:
    """The announced body size when it is more than a file may be (None: fine, or unknown)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    return length if length > settings.MINQING_IMPORT_MAX_BYTES + MULTIPART_SLACK else None


def receive_uploads_on_disk(request: HttpRequest) -> None:
    """Install the handler below; call before anything reads request.POST or request.FILES."""
    request.upload_handlers = [ImportUploadHandler(request)]


def close_uploads(request: HttpRequest) -> None:
    """Close (and so delete) every file the request received, if its body was read."""
    if not hasattr(request, "_files"):
        return
    for _, uploads in request.FILES.lists():
        for upload in uploads:
            upload.close()


def upload_was_too_large(request: HttpRequest) -> bool:
    return getattr(request, "_minqing_upload_too_large", False)


class StoredUpload(UploadedFile):
    """An uploaded file kept in a named temporary file under DATA_DIR/uploads/."""

    def __init__(self, name, content_type, charset, content_type_extra):
        folder = upload_folder()
        folder.mkdir(parents=True, exist_ok=True)
        # keep the suffix (.xlsx, .csv): some readers look at it
        suffix = Path(name or "").suffix.lower()
        suffix = suffix if re.fullmatch(r"\.[a-z0-9]{1,8}", suffix) else ""
        # lives as long as the upload: closed (and so deleted) by close() below
        file = tempfile.NamedTemporaryFile(prefix="upload-", suffix=suffix, dir=folder)  # noqa: SIM115
        super().__init__(file, name, content_type, 0, charset, content_type_extra)

    @property
    def path(self) -> Path:
        return Path(self.file.name)

    def temporary_file_path(self) -> str:
        return self.file.name

    def close(self):
        try:
            return self.file.close()  # NamedTemporaryFile: closing deletes it
        except FileNotFoundError:
            pass


class ImportUploadHandler(FileUploadHandler):
    """Streams each file to a StoredUpload; stops the upload past the size limit."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.file = StoredUpload(
            self.file_name, self.content_type, self.charset, self.content_type_extra
        )
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.MINQING_IMPORT_MAX_BYTES:
            self.file.close()
            self.request._minqing_upload_too_large = True
            # read the rest of the body and drop it, so the client gets our answer
            raise StopUpload(connection_reset=False)
        self.file.write(raw_data)
        return None

    def file_complete(self, file_size):
        self.file.flush()
        self.file.seek(0)
        self.file.size = file_size
        return self.file

    def upload_interrupted(self):
        if hasattr(self, "file"):
            self.file.close()


class UploadForm(forms.Form):
    source = forms.ChoiceField(
        label="数据来源",
        error_messages={"required": "请选择数据来源。", "invalid_choice": "请选择数据来源。"},
    )
    file = forms.FileField(
        label="文件",
        error_messages={
            "required": "请选择要导入的文件。",
            "empty": "文件是空的, 请检查后重新选择。",
        },
        widget=forms.FileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args, sources, **kwargs):
        super().__init__(*args, **kwargs)
        self.sources = {s.code: s for s in sources}
        self.fields["source"].choices = [("", "— 请选择 —")] + [
            (s.code, f"{s.name} ({Department(s.department).label})") for s in sources
        ]

    @property
    def source_hints(self) -> list[dict]:
        """Per source: what file it expects (shown under the select, updated by upload.js)."""
        return [
            {
                "code": s.code,
                "kind": s.kind,
                "file_pattern": s.file_pattern,
                "description": s.definition.get("description", ""),
            }
            for s in self.sources.values()
        ]

"""Which uploaded files casework keeps: visit photos and measure evidence.

Pillow is not a dependency, so a file is judged by its first bytes (its signature), not by its
name or by the content type the browser claims: a renamed executable is refused either way.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

MAX_BYTES = 10 * 1024 * 1024

# content type → signature test on the first 16 bytes
_SIGNATURES = {
    "image/jpeg": lambda head: head.startswith(b"\xff\xd8\xff"),
    "image/png": lambda head: head.startswith(b"\x89PNG\r\n\x1a\n"),
    "image/webp": lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP",
    "application/pdf": lambda head: head.startswith(b"%PDF-"),
}
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")
EVIDENCE_TYPES = (*IMAGE_TYPES, "application/pdf")


def content_type_of(file) -> str:
    """The content type the file's signature shows, or '' when it is none we keep."""
    position = file.tell() if hasattr(file, "tell") else 0
    file.seek(0)
    head = file.read(16)
    file.seek(position)
    for content_type, matches in _SIGNATURES.items():
        if matches(head):
            return content_type
    return ""


def _check(file, allowed: tuple[str, ...], what: str) -> str:
    if file.size is not None and file.size > MAX_BYTES:
        raise ValidationError(f"{what}不能超过 {MAX_BYTES // (1024 * 1024)} MB")
    content_type = content_type_of(file)
    if content_type not in allowed:
        kinds = "、".join(t.split("/")[1].upper() for t in allowed)
        raise ValidationError(f"{what}只能是 {kinds} 格式")
    return content_type


def validate_photo(file) -> str:
    """A visit photo: JPEG, PNG or WebP, at most 10 MB. Returns its content type."""
    return _check(file, IMAGE_TYPES, "照片")


def validate_evidence(file) -> str:
    """Evidence of a measure: a photo or a PDF, at most 10 MB. Returns its content type."""
    return _check(file, EVIDENCE_TYPES, "佐证材料")

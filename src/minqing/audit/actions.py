"""The one writer of audit rows."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest

from minqing.audit.models import AuditEvent, Outcome


def record(
    action: str,
    *,
    by: Any = None,
    obj: models.Model | None = None,
    summary: str = "",
    request: HttpRequest | None = None,
    outcome: str = Outcome.ALLOWED,
    details: dict | None = None,
) -> AuditEvent:
    """Write one audit event. `by` is the acting user (None for the system itself)."""
    actor = by if getattr(by, "pk", None) else None
    ip = None
    if request is not None:
        ip = request.META.get("REMOTE_ADDR") or None
    return AuditEvent.objects.create(
        actor=actor,
        actor_name=(str(actor) if actor else "系统"),
        actor_roles=",".join(actor.roles.values_list("code", flat=True)) if actor else "",
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        summary=summary[:500],
        ip=ip,
        outcome=outcome,
        details=details or {},
    )

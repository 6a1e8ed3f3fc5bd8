"""The errors every casework action raises, the audit of refusals, and the small helpers
the actions share (history rows, row locks, versions, entry status moves)."""

from __future__ import annotations

import functools
from typing import Any

from django.db import models
from django.db.models import F
from django.utils import timezone

from minqing.audit.actions import record
from minqing.audit.models import Outcome
from minqing.casework.models import (
    Change,
    ChangeKind,
    EntryStatus,
    LedgerEntry,
)


class CaseworkError(Exception):
    """An action refused; the message is shown to the user as it is."""

    outcome = Outcome.FAILED


class NotPermitted(CaseworkError):
    outcome = Outcome.DENIED

    def __init__(self, message: str = "无权进行此操作"):
        super().__init__(message)


class ConflictError(CaseworkError):
    def __init__(self, message: str = "该帮扶措施已被他人修改，请刷新后重试"):
        super().__init__(message)


def refusals_audited(action):
    """Audit a refused action (denied or failed) after its transaction has rolled back."""

    @functools.wraps(action)
    def wrapper(*args, **kwargs):
        try:
            return action(*args, **kwargs)
        except CaseworkError as refused:
            subject = args[0] if args and isinstance(args[0], models.Model) else kwargs.get("obj")
            record(
                f"casework.{action.__name__}",
                by=kwargs.get("by") or kwargs.get("user"),
                obj=subject if isinstance(subject, models.Model) else None,
                request=kwargs.get("request"),
                outcome=refused.outcome,
                summary=str(refused),
            )
            raise

    return wrapper


def local_today():
    return timezone.localdate()


def required(text: str | None, what: str = "原因") -> str:
    text = (text or "").strip()
    if not text:
        raise CaseworkError(f"请填写{what}")
    return text


def codes(value) -> list[str]:
    """Family types as a list (JSON written in bulk may come back as text)."""
    if isinstance(value, str):
        import json

        value = json.loads(value or "[]")
    return list(value or [])


def change_row(kind: str, *, by, household_id: int, **fields: Any) -> Change:
    for key in ("from_value", "to_value", "reason"):
        if key in fields:
            fields[key] = str(fields[key] if fields[key] is not None else "")[:500]
    return Change(
        kind=kind, by=by if getattr(by, "pk", None) else None, household_id=household_id, **fields
    )


def locked(model, obj) -> Any:
    """The current row of obj, locked until the end of the transaction."""
    return model.objects.select_for_update().get(pk=obj.pk)


def check_version(obj, expected_version: int | None) -> None:
    if expected_version is not None and obj.version != expected_version:
        raise ConflictError(f"该{obj._meta.verbose_name}已被他人修改，请刷新后重试")


def status_error(model_label: str, current: str, target: str, labels: dict) -> CaseworkError:
    return CaseworkError(
        f"{model_label}当前为「{labels.get(current, current)}」，不能变更为「{labels.get(target, target)}」"
    )


def bump(obj, *fields: str) -> None:
    obj.version = F("version") + 1
    obj.save(update_fields=[*fields, "version", "updated_at"])
    obj.refresh_from_db(fields=["version"])


def set_entry_status(entry: LedgerEntry, to: str, *, by, reason: str) -> Change:
    """Move a locked entry to another status (already checked), with its dates."""
    change = change_row(
        ChangeKind.STATUS,
        by=by,
        household_id=entry.household_id,
        entry=entry,
        field="status",
        from_value=entry.status,
        to_value=to,
        reason=reason,
    )
    entry.status = to
    if to == EntryStatus.EXITED:
        entry.exited_on = local_today()
    elif to == EntryStatus.LISTED and change.from_value in (
        EntryStatus.EXITED,
        EntryStatus.PENDING,
    ):
        entry.entered_on = local_today()
        entry.exited_on = None
    return change


def start_helping(entry: LedgerEntry, *, by, reason: str) -> list[Change]:
    """A household with a new problem or measure is being helped (在册/已解决 → 帮扶中)."""
    if entry.status in (EntryStatus.LISTED, EntryStatus.RESOLVED):
        change = set_entry_status(entry, EntryStatus.HELPING, by=by, reason=reason)
        bump(entry, "status")
        return [change]
    return []

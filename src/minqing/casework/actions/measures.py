"""Measures (帮扶清单), edited under an optimistic lock: the page keeps the version it showed, and
an edit saved meanwhile by someone else makes the second save fail (ConflictError) instead of
silently overwriting it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from minqing.accounts.models import Unit, User
from minqing.audit.actions import record
from minqing.casework import deadlines
from minqing.casework.actions.common import (
    CaseworkError,
    ConflictError,
    NotPermitted,
    change_row,
    local_today,
    locked,
    refusals_audited,
    required,
    start_helping,
)
from minqing.casework.files import validate_evidence
from minqing.casework.models import (
    ACTIVE_ENTRY,
    Change,
    ChangeKind,
    EntryStatus,
    LedgerEntry,
    Measure,
    MeasureStatus,
    Problem,
    ProblemStatus,
)
from minqing.casework.queries import ledger_scope


def _measure_change(measure: Measure, kind: str, *, by, **fields) -> Change:
    return change_row(
        kind,
        by=by,
        household_id=measure.entry.household_id,
        entry=measure.entry,
        problem_id=measure.problem_id,
        measure=measure,
        **fields,
    )


@refusals_audited
@transaction.atomic
def add_measure(
    entry: LedgerEntry,
    *,
    action: str,
    deadline,
    by: User,
    problem: Problem | None = None,
    owner_unit: Unit | None = None,
    owner: User | None = None,
    request: HttpRequest | None = None,
) -> Measure:
    """A new measure for a household (帮扶清单), answering one of its problems or not. The
    department of a problem adds measures once it has accepted it; the owner unit defaults to
    the user's unit. The household becomes 帮扶中."""
    entry = locked(LedgerEntry, entry)
    scope = ledger_scope(by)
    if problem is not None:
        problem = Problem.objects.select_related("entry").get(pk=problem.pk)
        if problem.entry_id != entry.pk:
            raise CaseworkError("该问题不属于该户")
    if not scope.may_add_measure(entry, problem):
        raise NotPermitted()
    if entry.status not in ACTIVE_ENTRY or entry.status == EntryStatus.PENDING:
        raise CaseworkError("该户不在册，不能添加帮扶措施")
    if problem is not None:
        if not problem.is_open:
            raise CaseworkError("该问题已办结")
        if problem.status == ProblemStatus.DISPATCHED and not scope.may_write_entry(entry):
            raise CaseworkError("请先签收该问题")
    action = required(action, "帮扶措施")
    if deadline is None:
        raise CaseworkError("请填写完成时限")
    measure = Measure.objects.create(
        entry=entry,
        problem=problem,
        action=action,
        deadline=deadline,
        owner_unit=owner_unit or (by.unit if by.unit_id else None),
        owner=owner,
    )
    changes = [
        _measure_change(
            measure,
            ChangeKind.CREATED,
            by=by,
            field="status",
            to_value=measure.status,
            reason=action,
        )
    ]
    changes += start_helping(entry, by=by, reason=f"帮扶措施: {action[:100]}")
    Change.objects.bulk_create(changes)
    record(
        "casework.add_measure",
        by=by,
        obj=measure,
        request=request,
        summary=f"家庭户 {entry.household}: {action[:200]} (时限 {deadline})",
    )
    return measure


EDITABLE_MEASURE_FIELDS = ("action", "deadline", "owner_unit", "owner", "status", "result")


def _shown(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _write_measure(
    measure: Measure, *, expected_version: int, by, values: dict, kind_of: dict, reason: str = ""
) -> Measure:
    """UPDATE … WHERE id = … AND version = expected_version: the optimistic lock. Raises
    ConflictError when someone else saved the measure since the user's page showed it."""
    before = Measure.objects.select_related("entry", "problem", "owner_unit", "owner").get(
        pk=measure.pk
    )
    if before.version != expected_version:
        raise ConflictError()
    updated = Measure.objects.filter(pk=measure.pk, version=expected_version).update(
        **values, version=F("version") + 1, updated_at=timezone.now()
    )
    if updated == 0:
        raise ConflictError()
    changes = []
    for field, value in values.items():
        if field in ("done_on", "evidence"):
            continue
        old = getattr(before, field)
        if _shown(old) == _shown(value):
            continue
        changes.append(
            _measure_change(
                before,
                kind_of.get(field, ChangeKind.EDIT),
                by=by,
                field=field,
                from_value=_shown(old),
                to_value=_shown(value),
                reason=reason,
            )
        )
    Change.objects.bulk_create(changes)
    before.refresh_from_db()
    return before


def _editable(measure: Measure, by) -> Measure:
    current = Measure.objects.select_related(
        "entry", "entry__area", "problem", "problem__entry__area"
    ).get(pk=measure.pk)
    if not ledger_scope(by).may_edit_measure(current):
        raise NotPermitted()
    if not current.is_open:
        raise CaseworkError(f"该帮扶措施{current.get_status_display()}，不能再修改")
    return current


@refusals_audited
@transaction.atomic
def update_measure(
    measure: Measure,
    *,
    expected_version: int,
    by: User,
    request: HttpRequest | None = None,
    **changes: Any,
) -> Measure:
    """Edit a measure: action, deadline, owner_unit, owner, result, or status 未开始 → 进行中.
    `expected_version` is the version the user's page showed; see _write_measure."""
    unknown = set(changes) - set(EDITABLE_MEASURE_FIELDS)
    if unknown:
        raise CaseworkError(f"不能修改: {', '.join(sorted(unknown))}")
    current = _editable(measure, by)
    status = changes.get("status", current.status)
    if status != current.status and (
        status != MeasureStatus.IN_PROGRESS or not current.may_become(status)
    ):
        raise CaseworkError("完成或取消帮扶措施请使用「办结」或「取消」")
    if "action" in changes:
        changes["action"] = required(changes["action"], "帮扶措施")
    if "deadline" in changes and changes["deadline"] is None:
        raise CaseworkError("请填写完成时限")
    updated = _write_measure(
        current,
        expected_version=expected_version,
        by=by,
        values=changes,
        kind_of={"status": ChangeKind.STATUS},
    )
    # a later deadline lifts the sweep's mark (提醒/督办) where the measure is no longer late;
    # raising a mark stays the sweep's job
    if "deadline" in changes:
        level = deadlines.overdue_level(updated.deadline, local_today())
        if level < updated.overdue_level:
            Measure.objects.filter(pk=updated.pk).update(overdue_level=level)
            updated.overdue_level = level
    record(
        "casework.update_measure",
        by=by,
        obj=updated,
        request=request,
        summary=f"修改帮扶措施: {updated.action[:100]} ({', '.join(sorted(changes))})",
        details={"version": updated.version},
    )
    return updated


def _store_evidence(measure: Measure, evidence) -> str:
    try:
        validate_evidence(evidence)
    except ValidationError as refused:
        raise CaseworkError(refused.messages[0]) from refused
    field = Measure._meta.get_field("evidence")
    name = field.generate_filename(measure, evidence.name)
    return field.storage.save(name, evidence, max_length=field.max_length)


@refusals_audited
@transaction.atomic
def close_measure(
    measure: Measure,
    *,
    result: str,
    by: User,
    expected_version: int | None = None,
    evidence=None,
    request: HttpRequest | None = None,
) -> Measure:
    """办结 a measure: 已完成, with its result and, optionally, evidence (a photo or a PDF).
    `expected_version` defaults to the version of the object passed in."""
    current = _editable(measure, by)
    result = required(result, "落实情况")
    values: dict[str, Any] = {
        "status": MeasureStatus.DONE,
        "result": result,
        "done_on": local_today(),
    }
    updated = _write_measure(
        current,
        expected_version=measure.version if expected_version is None else expected_version,
        by=by,
        values=values,
        kind_of={"status": ChangeKind.STATUS},
    )
    if evidence is not None:
        # stored only once the version is ours, so a conflict leaves no orphan file
        Measure.objects.filter(pk=updated.pk).update(evidence=_store_evidence(updated, evidence))
        updated.refresh_from_db(fields=["evidence"])
    record(
        "casework.close_measure",
        by=by,
        obj=updated,
        request=request,
        summary=f"帮扶措施已完成: {updated.action[:100]}: {result[:200]}",
    )
    return updated


@refusals_audited
@transaction.atomic
def cancel_measure(
    measure: Measure,
    *,
    reason: str,
    by: User,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> Measure:
    """Cancel a measure that will not be carried out (已取消), with a reason."""
    current = _editable(measure, by)
    reason = required(reason)
    updated = _write_measure(
        current,
        expected_version=measure.version if expected_version is None else expected_version,
        by=by,
        values={"status": MeasureStatus.CANCELLED},
        kind_of={"status": ChangeKind.STATUS},
        reason=reason,
    )
    record(
        "casework.cancel_measure",
        by=by,
        obj=updated,
        request=request,
        summary=f"取消帮扶措施: {updated.action[:100]}: {reason}",
    )
    return updated

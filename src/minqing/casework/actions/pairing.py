"""Pairing households with cadres and grid workers, per grid or per household."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from minqing.accounts import roles
from minqing.accounts.models import User
from minqing.areas.models import Area
from minqing.audit.actions import record
from minqing.casework.actions.common import (
    CaseworkError,
    NotPermitted,
    change_row,
    refusals_audited,
)
from minqing.casework.models import (
    Change,
    ChangeKind,
    LedgerEntry,
)
from minqing.casework.queries import ledger_scope


class _Unchanged:
    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Any = _Unchanged()


def _check_paired_user(user: User | None, role: str, label: str) -> None:
    if user is None:
        return
    if not user.is_active or not user.roles.filter(code=role).exists():
        raise CaseworkError(f"{user}不是{label}")


def _check_works_in_area(user: User | None, label: str, *, by: User) -> None:
    """Pairing lets the person see the household: only people who work in the assigner's
    area (the page offers no one else; the API is held to the same)."""
    grants = ledger_scope(by).grants
    if user is None or grants.is_superuser:
        return
    unit = user.unit if user.unit_id else None
    if grants.area is None or unit is None or not unit.area.path.startswith(grants.area.path):
        raise CaseworkError(f"{label}「{user.username}」不在您的辖区内")


@refusals_audited
@transaction.atomic
def assign_pairing(
    target: Area | Iterable[LedgerEntry],
    *,
    by: User,
    cadre: User | None = UNCHANGED,
    grid_worker: User | None = UNCHANGED,
    reason: str = "",
    request: HttpRequest | None = None,
) -> int:
    """Pair households with a cadre and/or a grid worker (None clears a pairing; leave an
    argument out to keep it). `target` is a grid (every household of the ledger in it, or
    below any area) or some entries. All or nothing: one entry outside the user's area refuses
    the whole assignment. Returns the number of entries changed."""
    if cadre is UNCHANGED and grid_worker is UNCHANGED:
        raise CaseworkError("请选择包联干部或网格员")
    if cadre is not UNCHANGED:
        _check_paired_user(cadre, roles.CADRE, "包联干部")
    if grid_worker is not UNCHANGED:
        _check_paired_user(grid_worker, roles.GRID_WORKER, "网格员")
    if isinstance(target, Area):
        entries = LedgerEntry.objects.active().in_area(target)
    else:
        entries = LedgerEntry.objects.active().filter(pk__in=[e.pk for e in target])
    entries = list(entries.select_related("area").select_for_update(of=("self",)).order_by("pk"))
    scope = ledger_scope(by)
    if not all(scope.may_assign(entry) for entry in entries):
        raise NotPermitted()
    if cadre is not UNCHANGED:
        _check_works_in_area(cadre, "包联干部", by=by)
    if grid_worker is not UNCHANGED:
        _check_works_in_area(grid_worker, "网格员", by=by)

    targets = {
        field: user
        for field, user in (("cadre", cadre), ("grid_worker", grid_worker))
        if user is not UNCHANGED
    }
    previous = {e.cadre_id for e in entries} | {e.grid_worker_id for e in entries}
    names = {u.pk: str(u) for u in User.objects.filter(pk__in=previous - {None})}
    # entries grouped by the fields that change for them: one UPDATE per group, one version each
    groups: dict[tuple[str, ...], list[LedgerEntry]] = {}
    changes: list[Change] = []
    for entry in entries:
        moving = tuple(
            field
            for field, user in targets.items()
            if getattr(entry, f"{field}_id") != (user.pk if user else None)
        )
        if not moving:
            continue
        groups.setdefault(moving, []).append(entry)
        changes += [
            change_row(
                ChangeKind.PAIRING,
                by=by,
                household_id=entry.household_id,
                entry=entry,
                field=field,
                from_value=names.get(getattr(entry, f"{field}_id"), ""),
                to_value=str(targets[field]) if targets[field] else "",
                reason=reason,
            )
            for field in moving
        ]
    now = timezone.now()
    for moving, group in groups.items():
        LedgerEntry.objects.filter(pk__in=[e.pk for e in group]).update(
            **{f"{field}_id": targets[field].pk if targets[field] else None for field in moving},
            version=F("version") + 1,
            updated_at=now,
        )
    Change.objects.bulk_create(changes, batch_size=500)
    changed = {e.pk for group in groups.values() for e in group}
    where = target.full_name if isinstance(target, Area) else f"{len(entries)} 户"
    record(
        "casework.assign_pairing",
        by=by,
        obj=target if isinstance(target, Area) else None,
        request=request,
        summary=f"包联分配({where}): 干部 {'' if cadre is UNCHANGED else cadre or '取消'}, "
        f"网格员 {'' if grid_worker is UNCHANGED else grid_worker or '取消'}; 变更 {len(changed)} 户",
        details={"entries": sorted(changed)},
    )
    return len(changed)

"""The ledger: households reported, proposals confirmed or rejected, status and category changes."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from minqing.accounts.models import User
from minqing.assessment.models import Category, Proposal, ProposalKind, ProposalStatus
from minqing.audit.actions import record
from minqing.casework.actions.common import (
    CaseworkError,
    NotPermitted,
    bump,
    change_row,
    check_version,
    codes,
    local_today,
    locked,
    refusals_audited,
    required,
    set_entry_status,
    status_error,
)
from minqing.casework.models import (
    Change,
    ChangeKind,
    Decision,
    EntryStatus,
    LedgerEntry,
    Visit,
)
from minqing.casework.queries import ledger_scope
from minqing.registry.models import Household


@refusals_audited
@transaction.atomic
def add_entry(
    household: Household,
    *,
    category: str,
    types: Iterable[str] = (),
    reason: str,
    by: User,
    request: HttpRequest | None = None,
) -> LedgerEntry:
    """A household reported for the ledger by a person (上报), not proposed by the assessment:
    an entry 待核实 until someone confirms it (change_entry_status to 在册)."""
    if not ledger_scope(by).may_review(household):
        raise NotPermitted()
    reason = required(reason)
    if category not in Category.values:
        raise CaseworkError("请选择类别")
    existing = LedgerEntry.objects.select_for_update().filter(household=household).first()
    if existing is not None:
        if existing.status == EntryStatus.EXITED:
            raise CaseworkError("该户曾退出台账，请将其状态变更为「在册」重新纳入")
        raise CaseworkError("该户已在台账中")
    entry = LedgerEntry.objects.create(
        household=household,
        area_id=household.area_id,
        types=list(types),
        category=category,
        status=EntryStatus.PENDING,
    )
    change_row(
        ChangeKind.CREATED,
        by=by,
        household_id=household.pk,
        entry=entry,
        field="status",
        to_value=entry.status,
        reason=reason,
    ).save()
    record(
        "casework.add_entry",
        by=by,
        obj=entry,
        request=request,
        summary=f"上报家庭户 {household}: {reason}",
    )
    return entry


@refusals_audited
@transaction.atomic
def confirm_proposal(
    proposal: Proposal,
    *,
    by: User,
    reason: str,
    visit: Visit | None = None,
    request: HttpRequest | None = None,
) -> LedgerEntry:
    """Confirm what the assessment proposed, after checking it (usually on a visit):
    include → the household enters the ledger 在册 with the proposal's types and category (an
    exited entry comes back, a reported one 待核实 is confirmed); exit → the entry 已退出;
    change → the entry takes the proposed category. Returns the entry."""
    proposal = locked(Proposal, proposal)
    household = proposal.household
    if not ledger_scope(by).may_review(household):
        raise NotPermitted()
    if proposal.status != ProposalStatus.OPEN:
        raise CaseworkError(f"该建议已{proposal.get_status_display()}，不能再确认")
    reason = required(reason)
    entry = LedgerEntry.objects.select_for_update().filter(household=household).first()
    types = codes(proposal.types)
    changes: list[Change] = []

    if proposal.kind == ProposalKind.INCLUDE:
        if entry is None:
            entry = LedgerEntry.objects.create(
                household=household,
                area_id=household.area_id,
                types=types,
                category=proposal.category,
                status=EntryStatus.LISTED,
                entered_on=local_today(),
                proposal=proposal,
            )
            changes.append(
                change_row(
                    ChangeKind.CREATED,
                    by=by,
                    household_id=household.pk,
                    entry=entry,
                    field="status",
                    to_value=EntryStatus.LISTED,
                    reason=reason,
                )
            )
        elif entry.status in (EntryStatus.PENDING, EntryStatus.EXITED):
            changes.append(set_entry_status(entry, EntryStatus.LISTED, by=by, reason=reason))
            changes += _reclassify(
                entry, category=proposal.category, types=types, by=by, reason=reason
            )
            entry.proposal = proposal
            bump(entry, "status", "entered_on", "exited_on", "category", "types", "proposal")
        else:
            raise CaseworkError("该户已在台账中")
    else:
        if entry is None or entry.status == EntryStatus.EXITED:
            raise CaseworkError("该户不在台账中")
        if proposal.kind == ProposalKind.EXIT:
            changes.append(set_entry_status(entry, EntryStatus.EXITED, by=by, reason=reason))
        else:
            changes += _reclassify(
                entry, category=proposal.category, types=types or entry.types, by=by, reason=reason
            )
        bump(entry, "status", "exited_on", "category", "types")

    proposal.status = ProposalStatus.CONFIRMED
    proposal.save(update_fields=["status", "updated_at"])
    if visit is not None and not visit.proposal_id:
        Visit.objects.filter(pk=visit.pk).update(
            proposal=proposal, decision=Decision.CONFIRM, entry=entry
        )
    changes.append(
        change_row(
            ChangeKind.PROPOSAL,
            by=by,
            household_id=household.pk,
            entry=entry,
            proposal=proposal,
            visit=visit,
            field="proposal",
            from_value=ProposalStatus.OPEN,
            to_value=ProposalStatus.CONFIRMED,
            reason=reason,
        )
    )
    Change.objects.bulk_create(changes)
    record(
        "casework.confirm_proposal",
        by=by,
        obj=proposal,
        request=request,
        summary=f"确认{proposal.get_kind_display()}: 家庭户 {household}: {reason}",
        details={"entry": entry.pk, "visit": visit.pk if visit else None},
    )
    return entry


@refusals_audited
@transaction.atomic
def reject_proposal(
    proposal: Proposal,
    *,
    by: User,
    reason: str,
    visit: Visit | None = None,
    request: HttpRequest | None = None,
) -> Proposal:
    """Reject what the assessment proposed; the ledger does not change."""
    proposal = locked(Proposal, proposal)
    household = proposal.household
    if not ledger_scope(by).may_review(household):
        raise NotPermitted()
    if proposal.status != ProposalStatus.OPEN:
        raise CaseworkError(f"该建议已{proposal.get_status_display()}，不能再否决")
    reason = required(reason)
    proposal.status = ProposalStatus.REJECTED
    proposal.save(update_fields=["status", "updated_at"])
    entry = LedgerEntry.objects.filter(household=household).first()
    if visit is not None and not visit.proposal_id:
        Visit.objects.filter(pk=visit.pk).update(proposal=proposal, decision=Decision.REJECT)
    change_row(
        ChangeKind.PROPOSAL,
        by=by,
        household_id=household.pk,
        entry=entry,
        proposal=proposal,
        visit=visit,
        field="proposal",
        from_value=ProposalStatus.OPEN,
        to_value=ProposalStatus.REJECTED,
        reason=reason,
    ).save()
    record(
        "casework.reject_proposal",
        by=by,
        obj=proposal,
        request=request,
        summary=f"否决{proposal.get_kind_display()}: 家庭户 {household}: {reason}",
    )
    return proposal


@refusals_audited
@transaction.atomic
def change_entry_status(
    entry: LedgerEntry,
    *,
    to: str,
    reason: str,
    by: User,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> LedgerEntry:
    """Move an entry along the allowed transitions (models.ENTRY_TRANSITIONS), with a reason.
    已解决 needs every problem of the household 已办结 and every measure closed."""
    entry = locked(LedgerEntry, entry)
    if not ledger_scope(by).may_change_entry(entry):
        raise NotPermitted()
    check_version(entry, expected_version)
    if not entry.may_become(to):
        raise status_error("该户", entry.status, to, dict(EntryStatus.choices))
    reason = required(reason)
    if to == EntryStatus.RESOLVED:
        if entry.problems.open().exists():
            raise CaseworkError("该户尚有未办结的问题，不能标记为已解决")
        if entry.measures.open().exists():
            raise CaseworkError("该户尚有未完成的帮扶措施，不能标记为已解决")
    before = entry.get_status_display()
    change = set_entry_status(entry, to, by=by, reason=reason)
    bump(entry, "status", "entered_on", "exited_on")
    change.save()
    record(
        "casework.change_entry_status",
        by=by,
        obj=entry,
        request=request,
        summary=f"家庭户 {entry.household}: {before} → {entry.get_status_display()}: {reason}",
    )
    return entry


def _reclassify(entry: LedgerEntry, *, category: str, types, by, reason: str) -> list[Change]:
    changes = []
    if category and category != entry.category:
        changes.append(
            change_row(
                ChangeKind.CATEGORY,
                by=by,
                household_id=entry.household_id,
                entry=entry,
                field="category",
                from_value=entry.category,
                to_value=category,
                reason=reason,
            )
        )
        entry.category = category
    types = list(types)
    if types != codes(entry.types):
        changes.append(
            change_row(
                ChangeKind.TYPES,
                by=by,
                household_id=entry.household_id,
                entry=entry,
                field="types",
                from_value=",".join(codes(entry.types)),
                to_value=",".join(types),
                reason=reason,
            )
        )
        entry.types = types
    return changes


@refusals_audited
@transaction.atomic
def reclassify_entry(
    entry: LedgerEntry,
    *,
    category: str,
    types: Iterable[str] | None = None,
    reason: str,
    by: User,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> LedgerEntry:
    """Change an entry's category (and family types, when given) by a person's decision."""
    entry = locked(LedgerEntry, entry)
    if not ledger_scope(by).may_change_entry(entry):
        raise NotPermitted()
    check_version(entry, expected_version)
    if entry.status == EntryStatus.EXITED:
        raise CaseworkError("该户已退出台账")
    if category not in Category.values:
        raise CaseworkError("请选择类别")
    reason = required(reason)
    changes = _reclassify(
        entry,
        category=category,
        types=codes(entry.types) if types is None else types,
        by=by,
        reason=reason,
    )
    if changes:
        bump(entry, "category", "types")
        Change.objects.bulk_create(changes)
        record(
            "casework.reclassify_entry",
            by=by,
            obj=entry,
            request=request,
            summary=f"家庭户 {entry.household}: 调整为{entry.get_category_display()}: {reason}",
        )
    return entry


@transaction.atomic
def sync_entry_areas(*, by: User | None = None) -> int:
    """Copy each household's grid to its entry where they differ (a household that moved, as a
    new link run found it): entries are scoped by their own area, so a stale one would stay in
    the old grid's lists. Idempotent; returns how many entries moved."""
    moved = list(
        LedgerEntry.objects.exclude(area_id=F("household__area_id"))
        .select_related("area", "household__area")
        .select_for_update(of=("self",))
    )
    if not moved:
        return 0
    now = timezone.now()
    for entry in moved:
        LedgerEntry.objects.filter(pk=entry.pk).update(
            area_id=entry.household.area_id, version=F("version") + 1, updated_at=now
        )
    Change.objects.bulk_create(
        [
            change_row(
                ChangeKind.EDIT,
                by=by,
                household_id=entry.household_id,
                entry=entry,
                field="area",
                from_value=entry.area.full_name,
                to_value=entry.household.area.full_name,
                reason="家庭户所在网格变化",
            )
            for entry in moved
        ],
        batch_size=500,
    )
    record(
        "casework.sync_entry_areas",
        by=by,
        summary=f"台账家庭所在网格同步: {len(moved)} 户",
        details={"entries": [entry.pk for entry in moved]},
    )
    return len(moved)

"""Visits (入户走访), which may decide a proposal."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from minqing.accounts.models import User
from minqing.assessment.models import Proposal
from minqing.audit.actions import record
from minqing.casework.actions.common import (
    CaseworkError,
    NotPermitted,
    change_row,
    local_today,
    refusals_audited,
    required,
)
from minqing.casework.actions.ledger import confirm_proposal, reject_proposal
from minqing.casework.files import validate_photo
from minqing.casework.models import (
    ChangeKind,
    Decision,
    LedgerEntry,
    Visit,
    VisitPhoto,
)
from minqing.casework.queries import ledger_scope
from minqing.registry.models import Household


@refusals_audited
@transaction.atomic
def record_visit(
    subject: LedgerEntry | Household,
    *,
    visited_on,
    findings: str,
    by: User,
    companions: str = "",
    photos: Iterable = (),
    proposal: Proposal | None = None,
    decision: str | None = None,
    reason: str = "",
    request: HttpRequest | None = None,
) -> Visit:
    """A visit to a household (in the ledger, or proposed for it), with photos. With a proposal
    and a decision it also confirms or rejects the proposal (confirm_proposal / reject_proposal,
    with `reason`, or the findings, as the reason). Updates the entry's last visit date."""
    household = subject.household if isinstance(subject, LedgerEntry) else subject
    household = Household.objects.select_related("area").get(pk=household.pk)
    if not ledger_scope(by).may_visit(household):
        raise NotPermitted()
    findings = required(findings, "走访情况")
    if visited_on > local_today():
        raise CaseworkError("走访日期不能晚于今天")
    if (proposal is None) != (not decision):
        raise CaseworkError("核实建议需同时选择建议和结论")
    if decision and decision not in Decision.values:
        raise CaseworkError("核实结论无效")
    if proposal is not None and proposal.household_id != household.pk:
        raise CaseworkError("该建议不属于该户")
    checked = []
    for photo in photos:
        try:
            checked.append((photo, validate_photo(photo)))
        except ValidationError as refused:
            raise CaseworkError(refused.messages[0]) from refused

    entry = LedgerEntry.objects.select_for_update().filter(household=household).first()
    visit = Visit.objects.create(
        household=household,
        entry=entry,
        visited_on=visited_on,
        by=by,
        companions=companions,
        findings=findings,
    )
    for photo, content_type in checked:
        VisitPhoto.objects.create(visit=visit, file=photo, content_type=content_type)
    if entry is not None and (entry.last_visit_on is None or entry.last_visit_on < visited_on):
        entry.last_visit_on = visited_on
        entry.save(update_fields=["last_visit_on", "updated_at"])
    change_row(
        ChangeKind.VISIT,
        by=by,
        household_id=household.pk,
        entry=entry,
        visit=visit,
        field="visited_on",
        to_value=visited_on.isoformat(),
        reason=findings[:500],
    ).save()
    record(
        "casework.record_visit",
        by=by,
        obj=visit,
        request=request,
        summary=f"走访家庭户 {household} ({visited_on}), 照片 {len(checked)} 张",
    )
    if decision:
        why = reason or findings
        if decision == Decision.CONFIRM:
            entry = confirm_proposal(proposal, by=by, reason=why, visit=visit, request=request)
            if entry.last_visit_on is None or entry.last_visit_on < visited_on:
                LedgerEntry.objects.filter(pk=entry.pk).update(last_visit_on=visited_on)
        else:
            reject_proposal(proposal, by=by, reason=why, visit=visit, request=request)
        visit.refresh_from_db()
    return visit

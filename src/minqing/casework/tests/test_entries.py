"""The ledger: proposals confirmed and rejected, households reported, every status transition
allowed or refused, reclassification — each with its history row and its audit event."""

import pytest
from django.utils import timezone

from minqing.assessment.models import ProposalKind, ProposalStatus
from minqing.audit.models import AuditEvent, Outcome
from minqing.casework.actions import (
    CaseworkError,
    ConflictError,
    NotPermitted,
    add_entry,
    change_entry_status,
    confirm_proposal,
    reclassify_entry,
    reject_proposal,
)
from minqing.casework.models import (
    ENTRY_TRANSITIONS,
    Change,
    ChangeKind,
    EntryStatus,
    LedgerEntry,
)
from minqing.casework.tests.factories import (
    make_entry,
    make_household,
    make_measure,
    make_problem,
    make_proposal,
)


def audits(action: str, outcome=Outcome.ALLOWED):
    return AuditEvent.objects.filter(action=f"casework.{action}", outcome=outcome)


# proposals ------------------------------------------------------------------------------------


def test_confirming_an_include_proposal_puts_the_household_in_the_ledger(grid, grid_worker):
    household = make_household(grid)
    proposal = make_proposal(household, category="major", types=("hardship", "zero_employment"))
    entry = confirm_proposal(proposal, by=grid_worker, reason="入户核实属实")
    assert entry.status == EntryStatus.LISTED
    assert (entry.category, entry.types) == ("major", ["hardship", "zero_employment"])
    assert entry.area_id == household.area_id and entry.proposal_id == proposal.pk
    assert entry.entered_on == timezone.localdate()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.CONFIRMED
    kinds = list(Change.objects.filter(household=household).values_list("kind", "by", "reason"))
    assert kinds == [
        (ChangeKind.CREATED, grid_worker.pk, "入户核实属实"),
        (ChangeKind.PROPOSAL, grid_worker.pk, "入户核实属实"),
    ]
    event = audits("confirm_proposal").get()
    assert event.actor == grid_worker and event.object_id == str(proposal.pk)


def test_an_include_proposal_given_as_json_text_is_read(grid, grid_worker):
    # bulk writes may leave JSON lists as text (assessment writes proposals in bulk)
    proposal = make_proposal(make_household(grid))
    proposal.types = '["guardianship_gap"]'
    proposal.save()
    entry = confirm_proposal(proposal, by=grid_worker, reason="核实")
    assert entry.types == ["guardianship_gap"]


def test_an_include_proposal_confirms_a_reported_household_and_brings_back_an_exited_one(
    grid, grid_worker
):
    pending = make_entry(grid, status=EntryStatus.PENDING, category="general")
    entry = confirm_proposal(make_proposal(pending.household), by=grid_worker, reason="核实")
    assert (entry.pk, entry.status, entry.category) == (pending.pk, EntryStatus.LISTED, "policy")
    exited = make_entry(grid, status=EntryStatus.EXITED)
    entry = confirm_proposal(make_proposal(exited.household), by=grid_worker, reason="再次纳入")
    assert (entry.pk, entry.status, entry.exited_on) == (exited.pk, EntryStatus.LISTED, None)
    assert entry.version == exited.version + 1


def test_an_include_proposal_for_a_household_already_listed_is_refused(grid, grid_worker):
    entry = make_entry(grid)
    proposal = make_proposal(entry.household)
    with pytest.raises(CaseworkError, match="已在台账中"):
        confirm_proposal(proposal, by=grid_worker, reason="核实")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.OPEN
    assert audits("confirm_proposal", Outcome.FAILED).exists()


def test_confirming_an_exit_proposal_exits_the_entry(grid, street_staff):
    entry = make_entry(grid, status=EntryStatus.HELPING)
    proposal = make_proposal(entry.household, kind=ProposalKind.EXIT)
    entry = confirm_proposal(proposal, by=street_staff, reason="家庭收入已超过标准")
    assert entry.status == EntryStatus.EXITED and entry.exited_on == timezone.localdate()
    change = Change.objects.get(entry=entry, kind=ChangeKind.STATUS)
    assert (change.from_value, change.to_value, change.reason) == (
        "helping",
        "exited",
        "家庭收入已超过标准",
    )
    assert (change.from_label, change.to_label) == ("帮扶中", "已退出")


def test_confirming_a_change_proposal_changes_the_category(grid, community_staff):
    entry = make_entry(grid, category="general")
    proposal = make_proposal(entry.household, kind=ProposalKind.CHANGE, category="major")
    entry = confirm_proposal(proposal, by=community_staff, reason="新增重病成员")
    assert entry.category == "major"
    change = Change.objects.get(entry=entry, kind=ChangeKind.CATEGORY)
    assert (change.from_label, change.to_label) == ("一般生活类", "重大疑难问题类")


@pytest.mark.parametrize("kind", [ProposalKind.EXIT, ProposalKind.CHANGE])
def test_exit_and_change_proposals_need_an_entry_in_the_ledger(grid, grid_worker, kind):
    with pytest.raises(CaseworkError, match="不在台账中"):
        confirm_proposal(make_proposal(make_household(grid), kind=kind), by=grid_worker, reason="x")


def test_a_proposal_is_decided_once(grid, grid_worker):
    proposal = make_proposal(make_household(grid))
    reject_proposal(proposal, by=grid_worker, reason="入户核实不属实")
    with pytest.raises(CaseworkError, match="已否决"):
        confirm_proposal(proposal, by=grid_worker, reason="核实")
    with pytest.raises(CaseworkError, match="已否决"):
        reject_proposal(proposal, by=grid_worker, reason="核实")


def test_rejecting_a_proposal_changes_nothing_in_the_ledger_but_is_kept(grid, grid_worker):
    household = make_household(grid)
    proposal = make_proposal(household)
    reject_proposal(proposal, by=grid_worker, reason="家庭已有稳定收入")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.REJECTED
    assert not LedgerEntry.objects.filter(household=household).exists()
    change = Change.objects.get(household=household)
    assert (change.kind, change.proposal, change.reason, change.subject) == (
        ChangeKind.PROPOSAL,
        proposal,
        "家庭已有稳定收入",
        "建议",
    )
    assert audits("reject_proposal").count() == 1


@pytest.mark.parametrize("action", [confirm_proposal, reject_proposal])
def test_deciding_a_proposal_needs_a_reason(grid, grid_worker, action):
    with pytest.raises(CaseworkError, match="请填写原因"):
        action(make_proposal(make_household(grid)), by=grid_worker, reason="")


@pytest.mark.parametrize(
    "role", ["other_grid_worker", "cadre", "civil_affairs_clerk", "district_leader", "system_admin"]
)
@pytest.mark.parametrize("action", [confirm_proposal, reject_proposal])
def test_only_area_staff_of_the_household_decide_proposals(request, grid, role, action):
    proposal = make_proposal(make_household(grid))
    with pytest.raises(NotPermitted):
        action(proposal, by=request.getfixturevalue(role), reason="核实")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.OPEN
    assert audits(action.__name__, Outcome.DENIED).count() == 1


# reported households -------------------------------------------------------------------------


def test_a_reported_household_waits_to_be_confirmed(grid, grid_worker, community_staff):
    household = make_household(grid)
    entry = add_entry(
        household, category="general", types=["attention"], reason="邻居反映", by=grid_worker
    )
    assert entry.status == EntryStatus.PENDING and entry.entered_on is None
    entry = change_entry_status(entry, to=EntryStatus.LISTED, reason="社区核实", by=community_staff)
    assert entry.status == EntryStatus.LISTED and entry.entered_on == timezone.localdate()
    with pytest.raises(CaseworkError, match="已在台账中"):
        add_entry(household, category="general", reason="重复上报", by=grid_worker)


def test_reporting_needs_a_category_and_a_reason(grid, grid_worker):
    household = make_household(grid)
    with pytest.raises(CaseworkError, match="类别"):
        add_entry(household, category="", reason="邻居反映", by=grid_worker)
    with pytest.raises(CaseworkError, match="原因"):
        add_entry(household, category="general", reason="", by=grid_worker)


# status transitions ---------------------------------------------------------------------------

PAIRS = [(a, b) for a in EntryStatus.values for b in EntryStatus.values if a != b]


@pytest.mark.parametrize(("start", "to"), PAIRS)
def test_every_entry_transition_is_allowed_or_refused(grid, community_staff, start, to):
    entry = make_entry(grid, status=start)
    allowed = to in ENTRY_TRANSITIONS[start]
    if allowed:
        entry = change_entry_status(entry, to=to, reason="核实后调整", by=community_staff)
        assert entry.status == to and entry.version == 2
        change = Change.objects.get(entry=entry, kind=ChangeKind.STATUS)
        assert (change.from_value, change.to_value, change.by) == (start, to, community_staff)
        assert audits("change_entry_status").count() == 1
    else:
        with pytest.raises(CaseworkError, match="不能变更为"):
            change_entry_status(entry, to=to, reason="核实后调整", by=community_staff)
        entry.refresh_from_db()
        assert entry.status == start and entry.version == 1
        assert not Change.objects.filter(entry=entry).exists()
        assert audits("change_entry_status", Outcome.FAILED).count() == 1


def test_a_status_change_needs_a_reason(grid, community_staff):
    with pytest.raises(CaseworkError, match="请填写原因"):
        change_entry_status(make_entry(grid), to=EntryStatus.EXITED, reason=" ", by=community_staff)


def test_resolved_needs_every_problem_and_measure_closed(grid, community_staff):
    entry = make_entry(grid, status=EntryStatus.HELPING)
    problem = make_problem(entry)
    with pytest.raises(CaseworkError, match="未办结的问题"):
        change_entry_status(entry, to=EntryStatus.RESOLVED, reason="x", by=community_staff)
    problem.status = "resolved"
    problem.save()
    make_measure(entry)
    with pytest.raises(CaseworkError, match="未完成的帮扶措施"):
        change_entry_status(entry, to=EntryStatus.RESOLVED, reason="x", by=community_staff)


def test_exiting_sets_the_exit_date_and_re_listing_clears_it(grid, community_staff):
    entry = change_entry_status(
        make_entry(grid), to=EntryStatus.EXITED, reason="迁出本区", by=community_staff
    )
    assert entry.exited_on == timezone.localdate()
    entry = change_entry_status(entry, to=EntryStatus.LISTED, reason="迁回", by=community_staff)
    assert entry.exited_on is None


def test_a_stale_version_is_refused(grid, community_staff):
    entry = make_entry(grid)
    change_entry_status(entry, to=EntryStatus.HELPING, reason="x", by=community_staff)
    with pytest.raises(ConflictError, match="已被他人修改"):
        change_entry_status(
            entry, to=EntryStatus.EXITED, reason="x", by=community_staff, expected_version=1
        )


@pytest.mark.parametrize(
    "role", ["cadre", "other_grid_worker", "civil_affairs_clerk", "district_leader"]
)
def test_only_area_staff_change_an_entry(request, grid, cadre, role):
    entry = make_entry(grid, cadre=cadre)
    with pytest.raises(NotPermitted):
        change_entry_status(
            entry, to=EntryStatus.EXITED, reason="x", by=request.getfixturevalue(role)
        )


def test_reclassify_keeps_both_changes(grid, street_staff):
    entry = make_entry(grid, category="general", types=("attention",))
    entry = reclassify_entry(
        entry, category="policy", types=["hardship"], reason="低保复核", by=street_staff
    )
    assert (entry.category, entry.types, entry.version) == ("policy", ["hardship"], 2)
    kinds = set(Change.objects.filter(entry=entry).values_list("kind", flat=True))
    assert kinds == {ChangeKind.CATEGORY, ChangeKind.TYPES}
    assert audits("reclassify_entry").count() == 1
    # the same again changes nothing and records nothing
    reclassify_entry(entry, category="policy", reason="复核", by=street_staff)
    assert audits("reclassify_entry").count() == 1


def test_an_entry_follows_its_household_to_another_grid(
    grid, other_grid, grid_worker, other_grid_worker
):
    from minqing.casework.actions import sync_entry_areas
    from minqing.casework.queries import ledger_scope

    entry = make_entry(grid)
    make_entry(grid)
    household = entry.household
    household.area = other_grid
    household.save()
    assert sync_entry_areas() == 1
    entry.refresh_from_db()
    assert (entry.area, entry.version) == (other_grid, 2)
    change = Change.objects.get(entry=entry, field="area")
    assert (change.from_value, change.to_value) == (
        "定和街道丰收社区第1网格",
        "定和街道丰收社区第2网格",
    )
    assert ledger_scope(other_grid_worker).entries().filter(pk=entry.pk).exists()
    assert not ledger_scope(grid_worker).entries().filter(pk=entry.pk).exists()
    assert sync_entry_areas() == 0
    assert audits("sync_entry_areas").count() == 1

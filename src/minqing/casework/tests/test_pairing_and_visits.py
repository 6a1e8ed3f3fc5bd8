"""Pairing households with cadres and grid workers, per grid; visits with photos, deciding
proposals; the care-day plan."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from minqing.assessment.models import ProposalStatus
from minqing.audit.models import AuditEvent, Outcome
from minqing.casework.actions import (
    UNCHANGED,
    CaseworkError,
    NotPermitted,
    assign_pairing,
    record_visit,
)
from minqing.casework.models import (
    Change,
    ChangeKind,
    Decision,
    EntryStatus,
    LedgerEntry,
    Visit,
)
from minqing.casework.queries import care_day_plan
from minqing.casework.tests.factories import (
    JPEG,
    PNG,
    make_entry,
    make_household,
    make_measure,
    make_proposal,
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


# pairing -------------------------------------------------------------------------------------


def test_a_whole_grid_is_paired_at_once(grid, other_grid, community_staff, cadre, grid_worker):
    in_grid = [make_entry(grid) for _ in range(3)]
    exited = make_entry(grid, status=EntryStatus.EXITED)
    elsewhere = make_entry(other_grid)
    changed = assign_pairing(
        grid, cadre=cadre, grid_worker=grid_worker, by=community_staff, reason="年度包联"
    )
    assert changed == 3
    for entry in in_grid:
        entry.refresh_from_db()
        assert (entry.cadre, entry.grid_worker, entry.version) == (cadre, grid_worker, 2)
    exited.refresh_from_db()
    elsewhere.refresh_from_db()
    assert exited.cadre is None and elsewhere.cadre is None
    assert Change.objects.filter(kind=ChangeKind.PAIRING).count() == 6
    change = Change.objects.filter(kind=ChangeKind.PAIRING, field="cadre").first()
    assert (change.from_value, change.to_value, change.reason) == ("", "赵志刚", "年度包联")
    event = AuditEvent.objects.get(action="casework.assign_pairing")
    assert event.details == {"entries": sorted(e.pk for e in in_grid)}


def test_pairing_again_changes_only_what_differs_and_none_clears(
    grid, community_staff, cadre, other_cadre, grid_worker
):
    entries = [make_entry(grid, cadre=cadre) for _ in range(2)] + [
        make_entry(grid, cadre=other_cadre)
    ]
    assert assign_pairing(grid, cadre=cadre, by=community_staff) == 1
    assert assign_pairing(entries[:1], cadre=None, by=community_staff) == 1
    entries[0].refresh_from_db()
    assert entries[0].cadre is None and entries[0].grid_worker is None
    # the grid worker was left as it was
    assert assign_pairing(grid, grid_worker=grid_worker, by=community_staff) == 3


def test_pairing_checks_the_roles(grid, community_staff, grid_worker, cadre):
    make_entry(grid)
    with pytest.raises(CaseworkError, match="不是包联干部"):
        assign_pairing(grid, cadre=grid_worker, by=community_staff)
    with pytest.raises(CaseworkError, match="不是网格员"):
        assign_pairing(grid, grid_worker=cadre, by=community_staff)
    with pytest.raises(CaseworkError, match="请选择"):
        assign_pairing(grid, cadre=UNCHANGED, by=community_staff)


@pytest.mark.parametrize(
    "role", ["grid_worker", "cadre", "other_street_staff", "civil_affairs_clerk", "district_leader"]
)
def test_only_community_and_street_staff_of_the_area_pair(request, grid, cadre, role):
    entry = make_entry(grid)
    with pytest.raises(NotPermitted):
        assign_pairing(grid, cadre=cadre, by=request.getfixturevalue(role))
    entry.refresh_from_db()
    assert entry.cadre is None
    assert AuditEvent.objects.filter(
        action="casework.assign_pairing", outcome=Outcome.DENIED
    ).exists()


def test_only_people_who_work_in_the_assigners_area_are_paired(
    grid, community_staff, other_cadre
):
    """Pairing lets the person see the household: a cadre of another street is refused, on the
    page, in the per-household API and per grid alike (they all call the action)."""
    entry = make_entry(grid)
    with pytest.raises(CaseworkError, match="不在您的辖区内"):
        assign_pairing([entry], cadre=other_cadre, by=community_staff)
    entry.refresh_from_db()
    assert entry.cadre is None


def test_one_entry_outside_refuses_the_whole_assignment(
    grid, other_street_grid, community_staff, cadre
):
    inside, outside = make_entry(grid), make_entry(other_street_grid)
    with pytest.raises(NotPermitted):
        assign_pairing([inside, outside], cadre=cadre, by=community_staff)
    inside.refresh_from_db()
    assert inside.cadre is None


# visits --------------------------------------------------------------------------------------


def test_a_visit_with_photos_updates_the_last_visit(grid, grid_worker):
    entry = make_entry(grid, last_visit_on=dt.date(2026, 1, 6))
    today = timezone.localdate()
    photos = [
        SimpleUploadedFile("门口.jpg", JPEG, content_type="image/jpeg"),
        SimpleUploadedFile("厨房.png", PNG, content_type="image/png"),
    ]
    visit = record_visit(
        entry,
        visited_on=today,
        findings="老人行动不便",
        companions="社区书记",
        photos=photos,
        by=grid_worker,
    )
    assert (visit.entry, visit.household, visit.by) == (entry, entry.household, grid_worker)
    assert sorted(p.content_type for p in visit.photos.all()) == ["image/jpeg", "image/png"]
    entry.refresh_from_db()
    assert entry.last_visit_on == today
    # an older visit logged later does not move the date back
    record_visit(entry, visited_on=dt.date(2026, 3, 3), findings="补录", by=grid_worker)
    entry.refresh_from_db()
    assert entry.last_visit_on == today
    assert Change.objects.filter(entry=entry, kind=ChangeKind.VISIT).count() == 2
    assert AuditEvent.objects.filter(action="casework.record_visit").count() == 2


def test_a_photo_that_is_no_image_is_refused(grid, grid_worker):
    entry = make_entry(grid)
    fake = SimpleUploadedFile("照片.jpg", b"<script>alert(1)</script>", content_type="image/jpeg")
    with pytest.raises(CaseworkError, match="照片只能是"):
        record_visit(
            entry, visited_on=timezone.localdate(), findings="x", photos=[fake], by=grid_worker
        )
    assert not Visit.objects.exists()


def test_a_visit_cannot_be_in_the_future_and_needs_findings(grid, grid_worker):
    entry = make_entry(grid)
    with pytest.raises(CaseworkError, match="晚于今天"):
        record_visit(
            entry,
            visited_on=timezone.localdate() + dt.timedelta(days=1),
            findings="x",
            by=grid_worker,
        )
    with pytest.raises(CaseworkError, match="走访情况"):
        record_visit(entry, visited_on=timezone.localdate(), findings="", by=grid_worker)


def test_a_visit_confirms_a_proposed_household(grid, grid_worker):
    household = make_household(grid)
    proposal = make_proposal(household, category="major")
    visit = record_visit(
        household,
        visited_on=timezone.localdate(),
        findings="核实: 父亲重病, 母亲无业",
        proposal=proposal,
        decision=Decision.CONFIRM,
        by=grid_worker,
    )
    entry = LedgerEntry.objects.get(household=household)
    assert (entry.status, entry.category, entry.last_visit_on) == (
        EntryStatus.LISTED,
        "major",
        timezone.localdate(),
    )
    assert (visit.proposal, visit.decision, visit.entry) == (proposal, Decision.CONFIRM, entry)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.CONFIRMED
    change = Change.objects.get(kind=ChangeKind.PROPOSAL)
    assert (change.visit, change.reason) == (visit, "核实: 父亲重病, 母亲无业")
    assert AuditEvent.objects.filter(action="casework.confirm_proposal").count() == 1


def test_a_visit_rejects_a_proposal_with_its_reason(grid, grid_worker):
    household = make_household(grid)
    proposal = make_proposal(household)
    visit = record_visit(
        household,
        visited_on=timezone.localdate(),
        findings="家中有经营性收入",
        proposal=proposal,
        decision=Decision.REJECT,
        reason="收入超过标准",
        by=grid_worker,
    )
    proposal.refresh_from_db()
    assert (proposal.status, visit.decision) == (ProposalStatus.REJECTED, Decision.REJECT)
    assert Change.objects.get(kind=ChangeKind.PROPOSAL).reason == "收入超过标准"
    assert not LedgerEntry.objects.filter(household=household).exists()


def test_a_decision_needs_its_proposal_of_the_same_household(grid, grid_worker):
    household = make_household(grid)
    today = timezone.localdate()
    with pytest.raises(CaseworkError, match="同时选择"):
        record_visit(
            household, visited_on=today, findings="x", decision=Decision.CONFIRM, by=grid_worker
        )
    other = make_proposal(make_household(grid))
    with pytest.raises(CaseworkError, match="不属于该户"):
        record_visit(
            household,
            visited_on=today,
            findings="x",
            proposal=other,
            decision=Decision.CONFIRM,
            by=grid_worker,
        )


def test_who_may_visit(grid, cadre, other_grid_worker, civil_affairs_clerk, district_leader):
    paired = make_entry(grid, cadre=cadre)
    today = timezone.localdate()
    assert record_visit(paired, visited_on=today, findings="周二走访", by=cadre)
    # a cadre confirms no proposal for a household they are not paired with
    household = make_household(grid)
    for user in (cadre, other_grid_worker, civil_affairs_clerk, district_leader):
        with pytest.raises(NotPermitted):
            record_visit(household, visited_on=today, findings="x", by=user)
        with pytest.raises(NotPermitted):
            record_visit(make_entry(grid), visited_on=today, findings="x", by=user)


# the care-day plan ----------------------------------------------------------------------------


def test_the_care_day_plan_puts_major_cases_overdue_measures_and_long_unvisited_first(
    grid, other_grid, cadre, grid_worker, other_grid_worker
):
    on = dt.date(2026, 12, 8)  # a Tuesday
    general_old = make_entry(
        grid, category="general", cadre=cadre, last_visit_on=dt.date(2026, 9, 1)
    )
    general_recent = make_entry(
        grid, category="general", cadre=cadre, last_visit_on=dt.date(2026, 12, 1)
    )
    general_never = make_entry(grid, category="general", cadre=cadre)
    policy_overdue = make_entry(
        grid, category="policy", cadre=cadre, last_visit_on=dt.date(2026, 12, 1)
    )
    make_measure(policy_overdue, deadline=on - dt.timedelta(days=3))
    policy = make_entry(grid, category="policy", cadre=cadre, last_visit_on=dt.date(2026, 11, 1))
    major = make_entry(grid, category="major", cadre=cadre, last_visit_on=dt.date(2026, 12, 7))
    make_entry(grid, category="major", cadre=cadre, status=EntryStatus.EXITED)
    make_entry(grid, category="major")  # not paired with the cadre
    plan = list(care_day_plan(cadre, on=on))
    assert plan == [major, policy_overdue, policy, general_never, general_old, general_recent]
    assert plan[1].overdue_measures == 1 and plan[2].overdue_measures == 0

    # a grid worker's plan: the households paired with them and the unpaired ones of their grid
    mine = make_entry(other_grid, grid_worker=grid_worker)
    other = make_entry(grid, grid_worker=other_grid_worker)
    plan = set(care_day_plan(grid_worker, on=on))
    assert mine in plan and other not in plan and major in plan
    assert not care_day_plan(other_grid_worker, on=on).filter(pk=major.pk).exists()

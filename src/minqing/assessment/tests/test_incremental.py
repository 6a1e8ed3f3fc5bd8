"""A later run re-assesses only the households whose result may have changed — and stores what a
full run on the same day would: findings, explanations, family types, indicators, proposals."""

import datetime as dt
import shutil

import pytest

from minqing.assessment.actions import assess, request_verification
from minqing.assessment.models import Finding, HouseholdAssessment, Proposal
from minqing.assessment.tests.test_assess import district, linked  # noqa: F401 (fixtures)
from minqing.linkage.actions import link
from minqing.linkage.models import HouseholdChange, LinkRun
from minqing.policies.parameters import ParameterTable
from minqing.sources.actions import import_file
from minqing.synth import verification as center

ON = dt.date(2026, 10, 31)
# what a run's summary says of the whole district, whichever households it re-assessed
WHOLE = ("households", "typed", "findings", "missed", "mismatched", "types", "categories")


def state() -> tuple:
    assessments = {
        a.household_id: (
            sorted(a.types),
            a.category,
            a.risk,
            a.factors,
            a.indicators,
            a.valid_until,
        )
        for a in HouseholdAssessment.objects.all()
    }
    findings = {
        (f.household_id, f.policy): (f.status, f.eligible, f.receiving, f.amount, f.explanation)
        for f in Finding.objects.all()
    }
    proposals = sorted(
        Proposal.objects.open().values_list("household_id", "kind", "category", "types")
    )
    return assessments, findings, proposals


def agrees_with_a_full_run(on: dt.date, incremental: dict) -> None:
    kept = state()
    full = assess(on=on, full=True)
    assert full["full"] and full["proposals_new"] == 0
    again = state()
    assert again[0] == kept[0]  # assessments
    assert again[1] == kept[1]  # findings with their explanations
    assert again[2] == kept[2]  # open proposals
    assert {k: full[k] for k in WHOLE} == {k: incremental[k] for k in WHOLE}
    assert full["policies"] == incremental["policies"]


def test_a_later_run_reassesses_what_changed_and_stores_what_a_full_run_would(linked, tmp_path):  # noqa: F811
    first = assess(on=ON)
    assert first["full"] and first["reassessed"] == first["households"] > 300

    same_day = assess(on=ON)
    assert not same_day["full"] and same_day["reassessed"] == 0
    assert {k: same_day[k] for k in WHOLE} == {k: first[k] for k in WHOLE}

    # the data change: the 核对 reports come back, are imported and linked
    folder = tmp_path / "district"
    shutil.copytree(linked, folder)
    request = tmp_path / "核对申请名单.xlsx"
    request_verification(request)
    answered = center.write_answers(folder, request, on=ON)
    import_file("minzheng_hedui", folder / "extracts" / center.FILENAME, channel="cli")
    link()

    later = ON + dt.timedelta(days=30)
    changed = assess(on=later)
    assert not changed["full"]
    # the verified families, and those with a birthday, an emergency, … in 30 days
    assert answered["households"] <= changed["reassessed"] < first["households"] / 2
    agrees_with_a_full_run(later, changed)

    # time alone: the next day (临时救助 counts the days since an emergency), then 45 days on
    # (birthdays, reports running out)
    next_day = later + dt.timedelta(days=1)
    agrees_with_a_full_run(next_day, assess(on=next_day))
    farther = next_day + dt.timedelta(days=45)
    due = HouseholdAssessment.objects.filter(valid_until__lte=farther).count()
    by_time = assess(on=farther)
    assert not by_time["full"] and by_time["reassessed"] == due > 0
    agrees_with_a_full_run(farther, by_time)


def test_when_a_run_reassesses_every_household(linked, monkeypatch):  # noqa: F811
    assess(on=ON)
    # going back in time
    assert assess(on=ON - dt.timedelta(days=1))["full"]
    assert not assess(on=ON)["full"]
    # other code or parameters: the fingerprint differs
    monkeypatch.setattr("minqing.assessment.actions.basis", lambda: "another program")
    assert assess(on=ON)["full"]
    assert not assess(on=ON)["full"]
    # a parameter changes between the last run's day and this one's (on that day included)
    change = ON + dt.timedelta(days=10)
    monkeypatch.setattr(ParameterTable, "change_dates", lambda self: [change])
    assert not assess(on=change - dt.timedelta(days=1))["full"]
    assert assess(on=change)["full"]
    assert not assess(on=change + dt.timedelta(days=1))["full"]


def test_linkage_notes_the_households_it_changed_and_no_others(linked):  # noqa: F811
    first = LinkRun.objects.get()
    assert HouseholdChange.objects.filter(run=first).count() == first.households
    link()  # the same records again
    second = LinkRun.objects.latest("id")
    assert second.pk != first.pk
    assert not HouseholdChange.objects.filter(run=second).exists()


@pytest.mark.parametrize("full", [True, False])
def test_a_run_that_fails_writes_nothing(linked, monkeypatch, full):  # noqa: F811
    assess(on=ON)
    before = state()
    runs = list(HouseholdAssessment.objects.values_list("run_id", flat=True).distinct())

    def broken(*args, **kwargs):
        raise RuntimeError("写入中断")

    monkeypatch.setattr("minqing.assessment.actions._write_proposals", broken)
    with pytest.raises(RuntimeError):
        assess(on=ON + dt.timedelta(days=20), full=full)
    assert state() == before
    assert list(HouseholdAssessment.objects.values_list("run_id", flat=True).distinct()) == runs

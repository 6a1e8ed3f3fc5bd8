"""`assess` on a small linked district: findings with explanations, proposals once, bad input."""

import datetime as dt
import json

import pytest

from minqing.areas.actions import load_areas
from minqing.assessment.actions import AssessError, assess
from minqing.assessment.models import (
    AssessmentRun,
    Finding,
    FindingStatus,
    HouseholdAssessment,
    Proposal,
)
from minqing.linkage.actions import link
from minqing.registry.actions import load_places
from minqing.sources.actions import import_file
from minqing.synth.extracts import EXTRACTS

ON = dt.date(2026, 10, 31)


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    from minqing.synth.generate import generate

    out = tmp_path_factory.mktemp("district")
    generate(out, seed=5, persons=1500)
    return out


@pytest.fixture
def linked(db, district, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    load_areas(district / "areas.geojson")
    load_places(district / "places.geojson")
    for extract in EXTRACTS:
        import_file(extract.code, district / "extracts" / extract.filename, channel="cli")
    link()
    return district


def test_nothing_linked_is_a_clear_error_and_writes_nothing(db):
    with pytest.raises(AssessError, match="minqing link"):
        assess(on=ON)
    assert not AssessmentRun.objects.exists()


def test_assess_explains_its_findings_and_proposes_each_household_once(linked):
    first = assess(on=ON)
    assert first["households"] == HouseholdAssessment.objects.count() > 300
    assert first["typed"] == Proposal.objects.open().count() == first["proposals_new"] > 0
    missed = Finding.objects.filter(status=FindingStatus.MISSED).first()
    assert missed is not None and missed.eligible is True and missed.receiving is False
    explanation = (
        missed.explanation
        if isinstance(missed.explanation, list)
        else json.loads(missed.explanation)
    )
    assert explanation and {"condition", "passed", "value", "threshold", "is_demo"} <= set(
        explanation[0]
    )

    second = assess(on=ON)
    assert second["proposals_new"] == 0
    assert Proposal.objects.open().count() == first["typed"]
    assert second["missed"] == first["missed"] and second["mismatched"] == first["mismatched"]


def test_households_in_the_ledger_get_exit_and_change_proposals_once(linked):
    from minqing.casework.models import EntryStatus, LedgerEntry

    assess(on=ON)
    typed = HouseholdAssessment.objects.exclude(types=[]).exclude(category="")
    in_need = typed.first()
    untyped = HouseholdAssessment.objects.filter(types=[]).first()
    other = "general" if in_need.category != "general" else "major"
    for assessment, category in ((in_need, other), (untyped, "policy")):
        LedgerEntry.objects.create(
            household=assessment.household,
            area=assessment.household.area,
            types=["hardship"],
            category=category,
            status=EntryStatus.LISTED,
        )

    again = assess(on=ON)
    change = Proposal.objects.open().get(kind="change")
    assert change.household_id == in_need.household_id and change.category == in_need.category
    exit_ = Proposal.objects.open().get(kind="exit")
    assert exit_.household_id == untyped.household_id
    # still an active household, which the data no longer put in any family type
    assert exit_.reasons == ["本次评估未发现需要关注的情形, 原家庭类型不再成立"]
    assert again["proposals_new"] == 2
    # in the ledger: its include proposal is no longer open
    assert not Proposal.objects.open().filter(household=in_need.household, kind="include")

    # unchanged data: nothing new; a proposal a person refused is not made again
    assert assess(on=ON)["proposals_new"] == 0
    Proposal.objects.filter(pk=exit_.pk).update(status="rejected")
    assert assess(on=ON)["proposals_new"] == 0
    assert not Proposal.objects.open().filter(kind="exit")


def test_an_open_include_proposal_is_replaced_when_the_data_say_another_category(linked):
    assess(on=ON)
    proposal = Proposal.objects.open().filter(kind="include").first()
    now = HouseholdAssessment.objects.get(household=proposal.household)
    # as if it had been proposed on older data, with another category and other types
    stale_category = "general" if now.category != "general" else "major"
    Proposal.objects.filter(pk=proposal.pk).update(category=stale_category, types=["attention"])

    again = assess(on=ON)
    assert again["proposals_new"] == 1
    proposal.refresh_from_db()
    assert proposal.status == "withdrawn"
    fresh = Proposal.objects.open().get(household=proposal.household, kind="include")
    assert fresh.category == now.category and sorted(fresh.types) == sorted(now.types)
    assert fresh.reasons == now.factors and fresh.reasons  # why: the assessment's factors
    assert assess(on=ON)["proposals_new"] == 0


def test_a_household_a_person_took_out_of_the_ledger_is_proposed_again(linked):
    from minqing.casework.models import EntryStatus, LedgerEntry

    assess(on=ON)
    proposal = Proposal.objects.open().filter(kind="include").first()
    entry = LedgerEntry.objects.create(
        household=proposal.household,
        area=proposal.household.area,
        types=proposal.types,
        category=proposal.category,
        status=EntryStatus.LISTED,
    )
    Proposal.objects.filter(pk=proposal.pk).update(status="confirmed")
    assert assess(on=ON)["proposals_new"] == 0

    # taken out by a person's decision, not on a proposal: the data still say it is in need
    LedgerEntry.objects.filter(pk=entry.pk).update(status=EntryStatus.EXITED)
    again = assess(on=ON)
    assert not again["full"] and again["reassessed"] == 0 and again["proposals_new"] == 1
    fresh = Proposal.objects.open().get(household=proposal.household)
    assert fresh.kind == "include" and fresh.reasons == proposal.reasons

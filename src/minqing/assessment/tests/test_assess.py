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
    assert explanation and {"label", "passed", "value", "threshold", "citation"} <= set(
        explanation[0]
    )

    second = assess(on=ON)
    assert second["proposals_new"] == 0
    assert Proposal.objects.open().count() == first["typed"]
    assert second["missed"] == first["missed"] and second["mismatched"] == first["mismatched"]

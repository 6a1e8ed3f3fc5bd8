"""Family types, category and risk on hand-made households."""

import polars as pl
import pytest

from minqing.assessment.classify import classify

STANDARD = 630.0
BASE = {
    "per_capita_income": 3000.0,
    "children_without_care": 0,
    "dropouts": 0,
    "left_behind_with_old_grandparents": False,
    "lives_alone_elderly": False,
    "seriously_ill": 0,
    "severely_disabled": 0,
    "hotline_help_requests": 0,
}


def run(cases: dict[int, tuple[dict, list[str]]], missed=()):
    indicators = pl.DataFrame(
        [{"household_id": h, **BASE, **values} for h, (values, _) in cases.items()]
    )
    eligible = pl.DataFrame(
        [(h, p, True) for h, (_, policies) in cases.items() for p in policies],
        schema={"household_id": pl.Int64, "policy": pl.String, "eligible": pl.Boolean},
        orient="row",
    )
    out = classify(
        indicators,
        eligible,
        missed=pl.DataFrame({"household_id": list(missed)}, schema={"household_id": pl.Int64}),
        dibao_standard=STANDARD,
    )
    return {r["household_id"]: r for r in out.iter_rows(named=True)}


@pytest.mark.parametrize(
    "values, policies, types, category",
    [
        ({}, [], [], None),
        ({}, ["dibao_urban"], ["hardship"], "policy"),
        ({}, ["old_age_allowance"], [], None),
        ({}, ["zero_employment"], ["zero_employment"], "policy"),
        ({"dropouts": 1}, [], ["guardianship_gap"], "general"),
        ({"children_without_care": 1}, [], ["guardianship_gap"], "major"),
        ({"dropouts": 1}, ["dibao_rural"], ["hardship", "guardianship_gap"], "major"),
        ({"seriously_ill": 1}, ["tekun"], ["hardship"], "major"),
        ({"lives_alone_elderly": True}, [], ["attention"], "general"),
        # attention only where no other type applies
        ({"lives_alone_elderly": True}, ["dibao_urban"], ["hardship"], "policy"),
        # severe disability counts as attention only below twice the standard
        (
            {"severely_disabled": 1, "per_capita_income": 2 * STANDARD - 0.01},
            [],
            ["attention"],
            "general",
        ),
        ({"severely_disabled": 1, "per_capita_income": 2 * STANDARD}, [], [], None),
    ],
)
def test_types_and_category(values, policies, types, category):
    row = run({1: (values, policies)})[1]
    assert row["types"] == types and row["category"] == category


def test_a_missed_benefit_makes_an_attention_household_policy_guaranteed():
    row = run({1: ({"lives_alone_elderly": True}, [])}, missed=[1])[1]
    assert row["category"] == "policy"


def test_risk_is_the_sum_of_its_factors_and_says_which():
    row = run(
        {
            1: (
                {"children_without_care": 1, "seriously_ill": 1, "hotline_help_requests": 2},
                ["dibao_urban"],
            )
        }
    )[1]
    assert {f["factor"] for f in row["factors"]} == {
        "hardship",
        "child_without_care",
        "serious_illness",
        "hotline_help",
    }
    assert row["risk"] == 30 + 30 + 15 + 5
    capped = run(
        {
            1: (
                {
                    "children_without_care": 1,
                    "dropouts": 1,
                    "seriously_ill": 1,
                    "severely_disabled": 1,
                },
                ["dibao_urban", "zero_employment"],
            )
        },
        missed=[1],
    )[1]
    assert capped["risk"] == 100

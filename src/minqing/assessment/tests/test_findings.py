"""Which household × policy pairs become 漏保 / 错保 / receiving: the status rules of _findings;
what _with_explanations stores of each condition."""

import datetime as dt
import json

import polars as pl
import pytest

from minqing.assessment.actions import _findings, _receiving, _with_explanations, compute
from minqing.assessment.facts import FACTS_SCHEMA
from minqing.assessment.tests import frames


def _status(eligible: dict[str, bool | None], receives: dict[str, bool]) -> dict[str, str]:
    results = pl.DataFrame(
        {
            "household_id": [1] * len(eligible),
            "policy": list(eligible),
            "eligible": list(eligible.values()),
            "amount": [None] * len(eligible),
            "explanation": [
                [
                    {
                        "condition": "has_members",
                        "label": "有在世的共同生活家庭成员",
                        "passed": True,
                        "value": 1.0,
                        "threshold": 1.0,
                        "source": None,
                        "is_demo": False,
                    }
                ]
            ]
            * len(eligible),
        },
        schema_overrides={"eligible": pl.Boolean, "amount": pl.Float64},
    )
    members = pl.DataFrame({"household_id": [1], "person_id": [7]})
    row = {c: None for c in FACTS_SCHEMA}
    row.update(person_id=7, **receives)
    facts = pl.DataFrame([row], schema=FACTS_SCHEMA)
    found = _findings(results.drop("explanation"), _receiving(members, facts))
    explained = results.join(
        found.select("household_id", "policy"), on=["household_id", "policy"], maintain_order="left"
    )
    found = _with_explanations(found, explained)
    # what is stored of each condition: no label (the catalogue has it)
    for text in found["explanation"]:
        assert json.loads(text) == [
            {
                "condition": "has_members",
                "passed": True,
                "value": 1.0,
                "threshold": 1.0,
                "source": None,
                "is_demo": False,
            }
        ]
    return dict(found.select("policy", "status").iter_rows())


@pytest.mark.parametrize(
    ("eligible", "receives", "expected"),
    [
        # eligible and on no roll: 漏保
        ({"dibao_urban": True, "tekun": None}, {}, {"dibao_urban": "missed", "tekun": "undecided"}),
        # on the 特困 roll (特困 undecided): covered by the guarantee of basic living, not 漏保 for 低保
        (
            {"dibao_urban": True, "tekun": None},
            {"receives_tekun": True},
            {"dibao_urban": "eligible", "tekun": "receiving"},
        ),
        # on a 低保 roll while meeting 特困: 漏保 for 特困 (应转未转), its 低保 错保
        (
            {"dibao_urban": False, "tekun": True},
            {"receives_dibao": True, "dibao_type": "城市低保"},
            {"dibao_urban": "mismatch", "tekun": "missed"},
        ),
        # on the 特困 roll while failing 特困 but meeting 城市低保: 特困 错保, 城市低保 漏保 (应转未转)
        (
            {"dibao_urban": True, "tekun": False},
            {"receives_tekun": True},
            {"dibao_urban": "missed", "tekun": "mismatch"},
        ),
        # on the rural roll while the rules say urban: the wrong roll — 农村 错保, 城市 漏保
        (
            {"dibao_urban": True, "dibao_rural": False},
            {"receives_dibao": True, "dibao_type": "农村低保"},
            {"dibao_urban": "missed", "dibao_rural": "mismatch"},
        ),
        # on the rural roll with the hukou unknown (农村 undecided): covered
        (
            {"dibao_urban": None, "dibao_rural": None},
            {"receives_dibao": True, "dibao_type": "农村低保"},
            {"dibao_urban": "undecided", "dibao_rural": "receiving"},
        ),
        # on 低保 while eligible: receiving; while not eligible: 错保
        (
            {"dibao_urban": True},
            {"receives_dibao": True, "dibao_type": "城市低保"},
            {"dibao_urban": "receiving"},
        ),
        (
            {"dibao_urban": False},
            {"receives_dibao": True, "dibao_type": "城市低保"},
            {"dibao_urban": "mismatch"},
        ),
        # a policy paid from no roll is "eligible", never 漏保
        ({"medical_aid": True}, {}, {"medical_aid": "eligible"}),
        # neither eligible nor receiving: no row
        ({"old_age_allowance": False}, {}, {}),
    ],
)
def test_finding_status(eligible, receives, expected):
    assert _status(eligible, receives) == expected


def test_a_family_that_declined_the_check_is_undecided_where_assets_matter():
    """Through compute(): two like families, one of which did not sign the 核对 authorization."""

    def family(person_id: int, declined: bool) -> list:
        rows = [
            (person_id, "gongan_huji", {"hukou_type": "非农业家庭户口", "status": "正常"}),
            (person_id, "renshe_shiye", {"receives_unemployment_benefit": "否"}),
        ]
        if declined:
            rows.append(
                (person_id, "minzheng_hedui", {"status": "refused", "checked_on": "2026-10-01"})
            )
        return rows

    members = frames.members(
        (1, 1, "head", dt.date(1980, 5, 1), "M"), (2, 2, "head", dt.date(1980, 5, 1), "M")
    )
    households = pl.DataFrame({"household_id": [1, 2], "area_code": ["41081100100101"] * 2})
    records = frames.records(*family(1, declined=True), *family(2, declined=False))
    _, findings, _ = compute(records, members, households, on=dt.date(2026, 10, 31))
    status = dict(
        findings.filter(pl.col("policy") == "dibao_urban")
        .select("household_id", "status")
        .iter_rows()
    )
    # unknown deposits pass for a family not asked yet: 漏保; for one that declined, 待核实
    assert status == {1: "undecided", 2: "missed"}


def test_an_unidentified_caller_counts_nowhere_but_their_calls_are_the_households():
    """A widow living alone; someone called 12345 from her home without a name, telling of a
    fire (linkage made them the household's 来电人). She still lives alone, and the fire is
    hers."""
    from minqing.assessment.actions import with_callers_counted_nowhere

    on = dt.date(2026, 10, 31)
    registered = (1, "gongan_huji", {"hukou_type": "非农业家庭户口", "status": "正常"})
    call = {"request_type": "求助", "message": "家里失火了", "received_at": "2026-10-20 09:00"}
    members = frames.members((1, 1, "head", dt.date(1950, 5, 1), "F"), (1, 9, "caller", None, None))
    records = frames.records(registered, (9, "hotline_12345", call))
    records, members = with_callers_counted_nowhere(records, members)
    assert members["person_id"].to_list() == [1]
    assert records["gongan_huji"]["person_id"].to_list() == [1]
    assert records["hotline_12345"]["person_id"].to_list() == [1]

    households = pl.DataFrame({"household_id": [1], "area_code": ["41081100100101"]})
    indicators, _, _ = compute(records, members, households, on=on)
    row = indicators.row(0, named=True)
    assert (row["members"], row["lives_alone_elderly"]) == (1, True)
    assert (row["emergency_kind"], row["emergency_on"]) == ("火灾", dt.date(2026, 10, 20))
    assert row["hotline_help_requests"] == 1


def test_a_callers_work_orders_go_to_the_first_member_where_no_head_is_known():
    from minqing.assessment.actions import with_callers_counted_nowhere

    members = frames.members(
        (1, 5, "spouse", dt.date(1950, 5, 1), "F"),
        (1, 3, "child", dt.date(1980, 5, 1), "M"),
        (1, 9, "caller", None, None),
    )
    records = frames.records((9, "hotline_12345", {"request_type": "求助"}))
    records, members = with_callers_counted_nowhere(records, members)
    assert sorted(members["person_id"].to_list()) == [3, 5]
    assert records["hotline_12345"]["person_id"].to_list() == [3]


def test_without_callers_nothing_moves():
    from minqing.assessment.actions import with_callers_counted_nowhere

    members = frames.members((1, 1, "head", dt.date(1950, 5, 1), "F"))
    records = frames.records((1, "gongan_huji", {"status": "正常"}))
    out_records, out_members = with_callers_counted_nowhere(records, members)
    assert out_records is records and out_members.equals(members)

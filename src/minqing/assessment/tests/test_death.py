"""Who is dead: the household register's 死亡注销, or a cremation record of the funeral homes
(民政 殡葬 火化信息) where the register has not de-registered the person yet."""

import datetime as dt

import polars as pl
import pytest

from minqing.assessment.actions import compute
from minqing.assessment.facts import person_facts
from minqing.assessment.tests import frames
from minqing.assessment.tests.frames import records

ON = dt.date(2026, 10, 31)
AREA = "41081100100101"


def huji(status, deregistered_on=""):
    return ("gongan_huji", {"status": status, "deregistered_on": deregistered_on})


def cremated(died_on):
    return ("minzheng_binzang", {"died_on": died_on, "cremated_on": "2026-03-05"})


@pytest.mark.parametrize(
    ("lists", "is_dead", "died_on"),
    [
        ([huji("正常")], False, None),
        # the funeral home cremated a person the register still says is alive
        ([huji("正常"), cremated("2026-03-02")], True, dt.date(2026, 3, 2)),
        ([huji("死亡注销", "2026-03-01")], True, dt.date(2026, 3, 1)),
        # both: the register's date
        ([huji("死亡注销", "2026-03-01"), cremated("2026-02-28")], True, dt.date(2026, 3, 1)),
        # de-registered without a date: the cremation list's
        ([huji("死亡注销"), cremated("2026-03-02")], True, dt.date(2026, 3, 2)),
        # not on the register at all (registered elsewhere)
        ([cremated("2026-03-02")], True, dt.date(2026, 3, 2)),
        ([huji("迁出注销", "2025-01-01")], False, None),
    ],
)
def test_a_person_is_dead_by_the_register_or_a_cremation_record(lists, is_dead, died_on):
    facts = person_facts(records(*[(1, source, fields) for source, fields in lists]))
    row = facts.row(0, named=True)
    assert (row["is_dead"], row["died_on"]) == (is_dead, died_on)


def _old_age_status(on_cremation_list: bool, with_son: bool) -> str | None:
    """The 高龄津贴 finding of a household whose member aged 85 is on the allowance roll and
    still 正常 in the register."""
    rows = [
        (1, *huji("正常")),
        (1, "minzheng_gaoling", {}),
    ]
    if on_cremation_list:
        rows.append((1, *cremated("2026-05-10")))
    members = [(1, 1, "head", dt.date(1941, 2, 1), "F")]
    if with_son:
        rows.append((2, *huji("正常")))
        members.append((1, 2, "child", dt.date(1968, 6, 1), "M"))
    member_frame = frames.members(*members)
    households = pl.DataFrame({"household_id": [1], "area_code": [AREA]})
    _, findings, _ = compute(records(*rows), member_frame, households, on=ON)
    found = findings.filter(pl.col("policy") == "old_age_allowance")["status"]
    return found[0] if found.len() else None


@pytest.mark.parametrize(
    ("on_cremation_list", "with_son", "status"),
    [
        (False, False, "receiving"),
        (False, True, "receiving"),
        # dead by the funeral home's record: the allowance is paid for nobody alive aged 80+
        (True, False, "mismatch"),
        (True, True, "mismatch"),
    ],
)
def test_an_old_age_allowance_paid_for_a_cremated_person_is_mismatched(
    on_cremation_list, with_son, status
):
    assert _old_age_status(on_cremation_list, with_son) == status

"""The casework personas and areas (grid, other_grid, other_street_grid, cadre …) and a small
ledger with figures known by hand."""

import datetime as dt

import pytest
from django.utils import timezone

from minqing.assessment.models import AssessmentRun, Finding, FindingStatus
from minqing.casework.models import EntryStatus, LedgerEntry, Problem, ProblemStatus
from minqing.casework.tests.conftest import *  # noqa: F403 (fixtures)
from minqing.casework.tests.factories import make_entry, make_household, make_measure, make_problem
from minqing.registry.models import Membership, Person, Relation

TODAY = timezone.localdate


def add_members(household, n: int) -> None:
    for i in range(n):
        person = Person.objects.create(name=f"成员{household.pk}-{i}", sex="F")
        Membership.objects.create(household=household, person=person, relation=Relation.CHILD)


def set_problem(problem: Problem, **fields) -> Problem:
    Problem.objects.filter(pk=problem.pk).update(**fields)
    problem.refresh_from_db()
    return problem


def make_finding(household, policy: str, status: str) -> Finding:
    run = AssessmentRun.objects.create(started_at=timezone.now(), assessed_on=TODAY())
    return Finding.objects.create(household=household, run=run, policy=policy, status=status)


@pytest.fixture
def ledger(grid, other_grid, other_street_grid):
    """Four entries:
    - `fenshou1` 丰收社区第1网格, 在册, 政策保障类, 生活困难 + 零就业, 3 persons, entered today;
    - `fenshou2` 丰收社区第2网格, 帮扶中, 重大疑难问题类, 教育管理缺失, 1 person, entered a week ago;
    - `jiaodong` 焦东街道, 在册, 一般生活类, 其他需要关注, 2 persons, entered today;
    - `gone` 丰收社区第1网格, 已退出 two weeks ago (entered 100 days ago): counted only as outflow.
    """
    today = TODAY()
    fenshou1 = make_entry(grid, category="policy", types=("hardship", "zero_employment"))
    add_members(fenshou1.household, 2)
    fenshou2 = make_entry(
        other_grid, status=EntryStatus.HELPING, category="major", types=("guardianship_gap",)
    )
    LedgerEntry.objects.filter(pk=fenshou2.pk).update(entered_on=today - dt.timedelta(days=7))
    jiaodong = make_entry(other_street_grid, category="general", types=("attention",))
    add_members(jiaodong.household, 1)
    gone = make_entry(grid, status=EntryStatus.EXITED, category="general", types=("hardship",))
    add_members(gone.household, 4)
    LedgerEntry.objects.filter(pk=gone.pk).update(
        entered_on=today - dt.timedelta(days=100), exited_on=today - dt.timedelta(days=14)
    )
    return {"fenshou1": fenshou1, "fenshou2": fenshou2, "jiaodong": jiaodong, "gone": gone}


@pytest.fixture
def problems(ledger):
    """民政 (civil affairs): 3 dispatched, 2 accepted, 2 resolved of which 1 on time, 1 overdue
    by 10 days; 教育 (education): 1 dispatched, none accepted or resolved; one draft."""
    today = TODAY()
    days = dt.timedelta
    on_time = make_problem(ledger["fenshou1"], status=ProblemStatus.RESOLVED)
    set_problem(on_time, due_on=today, resolved_on=today)
    late = make_problem(ledger["fenshou2"], status=ProblemStatus.RESOLVED)
    set_problem(late, due_on=today - days(3), resolved_on=today - days(1))
    overdue = make_problem(
        ledger["fenshou1"], status=ProblemStatus.DISPATCHED, title="低保申请未办"
    )
    set_problem(overdue, dispatched_on=today - days(20), due_on=today - days(10))
    education = make_problem(
        ledger["jiaodong"], status=ProblemStatus.DISPATCHED, department="education"
    )
    # a week ago: past its 签收时限, so its not being accepted counts
    set_problem(education, dispatched_on=today - days(7), due_on=today + days(5))
    draft = make_problem(ledger["jiaodong"], status=ProblemStatus.DRAFT, department="")
    measure = make_measure(ledger["jiaodong"], deadline=today - days(1), action="协助办理临时救助")
    return {
        "on_time": on_time,
        "late": late,
        "overdue": overdue,
        "education": education,
        "draft": draft,
        "measure": measure,
    }


@pytest.fixture
def findings(ledger, grid, other_street_grid):
    """漏保 城市低保: the 丰收1 household (in the ledger) and one of the same grid not in it;
    错保 高龄津贴: a 焦东 household not in the ledger."""
    outside_ledger = make_household(grid)
    elsewhere = make_household(other_street_grid)
    return [
        make_finding(ledger["fenshou1"].household, "dibao_urban", FindingStatus.MISSED),
        make_finding(outside_ledger, "dibao_urban", FindingStatus.MISSED),
        make_finding(elsewhere, "old_age_allowance", FindingStatus.MISMATCH),
        make_finding(elsewhere, "dibao_urban", FindingStatus.RECEIVING),
    ]

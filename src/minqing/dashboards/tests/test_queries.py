"""The dashboards' figures against hand-made data (conftest: `ledger`, `problems`, `findings`),
per role, and the rate definitions on their edge cases."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from minqing.casework.models import OverdueLevel, ProblemStatus
from minqing.casework.queries import ledger_scope
from minqing.casework.tests.factories import make_entry, make_measure, make_problem
from minqing.dashboards import queries as q
from minqing.dashboards.tests.conftest import add_members, make_finding, set_problem

pytestmark = pytest.mark.django_db


def by_code(rows, key="code"):
    return {row[key]: row for row in rows}


def test_leader_sees_the_whole_district_ledger(ledger, district_leader):
    figures = q.ledger_figures(district_leader)
    assert (figures["households"], figures["persons"]) == (3, 6)  # the exited one left out
    types = by_code(figures["types"])
    assert (types["hardship"]["households"], types["hardship"]["persons"]) == (1, 3)
    assert (types["zero_employment"]["households"], types["zero_employment"]["persons"]) == (1, 3)
    assert (types["guardianship_gap"]["households"], types["guardianship_gap"]["persons"]) == (1, 1)
    assert (types["attention"]["households"], types["attention"]["persons"]) == (1, 2)
    categories = by_code(figures["categories"])
    assert [c["code"] for c in figures["categories"]] == ["major", "policy", "general"]
    assert (categories["major"]["households"], categories["major"]["persons"]) == (1, 1)
    assert (categories["policy"]["households"], categories["policy"]["persons"]) == (1, 3)
    assert (categories["general"]["households"], categories["general"]["persons"]) == (1, 2)
    assert categories["general"]["label"] == "一般生活类"


def test_an_unidentified_caller_is_not_counted_as_a_person(ledger, district_leader):
    from minqing.registry.models import Membership, Person, Relation

    household = ledger["jiaodong"].household
    caller = Person.objects.create(name="", phone="13800000000")
    Membership.objects.create(household=household, person=caller, relation=Relation.CALLER)
    figures = q.ledger_figures(district_leader)
    assert (figures["households"], figures["persons"]) == (3, 6)
    assert by_code(figures["types"])["attention"]["persons"] == 2


@pytest.mark.parametrize(
    "persona, households, persons",
    [
        ("street_staff", 2, 4),  # 定和街道: both 丰收 entries
        ("community_staff", 2, 4),
        ("grid_worker", 1, 3),  # 第1网格 only
        ("other_street_staff", 1, 2),  # 焦东街道
        ("civil_affairs_clerk", 2, 4),  # households with a problem routed to 民政
        ("education_clerk", 1, 2),
        ("cadre", 0, 0),  # paired with nobody
    ],
)
def test_each_role_counts_only_its_scope(request, problems, persona, households, persons):
    figures = q.ledger_figures(request.getfixturevalue(persona))
    assert (figures["households"], figures["persons"]) == (households, persons)


def test_a_street_does_not_count_another_streets_households(ledger, street_staff):
    types = by_code(q.ledger_figures(street_staff)["types"])
    assert types["attention"]["households"] == 0  # 焦东's household


@pytest.mark.parametrize(
    "persona", ["system_admin", "security_admin", "audit_admin", "hotline_operator"]
)
def test_roles_without_resident_data_get_nothing(request, problems, findings, persona):
    user = request.getfixturevalue(persona)
    today = timezone.localdate()
    assert q.ledger_figures(user)["households"] == 0
    assert q.ledger_figures(user)["persons"] == 0
    assert sum(w["entered"] + w["exited"] for w in q.weekly_flow(user, today=today)) == 0
    assert q.department_rates(user, today=today) == []
    assert q.overdue_items(user, today=today)["items"] == []
    assert q.coverage_findings(user) is None


def test_weekly_flow_per_iso_week(ledger, district_leader):
    today = timezone.localdate()
    weeks = q.weekly_flow(district_leader, today=today)
    assert len(weeks) == q.WEEKS
    assert weeks[-1]["week"] == today - dt.timedelta(days=today.weekday())  # this Monday
    assert all(w["week"].weekday() == 0 for w in weeks)
    assert [w["entered"] for w in weeks[-2:]] == [1, 2]  # a week ago; today twice
    assert weeks[-3]["exited"] == 1 and sum(w["exited"] for w in weeks) == 1
    assert sum(w["entered"] for w in weeks) == 3  # the one entered 100 days ago is too old
    assert weeks[-3]["net"] == -1
    year, number, _ = weeks[-1]["week"].isocalendar()
    assert weeks[-1]["label"] == f"{year}年第{number}周"


def test_weekly_flow_within_the_scope(ledger, other_street_staff):
    weeks = q.weekly_flow(other_street_staff, today=timezone.localdate())
    assert sum(w["entered"] for w in weeks) == 1 and sum(w["exited"] for w in weeks) == 0


def test_department_rates(problems, district_leader):
    rates = by_code(q.department_rates(district_leader, today=timezone.localdate()), "department")
    assert set(rates) == {"civil_affairs", "education"}  # the draft has no department yet
    civil = rates["civil_affairs"]
    assert civil["label"] == "民政局"
    assert (civil["dispatched"], civil["accepted"]) == (3, 2)
    assert civil["acceptance_rate"] == 66.7
    assert (civil["resolved"], civil["on_time"]) == (2, 1)  # resolved on the due date is on time
    assert civil["on_time_rate"] == 50.0
    assert (civil["running"], civil["overdue"]) == (1, 1)
    education = rates["education"]
    assert education["acceptance_rate"] == 0.0  # dispatched, not accepted: a real 0 %
    assert education["on_time_rate"] is None  # nothing resolved: no rate, not 0 %


def test_a_problem_inside_its_acceptance_window_is_pending_not_a_failure(ledger, district_leader):
    today = dt.date(2026, 11, 30)  # a Monday
    fresh = make_problem(ledger["fenshou1"], status=ProblemStatus.DISPATCHED)
    for dispatched, counted in (
        (today, False),  # today
        (dt.date(2026, 11, 27), False),  # Friday: its one working day is Monday, today
        (dt.date(2026, 11, 26), True),  # Thursday: due Friday, passed
    ):
        set_problem(fresh, dispatched_on=dispatched, accepted_on=None)
        (row,) = q.department_rates(district_leader, today=today)
        assert row["dispatched"] == 1
        assert row["awaiting"] == (0 if counted else 1)
        assert row["acceptance_rate"] == (0.0 if counted else None)
    set_problem(fresh, dispatched_on=today, accepted_on=today, status=ProblemStatus.ACCEPTED)
    (row,) = q.department_rates(district_leader, today=today)
    assert (row["awaiting"], row["acceptance_rate"]) == (0, 100.0)


def test_no_problems_no_rates(ledger, district_leader):
    assert q.department_rates(district_leader, today=timezone.localdate()) == []


def test_a_returned_problem_counts_as_dispatched_not_accepted(ledger, district_leader):
    returned = make_problem(ledger["fenshou1"], status=ProblemStatus.RETURNED)
    set_problem(returned, accepted_on=None)
    rates = q.department_rates(district_leader, today=timezone.localdate())
    assert (rates[0]["dispatched"], rates[0]["accepted"], rates[0]["acceptance_rate"]) == (
        1,
        0,
        0.0,
    )


def test_a_department_sees_only_its_own_rates(problems, civil_affairs_clerk, street_staff):
    today = timezone.localdate()
    assert [r["department"] for r in q.department_rates(civil_affairs_clerk, today=today)] == [
        "civil_affairs"
    ]
    # 定和街道's problems are all 民政's; 焦东's 教育 problem is not counted
    assert [r["department"] for r in q.department_rates(street_staff, today=today)] == [
        "civil_affairs"
    ]


def test_rate():
    assert q.rate(0, 0) is None
    assert q.rate(0, 3) == 0.0
    assert q.rate(2, 3) == 66.7
    assert q.rate(3, 3) == 100.0


def test_overdue_list_with_levels(problems, district_leader):
    overdue = q.overdue_items(district_leader, today=timezone.localdate())
    assert (overdue["problems"], overdue["measures"]) == (1, 1)
    first, second = overdue["items"]
    # 10 days late: more than 3 working days, 督办 first
    assert (first.kind, first.title, first.level, first.level_label) == (
        "问题",
        "低保申请未办",
        OverdueLevel.SUPERVISION,
        "督办",
    )
    assert first.household_id == problems["overdue"].entry.household_id
    assert first.department == "民政局" and first.days_late == 10
    assert (second.kind, second.level, second.level_label) == ("帮扶措施", 1, "提醒")


def test_overdue_list_within_the_scope(problems, street_staff, other_street_staff):
    today = timezone.localdate()
    assert [i.kind for i in q.overdue_items(street_staff, today=today)["items"]] == ["问题"]
    assert [i.kind for i in q.overdue_items(other_street_staff, today=today)["items"]] == [
        "帮扶措施"
    ]


def test_findings_found_and_confirmed(findings, district_leader):
    coverage = q.coverage_findings(district_leader)
    policies = by_code(coverage["policies"])
    assert list(policies) == ["dibao_urban", "old_age_allowance"]  # the catalogue's order
    assert policies["dibao_urban"]["label"] == "城市低保"
    assert (policies["dibao_urban"]["missed"], policies["dibao_urban"]["missed_confirmed"]) == (
        2,
        1,
    )
    assert policies["dibao_urban"]["mismatch"] == 0  # 符合并已享受 is neither
    assert (
        policies["old_age_allowance"]["mismatch"],
        policies["old_age_allowance"]["mismatch_confirmed"],
    ) == (1, 0)
    assert coverage["totals"] == {
        "missed": 2,
        "missed_confirmed": 1,
        "mismatch": 1,
        "mismatch_confirmed": 0,
    }


def test_findings_of_an_exited_household_are_not_confirmed(ledger, district_leader):
    make_finding(ledger["gone"].household, "tekun", "missed")
    row = q.coverage_findings(district_leader)["policies"][0]
    assert (row["missed"], row["missed_confirmed"]) == (1, 0)


def test_findings_within_the_scope(findings, street_staff, other_street_staff, civil_affairs_clerk):
    assert [p["code"] for p in q.coverage_findings(street_staff)["policies"]] == ["dibao_urban"]
    assert [p["code"] for p in q.coverage_findings(other_street_staff)["policies"]] == [
        "old_age_allowance"
    ]
    # a department sees the households of its problems only, never their assessment
    assert q.coverage_findings(civil_affairs_clerk) is None


def _queries(callable_) -> int:
    with CaptureQueriesContext(connection) as captured:
        callable_()
    return len(captured)


def test_query_count_does_not_grow_with_rows(problems, findings, district_leader, grid, other_grid):
    today = timezone.localdate()
    figures = [
        lambda: q.ledger_figures(district_leader),
        lambda: q.weekly_flow(district_leader, today=today),
        lambda: q.department_rates(district_leader, today=today),
        lambda: q.overdue_items(district_leader, today=today),
        lambda: q.coverage_findings(district_leader),
    ]
    ledger_scope(district_leader)  # the user's roles, read once per request
    before = [_queries(f) for f in figures]
    for i in range(15):
        entry = make_entry(grid if i % 2 else other_grid, types=("hardship", "attention"))
        add_members(entry.household, 2)
        problem = make_problem(entry, department="education" if i % 3 else "health")
        set_problem(problem, due_on=today - dt.timedelta(days=i + 1))
        make_measure(entry, problem=problem, deadline=today - dt.timedelta(days=i + 1))
        make_finding(entry.household, "tekun", "missed")
    assert [_queries(f) for f in figures] == before
    assert sum(before) <= 12

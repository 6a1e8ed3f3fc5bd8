"""The one scope: for every role, what it sees of entries, households, problems, measures and
visits, an object inside and objects outside; the flags; revealing an identifier."""

import datetime as dt

import pytest
from django.utils import timezone

from minqing.accounts.scopes import scope_of
from minqing.audit.models import AuditEvent, Outcome
from minqing.casework import queries
from minqing.casework.actions import CaseworkError, NotPermitted, reveal_identifier
from minqing.casework.models import ProblemStatus, Visit
from minqing.casework.queries import ledger_scope
from minqing.casework.tests.factories import (
    head_of,
    make_entry,
    make_household,
    make_measure,
    make_problem,
)


@pytest.fixture
def ledger(grid, other_grid, other_street_grid, areas, cadre, grid_worker, civil_affairs_clerk):
    """Four entries: one in the grid worker's grid, one in the next grid of the same community,
    one in another street, and one in that other street paired with the cadre and the grid
    worker; a household of the grid not in the ledger; problems, measures and visits on them."""
    e = {
        "grid": make_entry(grid),
        "other_grid": make_entry(other_grid),
        "other_street": make_entry(other_street_grid),
        "paired": make_entry(other_street_grid, cadre=cadre, grid_worker=grid_worker),
    }
    p = {
        "grid": make_problem(e["grid"], status=ProblemStatus.DRAFT, department="civil_affairs"),
        "other_grid": make_problem(e["other_grid"], department="education"),
        "other_street": make_problem(e["other_street"], department="civil_affairs"),
        "paired": make_problem(e["paired"], status=ProblemStatus.ACCEPTED, department="health"),
    }
    m = {
        "grid": make_measure(e["grid"], owner_unit=grid_worker.unit),
        "other_grid": make_measure(e["other_grid"], problem=p["other_grid"]),
        "other_street": make_measure(e["other_street"], problem=p["other_street"]),
        "owned": make_measure(e["other_grid"], owner_unit=civil_affairs_clerk.unit),
        "paired": make_measure(e["paired"], problem=p["paired"]),
    }
    today = timezone.localdate()
    v = {
        "grid": Visit.objects.create(
            household=e["grid"].household, entry=e["grid"], visited_on=today, findings="走访"
        ),
        "paired": Visit.objects.create(
            household=e["paired"].household, entry=e["paired"], visited_on=today, findings="走访"
        ),
    }
    plain = make_household(grid)
    return {"entries": e, "problems": p, "measures": m, "visits": v, "plain": plain}


ALL_ENTRIES = {"grid", "other_grid", "other_street", "paired"}
ALL_MEASURES = {"grid", "other_grid", "other_street", "owned", "paired"}
# role → entries, problems, measures, visits it sees (households: the entries' households,
# plus the plain household of the grid for those whose area holds it)
SEES = {
    "grid_worker": (
        {"grid", "paired"},
        {"grid", "paired"},
        {"grid", "paired"},
        {"grid", "paired"},
    ),
    "other_grid_worker": ({"other_grid"}, {"other_grid"}, {"other_grid", "owned"}, set()),
    "community_staff": (
        {"grid", "other_grid"},
        {"grid", "other_grid"},
        {"grid", "other_grid", "owned"},
        {"grid"},
    ),
    "street_staff": (
        {"grid", "other_grid"},
        {"grid", "other_grid"},
        {"grid", "other_grid", "owned"},
        {"grid"},
    ),
    "other_street_staff": (
        {"other_street", "paired"},
        {"other_street", "paired"},
        {"other_street", "paired"},
        {"paired"},
    ),
    "cadre": ({"paired"}, {"paired"}, {"paired"}, {"paired"}),
    "other_cadre": (set(), set(), set(), set()),
    # a department: only through problems routed to it (never a draft), no visits
    "civil_affairs_clerk": ({"other_street"}, {"other_street"}, {"other_street", "owned"}, set()),
    "education_clerk": ({"other_grid"}, {"other_grid"}, {"other_grid"}, set()),
    "district_leader": (ALL_ENTRIES, ALL_ENTRIES, ALL_MEASURES, {"grid", "paired"}),
    "superuser": (ALL_ENTRIES, ALL_ENTRIES, ALL_MEASURES, {"grid", "paired"}),
    "hotline_operator": (set(), set(), set(), set()),
    "system_admin": (set(), set(), set(), set()),
    "security_admin": (set(), set(), set(), set()),
    "audit_admin": (set(), set(), set(), set()),
}
NO_LEDGER = {"hotline_operator", "system_admin", "security_admin", "audit_admin"}
SEES_PLAIN_HOUSEHOLD = {
    "grid_worker",
    "community_staff",
    "street_staff",
    "district_leader",
    "superuser",
}


def _keys(rows, objects) -> set[str]:
    ids = {row.pk for row in rows}
    return {key for key, obj in objects.items() if obj.pk in ids}


@pytest.mark.parametrize("role", sorted(SEES))
def test_each_role_sees_exactly_its_scope(request, ledger, role):
    user = request.getfixturevalue(role)
    scope = ledger_scope(user)
    entries, problems, measures, visits = SEES[role]
    assert _keys(scope.entries(), ledger["entries"]) == entries
    assert _keys(scope.problems(), ledger["problems"]) == problems
    assert _keys(scope.measures(), ledger["measures"]) == measures
    assert _keys(scope.visits(), ledger["visits"]) == visits
    households = {k: e.household for k, e in ledger["entries"].items()} | {"plain": ledger["plain"]}
    expected = entries | ({"plain"} if role in SEES_PLAIN_HOUSEHOLD else set())
    assert _keys(scope.households(), households) == expected
    persons = {k: head_of(h) for k, h in households.items()}
    assert _keys(scope.persons(), persons) == expected
    assert scope.sees_ledger == (role not in NO_LEDGER)


def test_grid_worker_cannot_see_other_grid(grid_worker, ledger):
    other = ledger["entries"]["other_grid"]
    with pytest.raises(type(other).DoesNotExist):
        queries.entry_for(grid_worker, other.pk)
    assert queries.entry_for(grid_worker, ledger["entries"]["grid"].pk)


def test_outside_the_scope_is_not_found_for_every_fetch(cadre, ledger):
    e, p, m = ledger["entries"], ledger["problems"], ledger["measures"]
    assert queries.problem_for(cadre, p["paired"].pk)
    assert queries.measure_for(cadre, m["paired"].pk)
    assert queries.household_for(cadre, e["paired"].household_id)
    for fetch, obj in [
        (queries.entry_for, e["grid"]),
        (queries.problem_for, p["grid"]),
        (queries.measure_for, m["grid"]),
        (queries.household_for, e["grid"].household),
    ]:
        with pytest.raises(type(obj).DoesNotExist):
            fetch(cadre, obj.pk)


def test_a_department_stops_seeing_a_problem_transferred_away(civil_affairs_clerk, ledger):
    problem = ledger["problems"]["other_street"]
    assert ledger_scope(civil_affairs_clerk).problems().filter(pk=problem.pk).exists()
    problem.department = "education"
    problem.save()
    civil_affairs_clerk = type(civil_affairs_clerk).objects.get(pk=civil_affairs_clerk.pk)
    assert not ledger_scope(civil_affairs_clerk).problems().filter(pk=problem.pk).exists()
    assert not ledger_scope(civil_affairs_clerk).entries().exists()


def test_a_department_sees_only_the_minimum_of_a_household(
    civil_affairs_clerk, street_staff, ledger
):
    entry = ledger["entries"]["other_street"]
    assert not ledger_scope(civil_affairs_clerk).sees_whole_household(entry)
    assert ledger_scope(street_staff).sees_whole_household(ledger["entries"]["grid"])


def test_a_community_worker_who_is_also_a_cadre_sees_both(community_staff, ledger):
    from minqing.accounts import roles
    from minqing.accounts.models import Role

    community_staff.roles.add(Role.objects.get(code=roles.CADRE))
    paired = ledger["entries"]["paired"]
    paired.cadre = community_staff
    paired.save()
    community_staff = type(community_staff).objects.get(pk=community_staff.pk)
    assert _keys(ledger_scope(community_staff).entries(), ledger["entries"]) == {
        "grid",
        "other_grid",
        "paired",
    }


def test_a_district_office_sees_the_whole_district(district, ledger):
    from minqing.accounts import roles
    from minqing.accounts.tests.factories import make_unit, make_user

    unit = make_unit(name="区民情办", area=district)
    staff = make_user("districtstaff", unit=unit, roles=(roles.STREET_STAFF,))
    assert _keys(ledger_scope(staff).entries(), ledger["entries"]) == ALL_ENTRIES
    assert ledger_scope(staff).may_change_entry(ledger["entries"]["other_street"])


def test_a_user_without_unit_or_inactive_or_anonymous_sees_nothing(areas, ledger):
    from django.contrib.auth.models import AnonymousUser

    from minqing.accounts import roles
    from minqing.accounts.tests.factories import make_user

    no_unit = make_user("nounit", roles=(roles.GRID_WORKER,))
    assert not ledger_scope(no_unit).entries().exists()
    assert not ledger_scope(AnonymousUser()).entries().exists()
    assert not ledger_scope(None).entries().exists()


def test_a_security_admin_role_removes_every_grant(grid_worker, ledger):
    from minqing.accounts import roles
    from minqing.accounts.models import Role

    grid_worker.roles.add(Role.objects.get(code=roles.AUDIT_ADMIN))
    grid_worker = type(grid_worker).objects.get(pk=grid_worker.pk)
    assert not ledger_scope(grid_worker).entries().exists()
    assert not ledger_scope(grid_worker).sees_ledger


def test_the_scope_is_cached_on_the_user(grid_worker, django_assert_num_queries, ledger):
    ledger_scope(grid_worker)
    with django_assert_num_queries(0):
        ledger_scope(grid_worker)
        scope_of(grid_worker)


# flags and masking ----------------------------------------------------------------------------

# role → shows identifiers in full, may reveal one with a reason, read only
FLAGS = {
    "grid_worker": (False, True, False),
    "community_staff": (False, True, False),
    "street_staff": (False, True, False),
    "cadre": (False, True, False),
    "civil_affairs_clerk": (False, True, False),
    "district_leader": (False, False, True),
    "superuser": (True, True, False),
    "hotline_operator": (False, False, False),
    "system_admin": (False, False, False),
}


@pytest.mark.parametrize("role", sorted(FLAGS))
def test_identifiers_are_masked_unless_the_role_needs_them(request, role):
    scope = ledger_scope(request.getfixturevalue(role))
    shows = FLAGS[role][0]
    assert (scope.shows_identifiers, scope.may_reveal, scope.is_read_only) == FLAGS[role]
    shown = scope.show_id("41081119800101123X"), scope.show_phone("13812345678")
    if shows:
        assert shown == ("41081119800101123X", "13812345678")
    else:
        assert shown == ("410811********123X", "138****5678")


def test_the_leader_reads_everything_but_changes_nothing(district_leader, ledger):
    scope = ledger_scope(district_leader)
    entry = ledger["entries"]["grid"]
    assert scope.entries().count() == 4
    assert not scope.may_change_entry(entry)
    assert not scope.may_write_entry(entry)
    assert not scope.may_handle_problem(ledger["problems"]["other_street"])
    assert not scope.may_edit_measure(ledger["measures"]["grid"])
    assert scope.may_escalate(ledger["problems"]["other_street"])


# revealing one identifier ---------------------------------------------------------------------


def test_reveal_identifier_returns_the_full_value_and_audits_the_read(grid_worker, ledger):
    person = head_of(ledger["entries"]["grid"].household)
    value = reveal_identifier(
        user=grid_worker, obj=person, field="phone", reason="电话回访核实情况"
    )
    assert value == person.phone
    event = AuditEvent.objects.get(action="casework.reveal_identifier")
    assert event.actor == grid_worker and event.outcome == Outcome.ALLOWED
    assert event.details == {"field": "phone", "reason": "电话回访核实情况"}
    assert event.object_id == str(person.pk)


def test_reveal_identifier_refuses_without_a_reason(grid_worker, ledger):
    person = head_of(ledger["entries"]["grid"].household)
    with pytest.raises(CaseworkError, match="请填写查看原因"):
        reveal_identifier(user=grid_worker, obj=person, field="id_number", reason="  ")
    assert AuditEvent.objects.filter(
        action="casework.reveal_identifier", outcome=Outcome.FAILED
    ).exists()


@pytest.mark.parametrize("role", ["district_leader", "hotline_operator", "system_admin"])
def test_reveal_identifier_refuses_roles_that_may_not_ask(request, role, ledger):
    person = head_of(ledger["entries"]["grid"].household)
    with pytest.raises(NotPermitted):
        reveal_identifier(
            user=request.getfixturevalue(role), obj=person, field="id_number", reason="核实"
        )
    assert AuditEvent.objects.filter(
        action="casework.reveal_identifier", outcome=Outcome.DENIED
    ).exists()


def test_reveal_identifier_refuses_a_person_outside_the_scope(grid_worker, ledger):
    person = head_of(ledger["entries"]["other_grid"].household)
    with pytest.raises(NotPermitted):
        reveal_identifier(user=grid_worker, obj=person, field="id_number", reason="核实")


def test_reveal_identifier_refuses_other_fields(grid_worker, ledger):
    person = head_of(ledger["entries"]["grid"].household)
    with pytest.raises(CaseworkError, match="不支持"):
        reveal_identifier(user=grid_worker, obj=person, field="name", reason="核实")


# lists ---------------------------------------------------------------------------------------


def test_chainable_filters(ledger, areas, cadre):
    from minqing.casework.models import LedgerEntry, Measure, Problem

    today = timezone.localdate()
    late = ledger["problems"]["other_street"]
    late.due_on = today - dt.timedelta(days=1)
    late.save()
    assert list(Problem.objects.overdue(today)) == [late]
    assert set(Problem.objects.open().routed_to("civil_affairs")) == {late}
    assert set(Problem.objects.in_area(areas["定和街道"])) == {
        ledger["problems"]["grid"],
        ledger["problems"]["other_grid"],
    }
    assert list(Problem.objects.for_cadre(cadre)) == [ledger["problems"]["paired"]]
    assert list(LedgerEntry.objects.overdue(today)) == [ledger["entries"]["other_street"]]
    assert set(LedgerEntry.objects.routed_to("civil_affairs")) == {
        ledger["entries"]["other_street"]
    }
    assert list(LedgerEntry.objects.for_cadre(cadre)) == [ledger["entries"]["paired"]]
    measure = ledger["measures"]["grid"]
    measure.deadline = today - dt.timedelta(days=1)
    measure.save()
    assert list(Measure.objects.overdue(today)) == [measure]
    assert set(Measure.objects.routed_to("civil_affairs")) == {ledger["measures"]["other_street"]}
    assert list(LedgerEntry.objects.overdue(today).in_area(areas["定和街道"])) == [
        ledger["entries"]["grid"]
    ]


def test_inbox_and_joint_meeting_list(civil_affairs_clerk, district_leader, grid_worker, ledger):
    inbox = list(queries.inbox(civil_affairs_clerk))
    assert inbox == [ledger["problems"]["other_street"]]
    returned = make_problem(ledger["entries"]["other_street"], status=ProblemStatus.RETURNED)
    assert returned not in queries.inbox(civil_affairs_clerk)
    assert not queries.inbox(grid_worker).exists()
    major = ledger["problems"]["paired"]
    major.is_major = True
    major.save()
    assert list(queries.joint_meeting_list(district_leader)) == [major]
    assert not queries.joint_meeting_list(civil_affairs_clerk).exists()


def test_open_counts_are_scoped(street_staff, district_leader, ledger):
    today = timezone.localdate()
    assert queries.open_counts(street_staff, today=today)["entries"] == 2
    assert queries.open_counts(district_leader, today=today)["entries"] == 4

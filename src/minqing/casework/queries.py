"""Reads for the ledger, the two lists and visits, through the one scope.

Every page, export and API call gets its rows through `ledger_scope(user)`:

    scope = ledger_scope(request.user)
    entries = scope.entries().open().in_area(area)
    problem = scope.problems().get(pk=pk)  # Problem.DoesNotExist outside the scope: a 404

The grants come from accounts.scopes (who the user is); here they become querysets:

| grant | entries and households | problems | measures | visits |
|---|---|---|---|---|
| everything (leader, superuser) | all | all | all | all |
| area (grid worker, community, street) | in the area's subtree | of those entries | of those entries | of those households |
| paired (cadre, grid worker) | where they are the cadre or grid worker | of those entries | of those entries | of those entries |
| department (clerk) | only those with a problem routed to it | routed to it (not drafts) | answering those problems, or owned by the unit or the user | none |

What a user may do with one object is asked of the same scope (`may_*`); actions ask it before
they write, and callers fetch objects through the scope first so that anything outside it is
answered as "not found".
"""

from __future__ import annotations

import datetime as dt
import re

from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast
from django.db.models.lookups import Contains

from minqing.accounts.scopes import Scope, scope_of
from minqing.areas.models import Area, Level
from minqing.casework.routing import choose_department
from minqing.core.masking import mask_id, mask_phone
from minqing.registry.models import Household, Membership, Person, Relation

from .models import (
    CATEGORY_ORDER,
    Change,
    LedgerEntry,
    LedgerEntryQuerySet,
    Measure,
    MeasureQuerySet,
    Problem,
    ProblemQuerySet,
    ProblemStatus,
    RoutingRule,
    Visit,
)


class LedgerScope:
    """The rows one user may see, and what they may do with one of them."""

    def __init__(self, grants: Scope):
        self.grants = grants
        self.user_id = grants.user_id

    def __repr__(self) -> str:
        return f"LedgerScope({self.grants!r})"

    # flags ------------------------------------------------------------------------------------

    @property
    def sees_ledger(self) -> bool:
        """For the navigation: whether the ledger pages are shown at all."""
        return self.grants.sees_residents

    @property
    def shows_identifiers(self) -> bool:
        """ID numbers and phones in full without asking (a superuser only)."""
        return self.grants.shows_identifiers

    @property
    def may_reveal(self) -> bool:
        """May ask to see one masked value in full, giving a reason (actions.reveal_identifier)."""
        return self.grants.may_reveal

    @property
    def is_read_only(self) -> bool:
        return self.grants.is_read_only

    def show_id(self, value: str | None) -> str:
        return (value or "") if self.shows_identifiers else mask_id(value)

    def show_phone(self, value: str | None) -> str:
        return (value or "") if self.shows_identifiers else mask_phone(value)

    # reads ------------------------------------------------------------------------------------

    def _routed(self, path: str = "entry__area__path") -> Q:
        g = self.grants
        return Q(department=g.department, **{f"{path}__startswith": g.department_area.path}) & ~Q(
            status=ProblemStatus.DRAFT
        )

    def _routed_problems(self) -> ProblemQuerySet:
        return Problem.objects.filter(self._routed())

    def _area_or_paired(self, area_path: str, entry: str) -> Q:
        """In the area office's subtree, or (for the paired roles) an entry paired with this
        user; `entry` is the path from the queried model to its LedgerEntry ('' for entries)."""
        g = self.grants
        q = g.area_q(area_path)
        if g.paired:
            q |= Q(**{f"{entry}cadre_id": self.user_id}) | Q(
                **{f"{entry}grid_worker_id": self.user_id}
            )
        return q

    def entries(self, qs: QuerySet | None = None) -> LedgerEntryQuerySet:
        """Ledger entries in the scope."""
        qs = LedgerEntry.objects.all() if qs is None else qs
        g = self.grants
        if not g.sees_residents:
            return qs.none()
        if g.everything:
            return qs
        q = self._area_or_paired("area__path", "")
        if g.department:
            q |= Exists(self._routed_problems().filter(entry=OuterRef("pk")))
        return qs.filter(q)

    def households(self, qs: QuerySet | None = None) -> QuerySet[Household]:
        """Households in the scope: the area's households (in the ledger or not), and the
        households of the entries reachable by pairing or by a routed problem."""
        qs = Household.objects.all() if qs is None else qs
        g = self.grants
        if not g.sees_residents:
            return qs.none()
        if g.everything:
            return qs
        q = self._area_or_paired("area__path", "ledger_entry__")
        if g.department:
            q |= Exists(self._routed_problems().filter(entry__household=OuterRef("pk")))
        return qs.filter(q)

    def persons(self, qs: QuerySet | None = None) -> QuerySet[Person]:
        """Persons who are members of a household in the scope."""
        qs = Person.objects.all() if qs is None else qs
        if not self.grants.sees_residents:
            return qs.none()
        if self.grants.everything:
            return qs
        homes = self.households().filter(memberships__person=OuterRef("pk"))
        return qs.filter(Exists(homes))

    def problems(self, qs: QuerySet | None = None) -> ProblemQuerySet:
        """Problems in the scope; a department sees only those routed to it."""
        qs = Problem.objects.all() if qs is None else qs
        g = self.grants
        if not g.sees_residents:
            return qs.none()
        if g.everything:
            return qs
        q = self._area_or_paired("entry__area__path", "entry__")
        if g.department:
            q |= self._routed()
        return qs.filter(q)

    def measures(self, qs: QuerySet | None = None) -> MeasureQuerySet:
        """Measures in the scope; a department sees those answering its problems and those
        its unit or the user owns."""
        qs = Measure.objects.all() if qs is None else qs
        g = self.grants
        if not g.sees_residents:
            return qs.none()
        if g.everything:
            return qs
        q = self._area_or_paired("entry__area__path", "entry__")
        if g.department:
            q |= Q(problem__in=self._routed_problems().values("pk"))
            q |= Q(owner_unit_id=g.unit_id) | Q(owner_id=self.user_id)
        return qs.filter(q)

    def visits(self, qs: QuerySet | None = None) -> QuerySet[Visit]:
        """Visits in the scope (a department sees none: they are the household's own story)."""
        qs = Visit.objects.all() if qs is None else qs
        g = self.grants
        if not g.sees_residents:
            return qs.none()
        if g.everything:
            return qs
        q = self._area_or_paired("household__area__path", "entry__")
        return qs.filter(q)

    def changes(self, qs: QuerySet | None = None) -> QuerySet[Change]:
        """History rows in the scope; a department sees those of its problems and measures."""
        qs = Change.objects.all() if qs is None else qs
        g = self.grants
        if not g.sees_residents:
            return qs.none()
        if g.everything:
            return qs
        q = self._area_or_paired("household__area__path", "entry__")
        if g.department:
            q |= Q(problem__in=self.problems().values("pk"))
            q |= Q(measure__in=self.measures().values("pk"))
        return qs.filter(q)

    def sees_whole_household(self, entry: LedgerEntry) -> bool:
        """Members, findings, visits and the whole timeline; False for a department that
        reaches the household only through a routed problem (the minimum of personal data)."""
        g = self.grants
        return g.reads_area(entry.area.path) or self._paired_with(entry)

    # what the user may do ---------------------------------------------------------------------

    def _paired_with(self, entry: LedgerEntry) -> bool:
        return self.grants.paired and self.user_id in (entry.cadre_id, entry.grid_worker_id)

    def may_review(self, household: Household) -> bool:
        """Confirm or reject a proposal, report a household: area staff of its area."""
        return self.grants.works_in(household.area.path)

    def may_change_entry(self, entry: LedgerEntry) -> bool:
        """Status and category of an entry: area staff of its area."""
        return self.grants.works_in(entry.area.path)

    def may_write_entry(self, entry: LedgerEntry) -> bool:
        """Visit, raise a problem, add a measure: area staff, and the paired cadre and grid worker."""
        return self.grants.works_in(entry.area.path) or self._paired_with(entry)

    def may_visit(self, household: Household) -> bool:
        entry = LedgerEntry.objects.filter(household=household).first()
        if entry is not None:
            return self.may_write_entry(entry)
        return self.may_review(household)

    def may_assign(self, entry: LedgerEntry) -> bool:
        """Pair a cadre and a grid worker: community and street staff of its area."""
        g = self.grants
        return g.is_superuser or (g.manages and g.works_in(entry.area.path))

    def may_dispatch(self, problem: Problem) -> bool:
        """Dispatch (or re-dispatch, or transfer) a problem: area staff of its household."""
        return self.grants.works_in(problem.entry.area.path)

    def may_handle_problem(self, problem: Problem) -> bool:
        """Accept, return, transfer, resolve: the department it is routed to."""
        if problem.status == ProblemStatus.DRAFT or not problem.department:
            return self.grants.is_superuser
        return self.grants.handles(problem.department, problem.entry.area.path)

    def may_escalate(self, problem: Problem) -> bool:
        """Mark a problem 重大疑难: the district leader, community and street staff of its area."""
        g = self.grants
        if g.is_superuser:
            return True
        return g.may_escalate and (g.everything or g.works_in(problem.entry.area.path))

    def may_add_measure(self, entry: LedgerEntry, problem: Problem | None = None) -> bool:
        if problem is not None and self.may_handle_problem(problem):
            return True
        return self.may_write_entry(entry)

    def may_edit_measure(self, measure: Measure) -> bool:
        """The measure's owner and owner unit, the department of its problem, area staff and
        the paired cadre and grid worker of its household."""
        g = self.grants
        if not g.sees_residents or g.is_read_only:
            return False
        if measure.owner_id == self.user_id or (g.unit_id and measure.owner_unit_id == g.unit_id):
            return True
        if measure.problem_id and self.may_handle_problem(measure.problem):
            return True
        return self.may_write_entry(measure.entry)

    def may_see_person(self, person: Person) -> bool:
        return self.persons().filter(pk=person.pk).exists()


def ledger_scope(user) -> LedgerScope:
    """The one scope of this user, cached on the user object."""
    grants = scope_of(user)
    cached = getattr(user, "_minqing_ledger_scope", None) if user is not None else None
    if cached is not None and cached.grants is grants:
        return cached
    scope = LedgerScope(grants)
    if user is not None and grants.user_id is not None:
        user._minqing_ledger_scope = scope
    return scope


# scoped fetches: DoesNotExist outside the scope ------------------------------------------------


def entry_for(user, pk: int) -> LedgerEntry:
    return (
        ledger_scope(user)
        .entries()
        .select_related("household", "area", "cadre", "grid_worker")
        .get(pk=pk)
    )


def problem_for(user, pk: int) -> Problem:
    return ledger_scope(user).problems().select_related("entry", "entry__area").get(pk=pk)


def measure_for(user, pk: int) -> Measure:
    return (
        ledger_scope(user)
        .measures()
        .select_related("entry", "entry__area", "problem", "owner_unit", "owner")
        .get(pk=pk)
    )


def household_for(user, pk: int) -> Household:
    return ledger_scope(user).households().select_related("area").get(pk=pk)


def department_for(problem_type: str, area: Area) -> str:
    """The department the routing table gives for a problem of that type in that area (the
    most specific rule wins), '' when there is none."""
    parts = area.path.split("/")
    ancestors = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    rules = RoutingRule.objects.filter(problem_type=problem_type).filter(
        Q(area__isnull=True) | Q(area__path__in=ancestors)
    )
    return choose_department(rules.values_list("area__path", "department"), area.path)


# lists ---------------------------------------------------------------------------------------


def timeline(user, household: Household) -> QuerySet[Change]:
    """Every change of the household the user may see, oldest first."""
    return (
        ledger_scope(user)
        .changes()
        .filter(household=household)
        .select_related("by", "problem", "measure")
        .order_by("at", "id")
    )


def inbox(user) -> ProblemQuerySet:
    """A department's inbox: the problems it has to accept (已派单) and those it is handling
    (已签收), the ones to accept first, each group by due date. Returned ones have left it."""
    grants = scope_of(user)
    if not grants.department:
        return Problem.objects.none()
    status_order = Case(
        When(status=ProblemStatus.DISPATCHED, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return (
        ledger_scope(user)
        .problems()
        .routed_to(grants.department)
        .running()
        .select_related("entry", "entry__area", "entry__household")
        .order_by(status_order, "due_on", "id")
    )


def joint_meeting_list(user) -> ProblemQuerySet:
    """重大疑难: the open major problems in the user's scope."""
    return (
        ledger_scope(user)
        .problems()
        .major()
        .open()
        .select_related("entry", "entry__area", "entry__household")
        .order_by("due_on", "id")
    )


def _category_rank():
    return Case(
        *[When(category=code, then=Value(rank)) for rank, code in enumerate(CATEGORY_ORDER)],
        default=Value(len(CATEGORY_ORDER)),
        output_field=IntegerField(),
    )


def care_day_plan(user, *, on: dt.date) -> LedgerEntryQuerySet:
    """The households one cadre or grid worker visits on a care day: the open entries they are
    paired with (for a grid worker also the unpaired ones of their grid), major cases first,
    then those with most overdue measures, then those not visited longest (never first).

    Each entry carries `overdue_measures` and `last_visit_rank` (days since the last visit,
    a large number when never visited)."""
    scope = ledger_scope(user)
    grants = scope.grants
    if not grants.paired:
        return LedgerEntry.objects.none()
    mine = Q(cadre_id=user.pk) | Q(grid_worker_id=user.pk)
    if grants.area is not None and grants.area.level == Level.GRID:
        mine |= Q(grid_worker__isnull=True, area__path__startswith=grants.area.path)
    overdue = Count("measures", filter=Q(measures__in=Measure.objects.overdue(on)), distinct=True)
    return (
        scope.entries()
        .open()
        .filter(mine)
        .annotate(
            category_rank=_category_rank(),
            overdue_measures=overdue,
            never_visited=Case(
                When(last_visit_on__isnull=True, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
        )
        .select_related("household", "area")
        .order_by("category_rank", "-overdue_measures", "never_visited", "last_visit_on", "id")
    )


def days_since_last_visit(entry: LedgerEntry, *, on: dt.date) -> int | None:
    return (on - entry.last_visit_on).days if entry.last_visit_on else None


def open_counts(user, *, today: dt.date) -> dict[str, int]:
    """Counts for a dashboard or the navigation, all within the scope."""
    scope = ledger_scope(user)
    problems = scope.problems()
    return {
        "entries": scope.entries().active().count(),
        "problems_open": problems.open().count(),
        "problems_overdue": problems.overdue(today).count(),
        "problems_major": problems.major().open().count(),
        "measures_open": scope.measures().open().count(),
        "measures_overdue": scope.measures().overdue(today).count(),
    }


# what a search box takes: a full ID number, a masked one as the pages show it, the last four
MASKED_ID = re.compile(r"(\d{6})\*{4,}(\d{3}[\dXx])")
FULL_ID = re.compile(r"\d{17}[\dXx]|\d{15}")
ID_TAIL = re.compile(r"\d{3}[\dXx]")


def search_entries(scope: LedgerScope, entries: QuerySet, text: str) -> QuerySet:
    """The entries whose household has a member by name, by full ID number, by a masked one (as
    shown: the first six and the last four) or by its last four characters, or whose household
    number is the text. A department, which is shown only the head of a household, finds it only
    by the head: a search must not tell it who else lives there. The one search of the ledger
    page, its export and the API."""
    text = text.strip()
    if masked := MASKED_ID.fullmatch(text):
        people = Q(
            person__id_number__startswith=masked[1],
            person__id_number__iendswith=masked[2],
        )
    elif FULL_ID.fullmatch(text):
        people = Q(person__id_number=text.upper())
    elif ID_TAIL.fullmatch(text):
        people = Q(person__id_number__iendswith=text)
    else:
        people = Q(person__name__contains=text)
    members = Membership.objects.filter(people, household=OuterRef("household"))
    g = scope.grants
    if not (g.everything or g.area is not None or g.paired):
        members = members.filter(relation=Relation.HEAD)
    return entries.filter(Exists(members) | Q(household__number=text))


def types_include(code: str, prefix: str = ""):
    """A filter for entries whose family types (`{prefix}types`, a JSON list) hold `code`. On
    PostgreSQL, JSON containment, which its statistics estimate well (a LIKE over the text made
    the planner expect one row where there are thousands, and loop over them); elsewhere the
    code inside the list's text (no code is part of another: classify.TYPE_LABELS)."""
    if connection.features.supports_json_field_contains:
        return Q(**{f"{prefix}types__contains": [code]})
    return Contains(Cast(f"{prefix}types", TextField()), f'"{code}"')

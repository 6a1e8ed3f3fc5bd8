"""Households, proposals, entries, problems and measures for tests, written straight to the
tables (the actions under test are not used to build their own fixtures). Every person is
synthetic."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from minqing.areas.models import Area
from minqing.assessment.models import AssessmentRun, Category, Proposal, ProposalKind
from minqing.casework.models import (
    EntryStatus,
    LedgerEntry,
    Measure,
    MeasureStatus,
    Problem,
    ProblemStatus,
    ProblemType,
    RoutingRule,
)
from minqing.casework.routing import load_default_rules
from minqing.registry.models import Household, Membership, Person, Relation

_serial = itertools.count(1)

# the smallest files whose signatures casework.files accepts
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24
PDF = b"%PDF-1.4\n%%EOF\n"


def ensure_routing_rules() -> None:
    """The default rules of migration 0002 (transactional tests flush them)."""
    if not RoutingRule.objects.filter(area__isnull=True).exists():
        load_default_rules(RoutingRule)


def make_household(
    area: Area, *, head: str = "", id_number: str = "", phone: str = ""
) -> Household:
    """A household in the area with a head (a synthetic person with an ID number and a phone)."""
    n = next(_serial)
    household = Household.objects.create(
        number=f"H{n:06d}", area=area, address=f"{area.full_name}{n}号", key=f"test:{n}"
    )
    person = Person.objects.create(
        name=head or f"测试户主{n}",
        sex="F" if n % 2 else "M",
        birth_on=dt.date(1960, 1, 1) + dt.timedelta(days=n),
        id_number=id_number or f"410811196001{n % 28 + 1:02d}{n % 1000:03d}X",
        phone=phone or f"138{n:08d}",
    )
    Membership.objects.create(household=household, person=person, relation=Relation.HEAD)
    return household


def head_of(household: Household) -> Person:
    return household.memberships.get(relation=Relation.HEAD).person


def make_proposal(
    household: Household,
    *,
    kind: str = ProposalKind.INCLUDE,
    category: str = Category.POLICY,
    types: tuple[str, ...] = ("hardship",),
) -> Proposal:
    run = AssessmentRun.objects.create(started_at=timezone.now(), assessed_on=timezone.localdate())
    return Proposal.objects.create(
        household=household, run=run, kind=kind, category=category, types=list(types)
    )


def make_entry(
    area_or_household: Area | Household,
    *,
    status: str = EntryStatus.LISTED,
    category: str = Category.POLICY,
    types: tuple[str, ...] = ("hardship",),
    cadre=None,
    grid_worker=None,
    last_visit_on: dt.date | None = None,
) -> LedgerEntry:
    household = (
        area_or_household
        if isinstance(area_or_household, Household)
        else make_household(area_or_household)
    )
    return LedgerEntry.objects.create(
        household=household,
        area_id=household.area_id,
        status=status,
        category=category,
        types=list(types),
        entered_on=timezone.localdate(),
        exited_on=timezone.localdate() if status == EntryStatus.EXITED else None,
        cadre=cadre,
        grid_worker=grid_worker,
        last_visit_on=last_visit_on,
    )


def make_problem(
    entry: LedgerEntry,
    *,
    status: str = ProblemStatus.DISPATCHED,
    problem_type: str = ProblemType.HARDSHIP,
    department: str = "civil_affairs",
    due_on: dt.date | None = None,
    is_major: bool = False,
    title: str = "",
) -> Problem:
    today = timezone.localdate()
    running = status != ProblemStatus.DRAFT
    return Problem.objects.create(
        entry=entry,
        title=title or f"问题{next(_serial)}",
        problem_type=problem_type,
        raised_on=today,
        department=department,
        status=status,
        dispatched_on=today if running else None,
        accepted_on=today if status in (ProblemStatus.ACCEPTED, ProblemStatus.RESOLVED) else None,
        resolved_on=today if status == ProblemStatus.RESOLVED else None,
        due_on=due_on or (today + dt.timedelta(days=7) if running else None),
        is_major=is_major,
    )


def make_measure(
    entry: LedgerEntry,
    *,
    problem: Problem | None = None,
    status: str = MeasureStatus.PLANNED,
    deadline: dt.date | None = None,
    owner_unit=None,
    owner=None,
    action: str = "",
) -> Measure:
    return Measure.objects.create(
        entry=entry,
        problem=problem,
        action=action or f"帮扶措施{next(_serial)}",
        deadline=deadline or timezone.localdate() + dt.timedelta(days=14),
        status=status,
        owner_unit=owner_unit,
        owner=owner,
    )

"""The demo district's first days of casework, done by its demo people through the actions (so
every step has its history and audit rows, as if they had clicked through the pages).

After `minqing demo` the ledger is empty unless someone confirms proposals; a visitor opening the
ledger, the Tuesday plan, the inbox, the map or the dashboards would see nothing. This fills a
small, believable ledger: the street's staff confirm the proposals of their street (the grid
worker's grid first), pair the grid worker's grid with the grid worker and the community's
households with the cadre, raise a problem for one household in three (routed by the routing
table and dispatched), and the 民政 clerk accepts the first of theirs and adds a measure.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from minqing.accounts.models import User
from minqing.areas.models import Area, Level
from minqing.assessment.models import Proposal, ProposalKind
from minqing.casework.actions.ledger import confirm_proposal
from minqing.casework.actions.measures import add_measure
from minqing.casework.actions.pairing import assign_pairing
from minqing.casework.actions.problems import accept_problem, raise_problem
from minqing.casework.models import LedgerEntry, ProblemStatus, ProblemType

# family type → the problem a first visit writes down
FIRST_PROBLEM = {
    "hardship": (ProblemType.HARDSHIP, "家庭收入低于低保标准, 需核实并协助申请救助"),
    "zero_employment": (ProblemType.EMPLOYMENT, "家庭劳动年龄成员均无工作, 需就业援助"),
    "guardianship_gap": (ProblemType.GUARDIANSHIP, "未成年人缺少有效监护, 需落实监护责任"),
    "attention": (ProblemType.ELDERLY_CARE, "老人独居或重病重残, 需定期探访照料"),
}


@transaction.atomic
def seed_demo_casework(
    *, street: User, grid_worker: User, cadre: User, clerk: User, limit: int = 40
) -> dict:
    """Idempotent: nothing happens when the ledger already has households."""
    if LedgerEntry.objects.exists():
        return {"entries": 0, "problems": 0, "skipped": True}
    grid = grid_worker.unit.area
    street_area = street.unit.area
    proposals = list(
        Proposal.objects.open()
        .filter(kind=ProposalKind.INCLUDE, household__area__path__startswith=street_area.path)
        .select_related("household__area")
        .order_by("-household__assessment__risk", "household_id")
    )
    # the grid worker's own grid first, so that their pages have households
    proposals.sort(key=lambda p: p.household.area_id != grid.pk)
    entries = [
        confirm_proposal(p, by=street, reason="入户核实属实 (演示数据)") for p in proposals[:limit]
    ]
    assign_pairing(grid, grid_worker=grid_worker, by=street, reason="按网格包联 (演示数据)")
    community = cadre.unit.area
    for area in Area.objects.filter(path__startswith=community.path, level=Level.GRID):
        assign_pairing(area, cadre=cadre, by=street, reason="社区干部包联 (演示数据)")
    problems = []
    for entry in entries[::3]:
        problem_type, title = FIRST_PROBLEM.get(
            (entry.types or ["hardship"])[0], FIRST_PROBLEM["hardship"]
        )
        problems.append(
            raise_problem(entry, title=title, problem_type=problem_type, by=street, dispatch=True)
        )
    ours = [
        p
        for p in problems
        if p.department == clerk.unit.department and p.status == ProblemStatus.DISPATCHED
    ]
    if ours:
        accepted = accept_problem(ours[0], by=clerk)
        add_measure(
            accepted.entry,
            problem=accepted,
            action="入户核对家庭经济状况, 符合条件的纳入低保",
            deadline=timezone.localdate() + dt.timedelta(days=14),
            owner_unit=clerk.unit,
            owner=clerk,
            by=clerk,
        )
    return {"entries": len(entries), "problems": len(problems), "skipped": False}

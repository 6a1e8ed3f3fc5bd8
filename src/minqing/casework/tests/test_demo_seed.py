"""The demo's first days of casework: done through the actions, once."""

from minqing.audit.models import AuditEvent
from minqing.casework.actions.demo import seed_demo_casework
from minqing.casework.models import LedgerEntry, Problem, ProblemStatus
from minqing.casework.tests.factories import make_household, make_proposal


def test_the_demo_ledger_is_filled_through_the_actions_once(
    grid, other_grid, street_staff, grid_worker, cadre, civil_affairs_clerk
):
    proposals = [make_proposal(make_household(area)) for area in (other_grid, grid, grid, grid)]
    people = dict(
        street=street_staff, grid_worker=grid_worker, cadre=cadre, clerk=civil_affairs_clerk
    )

    done = seed_demo_casework(**people)

    assert done == {"entries": 4, "problems": 2, "skipped": False}
    assert {e.proposal_id for e in LedgerEntry.objects.all()} == {p.pk for p in proposals}
    in_grid = LedgerEntry.objects.filter(area=grid)
    assert all(e.grid_worker == grid_worker and e.cadre == cadre for e in in_grid)
    assert (
        Problem.objects.filter(status=ProblemStatus.ACCEPTED, department="civil_affairs").count()
        == 1
    )
    assert AuditEvent.objects.filter(action="casework.confirm_proposal").count() == 4
    assert seed_demo_casework(**people)["skipped"] is True
    assert LedgerEntry.objects.count() == 4

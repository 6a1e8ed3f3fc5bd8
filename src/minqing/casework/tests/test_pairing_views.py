"""The pairing page (包联分配): community and street staff pair every household of a grid with a
cadre and a grid worker at once; everyone else is refused, a grid outside the area is 404."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from minqing.accounts import roles
from minqing.accounts.tests.factories import make_unit, make_user
from minqing.audit.models import AuditEvent, Outcome
from minqing.casework.forms import CLEAR, KEEP
from minqing.casework.models import Change, ChangeKind, EntryStatus, LedgerEntry
from minqing.casework.tests.factories import make_entry

URL = reverse("casework:pairing")


def pair(client, user, grid, *, cadre=KEEP, grid_worker=KEEP, reason="年度包联调整"):
    client.force_login(user)
    data = {"grid": getattr(grid, "pk", grid), "reason": reason}
    data |= {
        "cadre": getattr(cadre, "pk", cadre),
        "grid_worker": getattr(grid_worker, "pk", grid_worker),
    }
    return client.post(URL, data)


def choices(response, field: str) -> set[str]:
    return {str(value) for value, _ in response.context["form"].fields[field].choices}


@pytest.fixture
def grid_entries(grid, other_grid, other_street_grid):
    """Three households of the grid in the ledger, an exited one, one in the next grid and one
    in another street."""
    return {
        "in_grid": [make_entry(grid) for _ in range(3)],
        "exited": make_entry(grid, status=EntryStatus.EXITED),
        "next_grid": make_entry(other_grid),
        "far": make_entry(other_street_grid),
    }


def test_community_staff_pairs_a_whole_grid(
    client, community_staff, cadre, grid_worker, grid, grid_entries
):
    response = pair(client, community_staff, grid, cadre=cadre, grid_worker=grid_worker)
    assert response.status_code == 302
    assert response["Location"] == f"{URL}#grid-{grid.pk}"
    shown = client.get(URL)
    assert "已为 3 户分配包联" in shown.content.decode()
    for entry in grid_entries["in_grid"]:
        entry.refresh_from_db()
        assert (entry.cadre, entry.grid_worker) == (cadre, grid_worker)
    for key in ("exited", "next_grid", "far"):
        untouched = LedgerEntry.objects.get(pk=grid_entries[key].pk)
        assert untouched.cadre is None and untouched.grid_worker is None
    history = Change.objects.filter(kind=ChangeKind.PAIRING)
    assert history.count() == 6  # a cadre and a grid worker for each of the three
    assert set(history.values_list("reason", flat=True)) == {"年度包联调整"}
    assert set(history.values_list("by", flat=True)) == {community_staff.pk}
    event = AuditEvent.objects.get(action="casework.assign_pairing")
    assert event.actor == community_staff and event.outcome == Outcome.ALLOWED
    assert event.details == {"entries": sorted(e.pk for e in grid_entries["in_grid"])}
    # the table now counts them
    row = next(r for r in shown.context["rows"] if r["grid"] == grid)
    assert row["total"] == 3 and row["cadre"]["paired"] == 3 and row["grid_worker"]["missing"] == 0
    assert row["cadre"]["names"] == [("赵志刚", 3)]


def test_the_reason_is_shown_in_the_household_timeline(
    client, community_staff, cadre, grid, grid_entries
):
    pair(client, community_staff, grid, cadre=cadre, reason="社区干部调整, 重新包联")
    household = grid_entries["in_grid"][0].household_id
    page = client.get(reverse("casework:household", args=[household])).content.decode()
    assert "社区干部调整, 重新包联" in page and "包联调整" in page


def test_a_grid_outside_the_area_is_not_found(
    client, community_staff, street_staff, other_street_grid, cadre, grid_entries
):
    assert pair(client, community_staff, other_street_grid, cadre=cadre).status_code == 404
    assert pair(client, street_staff, other_street_grid, cadre=cadre).status_code == 404
    assert LedgerEntry.objects.get(pk=grid_entries["far"].pk).cadre is None
    assert not AuditEvent.objects.filter(action="casework.assign_pairing").exists()
    # nor is it offered
    client.force_login(community_staff)
    assert str(other_street_grid.pk) not in choices(client.get(URL), "grid")


@pytest.mark.parametrize(
    "role", ["grid_worker", "cadre", "civil_affairs_clerk", "district_leader", "hotline_operator"]
)
def test_other_roles_are_refused(client, request, role, grid, cadre, grid_entries):
    user = request.getfixturevalue(role)
    client.force_login(user)
    assert client.get(URL).status_code == 403
    assert pair(client, user, grid, cadre=cadre).status_code == 403
    assert LedgerEntry.objects.filter(cadre__isnull=False).count() == 0


def test_the_grid_worker_gets_403_even_for_their_own_grid(client, grid_worker, grid, grid_entries):
    response = pair(client, grid_worker, grid, grid_worker=grid_worker)
    assert response.status_code == 403
    assert not LedgerEntry.objects.filter(grid_worker=grid_worker).exists()


def test_choices_are_the_people_of_the_area(
    client, community_staff, cadre, other_cadre, grid_worker, other_grid_worker, areas
):
    far_worker = make_user(
        "grid3",
        unit=make_unit(name="建设社区第1网格", area=areas["焦东街道/建设社区/第1网格"]),
        roles=(roles.GRID_WORKER,),
    )
    client.force_login(community_staff)
    response = client.get(URL)
    cadres, workers = choices(response, "cadre"), choices(response, "grid_worker")
    assert str(cadre.pk) in cadres and str(other_cadre.pk) not in cadres
    assert {str(grid_worker.pk), str(other_grid_worker.pk)} <= workers
    assert str(far_worker.pk) not in workers
    assert str(grid_worker.pk) not in cadres  # a grid worker is no cadre
    assert {KEEP, CLEAR} <= cadres
    community_grids = [areas[f"定和街道/丰收社区/第{n}网格"] for n in (1, 2)]
    assert choices(response, "grid") == {"", *(str(g.pk) for g in community_grids)}


def test_a_person_outside_the_area_is_refused_next_to_the_field(
    client, community_staff, other_cadre, grid, grid_entries
):
    response = pair(client, community_staff, grid, cadre=other_cadre)
    assert response.status_code == 400
    assert "请从列表中选择包联干部" in response.content.decode()
    assert not LedgerEntry.objects.filter(cadre=other_cadre).exists()


def test_errors_in_chinese(client, community_staff, cadre, grid, grid_entries):
    nothing = pair(client, community_staff, grid)
    assert nothing.status_code == 400 and "请选择包联干部或网格员" in nothing.content.decode()
    no_reason = pair(client, community_staff, grid, cadre=cadre, reason="")
    assert no_reason.status_code == 400 and "请填写调整原因" in no_reason.content.decode()
    no_grid = pair(client, community_staff, "", cadre=cadre)
    assert no_grid.status_code == 400 and "请选择网格" in no_grid.content.decode()
    assert not LedgerEntry.objects.filter(cadre=cadre).exists()


def test_keep_one_and_clear_the_other(client, community_staff, cadre, grid_worker, grid):
    entries = [make_entry(grid, cadre=cadre, grid_worker=grid_worker) for _ in range(2)]
    response = pair(client, community_staff, grid, cadre=CLEAR, reason="干部调离")
    assert response.status_code == 302
    for entry in entries:
        entry.refresh_from_db()
        assert entry.cadre is None and entry.grid_worker == grid_worker
    again = pair(client, community_staff, grid, cadre=CLEAR, reason="干部调离")
    assert again.status_code == 302
    assert "包联未变化" in client.get(URL).content.decode()


def test_street_staff_pair_every_grid_of_the_street(
    client, street_staff, cadre, areas, grid_entries
):
    client.force_login(street_staff)
    response = client.get(URL)
    grids = {r["grid"].pk for r in response.context["rows"]}
    street = areas["定和街道"]
    assert grids == {
        a.pk for a in areas.values() if a.level == "grid" and a.path.startswith(street.path)
    }
    assert response.context["totals"]["households"] == 4  # three in the grid, one next to it
    next_grid = grid_entries["next_grid"].area
    assert pair(client, street_staff, next_grid, cadre=cadre).status_code == 302
    assert LedgerEntry.objects.get(pk=grid_entries["next_grid"].pk).cadre == cadre


def test_the_ledger_links_to_the_page_for_those_who_pair(client, community_staff, grid_worker):
    client.force_login(community_staff)
    assert URL in client.get(reverse("casework:ledger")).content.decode()
    client.force_login(grid_worker)
    assert URL not in client.get(reverse("casework:ledger")).content.decode()


def test_a_grid_preselected_from_its_row(client, community_staff, grid, other_street_grid):
    client.force_login(community_staff)
    form = client.get(URL, {"grid": grid.pk}).context["form"]
    assert form.initial["grid"] == grid.pk
    assert client.get(URL, {"grid": other_street_grid.pk}).context["form"].initial["grid"] is None


def test_the_page_runs_the_same_number_of_queries_however_many_households(
    client, street_staff, cadre, grid_worker, grid, other_grid
):
    client.force_login(street_staff)

    def queries_for(n):
        for i in range(n - LedgerEntry.objects.count()):
            make_entry(grid if i % 2 else other_grid, cadre=cadre if i % 3 else None)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured)

    assert queries_for(3) == queries_for(30)

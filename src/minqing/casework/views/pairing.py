"""包联分配: a cadre and a grid worker for every household of a grid at once (issue 6); this
module owns its `urlpatterns`. One household at a time is its own page's form (ledger.py).

Community and street staff (and a superuser) only — `grants.manages`, as
`LedgerScope.may_assign` — others get 403; a grid outside their area is "not found" (404). The
people offered are those of the household page (ledger.paired_candidates): users holding the
role in the assigning user's area. The write is actions.assign_pairing(grid, …), which checks
again, writes one history row per changed value and one audit event."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from minqing.accounts import roles
from minqing.accounts.models import User
from minqing.areas.models import Area, Level
from minqing.casework import actions
from minqing.casework.forms import CLEAR, KEEP, GridPairingForm
from minqing.casework.queries import LedgerScope, ledger_scope
from minqing.casework.views.ledger import paired_candidates

# names of the people paired now, per grid: the most frequent ones
NAMES_SHOWN = 3


def _assigning(request: HttpRequest) -> LedgerScope:
    scope = ledger_scope(request.user)
    if not scope.grants.manages:
        raise PermissionDenied("您的角色不分配包联")
    return scope


def grids_of(scope: LedgerScope) -> list[Area]:
    """The grids a community or street worker pairs: those of their area (all for a
    superuser), in the order of the area tree."""
    g = scope.grants
    grids = Area.objects.filter(level=Level.GRID)
    if not g.is_superuser:
        grids = grids.filter(path__startswith=g.area.path)
    return list(
        grids.select_related("parent").defer("geometry", "parent__geometry").order_by("path")
    )


def _grid_label(grid: Area) -> str:
    return f"{grid.parent.name} {grid.name}" if grid.parent else grid.name


def _person_label(user: User) -> str:
    return f"{user} ({user.unit.name})" if user.unit_id else str(user)


def _chosen(value: str, people: dict[int, User]):
    """The form's choice as assign_pairing takes it: UNCHANGED, None (cleared) or a user."""
    if value == KEEP:
        return actions.UNCHANGED
    if value == CLEAR:
        return None
    return people[int(value)]


def _rows(scope: LedgerScope, grids: list[Area]) -> list[dict]:
    """Per grid: its ledger households (exited ones left out, as assign_pairing does), how many
    have a cadre and a grid worker, and who they are — three queries for all grids."""
    entries = scope.entries().active().filter(area_id__in=[g.pk for g in grids]).order_by()
    counts = {
        row["area_id"]: row
        for row in entries.values("area_id").annotate(
            total=Count("pk"), with_cadre=Count("cadre"), with_grid_worker=Count("grid_worker")
        )
    }
    names: dict[tuple[int, str], list[tuple[str, int]]] = defaultdict(list)
    for field in ("cadre", "grid_worker"):
        paired = (
            entries.exclude(**{f"{field}__isnull": True})
            .values("area_id", f"{field}__full_name", f"{field}__username")
            .annotate(n=Count("pk"))
            .order_by("area_id", "-n", f"{field}__full_name")
        )
        for row in paired:
            name = row[f"{field}__full_name"] or row[f"{field}__username"]
            names[(row["area_id"], field)].append((name, row["n"]))
    rows = []
    for grid in grids:
        count = counts.get(grid.pk, {})
        total = count.get("total", 0)
        row = {"grid": grid, "total": total}
        for field in ("cadre", "grid_worker"):
            paired = count.get(f"with_{field}", 0)
            found = names[(grid.pk, field)]
            row[field] = {
                "paired": paired,
                "missing": total - paired,
                "names": found[:NAMES_SHOWN],
                "more": len(found) - NAMES_SHOWN if len(found) > NAMES_SHOWN else 0,
            }
        rows.append(row)
    return rows


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def pairing(request: HttpRequest) -> HttpResponse:
    """The grids of the user's area with their pairing, and the form that pairs a whole grid."""
    scope = _assigning(request)
    grids = grids_of(scope)
    by_id = {grid.pk: grid for grid in grids}
    rows = _rows(scope, grids)
    cadres = paired_candidates(scope, roles.CADRE, None)
    grid_workers = paired_candidates(scope, roles.GRID_WORKER, None)
    prefetch_related_objects([*cadres, *grid_workers], "unit")
    choices = {
        "grids": [(r["grid"].pk, f"{_grid_label(r['grid'])} ({r['total']} 户)") for r in rows],
        "cadres": [(u.pk, _person_label(u)) for u in cadres],
        "grid_workers": [(u.pk, _person_label(u)) for u in grid_workers],
    }
    error, status = "", 200
    if request.method == "POST":
        raw = request.POST.get("grid", "").strip()
        if raw.isdecimal() and int(raw) not in by_id:
            raise Http404("网格不存在或不在您的范围内")
        form = GridPairingForm(request.POST, **choices)
        if form.is_valid():
            data = form.cleaned_data
            grid = by_id[data["grid"]]
            try:
                changed = actions.assign_pairing(
                    grid,
                    by=request.user,
                    cadre=_chosen(data["cadre"], {u.pk: u for u in cadres}),
                    grid_worker=_chosen(data["grid_worker"], {u.pk: u for u in grid_workers}),
                    reason=data["reason"],
                    request=request,
                )
            except actions.NotPermitted as refused:
                error, status = str(refused), 403
            except actions.CaseworkError as refused:
                error, status = str(refused), 400
            else:
                label = _grid_label(grid)
                if changed:
                    messages.success(request, f"已为 {changed} 户分配包联 ({label})")
                else:
                    messages.info(request, f"包联未变化: {label}的台账家庭已是所选人员")
                return redirect(f"{reverse('casework:pairing')}#grid-{grid.pk}")
        else:
            status = 400
    else:
        asked = request.GET.get("grid", "")
        initial = int(asked) if asked.isdecimal() and int(asked) in by_id else None
        form = GridPairingForm(initial={"grid": initial}, **choices)
    return render(
        request,
        "casework/pairing/grids.html",
        {
            "form": form,
            "error": error,
            "rows": rows,
            "totals": {
                "grids": len(rows),
                "households": sum(r["total"] for r in rows),
                "without_cadre": sum(r["cadre"]["missing"] for r in rows),
                "without_grid_worker": sum(r["grid_worker"]["missing"] for r in rows),
            },
        },
        status=status,
    )


urlpatterns = [
    path("pairing/", pairing, name="pairing"),
]

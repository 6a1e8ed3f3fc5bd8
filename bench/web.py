"""Benchmark: server time of the ledger pages on PostgreSQL with a whole district.

    uv run python bench/web.py --size 100000

--size is the target number of HOUSEHOLDS (about 2.5 persons each). Setup (untimed; kept in
the database minqing_bench_web and reused when it has the size): `minqing demo --no-serve` on
PostgreSQL — generate, import, link, assess — then every proposed household is put in the
ledger (bulk, not through the actions: this is a fixture), paired with the demo grid worker
and cadre where they work, with a problem routed to 民政 and a measure for one entry in four.

Timed: Django's test client in this process (no network), as each role that uses the page —
the district leader (whole district), street staff, the grid worker — over --requests requests
per page on different pages of the list and different households. Server time is the time of
the client call. Queries are counted on every request: the list's counts over all its pages
(one value = constant, whatever the page and the role's row count), the household page's range.
Ends with one line of JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import uuid

DATABASE = "minqing_bench_web"
PERSONS_PER_HOUSEHOLD = 2.45


def database_url() -> str:
    return f"postgres://postgres@127.0.0.1:5432/{DATABASE}"


def setup(size: int, data_dir: str) -> dict:
    """Fill the database (a child process: the demo needs its own Django)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MINQING_", "DATABASE_URL"))}
    env |= {
        "DATABASE_URL": database_url(),
        "MINQING_DATA_DIR": data_dir,
        "MINQING_DEBUG": "0",
        "MINQING_SECRET_KEY": "bench-" + uuid.uuid4().hex,
        "DJANGO_SETTINGS_MODULE": "minqing.settings",
    }
    persons = round(size * PERSONS_PER_HOUSEHOLD)
    started = time.perf_counter()
    subprocess.run(
        ["uv", "run", "minqing", "demo", "--no-serve", "--persons", str(persons), "--json"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return {"persons": persons, "setup_s": round(time.perf_counter() - started, 1)}


def fill_ledger() -> dict:
    """Every open include proposal's household into the ledger (bulk fixture)."""
    import datetime as dt

    from django.db import transaction

    from minqing.accounts.models import User
    from minqing.assessment.models import Proposal
    from minqing.casework.models import (
        EntryStatus,
        LedgerEntry,
        Measure,
        Problem,
        ProblemStatus,
        ProblemType,
    )

    proposals = list(
        Proposal.objects.open()
        .filter(kind="include", household__ledger_entry__isnull=True)
        .select_related("household")
        .order_by("household_id")
    )
    # filled before when none is left open (the demo itself confirms a few dozen through the
    # actions: a ledger that merely exists is not yet filled)
    if not proposals:
        return {"entries": LedgerEntry.objects.count()}
    grid = User.objects.get(username="grid")
    cadre = User.objects.get(username="cadre")
    clerk = User.objects.get(username="minzheng")
    today = dt.date(2026, 11, 30)
    with transaction.atomic():
        entries = LedgerEntry.objects.bulk_create(
            [
                LedgerEntry(
                    household=p.household,
                    area_id=p.household.area_id,
                    types=p.types,
                    category=p.category,
                    status=EntryStatus.LISTED,
                    entered_on=today,
                    proposal=p,
                    grid_worker=grid if p.household.area_id == grid.unit.area_id else None,
                    cadre=cadre if i % 7 == 0 else None,
                )
                for i, p in enumerate(proposals)
            ],
            batch_size=5000,
        )
        Proposal.objects.filter(pk__in=[p.pk for p in proposals]).update(status="confirmed")
        problems = Problem.objects.bulk_create(
            [
                Problem(
                    entry=e,
                    title="家庭生活困难, 需核实低保",
                    problem_type=ProblemType.HARDSHIP,
                    raised_by=grid,
                    raised_on=today,
                    department="civil_affairs",
                    status=ProblemStatus.ACCEPTED,
                    dispatched_on=today,
                    accepted_on=today,
                    due_on=today + dt.timedelta(days=7 if i % 2 else -3),
                )
                for i, e in enumerate(entries[::4])
            ],
            batch_size=5000,
        )
        Measure.objects.bulk_create(
            [
                Measure(
                    entry=p.entry,
                    problem=p,
                    action="入户核实家庭收入, 协助申请低保",
                    owner_unit=clerk.unit,
                    owner=clerk,
                    deadline=today + dt.timedelta(days=5 if i % 3 else -2),
                )
                for i, p in enumerate(problems)
            ],
            batch_size=5000,
        )
    # as autovacuum would after such a load: without statistics the planner expects 139 entries
    # where there are 12,000 and the list takes seconds
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"entries": len(entries), "problems": len(problems)}


def timed(client, url: str) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    connection.queries_log.clear()  # a full log (9,000) would make the count read 0
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"{url}: HTTP {response.status_code}")
    return elapsed * 1000, len(queries)


def p95(values: list[float]) -> float:
    return round(statistics.quantiles(values, n=20)[-1], 1)


def measure(requests: int) -> dict:
    from django.test import Client
    from django.urls import reverse

    from minqing.accounts.models import User
    from minqing.casework.models import LedgerEntry
    from minqing.casework.queries import ledger_scope

    results = {}
    for username in ("leader", "street", "grid"):
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        entries = ledger_scope(user).entries()
        count = entries.count()
        pages = max(1, count // 50)
        list_times, list_queries = [], set()
        for i in range(requests):
            ms, n = timed(client, f"{reverse('casework:ledger')}?page={1 + (i * 7) % pages}")
            list_times.append(ms)
            list_queries.add(n)
        ids = list(entries.values_list("household_id", flat=True).order_by("?")[:requests])
        page_times, page_queries = [], []
        for household_id in ids:
            ms, n = timed(client, reverse("casework:household", args=[household_id]))
            page_times.append(ms)
            page_queries.append(n)
        results[username] = {
            "entries_in_scope": count,
            "ledger_list_p95_ms": p95(list_times),
            "ledger_list_median_ms": round(statistics.median(list_times), 1),
            "ledger_list_queries": sorted(list_queries),
            "household_p95_ms": p95(page_times),
            "household_median_ms": round(statistics.median(page_times), 1),
            "household_queries_min_max": [min(page_queries), max(page_queries)],
        }
    results["entries"] = LedgerEntry.objects.count()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=100_000, help="households")
    parser.add_argument("--requests", type=int, default=200, help="requests per page and role")
    parser.add_argument("--data", default="/tmp/minqing-bench-web", help="data directory")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = database_url()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minqing.settings")
    os.environ["MINQING_DATA_DIR"] = args.data
    os.environ["MINQING_DEBUG"] = "0"  # as in production: no query log kept, templates cached
    os.environ.setdefault("MINQING_SECRET_KEY", "bench-" + uuid.uuid4().hex)
    marker = os.path.join(args.data, "bench-web.json")
    info = json.load(open(marker)) if os.path.exists(marker) else None  # noqa: SIM115
    if info is None or info["size"] != args.size:
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DATABASE])
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DATABASE], check=True)
        os.makedirs(args.data, exist_ok=True)
        info = {"size": args.size, **setup(args.size, args.data)}
        with open(marker, "w") as f:
            json.dump(info, f)
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    from minqing.registry.models import Household

    info |= fill_ledger()
    info["households"] = Household.objects.active().count()
    figures = measure(args.requests)
    for role, row in figures.items():
        print(f"{role}: {row}", file=sys.stderr)
    print(json.dumps({"bench": "web", **info, **figures}, ensure_ascii=False))


if __name__ == "__main__":
    main()

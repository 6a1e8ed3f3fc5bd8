"""Benchmark: the 民情地图's data endpoint (/map/data/) on PostgreSQL with a whole district.

    uv run python bench/map.py --size 100000

Reuses the database bench/web.py fills (minqing_bench_web: `minqing demo` at --size households,
then the ledger; run bench/web.py first) and never drops it. Timed: Django's test client in this
process (no network), as the district leader at district level and on each street in turn, and as
the demo grid worker; each with the page's default layers (人 事), with every layer (人 事 地 物
组织), and as after a filter change (生活困难 families, default layers, without the boundaries the
page already holds), over --requests requests. Server time is the time of the client call;
queries are counted on every request. Reports, per case, whether each layer came as points or as
counts per grid, and how many, and the CPU time per request of this process and of its
PostgreSQL backend (less sensitive than the times to other jobs on the machine). Then the page in
a real browser: Chromium (Playwright) against `minqing runserver` on the same database, as the
leader and as the grid worker, from navigation to the chart drawn.
Ends with one line of JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import uuid

DATABASE = "minqing_bench_web"
ALL_LAYERS = "people,events,places,things,organizations"
# label, layers, further parameters: the page's first load of an area (default layers, every
# layer), and a filter changed on the same area (the page then asks without the boundaries)
CASES = [
    ("default", "people,events", {}),
    ("all", ALL_LAYERS, {}),
    ("filter", "people,events", {"type": "hardship", "boundaries": "0"}),
]


def p95(values: list[float]) -> float:
    return round(statistics.quantiles(values, n=20)[-1], 1)


def timed(client, url: str, params: dict) -> tuple[float, int, dict, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(url, params)
        elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"{url} {params}: HTTP {response.status_code}")
    return elapsed * 1000, len(queries), response.json(), len(response.content)


def postgres_cpu_ms() -> float:
    """CPU time used so far by this connection's PostgreSQL backend (Linux: /proc, in clock
    ticks of 10 ms; summed over a case's requests, so a mean is fine)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()  # noqa: SIM115
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def shape(payload: dict) -> dict:
    """Per layer: "N points" or "N counts (M in all)"."""
    out = {}
    for key, layer in payload["layers"].items():
        if layer["clustered"]:
            out[key] = f"{len(layer['counts'])} grid counts ({layer['total']})"
        else:
            out[key] = f"{len(layer['points'])} points"
    return out


def run_case(client, requests: int, areas: list[str], layers: str, extra: dict) -> dict:
    from django.urls import reverse

    url = reverse("maps:data")
    times, query_counts, shapes, sizes = [], set(), {}, []
    timed(client, url, {"area": areas[0], "layers": layers, **extra})  # warm-up
    cpu_started, pg_started = time.process_time(), postgres_cpu_ms()
    for i in range(requests):
        area = areas[i % len(areas)]
        ms, n, payload, size = timed(client, url, {"area": area, "layers": layers, **extra})
        times.append(ms)
        query_counts.add(n)
        shapes.setdefault(area, shape(payload))
        sizes.append(size)
    cpu_ms = (time.process_time() - cpu_started) * 1000 / requests
    pg_ms = (postgres_cpu_ms() - pg_started) / requests
    return {
        "p95_ms": p95(times),
        "median_ms": round(statistics.median(times), 1),
        # CPU per request, less sensitive to what else the machine runs than the times
        "cpu_ms": {"python": round(cpu_ms, 1), "postgres": round(pg_ms, 1)},
        "queries": sorted(query_counts),
        "kb_max": round(max(sizes) / 1024, 1),
        "layers": shapes[areas[0]],  # the first area's (the district, the first street)
    }


def measure(requests: int) -> dict:
    from django.test import Client

    from minqing.accounts.models import User
    from minqing.areas.models import Area, Level
    from minqing.casework.models import LedgerEntry
    from minqing.maps.queries import map_root

    district = Area.objects.get(level=Level.DISTRICT).code
    streets = list(
        Area.objects.filter(level=Level.STREET).order_by("code").values_list("code", flat=True)
    )
    results = {}
    leader = Client()
    leader.force_login(User.objects.get(username="leader"))
    grid_user = User.objects.get(username="grid")
    grid = Client()
    grid.force_login(grid_user)
    grid_area = map_root(grid_user).code
    for name, client, areas in (
        ("leader_district", leader, [district]),
        ("leader_street", leader, streets),
        ("grid_worker", grid, [grid_area]),
    ):
        for label, layers, extra in CASES:
            row = run_case(client, requests, areas, layers, extra)
            results[f"{name}_{label}"] = row
            print(f"{name} {label}: {row}", file=sys.stderr)
    results["entries"] = LedgerEntry.objects.count()
    results["streets"] = len(streets)
    return results


def page_ready(env: dict, runs: int) -> dict:
    """The map page in Chromium as the leader (district) and the grid worker, against
    `minqing runserver` on the same database: milliseconds from navigation to the chart marked
    drawn (`#map-chart[data-ready="1"]`, set after the data arrived and ECharts drew). The
    first load is cold (nothing cached); the rest reuse the browser's cache, as a user would."""
    import socket
    import subprocess
    import time as clock

    from playwright.sync_api import sync_playwright

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        ["uv", "run", "minqing", "runserver", f"127.0.0.1:{port}", "--noreload", "--insecure"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(120):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                clock.sleep(0.5)
        results = {}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--no-sandbox"]
            )
            for username in ("leader", "grid"):
                context = browser.new_context(
                    locale="zh-CN", viewport={"width": 1366, "height": 900}
                )
                page = context.new_page()
                outside: list[str] = []

                def note(request, outside=outside):
                    if not request.url.startswith(base):
                        outside.append(request.url)

                page.on("request", note)
                page.goto(base + "/accounts/login/")
                page.get_by_label("用户名").fill(username)
                page.get_by_label("密码").fill(f"Minqing-{username}-2026")
                page.get_by_role("button", name="登录").click()
                page.wait_for_url(base + "/")
                times = []
                for _ in range(runs):
                    started = clock.perf_counter()
                    page.goto(base + "/map/")
                    page.wait_for_selector('#map-chart[data-ready="1"]', timeout=30_000)
                    times.append((clock.perf_counter() - started) * 1000)
                results[username] = {
                    "cold_ms": round(times[0]),
                    "warm_median_ms": round(statistics.median(times[1:])),
                    "warm_max_ms": round(max(times[1:])),
                    "requests_outside": len(outside),
                }
                print(f"page ready {username}: {results[username]}", file=sys.stderr)
                context.close()
            browser.close()
        return results
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=100_000, help="households (bench/web.py's)")
    parser.add_argument("--requests", type=int, default=100, help="requests per case")
    parser.add_argument("--data", default="/tmp/minqing-bench-web", help="data directory")
    parser.add_argument("--page-loads", type=int, default=10, help="browser loads per role")
    args = parser.parse_args()
    marker = os.path.join(args.data, "bench-web.json")
    info = json.load(open(marker)) if os.path.exists(marker) else None  # noqa: SIM115
    if info is None or info["size"] != args.size:
        raise SystemExit(f"run `uv run python bench/web.py --size {args.size}` first")
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minqing.settings")
    os.environ["MINQING_DATA_DIR"] = args.data
    os.environ["MINQING_DEBUG"] = "0"
    os.environ.setdefault("MINQING_SECRET_KEY", "bench-" + uuid.uuid4().hex)
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    from minqing.registry.models import Household

    info["households"] = Household.objects.active().count()
    figures = measure(args.requests)
    figures["page_ready"] = page_ready(dict(os.environ), args.page_loads)
    print(json.dumps({"bench": "map", **info, **figures}, ensure_ascii=False))


if __name__ == "__main__":
    main()

"""An import killed with SIGKILL in the middle of writing leaves the database as it was, and a
rerun succeeds. Runs the real `minqing` command in a subprocess against a file database (SQLite,
and PostgreSQL when DATABASE_URL points there)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid

import pytest

from minqing.synth.generate import generate

COUNT_SQL = (
    "from django.db import connection; c = connection.cursor(); "
    "c.execute('SELECT COUNT(*) FROM sources_sourcerecord'); a = c.fetchone()[0]; "
    "c.execute(\"SELECT COUNT(*) FROM sources_importrun WHERE status = 'succeeded'\"); b = c.fetchone()[0]; "
    "print(a, b)"
)


def backends() -> list[str]:
    found = ["sqlite"]
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        found.append("postgresql")
    return found


@pytest.fixture(params=backends())
def environment(request, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MINQING_", "DATABASE_URL"))}
    env["MINQING_DATA_DIR"] = str(tmp_path / "data")
    if request.param == "sqlite":
        yield env
        return
    import psycopg

    base = os.environ["DATABASE_URL"]
    name = f"minqing_kill_{uuid.uuid4().hex[:8]}"
    admin = base.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    env["DATABASE_URL"] = base.rsplit("/", 1)[0] + "/" + name
    try:
        yield env
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def minqing(env: dict, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "minqing", *args], env=env, capture_output=True, text=True, **kwargs
    )


def counts(env: dict) -> tuple[int, int]:
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='minqing.settings'; django.setup(); "
        + COUNT_SQL
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    a, b = out.stdout.split()
    return int(a), int(b)


@pytest.mark.slow
def test_sigkill_mid_write_changes_nothing_and_a_rerun_succeeds(environment, tmp_path):
    district = tmp_path / "district"
    generate(district, seed=5, persons=130_000)
    register = district / "extracts" / "公安_户籍人口.xlsx"
    assert minqing(environment, "migrate", "--verbosity", "0").returncode == 0
    # a first, small import so the database is not empty when the kill comes
    small = district / "extracts" / "民政_高龄津贴.xlsx"
    assert minqing(environment, "import", "minzheng_gaoling", str(small), "--json").returncode == 0
    before = counts(environment)

    process = subprocess.Popen(
        [sys.executable, "-m", "minqing", "import", "gongan_huji", str(register)],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    killed_while_writing = False
    for line in process.stderr:
        if "写入 50,000/" in line:  # the first batch is written, the transaction still open
            process.send_signal(signal.SIGKILL)
            killed_while_writing = True
            break
    process.wait(timeout=120)
    assert killed_while_writing, "the import never reached the write phase"
    assert process.returncode == -signal.SIGKILL
    assert counts(environment) == before

    rerun = minqing(environment, "import", "gongan_huji", str(register), "--json", timeout=600)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    after = counts(environment)
    assert after[1] == before[1] + 1
    assert after[0] > before[0] + 100_000

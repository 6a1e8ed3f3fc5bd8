"""What the benchmarks share: each phase runs in its own process (so peak_mb is that phase's own
peak RSS), with its own environment, and reports one line of JSON."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import uuid
from pathlib import Path


def peak_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def run_child(script: str, phase: str, data: Path, out: Path, env: dict, *args: str) -> dict:
    """Run `script --child phase` in its own process; its last stdout line is its JSON result."""
    log = out / f"{phase}.log"
    load = round(os.getloadavg()[0], 1)
    with log.open("w") as err:
        done = subprocess.run(
            [
                sys.executable,
                script,
                "--child",
                phase,
                "--data",
                str(data),
                "--out",
                str(out),
                *args,
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            check=False,
        )
    if done.returncode:
        raise SystemExit(f"{phase} failed:\n{log.read_text()[-3000:]}")
    # other work on the machine skews wall_s: the 1-minute load average at the start says how much
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "load_1m": load}


def child_env(data: Path, database: Path | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MINQING_", "DATABASE_URL"))}
    env["DJANGO_SETTINGS_MODULE"] = "minqing.settings"
    env["MINQING_DEBUG"] = "0"  # as in production: no query log
    env["MINQING_SECRET_KEY"] = "bench-" + uuid.uuid4().hex
    env["MINQING_DATA_DIR"] = str(data)
    if database is not None:
        env["DATABASE_URL"] = f"sqlite:///{database}"
    return env

"""Benchmark: generate the synthetic district (areas, population, truth, every extract).

    uv run python bench/synth.py --size 1000000

Ends with one line of JSON: wall_s, peak_mb, persons, households, extract_rows, rows_per_s.
"""

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

from minqing.synth.generate import generate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=100_000, help="persons")
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument(
        "--out", type=Path, help="keep the district here (default: a temporary folder)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp) / "district"
        started = time.perf_counter()
        manifest = generate(out, seed=args.seed, persons=args.size)
        wall = time.perf_counter() - started
    rows = sum(info.get("rows", 0) for info in manifest["files"].values())
    print(
        json.dumps(
            {
                "bench": "synth",
                "size": args.size,
                "persons": manifest["persons"],
                "households": manifest["households"],
                "extract_rows": rows,
                "wall_s": round(wall, 1),
                "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                "rows_per_s": round(rows / wall),
            }
        )
    )


if __name__ == "__main__":
    main()

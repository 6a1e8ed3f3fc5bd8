"""Speed check, run by hand (not a test):

    uv run python -m minqing.policies.speed 1000000

Builds n households (about 2.5 members each) that follow the input contract with numpy — random,
not a district — and times `evaluate` with and without explanations.
"""

from __future__ import annotations

import datetime as dt
import sys
import time

import numpy as np
import polars as pl

ON = dt.date(2026, 10, 31)


def _unless(missing: np.ndarray, column: str) -> pl.Expr:
    """The column, null where `missing`."""
    return pl.when(pl.Series(missing)).then(None).otherwise(pl.col(column)).alias(column)


def frames(n: int, seed: int = 1) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Random households and members in the shape of the input contract."""
    rng = np.random.default_rng(seed)
    size = rng.choice([1, 2, 3, 4, 5], size=n, p=[0.2, 0.3, 0.25, 0.18, 0.07])
    hid = np.repeat(np.arange(n, dtype=np.int64), size)
    k = len(hid)
    poor = rng.random(n) < 0.12
    households = pl.DataFrame(
        {
            "household_id": np.arange(n, dtype=np.int64),
            "area_code": pl.Series(
                [
                    "410811" + f"{s:03d}{c:03d}"
                    for s, c in zip(*rng.integers(1, 13, (2, 8)), strict=True)
                ]
            ).gather(rng.integers(0, 8, n)),
            "hukou_type": np.where(rng.random(n) < 0.3, "rural", "urban"),
            "vehicles": np.where(rng.random(n) < np.where(poor, 0.05, 0.4), 1, 0),
            "homes": 1 + (rng.random(n) < 0.12),
            "home_area_m2": rng.normal(85, 20, n).clip(25, 300),
            "businesses": (rng.random(n) < 0.06).astype(np.int64),
            "deposits": rng.lognormal(10, 1.2, n),
            "education_spend_12m": rng.gamma(2, 2000, n),
            "emergency_kind": "火灾",
            "emergency_on": np.datetime64(ON) - rng.integers(0, 365, n).astype("timedelta64[D]"),
            "has_supporter": rng.random(n) < 0.9,
        }
    ).with_columns(
        _unless(rng.random(n) < 0.5, "deposits"),
        _unless(rng.random(n) < 0.8, "education_spend_12m"),
        _unless(rng.random(n) >= 0.005, "emergency_kind"),
        _unless(rng.random(n) < 0.3, "has_supporter"),
    )
    age = rng.integers(0, 100, k)
    birth = np.datetime64(ON) - (age * 365.25 + rng.integers(0, 365, k)).astype("timedelta64[D]")
    poor_m = poor[hid]
    employment = np.select(
        [age < 16, age < 19, age >= 60, rng.random(k) < np.where(poor_m, 0.4, 0.05)],
        ["student", "student", "retired", "registered_unemployed"],
        default="employed",
    )
    income = np.where(
        employment == "employed",
        rng.lognormal(np.log(np.where(poor_m, 900, 4000)), 0.5, k),
        np.where(employment == "retired", rng.lognormal(np.log(2500), 0.4, k), 0.0),
    )
    members = pl.DataFrame(
        {
            "household_id": hid,
            "person_id": np.arange(k, dtype=np.int64),
            "sex": np.where(rng.random(k) < 0.5, "M", "F"),
            "birth_on": birth.astype("datetime64[D]"),
            "died_on": np.where(
                rng.random(k) < 0.01, np.datetime64(ON) - 30, np.datetime64("NaT")
            ).astype("datetime64[D]"),
            "is_excluded": rng.random(k) < 0.002,
            "monthly_income": income,
            "basic_pension": np.where((age >= 60) & poor_m, 180.0, 0.0),
            "employment": employment,
            "disability_grade": rng.integers(1, 5, k),
            "disability_category": pl.Series(["视力", "听力", "肢体", "智力", "精神"]).gather(
                rng.integers(0, 5, k)
            ),
            "has_serious_illness": rng.random(k) < 0.01,
            "medical_spend_12m": rng.gamma(1.2, 800, k),
            "school_stage": np.where(age < 12, "小学", "初中"),
            "parents_status": np.where(rng.random(k) < 0.01, "unable", "present"),
        }
    ).with_columns(
        _unless(rng.random(k) >= 0.06, "disability_grade"),
        _unless(rng.random(k) >= 0.06, "disability_category"),
        _unless((age < 6) | (age >= 18), "school_stage"),
        _unless(age >= 18, "parents_status"),
    )
    return households, members


def main(argv: list[str]) -> None:
    from minqing.policies import default_table, evaluate

    n = int(argv[1]) if len(argv) > 1 else 1_000_000
    households, members = frames(n)
    default_table()
    print(f"{n:,} households, {members.height:,} members")
    for explain in (False, True):
        start = time.perf_counter()
        out = evaluate(households, members, on=ON, explain=explain)
        seconds = time.perf_counter() - start
        entries = out["explanation"].list.len().sum() if explain else 0
        print(
            f"explain={explain}: {seconds:.2f} s, {out.height:,} rows, "
            f"{entries:,} condition results, {out.estimated_size() / 1e9:.2f} GB"
        )
    print(
        out.group_by("policy")
        .agg(true=pl.col("eligible").sum(), unknown=pl.col("eligible").null_count())
        .sort("policy")
    )


if __name__ == "__main__":
    main(sys.argv)

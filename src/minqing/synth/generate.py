"""`minqing synth`: the whole synthetic district written to a folder.

    OUT/manifest.json        seed, sizes, error rates, every file with its rows, encoding, sha256
    OUT/areas.geojson        district → streets → communities → grids (nesting exactly)
    OUT/places.geojson       estates, buildings, service centres
    OUT/organizations.geojson  OUT/facilities.geojson
    OUT/extracts/            one file per department list, as the department sends it
    OUT/truth/               ground truth, never read by the pipeline:
        persons.parquet      every true person with every true fact
        households.parquet   every household: eligibility per policy, receipt, 漏保/错保, family
                             types, category
        records.parquet      every extract row: its true person and household, injected errors

Same seed and size → byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import polars as pl

from minqing.synth import extracts as ex
from minqing.synth.errors import ErrorRates
from minqing.synth.geography import build_geography, write_geojson
from minqing.synth.population import build_population
from minqing.synth.truth import PARAMS, household_truth

# 2: the 两项补贴 and 高龄 rolls list the members paid in 错保 households too
# 3: the 殡葬 火化信息 list (民政_殡葬火化信息.xlsx)
# 4: truth's 特困 is every member's, as in the rules: an elderly couple both without capacity
#    qualifies, not only a person alone; no member under 16
# 5: the 应急管理 突发事件 list (应急_突发事件.xlsx): most of the emergencies behind 急难型 临时救助
GENERATOR_VERSION = 5
DEFAULT_AS_OF = dt.date(2026, 10, 31)

Step = Callable[[str, int, int], None]  # (label, done, total)


def generate(
    out: Path,
    *,
    seed: int = 2023,
    persons: int = 12_000,
    as_of: dt.date = DEFAULT_AS_OF,
    rates: ErrorRates | None = None,
    progress: Step | None = None,
) -> dict:
    """Generate the district into `out` (replacing what a previous run left there)."""
    rates = rates or ErrorRates()
    total = 5 + len(ex.EXTRACTS)
    done = 0

    def step(label: str) -> None:
        nonlocal done
        if progress:
            progress(label, done, total)
        done += 1

    if persons < 100:
        raise ValueError("--persons 至少为 100")
    out = Path(out)
    for sub in ("extracts", "truth"):
        if (out / sub).exists():
            shutil.rmtree(out / sub)
    (out / "extracts").mkdir(parents=True, exist_ok=True)
    (out / "truth").mkdir(parents=True, exist_ok=True)

    step("区域与住房")
    geo = build_geography(seed, households=int(persons / 2.5) + 50)
    write_geojson(geo, out)
    step("人口与家庭")
    pop = build_population(seed, persons, geo.dwellings, as_of)
    step("真实资格与待遇")
    truth = household_truth(pop.persons, pop.households, seed)

    d = geo.dwellings
    base = (
        pop.persons.join(
            truth.drop("hukou_number").join(
                pop.households.select("household_id", "hukou_number"), on="household_id"
            ),
            on="household_id",
            how="left",
        )
        .join(
            d.rename(lambda c: f"res_{c}"),
            left_on="dwelling_id",
            right_on="res_dwelling_id",
            how="left",
        )
        .join(
            d.rename(lambda c: f"hukou_{c}"),
            left_on="hukou_dwelling_id",
            right_on="hukou_dwelling_id",
            how="left",
        )
        .sort("person_id")
    )
    ctx = ex.Context(base=base, households=truth, as_of=as_of, seed=seed, rates=rates)

    records = []
    files = {}
    for extract in ex.EXTRACTS:
        step(f"导出 {extract.filename}")
        rows, columns = ex.write_extract(extract, ctx, out / "extracts")
        records.append(rows)
        files[f"extracts/{extract.filename}"] = {
            "source": extract.code,
            "department": extract.department,
            "kind": extract.kind,
            "encoding": extract.encoding or None,
            "sheet": extract.sheet if extract.kind == "xlsx" else None,
            "rows": rows.height,
            "columns": columns,
            "person_columns": {
                "name": extract.name_column,
                "id_number": extract.id_column,
                "phone": extract.phone_column,
                "birth": extract.birth_column,
            },
            "description": extract.description,
        }

    step("写出真值")
    truth_records = pl.concat(records, how="diagonal_relaxed")
    pop.persons.write_parquet(out / "truth" / "persons.parquet", statistics=False)
    truth.write_parquet(out / "truth" / "households.parquet", statistics=False)
    truth_records.write_parquet(out / "truth" / "records.parquet", statistics=False)
    for name in ("areas", "places", "organizations", "facilities"):
        files[f"{name}.geojson"] = {
            "kind": "geojson",
            "features": _feature_count(out / f"{name}.geojson"),
        }
    for name in ("persons", "households", "records"):
        files[f"truth/{name}.parquet"] = {"kind": "parquet"}
    for rel, info in files.items():
        info["sha256"] = _sha256(out / rel)

    manifest = {
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "persons": pop.persons.height,
        "households": truth.height,
        "as_of": as_of.isoformat(),
        "areas": {
            lvl: sum(1 for a in geo.areas if a["level"] == lvl)
            for lvl in ("district", "street", "community", "grid")
        },
        "places": len(geo.places),
        "organizations": len(geo.organizations),
        "facilities": len(geo.facilities),
        "error_rates": rates.__dict__,
        "truth_parameters": PARAMS,
        "files": files,
    }
    (out / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    step("完成")
    return manifest


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _feature_count(path: Path) -> int:
    return len(json.loads(path.read_text(encoding="utf-8"))["features"])

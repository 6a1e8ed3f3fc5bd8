"""Finding quality of an assessed database against the synthetic district's truth (used by
bench/assess.py; importable on its own to look at one database).

The pipeline's households are linkage's, not the truth's: each of our persons is the truth person
most of its records belong to, and each of our households the truth household most of its members
belong to. A truth household is found when one of ours maps to it; when linkage split it, the
largest part counts (the others are extra households the comparison charges as false positives).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from minqing.synth.truth import PAID
from minqing.synth.truth import POLICIES as TRUTH_POLICIES

# our policy codes are the truth's; the paid ones are those on a roll
POLICIES = list(TRUTH_POLICIES)


def ours_from_database() -> dict[str, pl.DataFrame]:
    """What the pipeline concluded, read through Django's connection (django.setup() first)."""
    from minqing.assessment.models import Finding, Proposal
    from minqing.core.bulk import read_frame
    from minqing.linkage.models import RecordLink
    from minqing.registry.models import Household, Membership
    from minqing.sources.models import Source, SourceRecord

    records = read_frame(
        f"SELECT l.person_id AS person_id, s.code AS source, r.row_number AS row_number "
        f"FROM {SourceRecord._meta.db_table} r "
        f"JOIN {RecordLink._meta.db_table} l ON l.source_id = r.source_id AND l.key = r.key "
        f"JOIN {Source._meta.db_table} s ON s.id = r.source_id WHERE r.valid_to IS NULL",
        schema={"person_id": pl.Int64, "source": pl.String, "row_number": pl.Int64},
    )
    members = read_frame(
        f"SELECT m.household_id AS household_id, m.person_id AS person_id "
        f"FROM {Membership._meta.db_table} m JOIN {Household._meta.db_table} h "
        "ON h.id = m.household_id WHERE h.is_active",
        schema={"household_id": pl.Int64, "person_id": pl.Int64},
    )
    findings = read_frame(
        f"SELECT household_id, policy, status FROM {Finding._meta.db_table}",
        schema={"household_id": pl.Int64, "policy": pl.String, "status": pl.String},
    )
    proposals = read_frame(
        f"SELECT household_id, kind, status FROM {Proposal._meta.db_table} "
        "WHERE status IN ('open', 'confirmed')",
        schema={"household_id": pl.Int64, "kind": pl.String, "status": pl.String},
    )
    # households a member of which refused the 核对 authorization (核对状态 未授权): the rules
    # cannot settle their income and assets, and say so (待核实)
    reports = read_frame(
        f"SELECT l.person_id AS person_id, r.fields AS fields FROM {SourceRecord._meta.db_table} r "
        f"JOIN {RecordLink._meta.db_table} l ON l.source_id = r.source_id AND l.key = r.key "
        f"JOIN {Source._meta.db_table} s ON s.id = r.source_id "
        "WHERE r.valid_to IS NULL AND s.code = 'minzheng_hedui'",
        schema={"person_id": pl.Int64, "fields": pl.String},
    )
    refused = (
        reports.filter(pl.col("fields").str.json_path_match("$.status") == "refused")
        .join(members, on="person_id")
        .select("household_id")
        .unique()
    )
    return {
        "records": records,
        "members": members,
        "findings": findings,
        "proposals": proposals,
        "refused": refused,
    }


def household_map(ours: dict[str, pl.DataFrame], truth_dir: Path) -> pl.DataFrame:
    """household_id (ours) → truth_household, with the size of the overlap."""
    truth_records = pl.read_parquet(truth_dir / "records.parquet").select(
        "source", "row", "person_id"
    )
    # row_number counts the header as row 1; the truth's row 1 is the first data row
    records = ours["records"].with_columns(row=pl.col("row_number") - 1)
    person = (
        records.join(
            truth_records.rename({"person_id": "truth_person"}), on=["source", "row"], how="inner"
        )
        .group_by("person_id", "truth_person")
        .len()
        .sort("len", "truth_person", descending=[True, False])
        .unique("person_id", keep="first")
        .select("person_id", "truth_person")
    )
    truth_persons = pl.read_parquet(truth_dir / "persons.parquet").select(
        truth_person="person_id", truth_household="household_id"
    )
    return (
        ours["members"]
        .join(person, on="person_id")
        .join(truth_persons, on="truth_person")
        .group_by("household_id", "truth_household")
        .len()
        .sort("len", "truth_household", descending=[True, False])
        .unique("household_id", keep="first")
        .rename({"len": "overlap"})
    )


def scores(ours: dict[str, pl.DataFrame], truth_dir: Path) -> dict:
    """Per policy: recall and precision of eligibility (eligible or receiving-and-eligible), of
    漏保 and of 错保 findings; and of inclusion proposals against the truth's ledger."""
    mapping = household_map(ours, truth_dir)
    # the household of ours that stands for each truth household: the largest overlap
    main = mapping.sort("overlap", "household_id", descending=[True, False]).unique(
        "truth_household", keep="first"
    )
    truth = pl.read_parquet(truth_dir / "households.parquet").rename(
        {"household_id": "truth_household"}
    )
    ours_any = mapping.select("household_id", "truth_household")
    findings = ours["findings"]
    refused = ours.get("refused", pl.DataFrame(schema={"household_id": pl.Int64}))
    result: dict = {
        "households_ours": ours["members"]["household_id"].n_unique(),
        "households_truth": truth.height,
        "households_matched": main.height,
        "policies": {},
    }

    def prf(predicted: pl.DataFrame, actual: pl.DataFrame) -> dict:
        """predicted: our household_id; actual: truth_household. Precision over our households
        (each judged by the truth household it maps to), recall over truth households (found when
        the main household of ours for it is predicted)."""
        judged = predicted.join(ours_any, on="household_id", how="left")
        hits_p = judged.join(actual, on="truth_household", how="semi").height
        found = actual.join(main, on="truth_household", how="inner").join(
            predicted, on="household_id", how="semi"
        )
        p = hits_p / predicted.height if predicted.height else None
        r = found.height / actual.height if actual.height else None
        # recall over the truth households whose family did not refuse the 核对: what the data
        # lets the rules decide
        consented = actual.join(
            main.join(refused, on="household_id", how="semi"), on="truth_household", how="anti"
        )
        found_c = found.join(consented, on="truth_household", how="semi").height
        return {
            "predicted": predicted.height,
            "true": actual.height,
            "precision": round(p, 3) if p is not None else None,
            "recall": round(r, 3) if r is not None else None,
            "true_consented": consented.height,
            "recall_consented": round(found_c / consented.height, 3) if consented.height else None,
        }

    eligible_status = ["eligible", "missed", "receiving"]
    for policy in POLICIES:
        mine = findings.filter(pl.col("policy") == policy)
        figures = {
            "eligible": prf(
                mine.filter(pl.col("status").is_in(eligible_status)).select("household_id"),
                truth.filter(pl.col(policy)).select("truth_household"),
            ),
            "undecided": mine.filter(pl.col("status") == "undecided").height,
            # put in front of a person: found eligible, or to be settled at a visit
            "surfaced_recall": prf(
                mine.filter(pl.col("status").is_in([*eligible_status, "undecided"])).select(
                    "household_id"
                ),
                truth.filter(pl.col(policy)).select("truth_household"),
            )["recall"],
        }
        if policy in PAID:
            figures["missed"] = prf(
                mine.filter(pl.col("status") == "missed").select("household_id"),
                truth.filter(pl.col("missed").list.contains(policy)).select("truth_household"),
            )
            figures["mismatch"] = prf(
                mine.filter(pl.col("status") == "mismatch").select("household_id"),
                truth.filter(pl.col("mismatched").list.contains(policy)).select("truth_household"),
            )
        result["policies"][policy] = figures
    # 低保 and 特困 as one: whether the household is missed by (or wrongly on) the guarantee of
    # basic living at all; which of the two applies turns on facts a visit settles (a supporter)
    basic = ["dibao_urban", "dibao_rural", "tekun"]
    mine = findings.filter(pl.col("policy").is_in(basic))
    truth_basic = truth.with_columns(
        eligible_basic=pl.any_horizontal(basic),
        missed_basic=pl.any_horizontal([pl.col("missed").list.contains(p) for p in basic])
        & ~pl.any_horizontal([pl.col(f"receives_{p}") for p in basic]),
        mismatched_basic=pl.any_horizontal([pl.col(f"receives_{p}") for p in basic])
        & ~pl.any_horizontal(basic),
    )
    receiving_any = mine.filter(pl.col("status").is_in(["receiving"])).select("household_id")
    # on one of the three rolls, rightly or not: not missed by the guarantee at all (a household
    # paid 特困 that should have 低保 is 应转未转, 漏保 for 低保 but counted here as covered)
    on_a_roll = mine.filter(pl.col("status").is_in(["receiving", "mismatch"])).select(
        "household_id"
    )
    result["basic_living"] = {
        "eligible": prf(
            mine.filter(pl.col("status").is_in(eligible_status)).select("household_id").unique(),
            truth_basic.filter(pl.col("eligible_basic")).select("truth_household"),
        ),
        "missed": prf(
            mine.filter(pl.col("status") == "missed")
            .select("household_id")
            .unique()
            .join(on_a_roll, on="household_id", how="anti"),
            truth_basic.filter(pl.col("missed_basic")).select("truth_household"),
        ),
        "mismatch": prf(
            mine.filter(pl.col("status") == "mismatch")
            .select("household_id")
            .unique()
            .join(receiving_any, on="household_id", how="anti"),
            truth_basic.filter(pl.col("mismatched_basic")).select("truth_household"),
        ),
    }
    include = ours["proposals"].filter(pl.col("kind") == "include").select("household_id")
    result["proposals_include"] = prf(
        include, truth.filter(pl.col("in_ledger")).select("truth_household")
    )
    return result


if __name__ == "__main__":
    import argparse
    import json

    import django

    parser = argparse.ArgumentParser(description="score one assessed database against truth")
    parser.add_argument("truth", type=Path, help="the district's truth/ folder")
    args = parser.parse_args()
    django.setup()
    print(json.dumps(scores(ours_from_database(), args.truth), ensure_ascii=False, indent=1))

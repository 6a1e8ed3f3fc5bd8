"""Writes of the assessment box: one assessment run over every linked household."""

from __future__ import annotations

import contextlib
import hashlib
import json
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import BinaryIO

import polars as pl
from django.db import connection, transaction
from django.utils import timezone

from minqing.assessment.classify import classify
from minqing.assessment.facts import READS, Lists, person_facts
from minqing.assessment.indicators import household_indicators, members_with_facts
from minqing.assessment.models import (
    VALUE_COLUMNS,
    AssessmentRun,
    Finding,
    FindingStatus,
    HouseholdAssessment,
    Proposal,
    ProposalKind,
    ProposalStatus,
    RecordValues,
    SeenImport,
)
from minqing.assessment.policy_inputs import policy_inputs
from minqing.assessment.validity import valid_until
from minqing.audit.actions import record as audit
from minqing.core.bulk import (
    delete_all,
    distinct,
    id_table,
    insert_frame,
    json_array_length,
    json_text,
    query_table,
    read_frame,
    update_frame,
    working_memory,
)
from minqing.core.frames import json_list, json_object_without_defaults
from minqing.core.jsonfields import to_json_text
from minqing.linkage.models import RecordLink
from minqing.policies import BASIC_LIVING, POLICY_LABELS, evaluate, resolve
from minqing.policies.parameters import default_table
from minqing.registry.models import Household, Membership, Person, Relation
from minqing.sources.models import Source, SourceRecord

DISTRICT = "410811"
RUN_LOCK = 5_171_005  # PostgreSQL advisory lock key: one assessment run at a time
STEPS = ["读取人员与记录", "计算指标", "政策认定", "家庭类型与类别", "写入结果", "完成"]
# the benefits paid from a roll: which fact says the household receives them
RECEIPT = {
    "dibao_urban": pl.col("receives_dibao") & (pl.col("dibao_type") == "城市低保"),
    "dibao_rural": pl.col("receives_dibao") & (pl.col("dibao_type") == "农村低保"),
    "tekun": pl.col("receives_tekun"),
    "disability_living": pl.col("receives_disability_living"),
    "disability_care": pl.col("receives_disability_care"),
    "old_age_allowance": pl.col("receives_old_age"),
}


class AssessError(Exception):
    """The run cannot start; nothing was written."""


def assess(
    *,
    on: date,
    by=None,
    progress: Callable[[str, int, int], None] | None = None,
    full: bool = False,
) -> dict:
    """Assess the active households on the date `on`: indicators, every policy with its
    explanation, 漏保 and 错保, family types, category, risk; propose households for the ledger.

    Only the households whose result may have changed since the last run are re-assessed
    (`_changed`): those linkage changed, those with a member whose records an import wrote or
    ended (a new version that reads the same to assessment aside: _drop_unchanged), and those
    whose result runs out by time (validity.py). Every household is, when
    `full`, on the first run, when the rules' code or parameters changed, when a parameter
    changes between the two dates, when `on` is before the last run's date, or when more than
    half the district changed. Either way the stored result is the one a full run would give,
    and only the households whose result differs from the one stored are written
    (HouseholdAssessment.digest): a run after a new release rewrites what the release changed.
    The fields read of the records (RecordValues) are taken in from the imports not seen yet;
    `full` builds them afresh from every record in force. One transaction, one run at a time;
    re-running on unchanged data proposes nothing new."""

    def step(label: str) -> None:
        if progress:
            progress(label, STEPS.index(label), len(STEPS))

    clock = time.perf_counter()
    started_at = timezone.now()
    step("读取人员与记录")
    marks = _watermarks()
    fingerprint = basis()
    reads = reads_basis()
    # one transaction: the values read are brought up to the imports seen, and the households
    # those imports touched re-assessed, together or not at all
    with transaction.atomic(), contextlib.ExitStack() as stack:
        _one_run_at_a_time()
        previous = AssessmentRun.objects.order_by("-id").first()
        # asked for a full run, it starts over from the records themselves
        rebuild = full or previous is None or previous.reads != reads
        imports = stack.enter_context(id_table("assess_imports", _unseen_imports(rebuild)))
        touched = None if rebuild else stack.enter_context(_touched(imports))
        before = None if touched is None else stack.enter_context(_values_before(touched))
        _sync_values(imports, touched, None if previous is None else previous.link_watermark)
        if before is not None:
            _drop_unchanged(touched, before)
        scope = None if full or touched is None else _changed(previous, on, fingerprint, touched)
        table = stack.enter_context(id_table("assess_scope", scope)) if scope is not None else None
        lists, members, households = load(table)
        if scope is None and not households.height:
            raise AssessError("没有家庭户可评估: 请先导入数据并运行数据交叉对比 (minqing link)。")
        indicators, findings, classes, valid = compute(
            lists, members, households, on=on, step=step, validity=True
        )
        step("写入结果")
        run = AssessmentRun.objects.create(
            started_at=started_at,
            by=_user(by),
            assessed_on=on,
            full=scope is None,
            reassessed=households.height,
            import_watermark=marks[0],
            link_watermark=marks[1],
            basis=fingerprint,
            reads=reads,
        )
        now = timezone.now().isoformat()
        rows = _assessment_rows(run, on, classes, indicators, valid, findings, now)
        # a household whose result reads as stored keeps its rows; the others' are replaced
        # (every household's, when most differ)
        ids = _differing(rows, table)
        written = None if ids is None else stack.enter_context(id_table("assess_written", ids))
        rewritten = findings
        if ids is not None:
            differs = pl.col("household_id").is_in(ids.implode())
            rows, rewritten = rows.filter(differs), findings.filter(differs)
            if table is not None:  # a full run counts (and proposes for) every household
                classes, findings = classes.filter(differs), rewritten
        # what the rewritten households counted for before (their rows replaced) is taken away
        # from the last run's counts, and what they count for now added
        replaced = {
            "classes": _write_assessments(rows, written),
            "findings": _write_findings(run, rewritten, written),
        }
        run.rewritten = rows.height
        tallies = _tallies(previous, replaced, classes, findings, scoped=table is not None)
        if table is None:
            factors = classes.select("household_id", factors=json_list("factors"))
            proposals_new = _write_proposals(
                run,
                classes.drop("factors"),
                now,
                lambda rows: factors.join(rows, on="household_id", how="semi"),
            )
        else:
            proposals_new = _write_proposals(run, _stored_classes(), now, _stored_factors)
        run.counts = {
            "classes": tallies["classes"].select(list(CLASS_TALLY)).rows(),
            "findings": tallies["findings"].select(list(FINDING_TALLY)).rows(),
        }
        household_counts, by_policy = tallies["classes"], tallies["findings"]
        run.households = int(household_counts["n"].sum())
        run.typed = int(household_counts.filter(pl.col("types").list.len() > 0)["n"].sum())
        run.findings = int(by_policy["n"].sum())
        run.missed = _count(by_policy, FindingStatus.MISSED)
        run.mismatched = _count(by_policy, FindingStatus.MISMATCH)
        run.proposals_new = proposals_new
        run.finished_at = timezone.now()
        run.seconds = round(time.perf_counter() - clock, 2)
        run.save()
        step("完成")
        audit(
            "assessment.assess",
            by=by,
            obj=run,
            summary=(
                f"综合评估({on}, {'全量' if run.full else '增量'}): {run.households} 户"
                f" (本次重新评估 {run.reassessed} 户), 漏保 {run.missed}, 错保 {run.mismatched}"
            ),
        )
    return summary(run, tallies)


def _one_run_at_a_time() -> None:
    """Two runs at once (a scheduled one and a clerk's, say) would each take in the same imports:
    on PostgreSQL the second waits here, inside its transaction, until the first has committed,
    and then starts from it. SQLite lets one writer in at a time anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RUN_LOCK])


def basis() -> str:
    """The fingerprint of what decides a result besides the data: the program's code (every
    module and data file of the package, tests and templates aside) and the parameter table. A
    run whose fingerprint differs from the last one's re-assesses every household."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.suffix in {".py", ".csv", ".json"} and "tests" not in path.parts:
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _watermarks() -> tuple[int, int]:
    """The newest import run and the newest finished link run: what a run has seen."""
    from minqing.linkage.models import LinkRun
    from minqing.sources.models import ImportRun

    newest_import = ImportRun.objects.order_by("-id").values_list("id", flat=True).first()
    newest_link = (
        LinkRun.objects.filter(finished_at__isnull=False)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    return newest_import or 0, newest_link or 0


# RecordValues' own layout: raise it when what a row holds changes (2: the person), and the
# first run after rebuilds the table
VALUES_LAYOUT = 2


def reads_basis() -> str:
    """The fingerprint of what RecordValues holds: its layout, which fields of which lists, by
    source id."""
    sources = {code: source_id for source_id, code in _read_sources().items()}
    layout = sorted((code, sources.get(code), fields) for code, fields in READS.items())
    return hashlib.sha256(json.dumps([VALUES_LAYOUT, layout]).encode()).hexdigest()


def _unseen_imports(everything: bool) -> pl.Series:
    """The ids of the import runs RecordValues has not taken in (every one, when `everything`)."""
    from minqing.sources.models import ImportRun

    runs = ImportRun.objects.all()
    if not everything:
        runs = runs.exclude(pk__in=SeenImport.objects.values("import_run_id"))
    return pl.Series("id", list(runs.values_list("pk", flat=True)), dtype=pl.Int64)


def _read_sources() -> dict[int, str]:
    """id → code of the lists assessment reads (facts.READS)."""
    return dict(Source.objects.filter(code__in=list(READS)).values_list("id", "code"))


def _width(sources: dict[int, str]) -> int:
    """The most fields READS names for one of `sources`: RecordValues' columns v0 … in use."""
    return max((len(READS[code]) for code in sources.values()), default=0)


def _touched(imports: str) -> contextlib.AbstractContextManager[str]:
    """A temporary table of the records on the lists assessment reads that the import runs in
    the table `imports` ended (ended 1), or wrote and are still in force (ended 0): id,
    source_id, key, ended. All an import can change for assessment: it reads nothing else of
    the records (a record's person and household are linkage's, noted as HouseholdChange)."""
    records = SourceRecord._meta.db_table
    sources = ", ".join(str(i) for i in _read_sources()) or "NULL"
    return query_table(
        "assess_touched",
        f"SELECT r.id AS id, r.source_id AS source_id, r.key AS key, 1 AS ended FROM {records} r"
        f" WHERE r.ended_run_id IN (SELECT id FROM {imports}) AND +r.source_id IN ({sources})"
        f" UNION ALL SELECT r.id, r.source_id, r.key, 0 FROM {records} r"
        f" WHERE r.first_run_id IN (SELECT id FROM {imports}) AND r.valid_to IS NULL"
        # unary +: not by the (source, key) index, which would read most records (SQLite)
        f" AND +r.source_id IN ({sources})",
    )


def _values_before(touched: str) -> contextlib.AbstractContextManager[str]:
    """A temporary table of the values RecordValues holds, before they are brought up to the new
    imports, of the records those imports ended (the table `touched`): source_id, key, v0 …
    (every value column: those a list does not use are null)."""
    return query_table(
        "assess_before",
        "SELECT v.source_id AS source_id, v.key AS key"
        + "".join(f", v.v{i} AS v{i}" for i in range(VALUE_COLUMNS))
        + f" FROM {RecordValues._meta.db_table} v"
        f" WHERE v.record_id IN (SELECT id FROM {touched} WHERE ended = 1)",
    )


def _drop_unchanged(touched: str, before: str) -> None:
    """Take out of `touched` the records an import replaced by a new version that reads the same
    to assessment (RecordValues after _sync_values against `before`, _values_before): a new
    address, a corrected phone number. Most of a day's new versions are such, and re-assessing
    their households would change nothing — unless the person has another record on that list:
    which of them is the newest (valid_from) decides then, and it may have changed."""
    values = RecordValues._meta.db_table
    # the keys first, in a table with statistics of its own: PostgreSQL guesses one row for the
    # comparisons, and deleting by the query itself went over `touched` once for each (81 s for
    # a day's register at a million households)
    unchanged = query_table(
        "assess_unchanged",
        f"SELECT b.source_id AS source_id, b.key AS key FROM {before} b"
        f" JOIN {values} v ON v.source_id = b.source_id AND v.key = b.key"
        " WHERE "
        + "".join(f"NOT {distinct(f'v.v{i}', f'b.v{i}')} AND " for i in range(VALUE_COLUMNS))
        + f"NOT EXISTS (SELECT 1 FROM {values} o WHERE o.person_id = v.person_id"
        " AND o.source_id = v.source_id AND o.record_id <> v.record_id)",
    )
    with unchanged as keys, connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {touched} WHERE (source_id, key) IN (SELECT source_id, key FROM {keys})"
        )


def _sync_values(imports: str, touched: str | None, links_after: int | None) -> None:
    """Bring RecordValues up to the import runs in the table `imports` (_unseen_imports): drop
    the records they ended and take in those they wrote that are still in force (the table
    `touched`, _touched), note the runs as seen, and set the person of each record whose link
    a link run after `links_after` wrote; without `touched`, start over from every record in
    force, in the order of their persons."""
    sources = _read_sources()
    width = _width(sources)
    if width > VALUE_COLUMNS:
        raise AssertionError(
            f"facts.READS reads {width} fields of a list, RecordValues holds {VALUE_COLUMNS}"
        )
    table = RecordValues._meta.db_table
    seen = SeenImport._meta.db_table
    links = RecordLink._meta.db_table

    def value(i: int) -> str:
        cases = " ".join(
            f"WHEN {source_id} THEN {json_text('r.fields', READS[code][i])}"
            for source_id, code in sources.items()
            if i < len(READS[code])
        )
        return f"CASE r.source_id {cases} END"

    columns = "".join(f", v{i}" for i in range(width))
    with working_memory(), connection.cursor() as cursor:
        if touched is None:
            cursor.execute(f"DELETE FROM {table}")
            cursor.execute(f"DELETE FROM {seen}")
        else:
            cursor.execute(
                f"DELETE FROM {table} WHERE record_id IN (SELECT id FROM {touched} WHERE ended = 1)"
            )
        if sources:
            cursor.execute(
                f"INSERT INTO {table} (record_id, source_id, key, valid_from, person_id{columns})"
                " SELECT r.id, r.source_id, r.key, r.valid_from, l.person_id"
                + "".join(f", {value(i)}" for i in range(width))
                + f" FROM {SourceRecord._meta.db_table} r LEFT JOIN {links} l"
                " ON l.source_id = r.source_id AND l.key = r.key"
                + (
                    " WHERE r.valid_to IS NULL"
                    f" AND r.source_id IN ({', '.join(str(i) for i in sources)})"
                    # a PostgreSQL table keeps rows in the order written (SQLite's, by the key)
                    + (" ORDER BY l.person_id, r.id" if connection.vendor == "postgresql" else "")
                    if touched is None
                    else f" WHERE r.id IN (SELECT id FROM {touched} WHERE ended = 0)"
                )
            )
        if touched is not None and links_after is not None:
            # the links linkage wrote since: a record linked for the first time, or moved to
            # another person (every record in force has a link once linkage has run)
            cursor.execute(
                f"UPDATE {table} AS v SET person_id = l.person_id FROM {links} l"
                " WHERE l.run_id > %s AND l.source_id = v.source_id AND l.key = v.key"
                f" AND {distinct('v.person_id', 'l.person_id')}",
                [links_after],
            )
        cursor.execute(f"INSERT INTO {seen} (import_run_id) SELECT id FROM {imports}")
        if touched is None and connection.vendor == "postgresql":
            # statistics now, not when autovacuum comes by: without them the next run's read
            # of a few households' values is planned as a scan of all of them (5 s at a million)
            cursor.execute(f"ANALYZE {table}")


def _changed(previous, on: date, fingerprint: str, touched: str) -> pl.Series | None:
    """The households to re-assess since `previous` (the last run), or None for all of them;
    `touched`: the records new imports wrote or ended (_touched)."""
    if previous is None or previous.basis != fingerprint or on < previous.assessed_on:
        return None
    if any(previous.assessed_on < day <= on for day in default_table().change_dates()):
        return None
    from minqing.linkage.models import HouseholdChange

    ids = read_frame(
        f"SELECT household_id FROM {HouseholdChange._meta.db_table} WHERE run_id > %s"
        " UNION SELECT m.household_id"
        f" FROM {touched} t JOIN {RecordLink._meta.db_table} l"
        " ON l.source_id = t.source_id AND l.key = t.key"
        f" JOIN {Membership._meta.db_table} m ON m.person_id = l.person_id"
        f" UNION SELECT household_id FROM {HouseholdAssessment._meta.db_table}"
        " WHERE valid_until <= %s",
        [previous.link_watermark, on.isoformat()],
        schema={"household_id": pl.Int64},
    )["household_id"]
    if ids.len() > Household.objects.filter(is_active=True).count() // 2:
        return None  # cheaper in full
    return ids


def compute(
    lists: Lists,
    members: pl.DataFrame,
    households: pl.DataFrame,
    *,
    on: date,
    step: Callable[[str], None] = lambda label: None,
    validity: bool = False,
) -> tuple[pl.DataFrame, ...]:
    """The whole assessment over frames (no database): indicators, findings (household × policy
    with status and explanation) and classes (types, category, risk) per household; with
    `validity`, also the day each household's result may change by time alone (validity.py)."""
    step("计算指标")
    facts = person_facts(lists)
    people = members_with_facts(members, facts, on=on)
    indicators = household_indicators(members, facts, on=on, people=people)
    step("政策认定")
    hh, mm = policy_inputs(households, members, facts, indicators, on=on, people=people)
    results = evaluate(hh, mm, on=on, explain=False)
    found = _findings(results, _receiving(members, facts))
    # explanations only for the rows kept (a few % of household × policy): building them for
    # every row was half of the policies' time; the second pass reads only those households
    explained = evaluate(
        hh.join(found, on="household_id", how="semi"),
        mm.join(found, on="household_id", how="semi"),
        on=on,
        explain=found.select("household_id", "policy"),
    )
    findings = _with_explanations(found, explained)
    step("家庭类型与类别")
    standard = resolve("dibao_urban", on, DISTRICT).value
    missed = findings.filter(pl.col("status") == FindingStatus.MISSED.value).select("household_id")
    classes = classify(indicators, results, missed=missed.unique(), dibao_standard=standard)
    if validity:
        return indicators, findings, classes, valid_until(people, on)
    return indicators, findings, classes


def summary(run: AssessmentRun, tallies: dict[str, pl.DataFrame]) -> dict:
    """What a run found, over every household (re-assessed or not), from its counts (_tallies)."""
    classes, by_policy = tallies["classes"], tallies["findings"]
    types = classes.explode("types").drop_nulls("types").group_by("types").agg(pl.col("n").sum())
    categories = (
        classes.filter(pl.col("category") != "").group_by("category").agg(pl.col("n").sum())
    )
    return {
        "run": run.pk,
        "assessed_on": run.assessed_on.isoformat(),
        "households": run.households,
        "typed": run.typed,
        "findings": run.findings,
        "missed": run.missed,
        "mismatched": run.mismatched,
        "proposals_new": run.proposals_new,
        "full": run.full,
        "reassessed": run.reassessed,
        "rewritten": run.rewritten,
        "types": dict(types.rows()),
        "categories": dict(categories.rows()),
        "policies": {
            POLICY_LABELS.get(p, p): {s: n for pp, s, n in by_policy.rows() if pp == p}
            for p in sorted(by_policy["policy"].unique().to_list())
        },
        "seconds": run.seconds,
    }


def _user(by):
    return by if getattr(by, "pk", None) else None


def load(scope: str | None = None) -> tuple[Lists, pl.DataFrame, pl.DataFrame]:
    """The frames compute() reads: each list's current records of linked persons (_lists),
    memberships, households — of every household, or of those in the table `scope` (a
    bulk.id_table of household ids) and their members only."""
    within = f" IN (SELECT id FROM {scope})" if scope else ""
    with working_memory():  # joins of millions of rows, in memory
        lists = _lists(scope)
        members = read_frame(
            f"SELECT m.household_id AS household_id, m.person_id AS person_id, "
            f"m.relation AS relation, p.birth_on AS birth_on, p.sex AS sex "
            f"FROM {Membership._meta.db_table} m JOIN {Person._meta.db_table} p ON p.id = m.person_id"
            + (f" WHERE m.household_id{within}" if scope else ""),
            schema={
                "household_id": pl.Int64,
                "person_id": pl.Int64,
                "relation": pl.String,
                "birth_on": pl.Date,
                "sex": pl.String,
            },
        )
        households = read_frame(
            f"SELECT h.id AS household_id, a.code AS area_code FROM {Household._meta.db_table} h "
            "JOIN areas_area a ON a.id = h.area_id WHERE h.is_active"
            + (f" AND h.id{within}" if scope else ""),
            schema={"household_id": pl.Int64, "area_code": pl.String},
        )
    return (*with_callers_counted_nowhere(lists, members), households)


def _lists(scope: str | None = None) -> Lists:
    """Each list's current records of linked persons (the members of the households in the
    table `scope`, if given), as RecordValues holds them: of each record only the fields
    assessment reads, taken out of its JSON when an import brought it (_sync_values; moving
    whole records and decoding them here was half of the compute, reading them at all most of a
    later run). Value i of a row is the i-th field READS names for its list."""
    sources = _read_sources()
    width = _width(sources)
    rows = read_frame(
        "SELECT v.person_id AS person_id, v.source_id AS source_id, v.valid_from AS valid_from"
        + "".join(f", v.v{i} AS v{i}" for i in range(width))
        + f" FROM {RecordValues._meta.db_table} v"
        + (
            f" WHERE v.person_id IN (SELECT m.person_id FROM {Membership._meta.db_table} m"
            f" JOIN {scope} s ON s.id = m.household_id)"
            if scope
            else " WHERE v.person_id IS NOT NULL"
        ),
        schema={
            "person_id": pl.Int64,
            "source_id": pl.Int64,
            "valid_from": pl.String,
            **{f"v{i}": pl.String for i in range(width)},
        },
    )
    return {
        sources[source_id]: part.select(
            "person_id",
            "valid_from",
            *[
                pl.col(f"v{i}").alias(f"f__{name}")
                for i, name in enumerate(READS[sources[source_id]])
            ],
        )
        for (source_id,), part in rows.partition_by(
            "source_id", as_dict=True, include_key=False
        ).items()
        if source_id in sources
    }


def with_callers_counted_nowhere(lists: Lists, members: pl.DataFrame) -> tuple[Lists, pl.DataFrame]:
    """A household's 来电人 (Relation.CALLER: an unidentified caller from its home, most likely
    one of its members) is no member of its own — not in the household's size, ages or income —
    but what the calls say is the household's: their work orders count as the head's (in a
    household without one, as its first member's)."""
    callers = members.filter(pl.col("relation") == Relation.CALLER.value)
    if not callers.height:
        return lists, members
    counted = members.filter(pl.col("relation") != Relation.CALLER.value)
    head = (
        counted.sort(pl.col("relation") != Relation.HEAD.value, "person_id")
        .group_by("household_id", maintain_order=True)
        .agg(head=pl.col("person_id").first())
    )
    to_head = callers.join(head, on="household_id").select("person_id", "head")
    # only the lists that hold a caller's records (the 12345 list, as linkage makes them) are
    # joined: joining every list took 0.8 s at a million households, looking 0.05 s
    ids = to_head["person_id"].implode()
    lists = {
        source: rows.join(to_head, on="person_id", how="left", maintain_order="left")
        .with_columns(person_id=pl.coalesce("head", "person_id"))
        .drop("head")
        if rows["person_id"].is_in(ids).any()
        else rows
        for source, rows in lists.items()
    }
    return lists, counted


# what a finding stores of each condition (the rest is the catalogue's: policies/explain.py)
STORED_CONDITION_FIELDS = ("condition", "passed", "value", "threshold", "source", "is_demo")


def _receiving(members: pl.DataFrame, facts: pl.DataFrame) -> pl.DataFrame:
    """household_id, policy: the benefits paid from a roll that a member is on."""
    on_roll = facts.filter(pl.any_horizontal(expr.fill_null(False) for expr in RECEIPT.values()))
    return (
        members.join(on_roll, on="person_id")
        .group_by("household_id")
        .agg([expr.fill_null(False).any().alias(policy) for policy, expr in RECEIPT.items()])
        .unpivot(index="household_id", variable_name="policy", value_name="receiving")
        .filter(pl.col("receiving"))
    )


def _findings(results: pl.DataFrame, receiving: pl.DataFrame) -> pl.DataFrame:
    """household × policy rows worth keeping, with their status (漏保 / 错保 / …), in the order
    of `results` (evaluate() without explanations). `receiving` comes from _receiving(). A family
    that declined the 核对 needs nothing here: the rules leave its unknown assets unknown
    (`verification_declined`, policies/catalogue._leaf), so what rests on them is 待核实 already."""
    receiving = receiving.with_columns(pl.col("policy").cast(results.schema["policy"]))
    # only rows that may have a status: eligible (or unknown), or receiving — a few % of results
    # (those of households on a roll kept for the join, which is then a small one)
    on_roll = pl.col("household_id").is_in(receiving["household_id"].implode())
    joined = (
        results.filter(pl.col("eligible").fill_null(True) | on_roll)
        .join(receiving, on=["household_id", "policy"], how="left", maintain_order="left")
        .filter(pl.col("eligible").fill_null(True) | pl.col("receiving").fill_null(False))
        .with_columns(pl.col("receiving").fill_null(False), pl.col("policy").cast(pl.String))
    )
    paid = pl.col("policy").is_in(list(RECEIPT))
    # 低保 (urban or rural) and 特困 exclude each other: a household on one of the three rolls is
    # covered by the guarantee of basic living, and is not 漏保 for the 低保 it is not on — unless
    # that roll is itself 错保 (the rules say no, not "unknown"): a household paid 特困 that fails
    # 特困 but meets 城市低保 is 漏保 for 城市低保 (应转未转), as is one on the 城市 roll that meets
    # only the 农村 one. 特困 ranks above 低保: a household on a 低保 roll that meets 特困 is 漏保
    # for 特困 (its 低保 is then 错保, not_tekun failing), so only the 特困 roll covers 特困
    basic = pl.col("policy").is_in(["dibao_urban", "dibao_rural"])
    rightly_paid = pl.col("receiving") & pl.col("eligible").fill_null(True)
    covered = (
        rightly_paid.filter(pl.col("policy").is_in(list(BASIC_LIVING))).any().over("household_id")
    )
    joined = joined.with_columns(covered=basic & covered.fill_null(False))
    status = (
        pl.when(pl.col("receiving") & (pl.col("eligible") == False))  # noqa: E712
        .then(pl.lit(FindingStatus.MISMATCH.value))
        .when(pl.col("receiving"))
        .then(pl.lit(FindingStatus.RECEIVING.value))
        .when(pl.col("eligible") & paid & ~pl.col("covered"))
        .then(pl.lit(FindingStatus.MISSED.value))
        .when(pl.col("eligible"))
        .then(pl.lit(FindingStatus.ELIGIBLE.value))
        .when(pl.col("eligible").is_null())
        .then(pl.lit(FindingStatus.UNDECIDED.value))
    )
    return (
        joined.with_columns(status=status)
        .drop_nulls("status")
        .select("household_id", "policy", "status", "eligible", "receiving", "amount")
    )


def _with_explanations(findings: pl.DataFrame, explained: pl.DataFrame) -> pl.DataFrame:
    """The findings with their explanations as stored: JSON text, per condition only
    STORED_CONDITION_FIELDS. `explained` is evaluate() over the findings' rows, which it returns
    in the same order (by policy in catalogue order, households in input order)."""
    aligned = explained["household_id"].equals(findings["household_id"]) and explained[
        "policy"
    ].cast(pl.String).equals(findings["policy"])
    if not aligned:
        raise AssertionError("explanations not in the order of the findings")
    slim = explained.select(
        pl.col("explanation").list.eval(
            pl.struct(
                pl.element().struct.field("condition").cast(pl.String),
                *[pl.element().struct.field(f) for f in STORED_CONDITION_FIELDS[1:]],
            )
        ),
    )
    return findings.with_columns(explanation=to_json_text(slim, "explanation"))


def _assessment_rows(
    run,
    on: date,
    classes: pl.DataFrame,
    indicators: pl.DataFrame,
    valid: pl.DataFrame,
    findings: pl.DataFrame,
    now,
) -> pl.DataFrame:
    """The households' assessments as stored, each with its digest: one number for its values
    from types to valid_until and its findings (`findings`, as _write_findings stores them), by
    which a run tells the results that changed (_differing). Polars' hash, stable within one
    version of it: another version rewrites every household once."""
    shown = {c: t for c, t in indicators.schema.items() if c != "household_id"}
    found = (
        findings.select(
            "household_id",
            "policy",
            finding=pl.struct(
                pl.col("policy").cast(pl.String),
                pl.col("status").cast(pl.String),
                pl.col("eligible").cast(pl.Boolean),
                pl.col("receiving").cast(pl.Boolean),
                pl.col("amount").cast(pl.Float64),
                pl.col("explanation").cast(pl.String),
            ).hash(),
        )
        .group_by("household_id")
        .agg(pl.col("finding").sort_by("policy"))
    )
    return (
        classes.join(
            indicators.select("household_id", indicators=json_object_without_defaults(shown)),
            on="household_id",
        )
        .join(valid, on="household_id", how="left", maintain_order="left")
        .select(
            household_id="household_id",
            run_id=pl.lit(run.pk),
            assessed_on=pl.lit(on),
            types=json_list("types"),
            category=pl.col("category").fill_null(""),
            risk="risk",
            factors=json_list("factors"),
            indicators="indicators",
            valid_until="valid_until",
        )
        .join(found, on="household_id", how="left", maintain_order="left")
        .with_columns(
            digest=pl.struct(
                pl.col("types", "category", "factors", "indicators").cast(pl.String),
                pl.col("risk").cast(pl.Int64),
                pl.col("valid_until").cast(pl.Date),
                pl.col("finding").cast(pl.List(pl.UInt64)),
            )
            .hash()
            .reinterpret(signed=True),
            created_at=pl.lit(now),
            updated_at=pl.lit(now),
        )
        .drop("finding")
    )


def _differing(rows: pl.DataFrame, scope: str | None) -> pl.Series | None:
    """The households whose stored result differs from `rows` (_assessment_rows) by its digest,
    or that have one stored and none in `rows` (no longer active): all the households a full
    run (`scope` None) assessed, or of those in the table `scope`. None: write every household,
    when most differ (one DELETE of every row is then the cheaper) or none is stored."""
    stored = read_frame(
        f"SELECT household_id, digest FROM {HouseholdAssessment._meta.db_table}"
        + (f" WHERE household_id IN (SELECT id FROM {scope})" if scope else ""),
        schema={"household_id": pl.Int64, "digest": pl.Int64},
    )
    if scope is None and not stored.height:
        return None
    both = rows.select("household_id", "digest").join(
        stored, on="household_id", how="full", coalesce=True, suffix="_stored"
    )
    ids = both.filter(pl.col("digest").ne_missing(pl.col("digest_stored")))["household_id"]
    if scope is None and ids.len() > stored.height // 2:
        return None
    return ids


def _write_assessments(rows: pl.DataFrame, scope: str | None) -> pl.DataFrame | None:
    """The assessments `rows` (_assessment_rows) replace the stored ones: every household's, or
    those of the households in the table `scope` — whose old ones are returned counted
    (_tallies' "classes")."""
    table = HouseholdAssessment._meta.db_table
    replaced = _delete(table, scope, {"types": pl.String, "category": pl.String})
    insert_frame(table, rows)
    return None if replaced is None else _types_sorted(_counted(replaced, "types", "category"))


def _write_findings(run, findings: pl.DataFrame, scope: str | None) -> pl.DataFrame | None:
    """The findings replace the old ones, as _write_assessments; the old ones of the households
    in `scope` are returned counted (_tallies' "findings")."""
    table = Finding._meta.db_table
    replaced = _delete(table, scope, {"policy": pl.String, "status": pl.String})
    insert_frame(table, findings.with_columns(run_id=pl.lit(run.pk)))
    return None if replaced is None else _counted(replaced, "policy", "status")


def _delete(
    table: str, scope: str | None, returning: dict[str, pl.DataType]
) -> pl.DataFrame | None:
    """Every row of an assessment table, or those of the households in the table `scope`, whose
    `returning` columns are returned (reading them before was another pass over the same rows)."""
    if scope is None:
        delete_all(table)
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE household_id IN (SELECT id FROM {scope})"
            f" RETURNING {', '.join(returning)}"
        )
        return pl.DataFrame(cursor.fetchall(), schema=returning, orient="row")


def _stored_classes() -> pl.DataFrame:
    """The family types, category and risk as stored of the households the proposals may
    concern after a run that re-assessed some of them: those with a family type, and those in
    the ledger (_write_proposals proposes nothing for any other)."""
    from minqing.casework.models import ACTIVE_ENTRY, LedgerEntry  # the ledger reads us back

    statuses = ", ".join(f"'{s}'" for s in ACTIVE_ENTRY)
    return read_frame(
        f"SELECT household_id, types, category, risk FROM {HouseholdAssessment._meta.db_table}"
        f" WHERE {json_array_length('types')} > 0 OR household_id IN (SELECT household_id"
        f" FROM {LedgerEntry._meta.db_table} WHERE status IN ({statuses}))",
        schema={
            "household_id": pl.Int64,
            "types": pl.String,
            "category": pl.String,
            "risk": pl.Int32,
        },
    ).with_columns(
        pl.col("types").str.json_decode(pl.List(pl.String)),
        pl.when(pl.col("category") != "").then(pl.col("category")).alias("category"),
    )


def _stored_factors(households: pl.DataFrame) -> pl.DataFrame:
    """household_id, factors (JSON text) as stored, of the households in the frame: the reasons
    of the proposals a run makes."""
    with id_table("assess_proposed", households["household_id"]) as ids:
        return read_frame(
            f"SELECT household_id, factors FROM {HouseholdAssessment._meta.db_table}"
            f" WHERE household_id IN (SELECT id FROM {ids})",
            schema={"household_id": pl.Int64, "factors": pl.String},
        )


# what a run's counts are made of (AssessmentRun.counts)
CLASS_TALLY = {"types": pl.List(pl.String), "category": pl.String, "n": pl.Int64}
FINDING_TALLY = {"policy": pl.String, "status": pl.String, "n": pl.Int64}


def _tallies(
    previous, replaced, classes: pl.DataFrame, findings: pl.DataFrame, *, scoped: bool
) -> dict[str, pl.DataFrame]:
    """Every household's family types and category, and every finding's policy and status,
    counted ("classes": types (sorted), category ("" for none), n; "findings": policy, status,
    n). A full run counts what it computed; a run that re-assessed some households takes the
    last run's counts, less what those households counted for before (`replaced`: their rows
    replaced, as _write_assessments and _write_findings return them), plus what they count for
    now — or, after a run that kept no counts, counts the stored rows."""
    computed = {
        "classes": _types_sorted(
            _counted(classes.with_columns(pl.col("category").fill_null("")), "types", "category")
        ),
        "findings": _counted(findings, "policy", "status"),
    }
    if not scoped:
        return computed
    if not previous.counts:
        return _stored_tallies()
    last = {
        "classes": pl.DataFrame(previous.counts["classes"], schema=CLASS_TALLY, orient="row"),
        "findings": pl.DataFrame(previous.counts["findings"], schema=FINDING_TALLY, orient="row"),
    }
    return {
        name: pl.concat(
            [
                last[name],
                replaced[name].select(last[name].columns).with_columns(-pl.col("n")),
                computed[name].select(last[name].columns),
            ]
        )
        .group_by([c for c in last[name].columns if c != "n"])
        .agg(pl.col("n").sum())
        .filter(pl.col("n") != 0)
        for name in last
    }


def _stored_tallies() -> dict[str, pl.DataFrame]:
    """The counts of _tallies over every stored row."""
    classes = read_frame(
        f"SELECT types, category, COUNT(*) AS n FROM {HouseholdAssessment._meta.db_table}"
        " GROUP BY types, category",
        schema={"types": pl.String, "category": pl.String, "n": pl.Int64},
    )
    findings = read_frame(
        f"SELECT policy, status, COUNT(*) AS n FROM {Finding._meta.db_table}"
        " GROUP BY policy, status",
        schema=FINDING_TALLY,
    )
    return {"classes": _types_sorted(classes), "findings": findings}


def _counted(rows: pl.DataFrame, *keys: str) -> pl.DataFrame:
    """keys…, n: the rows counted by `keys`."""
    return rows.group_by(*keys).agg(n=pl.len().cast(pl.Int64))


def _types_sorted(counts: pl.DataFrame) -> pl.DataFrame:
    """Counts by types (a list, or its JSON text as stored) and category, with the same types in
    another order as one row. Sorting the few rows of counts: sorting every household's types
    before counting took 4 s at a million."""
    if counts.schema["types"] == pl.String:
        counts = counts.with_columns(pl.col("types").str.json_decode(pl.List(pl.String)))
    return (
        counts.with_columns(pl.col("types").list.sort())
        .group_by("types", "category")
        .agg(pl.col("n").sum())
    )


def _count(by_policy: pl.DataFrame, status: FindingStatus) -> int:
    return int(by_policy.filter(pl.col("status") == status.value)["n"].sum())


def _write_proposals(
    run, classes: pl.DataFrame, now, factors: Callable[[pl.DataFrame], pl.DataFrame]
) -> int:
    """Proposals for the ledger; nothing enters or leaves it until a person confirms (casework).
    `classes`: the types, category and risk of every active household with a family type or in
    the ledger (of others too: they change nothing); `factors(households)`: household_id,
    factors (JSON text) of those in the frame, the reasons of the proposals made.

    - include: a household with a family type, not in the ledger, without an open proposal;
    - exit: a household in the ledger that has no family type any more (or is no longer an
      active household: its members died or were merged into another);
    - change: a household in the ledger whose category is not the one the data now say.
    An open proposal the data no longer support is withdrawn. A rerun on unchanged data finds
    every proposal already open, so it proposes nothing new."""
    from minqing.casework.models import ACTIVE_ENTRY, LedgerEntry  # the ledger reads us back

    table = Proposal._meta.db_table
    open_now = _proposals(ProposalStatus.OPEN)
    statuses = ", ".join(f"'{s}'" for s in ACTIVE_ENTRY)
    ledger = read_frame(
        f"SELECT household_id, category AS ledger_category, types AS ledger_types "
        f"FROM {LedgerEntry._meta.db_table} WHERE status IN ({statuses})",
        schema={"household_id": pl.Int64, "ledger_category": pl.String, "ledger_types": pl.String},
    )
    typed = classes.filter(pl.col("types").list.len() > 0)
    in_ledger = classes.join(ledger, on="household_id", how="right").with_columns(
        pl.col("types").fill_null([]).alias("types")
    )

    def of_kind(kind: ProposalKind) -> pl.DataFrame:
        return open_now.filter(pl.col("kind") == kind.value)

    include = typed.join(ledger, on="household_id", how="anti")
    gone = pl.col("category").is_null() & pl.col("risk").is_null()  # not an active household
    exit_ = in_ledger.filter(pl.col("types").list.len() == 0).with_columns(
        reasons=pl.when(gone)
        .then(pl.lit('["家庭户已不在册: 成员均已去世或已并入其他户"]'))
        .otherwise(pl.lit('["本次评估未发现需要关注的情形, 原家庭类型不再成立"]'))
    )
    change = in_ledger.filter(
        (pl.col("types").list.len() > 0)
        & (pl.col("category").fill_null("") != pl.col("ledger_category").fill_null(""))
    )
    # a person said no to this very proposal (same kind, category and types): not again until
    # the data change
    refused = _proposals(ProposalStatus.REJECTED)

    def not_refused(rows: pl.DataFrame, kind: ProposalKind) -> pl.DataFrame:
        return rows.with_columns(
            signature=_signature(pl.col("types")), category_=pl.col("category").fill_null("")
        ).join(
            refused.filter(pl.col("kind") == kind.value),
            left_on=["household_id", "category_", "signature"],
            right_on=["household_id", "category", "signature"],
            how="anti",
        )

    # an include proposal says what the household would enter as: when the data now say another
    # category or other types (a 核对 report came back, say), the open one is replaced
    include = include.with_columns(
        signature=_signature(pl.col("types")), category_=pl.col("category").fill_null("")
    )
    same_include = ["household_id", "category_", "signature"]
    open_include = of_kind(ProposalKind.INCLUDE).rename({"category": "category_"})
    fresh = {
        ProposalKind.INCLUDE: not_refused(include, ProposalKind.INCLUDE).join(
            open_include, on=same_include, how="anti"
        ),
        ProposalKind.EXIT: not_refused(exit_, ProposalKind.EXIT).join(
            of_kind(ProposalKind.EXIT), on="household_id", how="anti"
        ),
        # a change to another category than the open one replaces it
        ProposalKind.CHANGE: not_refused(change, ProposalKind.CHANGE).join(
            of_kind(ProposalKind.CHANGE), on=["household_id", "category"], how="anti"
        ),
    }
    stale = pl.concat(
        [
            open_include.join(include, on=same_include, how="anti").select("id"),
            of_kind(ProposalKind.EXIT).join(exit_, on="household_id", how="anti").select("id"),
            of_kind(ProposalKind.CHANGE)
            .join(change, on=["household_id", "category"], how="anti")
            .select("id"),
        ]
    )
    if stale.height:
        update_frame(
            table,
            stale.select("id").with_columns(
                status=pl.lit(ProposalStatus.WITHDRAWN.value), updated_at=pl.lit(now)
            ),
        )
    for kind, rows in fresh.items():
        if kind == ProposalKind.EXIT:
            reasons = pl.col("reasons")
        else:
            rows = rows.join(factors(rows), on="household_id", how="left")
            reasons = pl.col("factors")
        insert_frame(
            table,
            rows.select(
                household_id="household_id",
                run_id=pl.lit(run.pk),
                kind=pl.lit(kind.value),
                category=pl.col("category").fill_null(""),
                types=json_list("types"),
                reasons=reasons,
                status=pl.lit(ProposalStatus.OPEN.value),
                created_at=pl.lit(now),
                updated_at=pl.lit(now),
            ),
        )
    return sum(rows.height for rows in fresh.values())


def _proposals(status: ProposalStatus) -> pl.DataFrame:
    """id, household_id, kind, category, types, signature of the proposals in a status."""
    return read_frame(
        f"SELECT id, household_id, kind, category, types FROM {Proposal._meta.db_table} "
        "WHERE status = %s",
        [status.value],
        schema={
            "id": pl.Int64,
            "household_id": pl.Int64,
            "kind": pl.String,
            "category": pl.String,
            "types": pl.String,
        },
    ).with_columns(signature=_signature(pl.col("types").str.json_decode(pl.List(pl.String))))


def _signature(types: pl.Expr) -> pl.Expr:
    """The family types as one comparable text, in any order."""
    return types.list.sort().list.join(",").fill_null("")


def request_verification(out: Path | BinaryIO, *, by=None, request=None) -> dict:
    """Write the 核对 request list (verification.py) to `out` (a path or a binary file; xlsx,
    one row per living member) and audit it: it carries full ID numbers, for the 核对中心 only.
    Returns the counts."""
    from minqing.assessment import verification
    from minqing.core.bulkxlsx import write_xlsx

    households = verification.households_to_verify()
    rows = verification.request_frame(households)
    if isinstance(out, Path):
        out.parent.mkdir(parents=True, exist_ok=True)
        write_xlsx(out, [("核对申请名单", rows)])
        name = out.name
    else:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "核对申请名单.xlsx"
            write_xlsx(path, [("核对申请名单", rows)])
            out.write(path.read_bytes())
        name = "下载"
    result = {
        "households": households.height,
        "without_id_numbers": verification.without_id_numbers(households),
        "persons": rows.height,
        "by_policy": verification.count_by_policy(households),
        "file": str(out) if isinstance(out, Path) else "",
    }
    audit(
        "assessment.request_verification",
        by=by,
        request=request,
        summary=(
            f"导出核对申请名单: {result['households']} 户 {result['persons']} 人 → {name}"
            f" (其中 {result['without_id_numbers']} 户成员均无身份证号, 需入户核实)"
        ),
        details={k: v for k, v in result.items() if k != "file"},
    )
    return result

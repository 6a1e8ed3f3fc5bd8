"""A later run re-assesses only the households whose result may have changed — and stores what a
full run on the same day would: findings, explanations, family types, indicators, proposals."""

import contextlib
import datetime as dt
import shutil
from collections.abc import Iterator
from unittest import mock

import polars as pl
import pytest
from django.db import DatabaseError, OperationalError, connection
from django.db.models import Count
from django.utils import timezone

from minqing.assessment import actions
from minqing.assessment.actions import assess, request_verification
from minqing.assessment.facts import READS
from minqing.assessment.models import (
    VALUE_COLUMNS,
    AssessmentRun,
    Finding,
    HouseholdAssessment,
    Proposal,
    RecordValues,
    SeenImport,
)
from minqing.assessment.tests.test_assess import district, linked  # noqa: F401 (fixtures)
from minqing.core.bulkxlsx import write_xlsx
from minqing.linkage.actions import decide, link
from minqing.linkage.models import (
    Decision,
    HouseholdChange,
    LinkRun,
    RecordLink,
    ReviewItem,
    ReviewKind,
)
from minqing.policies.parameters import ParameterTable
from minqing.registry.models import Household, Membership
from minqing.sources.actions import import_file
from minqing.sources.models import ImportRun, Source, SourceRecord
from minqing.sources.readers import read_table
from minqing.synth import verification as center

ON = dt.date(2026, 10, 31)
# what a run's summary says of the whole district, whichever households it re-assessed
WHOLE = ("households", "typed", "findings", "missed", "mismatched", "types", "categories")


def state() -> tuple:
    assessments = {
        a.household_id: (
            sorted(a.types),
            a.category,
            a.risk,
            a.factors,
            a.indicators,
            a.valid_until,
        )
        for a in HouseholdAssessment.objects.all()
    }
    findings = {
        (f.household_id, f.policy): (f.status, f.eligible, f.receiving, f.amount, f.explanation)
        for f in Finding.objects.all()
    }
    proposals = sorted(
        Proposal.objects.open().values_list("household_id", "kind", "category", "types")
    )
    return assessments, findings, proposals


def agrees_with_a_full_run(on: dt.date, incremental: dict) -> None:
    kept = state()
    full = assess(on=on, full=True)
    assert full["full"] and full["proposals_new"] == 0
    again = state()
    assert again[0] == kept[0]  # assessments
    assert again[1] == kept[1]  # findings with their explanations
    assert again[2] == kept[2]  # open proposals
    assert {k: full[k] for k in WHOLE} == {k: incremental[k] for k in WHOLE}
    assert full["policies"] == incremental["policies"]


def test_a_later_run_reassesses_what_changed_and_stores_what_a_full_run_would(linked, tmp_path):  # noqa: F811
    first = assess(on=ON)
    assert first["full"] and first["reassessed"] == first["households"] > 300

    same_day = assess(on=ON)
    assert not same_day["full"] and same_day["reassessed"] == 0
    assert {k: same_day[k] for k in WHOLE} == {k: first[k] for k in WHOLE}

    # the data change: the 核对 reports come back, are imported and linked
    answered = hedui_round(linked, tmp_path)

    later = ON + dt.timedelta(days=30)
    changed = assess(on=later)
    assert not changed["full"] and 0 < changed["rewritten"] <= changed["reassessed"]
    # the verified families, and those with a birthday, an emergency, … in 30 days
    assert answered["households"] <= changed["reassessed"] < first["households"] / 2
    agrees_with_a_full_run(later, changed)

    # time alone: the next day (临时救助 counts the days since an emergency), then 45 days on
    # (birthdays, reports running out)
    next_day = later + dt.timedelta(days=1)
    agrees_with_a_full_run(next_day, assess(on=next_day))
    farther = next_day + dt.timedelta(days=45)
    due = HouseholdAssessment.objects.filter(valid_until__lte=farther).count()
    by_time = assess(on=farther)
    assert not by_time["full"] and by_time["reassessed"] == due > 0
    agrees_with_a_full_run(farther, by_time)


def test_a_run_after_one_that_kept_no_counts_counts_the_stored_rows(linked):  # noqa: F811
    first = assess(on=ON)
    assert first["findings"] > 0 and first["missed"] > 0
    # a run of an earlier version, which kept no counts of its own
    AssessmentRun.objects.filter(pk=first["run"]).update(counts={})
    later = ON + dt.timedelta(days=45)
    incremental = assess(on=later)
    assert not incremental["full"] and 0 < incremental["reassessed"] < first["households"]
    assert AssessmentRun.objects.get(pk=incremental["run"]).counts["findings"]
    agrees_with_a_full_run(later, incremental)


def hedui_round(linked, tmp_path, *, then_link: bool = True) -> dict:  # noqa: F811
    """The 核对 reports come back for the families asked about, are imported and linked."""
    folder = tmp_path / "district"
    shutil.copytree(linked, folder)
    request = tmp_path / "核对申请名单.xlsx"
    request_verification(request)
    answered = center.write_answers(folder, request, on=ON)
    result = import_file("minzheng_hedui", folder / "extracts" / center.FILENAME, channel="cli")
    if then_link:
        link()
    return answered | {"run_id": result["run_id"]}


def values() -> list[tuple]:
    return sorted(
        RecordValues.objects.values_list(
            "record_id",
            "source_id",
            "key",
            "valid_from",
            "person_id",
            *[f"v{i}" for i in range(VALUE_COLUMNS)],
        )
    )


def rebuilt_values(monkeypatch) -> list[tuple]:
    """RecordValues as a run builds it afresh (the fields read changed, and stay so for the
    runs after), on the same day."""
    last = AssessmentRun.objects.latest("id")
    monkeypatch.setattr("minqing.assessment.actions.reads_basis", lambda: f"after run {last.pk}")
    assert assess(on=last.assessed_on)["full"]
    return values()


def test_the_person_of_each_value_follows_linkage(linked, tmp_path, monkeypatch):  # noqa: F811
    assess(on=ON)
    # reports imported, not linked yet: held without a person, read by nobody
    imported = hedui_round(linked, tmp_path, then_link=False)
    unlinked = assess(on=ON)
    written = RecordValues.objects.filter(
        record_id__in=SourceRecord.objects.filter(first_run_id=imported["run_id"]).values("pk")
    )
    assert written.count() > 0 and not written.exclude(person_id=None).exists()
    assert unlinked["reassessed"] == 0
    # linked: each has its person; then one person's 社保 record said to be another's (a review
    # decision), which linkage moves to a person of its own
    link()
    register = dict(
        RecordLink.objects.filter(source__code="gongan_huji").values_list("person_id", "key")
    )
    shebao = RecordLink.objects.filter(
        source__code="renshe_shebao", person_id__in=list(register)
    ).first()
    item = ReviewItem.objects.create(
        kind=ReviewKind.PAIR,
        left_source=Source.objects.get(code="gongan_huji"),
        left_key=register[shebao.person_id],
        right_source=shebao.source,
        right_key=shebao.key,
        first_run=LinkRun.objects.first(),
        last_run=LinkRun.objects.first(),
    )
    decide(item, decision=Decision.DIFFERENT, by=None, note="不同人")
    link()
    moved = RecordLink.objects.get(source=shebao.source, key=shebao.key)
    assert moved.person_id != shebao.person_id
    later = assess(on=ON)
    assert not later["full"]
    assert not written.filter(person_id=None).exists()
    assert RecordValues.objects.get(source_id=shebao.source_id, key=shebao.key).person_id == (
        moved.person_id
    )
    kept = values()
    assert rebuilt_values(monkeypatch) == kept
    agrees_with_a_full_run(ON, later)


def test_the_values_read_are_those_of_the_records_in_force(linked, tmp_path, monkeypatch):  # noqa: F811
    assess(on=ON)
    current = SourceRecord.objects.current().filter(source__code__in=list(READS))
    assert RecordValues.objects.count() == current.count() > 0
    record = current.filter(source__code="minzheng_dibao").first()
    kept = RecordValues.objects.get(record_id=record.pk)
    assert (kept.key, kept.v0, kept.v1) == (record.key, record.fields["benefit_type"], None)
    assert set(SeenImport.objects.values_list("import_run_id", flat=True)) == set(
        ImportRun.objects.values_list("pk", flat=True)
    )

    hedui_round(linked, tmp_path)
    assess(on=ON + dt.timedelta(days=1))
    taken_in = values()
    assert len(taken_in) == current.count()  # the reports, now in force, among them
    assert RecordValues.objects.filter(source_id=record.source_id).count() == (
        current.filter(source_id=record.source_id).count()
    )
    # built afresh from every record in force, they are the same: when the fields read change,
    # and when a full run is asked for (which starts over from the records themselves)
    assert rebuilt_values(monkeypatch) == taken_in
    RecordValues.objects.filter(record_id=record.pk).update(v0="篡改")
    assert not assess(on=ON + dt.timedelta(days=1))["full"]
    assert values() != taken_in
    assert assess(on=ON + dt.timedelta(days=1), full=True)["full"]
    assert values() == taken_in


def test_an_import_that_commits_after_a_later_numbered_one_is_still_read(linked, tmp_path):  # noqa: F811
    assess(on=ON)
    hedui_round(linked, tmp_path)
    assess(on=ON)
    # the 核对中心 corrects its reports: every verified income ten times higher (a new version
    # of each record, same key and links: no linkage run)
    path = tmp_path / "district" / "extracts" / center.FILENAME
    reports = read_table(path, kind="xlsx").frame.drop("__row", strict=False)
    income = pl.col("月收入(元)").cast(pl.Int64, strict=False)
    write_xlsx(path, [(center.SHEET, reports.with_columns((income * 10).cast(pl.String)))])
    corrected = import_file("minzheng_hedui", path, channel="cli")
    assert corrected["status"] == "succeeded" and corrected["counts"]["updated"] > 0
    # a run saw import N+1 before import N committed (two imports at once): a watermark would
    # have passed N by
    later = ImportRun.objects.create(
        source=ImportRun.objects.get(pk=corrected["run_id"]).source,
        file_name="另一批.xlsx",
        file_hash="0" * 64,
        file_size=0,
        started_at=timezone.now(),
        finished_at=timezone.now(),
        status="unchanged",
    )
    SeenImport.objects.create(import_run_id=later.pk)
    AssessmentRun.objects.filter(pk=AssessmentRun.objects.latest("id").pk).update(
        import_watermark=later.pk
    )
    after = ON + dt.timedelta(days=1)
    run = assess(on=after)
    assert not run["full"] and run["reassessed"] > 0
    written = SourceRecord.objects.filter(first_run_id=corrected["run_id"])
    assert RecordValues.objects.filter(record_id__in=written.values("pk")).count() == (
        written.count()
    )
    agrees_with_a_full_run(after, run)


@contextlib.contextmanager
def reassessed() -> Iterator[set[int]]:
    """The households the runs inside re-assess (those they rewrite are only those whose result
    changed)."""
    seen: set[int] = set()
    compute = actions.compute

    def computing(lists, members, households, **options):
        seen.update(households["household_id"].to_list())
        return compute(lists, members, households, **options)

    with mock.patch.object(actions, "compute", computing):
        yield seen


def household_of(source_code: str, key: str) -> int:
    link = RecordLink.objects.get(source__code=source_code, key=key)
    return Membership.objects.get(person_id=link.person_id).household_id


def test_new_versions_that_read_the_same_reassess_nobody(linked, tmp_path):  # noqa: F811
    """A day's register: many people's 民族 or address corrected (nothing assessment reads), one
    person's 户口性质 changed. Only that person's household is re-assessed."""
    assess(on=ON)
    folder = tmp_path / "district"
    shutil.copytree(linked, folder)
    path = folder / "extracts" / "公安_户籍人口.xlsx"
    register = read_table(path, kind="xlsx", sheet="户籍人口").frame.drop("__row", strict=False)
    # a person the register lists once, under an ID number written as the key is
    single = (
        RecordLink.objects.filter(source__code="gongan_huji")
        .values("person_id")
        .annotate(n=Count("id"))
        .filter(n=1)
        .values("person_id")
    )
    keys = set(
        RecordLink.objects.filter(source__code="gongan_huji", person_id__in=single).values_list(
            "key", flat=True
        )
    )
    rows = register.with_row_index("i").filter(
        pl.col("公民身份号码").is_in(list(keys)) & (pl.col("人员状态") == "正常")
    )
    moved = rows["i"].head(40)  # another ethnicity written
    flipped = rows.row(40, named=True)  # another 户口性质
    urban = flipped["户口性质"].startswith("非农业")
    register = (
        register.with_row_index("i")
        .with_columns(
            民族=pl.when(pl.col("i").is_in(moved.implode()))
            .then(pl.lit("满族"))
            .otherwise(pl.col("民族")),
            户口性质=pl.when(pl.col("i") == flipped["i"])
            .then(pl.lit("农业家庭户口" if urban else "非农业家庭户口"))
            .otherwise(pl.col("户口性质")),
        )
        .drop("i")
    )
    write_xlsx(path, [("户籍人口", register)])
    result = import_file("gongan_huji", path, channel="cli")
    assert result["status"] == "succeeded" and result["counts"]["updated"] == 41

    with reassessed() as households:
        run = assess(on=ON)
    assert not run["full"] and run["reassessed"] == 1
    assert households == {household_of("gongan_huji", flipped["公民身份号码"])}
    # the new versions are the values read all the same
    written = SourceRecord.objects.filter(first_run_id=result["run_id"])
    assert RecordValues.objects.filter(record_id__in=written.values("pk")).count() == 41
    agrees_with_a_full_run(ON, run)


def new_version(record: SourceRecord, **fields) -> SourceRecord:
    """A new version of the record, as an import writes one: the old one ended, a copy in force
    (with `fields` changed)."""
    now = timezone.now()
    run = ImportRun.objects.create(
        source_id=record.source_id,
        file_name="新版本.xlsx",
        file_hash=f"{record.pk:064d}",
        file_size=0,
        started_at=now,
        finished_at=now,
        status="succeeded",
    )
    SourceRecord.objects.filter(pk=record.pk).update(valid_to=now, ended_run=run)
    newer = SourceRecord.objects.get(pk=record.pk)
    newer.pk = None
    newer.valid_from, newer.valid_to, newer.first_run, newer.ended_run = now, None, run, None
    newer.fields = {**newer.fields, **fields}
    newer.save()
    return newer


def test_a_new_version_of_one_of_a_persons_records_on_a_list_reassesses_them(linked):  # noqa: F811
    """Of a person's records on one list the newest counts: a new version of the older one,
    reading the same, makes it the newest."""
    assess(on=ON)
    sources = Source.objects.filter(code__in=list(READS))
    twice = (
        RecordLink.objects.filter(source__in=sources)
        .values("person_id", "source_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by("person_id", "source_id")
        .first()
    )
    assert twice is not None
    keys = RecordLink.objects.filter(
        person_id=twice["person_id"], source_id=twice["source_id"]
    ).values("key")
    older = (
        SourceRecord.objects.current()
        .filter(source_id=twice["source_id"], key__in=keys)
        .order_by("valid_from", "id")
        .first()
    )
    new_version(older)

    with reassessed() as households:
        later = assess(on=ON)
    assert Membership.objects.get(person_id=twice["person_id"]).household_id in households
    agrees_with_a_full_run(ON, later)


def test_a_new_version_differing_in_any_field_read_is_taken_in(linked, monkeypatch):  # noqa: F811
    """Only a new version that reads the same in every field read is passed over: one that
    differs in any — here the last of the register's — is taken in, and its household
    re-assessed."""
    assess(on=ON)
    last = len(READS["gongan_huji"]) - 1
    field = READS["gongan_huji"][last]
    older = (
        SourceRecord.objects.current()
        .filter(source__code="gongan_huji", fields__status="正常")
        .order_by("id")
        .first()
    )
    assert older.fields.get(field) in (None, "")
    newer = new_version(older, **{field: "2026-10-01"})

    with reassessed() as households:
        later = assess(on=ON)
    assert household_of("gongan_huji", newer.key) in households
    row = RecordValues.objects.get(record_id=newer.pk)
    assert getattr(row, f"v{last}") == "2026-10-01"
    taken_in = values()
    assert rebuilt_values(monkeypatch) == taken_in
    agrees_with_a_full_run(ON, later)


def test_when_a_run_reassesses_every_household(linked, monkeypatch):  # noqa: F811
    assess(on=ON)
    # going back in time
    assert assess(on=ON - dt.timedelta(days=1))["full"]
    assert not assess(on=ON)["full"]
    # other code or parameters: the fingerprint differs
    monkeypatch.setattr("minqing.assessment.actions.basis", lambda: "another program")
    assert assess(on=ON)["full"]
    assert not assess(on=ON)["full"]
    # a parameter changes between the last run's day and this one's (on that day included)
    change = ON + dt.timedelta(days=10)
    monkeypatch.setattr(ParameterTable, "change_dates", lambda self: [change])
    assert not assess(on=change - dt.timedelta(days=1))["full"]
    assert assess(on=change)["full"]
    assert not assess(on=change + dt.timedelta(days=1))["full"]


def test_linkage_notes_the_households_it_changed_and_no_others(linked):  # noqa: F811
    first = LinkRun.objects.get()
    assert HouseholdChange.objects.filter(run=first).count() == first.households
    link()  # the same records again
    second = LinkRun.objects.latest("id")
    assert second.pk != first.pk
    assert not HouseholdChange.objects.filter(run=second).exists()


def broken_in_python(*args, **kwargs):
    raise RuntimeError("写入中断")


def broken_in_the_database(*args, **kwargs):
    with connection.cursor() as cursor:
        cursor.execute("SELECT no_such_column FROM assessment_finding")


@pytest.mark.parametrize("full", [True, False])
@pytest.mark.parametrize(
    ("broken", "error"), [(broken_in_python, RuntimeError), (broken_in_the_database, DatabaseError)]
)
def test_a_run_that_fails_writes_nothing(linked, tmp_path, monkeypatch, full, broken, error):  # noqa: F811
    assess(on=ON)
    hedui_round(linked, tmp_path)  # an import for the run to take in
    before = state()
    taken_in = (values(), set(SeenImport.objects.values_list("import_run_id", flat=True)))
    runs = list(HouseholdAssessment.objects.values_list("run_id", flat=True).distinct())

    with monkeypatch.context() as patch:
        patch.setattr("minqing.assessment.actions._write_proposals", broken)
        # the error itself, not one about the run's cleaning up after it
        with pytest.raises(error, match=r"写入中断|no_such_column"):
            assess(on=ON + dt.timedelta(days=20), full=full)
    assert state() == before
    assert (values(), set(SeenImport.objects.values_list("import_run_id", flat=True))) == taken_in
    assert list(HouseholdAssessment.objects.values_list("run_id", flat=True).distinct()) == runs
    # and the next run goes through (nothing of the failed one left in the way)
    assert not assess(on=ON + dt.timedelta(days=20))["full"]
    assert values() != taken_in[0]


def test_a_second_run_waits_until_the_first_has_committed(linked):  # noqa: F811
    if connection.vendor != "postgresql":
        pytest.skip("SQLite lets one writer in at a time by itself")
    import psycopg

    from minqing.assessment.actions import RUN_LOCK

    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"],
        user=settings["USER"],
        dbname=settings["NAME"],
        autocommit=True,
    ) as first:
        first.execute("SELECT pg_advisory_lock(%s)", [RUN_LOCK])  # a run under way elsewhere
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '300ms'")
        try:
            with pytest.raises(OperationalError, match="lock timeout"):
                assess(on=ON)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")
    assert not AssessmentRun.objects.exists()
    assert assess(on=ON)["full"]  # the first one done


def test_a_run_rewrites_only_the_households_whose_result_changed(linked):  # noqa: F811
    first = assess(on=ON)
    assert first["rewritten"] == first["households"]
    # on the same data a full run (after a new release, say) finds every result as stored
    again = assess(on=ON, full=True)
    assert again["full"] and again["reassessed"] == first["households"] and again["rewritten"] == 0
    assert set(HouseholdAssessment.objects.values_list("run_id", flat=True)) == {first["run"]}
    assert set(Finding.objects.values_list("run_id", flat=True)) == {first["run"]}
    assert {k: again[k] for k in WHOLE} == {k: first[k] for k in WHOLE}

    kept = state()
    stored = HouseholdAssessment.objects.order_by("household_id")
    # a result as an older program stored it, one whose digest no longer matches, and a
    # household linkage has since dissolved
    older, other, gone = (a.household_id for a in stored.filter(risk__gt=0)[:3])
    HouseholdAssessment.objects.filter(household_id=older).update(risk=99, digest=None)
    HouseholdAssessment.objects.filter(household_id=other).update(digest=1)
    Membership.objects.filter(household_id=gone).delete()
    Household.objects.filter(pk=gone).update(is_active=False)
    assert Finding.objects.filter(household_id=gone).exists()
    full = assess(on=ON, full=True)
    assert full["rewritten"] == 2 and full["households"] == first["households"] - 1
    rewritten = set(
        HouseholdAssessment.objects.filter(run_id=full["run"]).values_list(
            "household_id", flat=True
        )
    )
    assert rewritten == {older, other}
    assert not HouseholdAssessment.objects.filter(household_id=gone).exists()
    assert not Finding.objects.filter(household_id=gone).exists()
    after = state()
    assert after[0] == {h: a for h, a in kept[0].items() if h != gone}
    assert after[1] == {k: f for k, f in kept[1].items() if k[0] != gone}

    # stored by a version that kept no digests: every household written again, in one go
    HouseholdAssessment.objects.update(digest=None)
    assert assess(on=ON, full=True)["rewritten"] == full["households"]
    assert state()[:2] == after[:2]


def test_a_results_digest_covers_its_values_and_its_findings_in_any_order():
    """What tells a run which households to rewrite: any stored value of the assessment or of
    one of its findings changed gives another digest; the findings' order, the run and the day
    do not."""
    classes = pl.DataFrame(
        {
            "household_id": [1, 2],
            "types": [["living"], []],
            "category": ["general", None],
            "risk": [40, 0],
            "factors": [["低保边缘"], []],
        }
    )
    indicators = pl.DataFrame({"household_id": [1, 2], "members": [3, 1], "income": [500.0, 0.0]})
    valid = pl.DataFrame({"household_id": [1], "valid_until": [dt.date(2027, 1, 1)]})
    findings = pl.DataFrame(
        {
            "household_id": [1, 1],
            "policy": ["dibao_urban", "medical_aid"],
            "status": ["missed", "eligible"],
            "eligible": [True, True],
            "receiving": [False, False],
            "amount": [320.0, None],
            "explanation": ["[]", "[]"],
        }
    )

    def digests(classes=classes, indicators=indicators, valid=valid, findings=findings, run=1):
        rows = actions._assessment_rows(
            mock.Mock(pk=run),
            ON + dt.timedelta(days=run),
            classes,
            indicators,
            valid,
            findings,
            "now",
        )
        return dict(rows.select("household_id", "digest").iter_rows())

    first = digests()
    assert first == digests(findings=findings.reverse(), run=2)
    changed = [
        digests(classes=classes.with_columns(risk=pl.Series([41, 0]))),
        digests(classes=classes.with_columns(types=pl.Series([["living", "jobless"], []]))),
        digests(indicators=indicators.with_columns(income=pl.Series([501.0, 0.0]))),
        digests(valid=valid.with_columns(valid_until=pl.lit(dt.date(2027, 1, 2)))),
        digests(findings=findings.with_columns(amount=pl.Series([321.0, None]))),
        digests(findings=findings.with_columns(status=pl.Series(["eligible", "eligible"]))),
        digests(findings=findings.with_columns(explanation=pl.Series(['[{"c": 1}]', "[]"]))),
        digests(findings=findings.head(1)),
    ]
    for digest in changed:
        assert digest[1] != first[1] and digest[2] == first[2]

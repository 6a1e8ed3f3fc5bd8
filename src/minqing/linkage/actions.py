"""Writes of the linkage box: a link run (persons, households, review queue) and review decisions."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import polars as pl
from django.db import transaction
from django.utils import timezone

from minqing.audit.actions import record as audit
from minqing.core.bulk import delete_ids, insert_frame, next_ids, read_frame, update_frame
from minqing.linkage import cluster, engine, golden, households, prepare
from minqing.linkage.models import (
    Decision,
    HouseholdChange,
    LinkRun,
    RecordLink,
    ReviewItem,
    ReviewKind,
)
from minqing.registry.models import Household, Membership, Person

MATCH_THRESHOLD = 0.8
REVIEW_THRESHOLD = 0.3
HOTLINE_SOURCE = "hotline_12345"
FLAGS_DTYPE = pl.List(pl.Struct({"kind": pl.String, "detail": pl.String}))


STEPS = [
    "读取源记录",
    "训练模型并比对",
    "聚类为人员",
    "分配人员编号",
    "生成人员综合记录",
    "组建家庭户",
    "更新人工确认清单",
    "完成",
]


class LinkError(Exception):
    """The run cannot start or its input is unusable; nothing was written."""


def link(
    *,
    by=None,
    engine_name: str = "duckdb",
    model_json: str | None = None,
    spark=None,
    progress: Callable[[str, int, int], None] | None = None,
    match_threshold: float = MATCH_THRESHOLD,
    review_threshold: float = REVIEW_THRESHOLD,
) -> dict:
    """Link every current source record into persons and households, in one transaction.

    Trains the model on the records (or uses `model_json`), applies people's review decisions,
    keeps person and household ids stable, and refreshes the review queue. Returns the summary."""

    def step(label: str) -> None:
        if progress:
            progress(label, STEPS.index(label), len(STEPS))

    clock = time.perf_counter()
    started_at = timezone.now()
    if model_json is not None:
        _check_model(model_json)
    step("读取源记录")
    records = prepare.load_records()
    if not records.height:
        raise LinkError("没有可对比的源记录: 请先导入数据来源 (minqing import)。")
    step("训练模型并比对")
    try:
        scored = engine.train_and_score(
            records.select("unique_id", *prepare.COMPARISON_COLUMNS),
            engine=engine_name,
            model_json=model_json,
            spark=spark,
        )
    except ValueError as error:
        raise LinkError(str(error)) from error
    step("聚类为人员")
    same, different = _decisions(records)
    clustered = cluster.clusters(
        records["unique_id"],
        scored.pairs,
        threshold=match_threshold,
        same=same,
        different=different,
    )
    # a list keyed by ID number names each person once: two of its records with different valid
    # numbers are two people, whatever chain of other records joined them
    # (unless a person said they are the same: decisions win over every rule)
    apart = cluster.same_list_pairs(
        records.join(clustered, on="unique_id", maintain_order="left"), _id_keyed_sources()
    )
    apart = cluster.without(apart, same)
    if apart.height:
        clustered = cluster.clusters(
            records["unique_id"],
            scored.pairs,
            threshold=match_threshold,
            same=same,
            different=pl.concat([different, apart]),
        )
    # the records stay in id order: golden records and households take the first of equals
    records = records.join(clustered, on="unique_id", maintain_order="left")
    with transaction.atomic():
        run = LinkRun.objects.create(
            started_at=started_at,
            by=by if getattr(by, "pk", None) else None,
            engine=engine_name,
            match_threshold=match_threshold,
            review_threshold=review_threshold,
            model_json=scored.model_json,
        )
        step("分配人员编号")
        previous = read_frame(
            f"SELECT id, source_id, key, record_id, person_id FROM {RecordLink._meta.db_table}",
            schema={
                "id": pl.Int64,
                "source_id": pl.Int64,
                "key": pl.String,
                "record_id": pl.Int64,
                "person_id": pl.Int64,
            },
        )
        clusters_n = records["cluster"].n_unique()
        new_ids = next_ids(Person._meta.db_table, clusters_n)
        assigned, retired = cluster.assign_persons(
            records.select("unique_id", "cluster", "source_id", "key"),
            previous.select("source_id", "key", "person_id"),
            first_new_id=new_ids[0] if new_ids else 1,
        )
        records = records.join(assigned, on="unique_id", maintain_order="left")
        step("生成人员综合记录")
        persons_new, persons_touched = _write_persons(records, retired)
        links_touched = _write_links(records, previous, run)
        step("组建家庭户")
        household_count, touched = _write_households(
            records, pl.concat([persons_touched, links_touched]).unique()
        )
        insert_frame(
            HouseholdChange._meta.db_table,
            touched.to_frame("household_id").with_columns(run_id=pl.lit(run.pk)),
        )
        step("更新人工确认清单")
        review_count = _write_review(records, scored.pairs, run, match_threshold, review_threshold)
        conflicts = Person.objects.filter(is_active=True).exclude(conflicts=[]).count()
        run.records = records.height
        run.pairs_scored = scored.pairs.height
        run.pairs_linked = scored.pairs.filter(
            pl.col("match_probability") >= match_threshold
        ).height
        run.persons = records["person_id"].n_unique()
        run.persons_new = persons_new
        run.persons_retired = retired.height
        run.households = household_count
        run.review_items = review_count
        run.conflicts = conflicts
        run.finished_at = timezone.now()
        run.seconds = round(time.perf_counter() - clock, 2)
        run.save()
        step("完成")
        audit(
            "linkage.link",
            by=by,
            obj=run,
            summary=f"数据交叉对比: {run.records} 条记录 → {run.persons} 人, {run.households} 户",
            details={"engine": engine_name, "persons_new": persons_new},
        )
    return summary(run)


def summary(run: LinkRun) -> dict:
    return {
        "run": run.pk,
        "engine": run.engine,
        "records": run.records,
        "pairs_scored": run.pairs_scored,
        "pairs_linked": run.pairs_linked,
        "persons": run.persons,
        "persons_new": run.persons_new,
        "persons_retired": run.persons_retired,
        "households": run.households,
        "review_items": run.review_items,
        "conflicts": run.conflicts,
        "seconds": run.seconds,
    }


def _check_model(model_json: str) -> None:
    try:
        model = json.loads(model_json)
    except ValueError as error:
        raise LinkError(f"模型文件不是有效的 JSON: {error}") from error
    if not isinstance(model, dict) or not model.get("comparisons"):
        raise LinkError(
            "模型文件中没有比对项 (comparisons): 应是 minqing link 保存的 Splink 模型。"
        )


def _id_keyed_sources() -> list[int]:
    from minqing.sources.models import Source

    return [s.pk for s in Source.objects.all() if s.definition.get("key") == ["id_number"]]


def _decisions(records: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """People's decisions as pairs of current unique ids: (same, different)."""
    rows = list(
        ReviewItem.objects.filter(decision__in=[Decision.SAME, Decision.DIFFERENT])
        .exclude(right_source=None)
        .values_list("left_source_id", "left_key", "right_source_id", "right_key", "decision")
    )
    schema = {
        "ls": pl.Int64,
        "lk": pl.String,
        "rs": pl.Int64,
        "rk": pl.String,
        "decision": pl.String,
    }
    decided = pl.DataFrame(rows, schema=schema, orient="row")
    ids = records.select("source_id", "key", "unique_id")
    pairs = decided.join(
        ids.rename({"source_id": "ls", "key": "lk", "unique_id": "unique_id_l"}), on=["ls", "lk"]
    ).join(
        ids.rename({"source_id": "rs", "key": "rk", "unique_id": "unique_id_r"}), on=["rs", "rk"]
    )
    same = pairs.filter(pl.col("decision") == Decision.SAME).select("unique_id_l", "unique_id_r")
    different = pairs.filter(pl.col("decision") == Decision.DIFFERENT).select(
        "unique_id_l", "unique_id_r"
    )
    return same, different


def _write_persons(records: pl.DataFrame, retired: pl.DataFrame) -> tuple[int, pl.Series]:
    """Golden records: new persons inserted, changed ones updated, merged ones retired. Returns
    how many are new, and the ids of all three."""
    table = Person._meta.db_table
    gold = golden.golden_records(records).with_columns(pl.col("birth_on").str.to_date(strict=False))
    # died_on from the current records only: a death record ended (a mistake corrected) clears it.
    # Dead without a date on any list: the day the list said so, which the person died by — a null
    # here would read as alive everywhere (the 核对 request, the pages)
    dead = golden.deaths(records).select(
        "person_id", died_on=pl.col("died_on").fill_null(pl.col("recorded_on"))
    )
    gold = gold.join(dead, on="person_id", how="left", maintain_order="left")
    existing = read_frame(
        f"SELECT id AS person_id, name, sex, birth_on, died_on, id_number, phone, record_count, golden, conflicts, is_active FROM {table}",
        schema={
            "person_id": pl.Int64,
            "name": pl.String,
            "sex": pl.String,
            "birth_on": pl.Date,
            "died_on": pl.Date,
            "id_number": pl.String,
            "phone": pl.String,
            "record_count": pl.Int64,
            "golden": pl.String,
            "conflicts": pl.String,
            "is_active": pl.String,
        },
    )
    now = timezone.now().isoformat()
    new = gold.join(existing.select("person_id"), on="person_id", how="anti")
    insert_frame(
        table,
        new.rename({"person_id": "id"}).with_columns(
            is_active=pl.lit(True),
            created_at=pl.lit(now),
            updated_at=pl.lit(now),
        ),
    )
    compared = [
        "name",
        "sex",
        "birth_on",
        "died_on",
        "id_number",
        "phone",
        "record_count",
        "golden",
        "conflicts",
    ]
    old = existing.with_columns(
        active=pl.col("is_active").is_in(["1", "t", "true", "True"]),
    )
    joined = gold.join(old, on="person_id", suffix="_old")
    changed = joined.filter(
        pl.any_horizontal(
            [
                pl.col(c).cast(pl.String).ne_missing(pl.col(f"{c}_old").cast(pl.String))
                for c in compared
            ]
        )
        | ~pl.col("active")
    )
    # JSON read back from PostgreSQL's jsonb may be spelled differently: compare parsed
    changed = (
        changed.filter(
            pl.Series(
                [
                    _differs(r)
                    for r in changed.select(
                        *compared, *[f"{c}_old" for c in compared], "active"
                    ).iter_rows(named=True)
                ],
                dtype=pl.Boolean,
            )
        )
        if changed.height
        else changed
    )
    update_frame(
        table,
        changed.select("person_id", *compared)
        .rename({"person_id": "id"})
        .with_columns(is_active=pl.lit(True), updated_at=pl.lit(now)),
    )
    if retired.height:
        update_frame(
            table,
            retired.rename({"person_id": "id", "merged_into": "merged_into_id"}).with_columns(
                is_active=pl.lit(False), updated_at=pl.lit(now)
            ),
        )
    touched = pl.concat([frame["person_id"].cast(pl.Int64) for frame in (new, changed, retired)])
    return new.height, touched


def _differs(row: dict) -> bool:
    if not row["active"]:
        return True
    for column in ("name", "sex", "id_number", "phone"):
        if (row[column] or "") != (row[f"{column}_old"] or ""):
            return True
    for column in ("birth_on", "died_on", "record_count"):
        if row[column] != row[f"{column}_old"]:
            return True
    for column in ("golden", "conflicts"):
        if json.loads(row[column] or "null") != json.loads(row[f"{column}_old"] or "null"):
            return True
    return False


def _write_links(records: pl.DataFrame, previous: pl.DataFrame, run: LinkRun) -> pl.Series:
    """Only what changed: links whose person or record version moved are replaced. Returns the
    persons whose records moved (to them or away from them)."""
    table = RecordLink._meta.db_table
    current = records.select("source_id", "key", record_id="unique_id", person_id="person_id")
    joined = previous.join(current, on=["source_id", "key"], how="left", suffix="_new")
    stale = joined.filter(
        pl.col("person_id_new").is_null()
        | (pl.col("person_id_new") != pl.col("person_id"))
        | (pl.col("record_id_new") != pl.col("record_id"))
    )
    delete_ids(table, stale["id"].to_list())
    kept = joined.filter(~pl.col("id").is_in(stale["id"].implode())).select("source_id", "key")
    fresh = current.join(kept, on=["source_id", "key"], how="anti")
    insert_frame(table, fresh.with_columns(run_id=pl.lit(run.pk)))
    return pl.concat([stale["person_id"], fresh["person_id"]])


def _write_households(records: pl.DataFrame, persons: pl.Series) -> tuple[int, pl.Series]:
    """Households as found, and their memberships; `persons` are those whose golden record or
    records changed. Returns how many households there are, and the ids of the ones changed:
    new, deactivated, rewritten, with a membership added or removed, or with one of `persons` as
    a member before or after (HouseholdChange)."""
    from minqing.areas.models import Area
    from minqing.registry.models import Place

    found, members = households.build_households(
        records.select(
            "person_id",
            "source",
            "fields",
            "name",
            "area_code",
            "address",
            "building_code",
            "dwelling",
            "id_number",
            "id_valid",
        )
    )
    areas = dict(Area.objects.values_list("code", "id"))
    root = Area.objects.filter(parent=None).order_by("id").values_list("id", flat=True).first()
    if root is None:
        raise LinkError("尚未载入行政区划 (areas): 家庭户需要所在网格。")
    places = dict(Place.objects.filter(kind="building").values_list("code", "id"))
    found = found.with_columns(
        area_id=pl.col("area_code")
        .replace_strict(areas, default=None, return_dtype=pl.Int64)
        .fill_null(root),
        place_id=pl.col("building_code").replace_strict(
            places, default=None, return_dtype=pl.Int64
        ),
        number=pl.col("number").fill_null(""),
        address=pl.col("address").fill_null("").str.slice(0, 200),
    )
    table = Household._meta.db_table
    columns = ["number", "area_id", "address", "place_id", "flags"]
    existing = read_frame(
        f"SELECT id, key, number, area_id, address, place_id, flags, is_active FROM {table}",
        schema={
            "id": pl.Int64,
            "key": pl.String,
            "number": pl.String,
            "area_id": pl.Int64,
            "address": pl.String,
            "place_id": pl.Int64,
            "flags": pl.String,
            "is_active": pl.String,
        },
    )
    now = timezone.now().isoformat()
    old = found.join(existing, on="key", suffix="_old")
    # only households whose facts changed are written (JSON compared parsed: PostgreSQL's jsonb
    # spells it its own way)
    changed = old.filter(
        pl.any_horizontal(
            [pl.col(c).ne_missing(pl.col(f"{c}_old")) for c in columns if c != "flags"]
        )
        | ~pl.col("is_active").is_in(["1", "t", "true", "True"])
        | (
            pl.col("flags").str.json_decode(FLAGS_DTYPE)
            != pl.col("flags_old").str.json_decode(FLAGS_DTYPE)
        )
    )
    update_frame(
        table,
        changed.select("id", *columns).with_columns(is_active=pl.lit(True), updated_at=pl.lit(now)),
    )
    new = found.join(existing, on="key", how="anti")
    ids = next_ids(table, new.height)
    new = new.with_columns(id=pl.Series(ids, dtype=pl.Int64))
    insert_frame(
        table,
        new.select("id", "key", *columns).with_columns(
            is_active=pl.lit(True), created_at=pl.lit(now), updated_at=pl.lit(now)
        ),
    )
    gone = existing.join(found, on="key", how="anti").filter(
        pl.col("is_active").is_in(["1", "t", "true", "True"])
    )
    if gone.height:
        update_frame(
            table, gone.select("id").with_columns(is_active=pl.lit(False), updated_at=pl.lit(now))
        )
    key_ids = pl.concat([old.select("key", "id"), new.select("key", "id")])
    moved = _write_memberships(members.join(key_ids, on="key"), now, persons)
    touched = pl.concat([changed["id"], new["id"], gone["id"], moved])
    return found.height, touched.unique().sort()


def _write_memberships(members: pl.DataFrame, now: str, persons: pl.Series) -> pl.Series:
    """Memberships as found: the ones that changed are replaced, the rest left alone. Returns
    the households of those replaced, and of `persons`, before and after."""
    table = Membership._meta.db_table
    wanted = members.select(household_id="id", person_id="person_id", relation="relation")
    existing = read_frame(
        f"SELECT id, household_id, person_id, relation FROM {table}",
        schema={
            "id": pl.Int64,
            "household_id": pl.Int64,
            "person_id": pl.Int64,
            "relation": pl.String,
        },
    )
    on = ["household_id", "person_id", "relation"]
    removed = existing.join(wanted, on=on, how="anti")
    added = wanted.join(existing, on=on, how="anti")
    delete_ids(table, removed["id"].to_list())
    insert_frame(table, added.with_columns(created_at=pl.lit(now), updated_at=pl.lit(now)))
    ids = persons.implode()
    return pl.concat(
        [
            removed["household_id"],
            added["household_id"],
            existing.filter(pl.col("person_id").is_in(ids))["household_id"],
            wanted.filter(pl.col("person_id").is_in(ids))["household_id"],
        ]
    )


def _write_review(
    records: pl.DataFrame, pairs: pl.DataFrame, run: LinkRun, match: float, low: float
) -> int:
    """Pairs in the uncertain band whose records ended in different persons, and hotline records
    left alone (with their best candidate, if any). Decided items are never asked again."""
    person = records.select("unique_id", "person_id", "source_id", "key", "source")
    scored = (
        pairs.join(person.rename(lambda c: f"{c}_l"), on="unique_id_l")
        .join(person.rename(lambda c: f"{c}_r"), on="unique_id_r")
        .filter(pl.col("person_id_l") != pl.col("person_id_r"))
    )
    uncertain = scored.filter(pl.col("match_probability").is_between(low, match, closed="left"))
    # equal probabilities are common (same agreement pattern): ties go to the lower record ids,
    # so the same pairs in any order ask the same questions
    uncertain = uncertain.sort(
        ["match_probability", "unique_id_l", "unique_id_r"], descending=[True, False, False]
    ).unique(["person_id_l", "person_id_r"], keep="first", maintain_order=True)
    alone = person.filter((pl.col("source") == HOTLINE_SOURCE) & (pl.len().over("person_id") == 1))
    best = (
        pl.concat(
            [
                scored.select(
                    unique_id="unique_id_l",
                    other_source="source_id_r",
                    other_key="key_r",
                    p="match_probability",
                    w="match_weight",
                ),
                scored.select(
                    unique_id="unique_id_r",
                    other_source="source_id_l",
                    other_key="key_l",
                    p="match_probability",
                    w="match_weight",
                ),
            ]
        )
        .sort(["p", "other_source", "other_key"], descending=[True, False, False])
        .unique("unique_id", keep="first", maintain_order=True)
    )
    lonely = alone.join(best, on="unique_id", how="left")
    # a lone caller already asked about in a pair is asked once
    asked = pl.concat([uncertain["unique_id_l"], uncertain["unique_id_r"]]).implode()
    lonely = lonely.filter(~pl.col("unique_id").is_in(asked))
    wanted = pl.concat(
        [
            uncertain.select(
                kind=pl.lit(ReviewKind.PAIR.value),
                left_source_id="source_id_l",
                left_key="key_l",
                right_source_id="source_id_r",
                right_key="key_r",
                probability="match_probability",
                match_weight="match_weight",
            ),
            lonely.select(
                kind=pl.lit(ReviewKind.UNLINKED.value),
                left_source_id="source_id",
                left_key="key",
                right_source_id="other_source",
                right_key=pl.col("other_key").fill_null(""),
                probability="p",
                match_weight="w",
            ),
        ]
    ).unique(["left_source_id", "left_key", "right_source_id", "right_key"], keep="first")
    table = ReviewItem._meta.db_table
    existing = read_frame(
        f"SELECT id, left_source_id, left_key, right_source_id, right_key, decision FROM {table}",
        schema={
            "id": pl.Int64,
            "left_source_id": pl.Int64,
            "left_key": pl.String,
            "right_source_id": pl.Int64,
            "right_key": pl.String,
            "decision": pl.String,
        },
    )
    on = ["left_source_id", "left_key", "right_source_id", "right_key"]
    # a pair may have been asked the other way round
    swapped = existing.rename(
        {
            "left_source_id": "right_source_id",
            "left_key": "right_key",
            "right_source_id": "left_source_id",
            "right_key": "left_key",
        }
    )
    known = pl.concat(
        [existing.select(*on, "id", "decision"), swapped.select(*on, "id", "decision")]
    )
    matched = wanted.with_row_index("wanted").join(known, on=on, how="left", nulls_equal=True)
    fresh = matched.filter(pl.col("id").is_null()).drop("wanted", "id", "decision")
    # one item per pair: a decided one if there is one (an old item asked the other way round,
    # or as a lone caller, is the same question)
    still = (
        matched.filter(pl.col("id").is_not_null())
        .sort(["wanted", pl.col("decision").fill_null("") == "", "id"])
        .unique("wanted", keep="first")
    )
    update_frame(
        table,
        still.select("id", "kind", "probability", "match_weight").with_columns(
            last_run_id=pl.lit(run.pk), is_stale=pl.lit(False)
        ),
    )
    stale = existing.join(still.select("id"), on="id", how="anti").filter(
        pl.col("decision").fill_null("") == ""
    )
    if stale.height:
        update_frame(table, stale.select("id").with_columns(is_stale=pl.lit(True)))
    insert_frame(
        table,
        fresh.with_columns(
            details=pl.lit("{}"),
            first_run_id=pl.lit(run.pk),
            last_run_id=pl.lit(run.pk),
            is_stale=pl.lit(False),
            decision=pl.lit(""),
            note=pl.lit(""),
        ),
    )
    return ReviewItem.objects.open().count()


@transaction.atomic
def decide(item: ReviewItem, *, decision: str, by, note: str = "", request=None) -> ReviewItem:
    """Record a person's answer to a review item; it wins over the model from the next run on."""
    if decision not in Decision.values:
        raise ValueError(f"结论应为 {'、'.join(Decision.values)} 之一, 收到: {decision!r}")
    item.decision = decision
    item.decided_by = by
    item.decided_at = timezone.now()
    item.note = note[:300]
    item.save(update_fields=["decision", "decided_by", "decided_at", "note"])
    audit(
        "linkage.decide",
        by=by,
        obj=item,
        summary=f"人工确认 #{item.pk}: {item.get_decision_display()}",
        request=request,
        details={"decision": decision, "note": item.note},
    )
    return item

"""Reads for the review pages and the API: who may see which review items and link runs, the
queue in its order, and one item's two records side by side, masked.

Who sees the review queue (人工确认):
- a superuser: every item;
- a user holding a role that sees personal data (grid worker, community or street staff, cadre
  …) in an area office: the items whose left record lies in the office's area; an office of
  the whole district sees every item;
- the district leader: every item, read only and masked (the role sees no personal data, so
  it does not decide);
- nobody else: department clerks (their lists are reviewed where the people live), the 三员
  admin roles (never resident data), users without a unit.
Anything outside the scope is answered as "not found".

ID numbers and phones are masked for everyone but a superuser, on the page and in the API.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.db.models import Exists, F, Min, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from minqing.accounts import roles
from minqing.accounts.access import sees_resident_data
from minqing.accounts.models import UnitKind
from minqing.areas.models import Area, Level
from minqing.core.masking import mask_id, mask_ids_in, mask_phone
from minqing.linkage.models import LinkRun, ReviewItem, ReviewKind
from minqing.sources.models import SourceRecord

SEX_LABELS = {"M": "男", "F": "女"}
# unlinked items without any candidate have no probability: they come last, on every database
QUEUE_ORDER = [F("probability").desc(nulls_last=True), "id"]


@dataclass(frozen=True)
class ReviewScope:
    """What one user may do with review items."""

    may_see: bool = False
    may_decide: bool = False
    area: Area | None = None  # None while may_see: every item
    shows_identifiers: bool = False  # full ID numbers and phones


NOTHING = ReviewScope()


def review_scope(user) -> ReviewScope:
    """What this user may see and do in the review queue (see the module docstring)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    # cached on the user object: a page asks several times (navigation, list, counts)
    if not hasattr(user, "_minqing_review_scope"):
        user._minqing_review_scope = _scope(user)
    return user._minqing_review_scope


def _scope(user) -> ReviewScope:
    if user.is_superuser:
        return ReviewScope(may_see=True, may_decide=True, shows_identifiers=True)
    if not sees_resident_data(user):  # the 三员
        return NOTHING
    held = list(user.roles.all())
    codes = {role.code for role in held}
    unit = user.unit if user.unit_id else None
    reviews = any(r.sees_personal_data and r.code != roles.DEPARTMENT_CLERK for r in held)
    if reviews and unit is not None and unit.kind == UnitKind.AREA_OFFICE:
        area = None if unit.area.level == Level.DISTRICT else unit.area
        return ReviewScope(may_see=True, may_decide=True, area=area)
    if roles.DISTRICT_LEADER in codes:
        return ReviewScope(may_see=True)
    return NOTHING


def may_review(user) -> bool:
    """For the navigation: whether the user sees the review pages at all."""
    return review_scope(user).may_see


def review_items_for(user) -> QuerySet[ReviewItem]:
    """Every review item (open, decided or stale) this user may see."""
    scope = review_scope(user)
    items = ReviewItem.objects.select_related("left_source", "right_source", "decided_by")
    if not scope.may_see:
        return items.none()
    if scope.area is None:
        return items
    in_area = SourceRecord.objects.current().filter(
        source_id=OuterRef("left_source_id"),
        key=OuterRef("left_key"),
        area_code__in=Area.objects.within(scope.area).values("code"),
    )
    return items.filter(Exists(in_area))


def review_item_for(user, pk: int) -> ReviewItem:
    """One item this user may see; ReviewItem.DoesNotExist otherwise (answered as 404)."""
    return review_items_for(user).get(pk=pk)


def queue(user, *, kind: str = "", decided: bool = False) -> QuerySet[ReviewItem]:
    """The open items (or the decided ones), most probable first, each with the names of
    its two records (`left_name`, `right_name`) for the list."""
    items = review_items_for(user)
    items = items.decided() if decided else items.open()
    if kind in ReviewKind.values:
        items = items.filter(kind=kind)
    order = ["-decided_at", "-id"] if decided else QUEUE_ORDER
    return _with_names(items).order_by(*order)


def _with_names(items: QuerySet[ReviewItem]) -> QuerySet[ReviewItem]:
    def name(side: str):
        record = SourceRecord.objects.current().filter(
            source_id=OuterRef(f"{side}_source_id"), key=OuterRef(f"{side}_key")
        )
        return Subquery(record.values("name")[:1])

    return items.annotate(left_name=name("left"), right_name=name("right"))


def counts_for(user) -> dict[str, int]:
    """Open and decided items in the user's scope (stale ones are neither)."""
    items = review_items_for(user)
    return {"open": items.open().count(), "decided": items.decided().count()}


def next_open_item(user, after: ReviewItem, *, kind: str = "") -> ReviewItem | None:
    """The open item that follows `after` in the queue's order, else the first open one."""
    items = queue(user, kind=kind).exclude(pk=after.pk)
    if after.probability is None:
        later = Q(probability__isnull=True, id__gt=after.pk)
    else:
        later = (
            Q(probability__lt=after.probability)
            | Q(probability=after.probability, id__gt=after.pk)
            | Q(probability__isnull=True)
        )
    return items.filter(later).first() or items.first()


# side by side --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    left: str
    right: str
    agree: bool | None  # None: not compared, or a side is empty


# key, label, compared?
FIELDS = [
    ("name", "姓名", True),
    ("id_number", "身份证号", True),
    ("sex", "性别", True),
    ("birth_on", "出生日期", True),
    ("phone", "联系电话", True),
    ("address", "地址", True),
    ("source", "数据来源", False),
    ("key", "记录主键", False),
    ("first_seen", "首次出现", False),
]


def side_by_side(item: ReviewItem, *, user) -> list[Row]:
    """The two records' current versions as rows (label, left, right, agree?). Whether two
    values agree is decided on the full values; ID numbers, phones and keys are shown masked
    unless the user may see them in full (a superuser)."""
    full = review_scope(user).shows_identifiers
    left = _values(item.left_source, item.left_key, full=full)
    right = (
        _values(item.right_source, item.right_key, full=full) if item.right_source_id else ({}, {})
    )
    (left_shown, left_raw), (right_shown, right_raw) = left, right
    rows = []
    for key, label, compared in FIELDS:
        a, b = left_raw.get(key, ""), right_raw.get(key, "")
        agree = (a == b) if compared and a and b else None
        rows.append(Row(key, label, left_shown.get(key, ""), right_shown.get(key, ""), agree))
    return rows


def _values(source, key: str, *, full: bool) -> tuple[dict[str, str], dict[str, str]]:
    """(shown, raw) values of the current version of one record; its source and key even
    when the record has no current version any more."""
    versions = SourceRecord.objects.filter(source_id=source.pk, key=key)
    record = versions.filter(valid_to__isnull=True).first()
    first_seen = versions.aggregate(at=Min("valid_from"))["at"]
    raw = {"source": source.name, "key": key}
    if record is not None:
        raw |= {
            "name": record.name,
            "id_number": record.id_number,
            "sex": SEX_LABELS.get(record.sex, record.sex),
            "birth_on": record.birth_on.isoformat() if record.birth_on else "",
            "phone": record.phone,
            "address": record.address,
        }
    if first_seen is not None:
        raw["first_seen"] = timezone.localtime(first_seen).strftime("%Y-%m-%d %H:%M")
    shown = dict(raw)
    if not full:
        shown["id_number"] = mask_id(raw.get("id_number"))
        shown["phone"] = mask_phone(raw.get("phone"))
        shown["key"] = mask_ids_in(raw["key"])
    if record is None:
        shown["name"] = "(该记录已不在最新数据中)"
    return shown, raw


# link runs -----------------------------------------------------------------------------------


# a run's counts, in the order pages show them (labels: the fields' verbose names)
RUN_COUNTS = [
    "records",
    "pairs_scored",
    "pairs_linked",
    "persons",
    "persons_new",
    "persons_retired",
    "households",
    "review_items",
    "conflicts",
]


def link_runs_for(user) -> QuerySet[LinkRun]:
    """Link runs, newest first, for whoever sees the review queue (counts and the model's
    parameters hold no personal data, but the pages belong together)."""
    runs = LinkRun.objects.select_related("by").defer("model_json")
    return runs if may_review(user) else runs.none()


def link_run_for(user, pk: int) -> LinkRun:
    """One run with its model; LinkRun.DoesNotExist when the user may not see runs."""
    runs = LinkRun.objects.select_related("by")
    if not may_review(user):
        runs = runs.none()
    return runs.get(pk=pk)


def run_parameters(run: LinkRun) -> list[dict]:
    """The trained m, u and match weight of every comparison level (engine.parameters); an
    empty list when the run kept no model."""
    if not run.model_json:
        return []
    # splink takes seconds to import: only this page pays for it, not every process
    from minqing.linkage.engine import parameters

    try:
        return parameters(run.model_json)
    except (ValueError, KeyError, TypeError, json.JSONDecodeError):
        return []

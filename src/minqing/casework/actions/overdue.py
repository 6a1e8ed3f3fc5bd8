"""The daily overdue sweep (`minqing sweep`): running problems past their due date and open
measures past their deadline rise to 逾期提醒, then 督办 (deadlines.overdue_level, on the
working-day clock), and the people who must act are told (Notice):

- 提醒 → the responsible users: for a problem, the users of its department's unit(s) serving
  the household's area; for a measure, its owner, or else the users of its owner unit, or else
  (a measure nobody was named for) the household's grid worker and cadre, or the users of the
  nearest area office over the household when it has none paired;
- 督办 → the leader of that unit (accounts.Unit.leader), or every user of the unit when it has
  none.

"Users of a unit" are its active users without a 三员 role (those never see resident data).
An item that jumps from nothing to 督办 in one sweep gets both. Levels only rise, and nobody
gets the same notice twice, so a second sweep on the same day changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from minqing.accounts.access import ADMIN_ROLES
from minqing.accounts.models import Unit, UnitKind, User
from minqing.audit.actions import record
from minqing.casework import deadlines
from minqing.casework.actions.common import change_row
from minqing.casework.models import Change, ChangeKind, Measure, Notice, OverdueLevel, Problem

Item = Problem | Measure
RISING = (OverdueLevel.REMINDER, OverdueLevel.SUPERVISION)


@transaction.atomic
def sweep_overdue(*, today: dt.date, by: User | None = None) -> dict[str, int]:
    """Mark what is overdue on `today`, keep a history row per mark, send the notices, and
    write one audit event with the counts. Returns how many problems and measures rose to each
    level and how many notices of each kind were sent."""
    problems = _rising(
        Problem.objects.overdue(today).select_related("entry__area"), today, "due_on"
    )
    measures = _rising(
        Measure.objects.overdue(today).select_related(
            "entry__area", "entry__grid_worker", "entry__cadre", "owner", "owner_unit"
        ),
        today,
        "deadline",
    )
    changes: list[Change] = []
    for level, rows in _by_level(problems).items():
        # a problem's version moves with it: its pages show the level
        Problem.objects.filter(pk__in=[p.pk for p in rows]).update(
            overdue_level=level, version=F("version") + 1, updated_at=timezone.now()
        )
        changes += [_mark(p, level, by=by, reason=f"办理时限 {p.due_on} 已过") for p in rows]
    for level, rows in _by_level(measures).items():
        # a measure's version is its editors' optimistic lock, and the level is nobody's edit:
        # marking it must not make an open edit form fail
        Measure.objects.filter(pk__in=[m.pk for m in rows]).update(
            overdue_level=level, updated_at=timezone.now()
        )
        changes += [_mark(m, level, by=by, reason=f"完成时限 {m.deadline} 已过") for m in rows]
    Change.objects.bulk_create(changes, batch_size=500)
    notices = _notices([*problems, *measures], today)
    Notice.objects.bulk_create(notices, batch_size=500)

    counts = {
        "reminders": sum(p.overdue_level == OverdueLevel.REMINDER for p in problems),
        "supervisions": sum(p.overdue_level == OverdueLevel.SUPERVISION for p in problems),
        "measure_reminders": sum(m.overdue_level == OverdueLevel.REMINDER for m in measures),
        "measure_supervisions": sum(m.overdue_level == OverdueLevel.SUPERVISION for m in measures),
        "reminder_notices": sum(n.level == OverdueLevel.REMINDER for n in notices),
        "supervision_notices": sum(n.level == OverdueLevel.SUPERVISION for n in notices),
    }
    record(
        "casework.sweep_overdue",
        by=by,
        summary=(
            f"逾期扫描({today}): 问题 提醒 {counts['reminders']} 件, 督办 {counts['supervisions']} 件;"
            f" 帮扶措施 提醒 {counts['measure_reminders']} 件, 督办 {counts['measure_supervisions']} 件;"
            f" 发出提醒通知 {counts['reminder_notices']} 条, 督办通知 {counts['supervision_notices']} 条"
        ),
        details={"today": today.isoformat(), **counts},
    )
    return counts


def _rising(queryset, today: dt.date, due_field: str) -> list:
    """The overdue items whose level rises today, locked, each with `was` (its level before)
    and `overdue_level` set to the new one."""
    rising = []
    for item in queryset.filter(overdue_level__lt=OverdueLevel.SUPERVISION).select_for_update(
        of=("self",)
    ):
        level = deadlines.overdue_level(getattr(item, due_field), today)
        if level > item.overdue_level:
            item.was, item.overdue_level = item.overdue_level, level
            rising.append(item)
    return rising


def _by_level(items: list) -> dict[int, list]:
    grouped = defaultdict(list)
    for item in items:
        grouped[item.overdue_level].append(item)
    return grouped


def _mark(item: Item, level: int, *, by, reason: str) -> Change:
    is_measure = isinstance(item, Measure)
    return change_row(
        ChangeKind.ESCALATION,
        by=by,
        household_id=item.entry.household_id,
        entry=item.entry,
        problem_id=item.problem_id if is_measure else item.pk,
        measure=item if is_measure else None,
        field="overdue_level",
        from_value=item.was,
        to_value=level,
        reason=reason,
    )


# who is told ----------------------------------------------------------------------------------


def _notices(items: list, today: dt.date) -> list[Notice]:
    """The notices for the items that rose, without those already sent."""
    units_of = _responsible_units(items)
    unit_ids = {u.pk for units in units_of.values() for u in units}
    members = _members(unit_ids)
    wanted: dict[tuple, Notice] = {}
    for item in items:
        units = units_of[_key(item)]
        for level in range(item.was + 1, item.overdue_level + 1):
            if level == OverdueLevel.REMINDER:
                if isinstance(item, Measure) and item.owner_id:
                    recipients = [item.owner_id] if item.owner.is_active else []
                elif isinstance(item, Measure) and not item.owner_unit_id and _paired(item):
                    recipients = _paired(item)
                else:
                    recipients = [uid for unit in units for uid in members[unit.pk]]
            else:
                recipients = [uid for unit in units for uid in _leaders(unit, members)]
            text = _text(item, level, today, units)
            for recipient in recipients:
                key = (recipient, *_key(item), level)
                wanted.setdefault(key, _notice(item, recipient, level, text))
    sent = _sent(wanted.keys())
    return [notice for key, notice in wanted.items() if key not in sent]


def _paired(measure: Measure) -> list[int]:
    """The household's active grid worker and cadre."""
    entry = measure.entry
    return [
        user.pk for user in (entry.grid_worker, entry.cadre) if user is not None and user.is_active
    ]


def _key(item: Item) -> tuple[str, int]:
    return ("measure" if isinstance(item, Measure) else "problem", item.pk)


def _notice(item: Item, recipient: int, level: int, text: str) -> Notice:
    about = {"measure": item} if isinstance(item, Measure) else {"problem": item}
    return Notice(recipient_id=recipient, level=level, text=text, **about)


def _sent(keys: Iterable[tuple]) -> set[tuple]:
    """Which of these (recipient, kind, item, level) notices exist already: a problem
    transferred after its 提醒 rises again on the new department's clock, and whoever was told
    before is not told twice."""
    keys = list(keys)
    found: set[tuple] = set()
    for kind in ("problem", "measure"):
        ids = {key[2] for key in keys if key[1] == kind}
        if ids:
            found |= {
                (recipient, kind, item_id, level)
                for recipient, item_id, level in Notice.objects.filter(
                    **{f"{kind}_id__in": ids}
                ).values_list("recipient_id", f"{kind}_id", "level")
            }
    return found


def _responsible_units(items: Iterable[Item]) -> dict[tuple[str, int], list[Unit]]:
    """For a problem, its department's units whose area holds the household (a department's
    scope: accounts/scopes.py); for a measure, its owner unit, or else its owner's unit."""
    departments = defaultdict(list)
    for unit in Unit.objects.filter(kind=UnitKind.DEPARTMENT).select_related("area", "leader"):
        departments[unit.department].append(unit)
    owner_units = {
        unit.pk: unit
        for unit in Unit.objects.filter(
            pk__in={
                m.owner_unit_id or m.owner.unit_id
                for m in items
                if isinstance(m, Measure) and (m.owner_unit_id or m.owner_id)
            }
            - {None}
        ).select_related("leader")
    }
    # a measure nobody was named for: the nearest area office over the household
    offices = sorted(
        Unit.objects.filter(kind=UnitKind.AREA_OFFICE).select_related("area", "leader"),
        key=lambda unit: len(unit.area.path),
        reverse=True,
    )
    units_of = {}
    for item in items:
        if isinstance(item, Problem):
            units = [
                unit
                for unit in departments.get(item.department, [])
                if item.entry.area.path.startswith(unit.area.path)
            ]
        else:
            unit_id = item.owner_unit_id or (item.owner.unit_id if item.owner_id else None)
            if unit_id in owner_units:
                units = [owner_units[unit_id]]
            elif not item.owner_id:
                path = item.entry.area.path
                office = next((u for u in offices if path.startswith(u.area.path)), None)
                units = [office] if office else []
            else:
                units = []
        units_of[_key(item)] = units
    return units_of


def _members(unit_ids: set[int]) -> dict[int, list[int]]:
    """The users of each unit who may be told about residents: active, not a 三员."""
    members = defaultdict(list)
    for unit_id, user_id in (
        User.objects.filter(unit_id__in=unit_ids, is_active=True)
        .exclude(roles__code__in=ADMIN_ROLES)
        .exclude(roles__is_security_admin=True)
        .order_by("pk")
        .values_list("unit_id", "pk")
    ):
        members[unit_id].append(user_id)
    return members


def _leaders(unit: Unit, members: dict[int, list[int]]) -> list[int]:
    if unit.leader_id and unit.leader.is_active:
        return [unit.leader_id]
    return members[unit.pk]


def _text(item: Item, level: int, today: dt.date, units: list[Unit]) -> str:
    if isinstance(item, Problem):
        what, due, limit = f"问题「{item.title}」", item.due_on, "办理时限"
        who = item.get_department_display()
    else:
        action = item.action if len(item.action) <= 30 else item.action[:30] + "…"
        what, due, limit = f"帮扶措施「{action}」", item.deadline, "完成时限"
        who = str(item.owner) if item.owner_id else "、".join(u.name for u in units)
    late = deadlines.calendar().workdays_between(due, today)
    past = f"已超过{limit} {late} 个工作日" if late > 0 else f"已超过{limit}"
    if level == OverdueLevel.REMINDER:
        return f"{what}{past}(时限 {due:%Y-%m-%d}), 请尽快办理。"
    return f"{what}{past}(时限 {due:%Y-%m-%d}), 请督促{who or '责任单位'}办理。"

"""Deadlines on the working-day clock, and the weekly care day.

A dispatched problem is due a number of working days after its dispatch (办理时限); once that
day has passed it is overdue: first a reminder (提醒), and ESCALATE_AFTER working days later
督办 to the unit's leader.

The working-day calendar (Chinese public holidays and adjusted working days, as data) lives in
core.workdays; until it is there, Monday to Friday count as working days.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

# working days a department has to handle a problem, counted from the day of dispatch
HANDLING_WORKDAYS = 5
MAJOR_HANDLING_WORKDAYS = 15
# working days past the due date after which a reminder becomes 督办
ESCALATE_AFTER = 3
# 家庭关爱日: every Tuesday
CARE_WEEKDAY = 1


class _Weekdays:
    """Monday to Friday, no holidays: the stand-in until core.workdays exists."""

    def add_workdays(self, start: dt.date, n: int) -> dt.date:
        day = start
        while n > 0:
            day += dt.timedelta(days=1)
            if day.weekday() < 5:
                n -= 1
        return day


@cache
def calendar():
    try:
        from minqing.core.workdays import WorkCalendar
    except ImportError:
        return _Weekdays()
    return WorkCalendar.shipped()


def add_workdays(start: dt.date, n: int) -> dt.date:
    """The n-th working day after start."""
    return calendar().add_workdays(start, n)


def due_on(
    dispatched_on: dt.date, *, is_major: bool = False, workdays: int | None = None
) -> dt.date:
    """When a problem dispatched on that day is due."""
    if workdays is None:
        workdays = MAJOR_HANDLING_WORKDAYS if is_major else HANDLING_WORKDAYS
    return add_workdays(dispatched_on, workdays)


def overdue_level(due: dt.date | None, today: dt.date) -> int:
    """0 not overdue, 1 reminder (提醒), 2 督办."""
    if due is None or today <= due:
        return 0
    return 2 if today > add_workdays(due, ESCALATE_AFTER) else 1


def next_care_day(today: dt.date) -> dt.date:
    """The care day (Tuesday) on or after today."""
    return today + dt.timedelta(days=(CARE_WEEKDAY - today.weekday()) % 7)

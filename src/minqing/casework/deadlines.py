"""Deadlines on the working-day clock (core.workdays), and the weekly care day.

A dispatched problem is due a number of working days after its dispatch (办理时限; the day of
dispatch does not count). Once that day has passed it is overdue: first a reminder (提醒), and
once it is more than ESCALATE_AFTER working days late, 督办 to the unit's leader.
"""

from __future__ import annotations

import datetime as dt

from minqing.core.workdays import WorkCalendar

# working days a department has to accept (签收) a dispatched problem, after the day of dispatch
ACCEPT_WORKDAYS = 1
# working days a department has to handle a problem, counted from the day of dispatch
HANDLING_WORKDAYS = 5
MAJOR_HANDLING_WORKDAYS = 15
# working days late after which a reminder becomes 督办
ESCALATE_AFTER = 3
# 家庭关爱日: every Tuesday
CARE_WEEKDAY = 1


def calendar() -> WorkCalendar:
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
    """0 not overdue (on or before the due date), 1 reminder (提醒: past the due date), 2 督办
    (more than ESCALATE_AFTER working days late)."""
    if due is None or today <= due:
        return 0
    return 2 if calendar().workdays_between(due, today) > ESCALATE_AFTER else 1


def next_care_day(today: dt.date) -> dt.date:
    """The care day (Tuesday) on or after today; a Tuesday that is a public holiday moves to
    the next week's."""
    return calendar().next_weekday(today, CARE_WEEKDAY, skip_days_off=True)

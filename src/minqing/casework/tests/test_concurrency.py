"""Two people editing one measure at the same moment never lose an update: real connections,
real threads, on PostgreSQL.

SQLite is skipped: Django's SQLite test database lives in shared-cache memory, where a second
connection gets "database table is locked" at once instead of waiting, and SQLite writes one
transaction at a time anyway (transaction_mode IMMEDIATE), so the race cannot happen there.
"""

import threading
import time

import pytest
from django.db import close_old_connections, connection, connections, transaction

from minqing.accounts.models import User
from minqing.casework.actions import ConflictError, update_measure
from minqing.casework.models import Measure
from minqing.casework.tests.factories import make_entry, make_measure

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: concurrent writers on separate connections (see module docstring)",
    ),
    pytest.mark.django_db(transaction=True),
]

TIMEOUT = 20


def _in_thread(target, *args):
    """Run target(*args) on a fresh thread with its own database connection; returns a
    function that joins it and gives back its result (or raises its exception)."""
    outcome = {}

    def run():
        try:
            outcome["value"] = target(*args)
        except BaseException as exc:
            outcome["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()

    def join():
        thread.join(TIMEOUT)
        assert not thread.is_alive(), "thread did not finish"
        if "error" in outcome:
            raise outcome["error"]
        return outcome.get("value")

    return join


def _user(pk: int) -> User:
    return User.objects.get(pk=pk)


def _wait_until_blocked(pid_of_other: list[int]) -> None:
    """Until the other connection waits for a row lock (bounded)."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = %s AND wait_event_type = 'Lock'",
                pid_of_other,
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.02)
    raise AssertionError("the second edit never waited for the first")


def test_the_second_of_two_overlapping_edits_is_refused_not_lost(
    grid, grid_worker, community_staff
):
    """A saves and holds its transaction open; B, who loaded the same version, saves meanwhile
    and waits for A's row lock; when A commits, B's UPDATE … WHERE version = old matches no row
    and B is told to reload — A's edit stays. B reloads, saves again: both edits are kept."""
    measure = make_measure(make_entry(grid), action="原措施")
    a_saved, a_may_commit = threading.Event(), threading.Event()
    b_pid: list[int] = []

    def a_edits():
        with transaction.atomic():
            update_measure(
                Measure.objects.get(pk=measure.pk),
                expected_version=1,
                by=_user(grid_worker.pk),
                action="甲: 联系公益性岗位",
            )
            a_saved.set()
            assert a_may_commit.wait(TIMEOUT)

    def b_edits():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            b_pid.append(cursor.fetchone()[0])
        stale = Measure.objects.get(pk=measure.pk)
        assert stale.version == 1  # A has not committed: B sees the old row
        try:
            update_measure(
                stale, expected_version=1, by=_user(community_staff.pk), result="乙: 已走访"
            )
        except ConflictError as conflict:
            return str(conflict)
        return "saved"

    join_a = _in_thread(a_edits)
    assert a_saved.wait(TIMEOUT)
    join_b = _in_thread(b_edits)
    while not b_pid:
        time.sleep(0.01)
    _wait_until_blocked(b_pid)
    a_may_commit.set()
    join_a()
    assert join_b() == "该帮扶措施已被他人修改，请刷新后重试"

    close_old_connections()
    measure.refresh_from_db()
    assert (measure.action, measure.result, measure.version) == ("甲: 联系公益性岗位", "", 2)
    fresh = Measure.objects.get(pk=measure.pk)
    update_measure(fresh, expected_version=fresh.version, by=community_staff, result="乙: 已走访")
    measure.refresh_from_db()
    assert (measure.action, measure.result, measure.version) == (
        "甲: 联系公益性岗位",
        "乙: 已走访",
        3,
    )


def test_many_editors_at_once_each_keep_their_update(grid, grid_worker):
    """Eight editors append a line each at the same moment, reloading after a conflict as the
    page tells them to: every line is there at the end, and the version counts every save."""
    measure = make_measure(make_entry(grid))
    editors = 8
    start = threading.Barrier(editors, timeout=TIMEOUT)

    def edit(n: int) -> int:
        user = _user(grid_worker.pk)
        conflicts = 0
        start.wait()
        for _ in range(200):
            current = Measure.objects.get(pk=measure.pk)
            lines = [line for line in current.result.split("\n") if line]
            try:
                update_measure(
                    current,
                    expected_version=current.version,
                    by=user,
                    result="\n".join([*lines, f"第{n}人"]),
                )
                return conflicts
            except ConflictError:
                conflicts += 1
        raise AssertionError("too many conflicts")

    joins = [_in_thread(edit, n) for n in range(editors)]
    for join in joins:
        join()
    close_old_connections()
    measure.refresh_from_db()
    assert sorted(measure.result.split("\n")) == sorted(f"第{n}人" for n in range(editors))
    assert measure.version == 1 + editors

"""Lockout after 5 failed logins (django-axes), unlocking, and the audit of every login,
failure, lockout and logout."""

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from minqing.accounts import roles
from minqing.accounts.actions import ADMIN_PERMISSIONS, _permissions
from minqing.accounts.tests.factories import make_unit, make_user
from minqing.accounts.tests.helpers import IP, log_in
from minqing.audit.models import AuditEvent, Outcome

pytestmark = pytest.mark.django_db

WRONG = "Wrong-password-1"
LOCKED = "登录失败次数过多, 账户已锁定 30 分钟, 请联系安全管理员解锁"


def fail(client, username, times, **kwargs):
    return [log_in(client, username, WRONG, **kwargs) for _ in range(times)]


def actions_of(username):
    return list(
        AuditEvent.objects.filter(details__username=username)
        .order_by("id")
        .values_list("action", "outcome")
    )


def test_four_failures_then_the_right_password_logs_in_and_clears_the_count(client, grid_worker):
    responses = fail(client, "grid", 4)
    assert all(r.status_code == 200 for r in responses)
    assert "用户名或密码错误" in responses[-1].content.decode()
    assert log_in(client, "grid").status_code == 302
    assert not AccessAttempt.objects.filter(username="grid").exists()


def test_the_fifth_failure_locks_with_a_chinese_page(client, grid_worker):
    *_, fifth = fail(client, "grid", 5)
    content = fifth.content.decode()
    assert fifth.status_code == 429
    assert LOCKED in content
    assert '<html lang="zh-CN">' in content and "site-header" in content  # our layout


def test_while_locked_even_the_right_password_is_refused(client, grid_worker):
    fail(client, "grid", 5)
    response = log_in(client, "grid")
    assert response.status_code == 429 and LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lock_is_per_username_not_per_address(client, grid_worker, street_staff):
    # clerks of one office share one NAT address: one person's lock is not the office's
    fail(client, "grid", 5)
    assert log_in(Client(), "street").status_code == 302
    # and another address does not help the locked username
    assert log_in(Client(), "grid", ip="10.99.0.1").status_code == 429


def test_the_lock_ends_after_30_minutes(client, grid_worker):
    fail(client, "grid", 5)
    AccessAttempt.objects.filter(username="grid").update(
        attempt_time=AccessAttempt.objects.get(username="grid").attempt_time
        - dt.timedelta(minutes=31)
    )
    assert log_in(client, "grid").status_code == 302


def test_tries_during_the_lock_do_not_extend_it(client, grid_worker):
    fail(client, "grid", 5)
    attempt = AccessAttempt.objects.get(username="grid")
    fail(client, "grid", 3)
    assert AccessAttempt.objects.get(username="grid").attempt_time == attempt.attempt_time


def test_every_step_is_audited_with_ip_and_outcome(client, grid_worker):
    assert log_in(client, "grid").status_code == 302
    client.post(reverse("accounts:logout"))
    fail(client, "grid", 5)
    log_in(client, "grid")  # refused: locked
    steps = actions_of("grid")
    assert steps[:6] == [
        ("accounts.login", Outcome.ALLOWED),
        ("accounts.logout", Outcome.ALLOWED),
        *[("accounts.login_failed", Outcome.FAILED)] * 4,
    ]
    # the fifth failure and the lock it starts (in the order the receivers run)
    assert sorted(steps[6:8]) == [
        ("accounts.locked_out", Outcome.DENIED),
        ("accounts.login_failed", Outcome.FAILED),
    ]
    assert steps[8:] == [("accounts.login_refused", Outcome.DENIED)]
    events = AuditEvent.objects.filter(details__username="grid")
    assert all(e.ip == IP for e in events)
    login = events.get(action="accounts.login")
    assert login.actor == grid_worker and login.object_id == str(grid_worker.pk)
    failed = events.filter(action="accounts.login_failed").first()
    assert failed.actor is None and failed.object_id == str(grid_worker.pk)
    assert "「grid」" in failed.summary
    locked = events.get(action="accounts.locked_out")
    assert "连续 5 次" in locked.summary and "30 分钟" in locked.summary


def test_an_unknown_username_is_audited_too(client, db):
    log_in(client, "nobody", WRONG)
    event = AuditEvent.objects.get(action="accounts.login_failed")
    assert event.details["username"] == "nobody" and event.object_id == ""


def test_the_tried_password_is_stored_nowhere(client, grid_worker):
    secret = "Secret-Tried-Pass-77"
    fail(client, "grid", 0)
    log_in(client, "grid", secret)
    for event in AuditEvent.objects.all():
        assert secret not in f"{event.summary} {event.details}"
    for attempt in AccessAttempt.objects.all():
        assert secret not in f"{attempt.post_data} {attempt.get_data}"


def test_the_admin_site_logs_in_through_our_page(client, grid_worker):
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    response = client.get(response.url)
    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next=/admin/"


# Unlocking: the security admin


@pytest.fixture
def security_admin(areas):
    unit = make_unit(name="山阳区人民政府", area=areas["山阳区"])
    user = make_user("secadmin", unit=unit, roles=(roles.SECURITY_ADMIN,), is_staff=True)
    user.user_permissions.set(_permissions(ADMIN_PERMISSIONS[roles.SECURITY_ADMIN]))
    return user


def test_the_security_admin_unlocks_in_the_admin_site(client, grid_worker, security_admin):
    fail(client, "grid", 5)
    admin = Client(REMOTE_ADDR="10.0.0.9")
    admin.force_login(security_admin)
    listing = admin.get(reverse("admin:accounts_loginlock_changelist"))
    assert listing.status_code == 200
    assert "grid" in listing.content.decode() and "解锁所选账号" in listing.content.decode()
    attempt = AccessAttempt.objects.get(username="grid")
    response = admin.post(
        reverse("admin:accounts_loginlock_changelist"),
        {"action": "unlock", "_selected_action": [attempt.pk]},
    )
    assert response.status_code == 302
    assert log_in(client, "grid").status_code == 302
    event = AuditEvent.objects.get(action="accounts.unlock")
    assert event.actor == security_admin and event.details["usernames"] == ["grid"]
    assert event.ip == "10.0.0.9"


def test_the_system_admin_cannot_unlock(client, grid_worker, system_admin):
    fail(client, "grid", 5)
    client.force_login(system_admin)
    assert client.get(reverse("admin:accounts_loginlock_changelist")).status_code == 403


def test_login_locks_are_read_only_apart_from_unlocking(client, grid_worker, security_admin):
    fail(client, "grid", 5)
    client.force_login(security_admin)
    attempt = AccessAttempt.objects.get(username="grid")
    assert (
        client.get(reverse("admin:accounts_loginlock_delete", args=[attempt.pk])).status_code == 403
    )
    page = client.get(reverse("admin:accounts_loginlock_change", args=[attempt.pk]))
    assert page.status_code == 200 and 'name="username"' not in page.content.decode()

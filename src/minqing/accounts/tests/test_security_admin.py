"""The security admin's tools: resetting a lost second factor in the admin site, and the
`minqing security` command for when the admin site is out of reach; the demo's admin devices."""

import datetime as dt
from io import StringIO

import pytest
from axes.models import AccessAttempt
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from minqing.accounts import roles
from minqing.accounts.actions import (
    ADMIN_PERMISSIONS,
    DEMO_TOTP_KEY,
    _permissions,
    create_demo_accounts,
    demo_second_factor_note,
)
from minqing.accounts.tests.factories import ensure_roles, make_unit, make_user
from minqing.accounts.tests.helpers import code_of, log_in
from minqing.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def security_admin(areas):
    unit = make_unit(name="山阳区人民政府", area=areas["山阳区"])
    user = make_user("secadmin", unit=unit, roles=(roles.SECURITY_ADMIN,), is_staff=True)
    user.user_permissions.set(_permissions(ADMIN_PERMISSIONS[roles.SECURITY_ADMIN]))
    return user


def run(*args) -> str:
    out = StringIO()
    call_command("security", *args, stdout=out)
    return out.getvalue()


def test_the_security_admin_resets_a_lost_device(client, security_admin, system_admin):
    lost = TOTPDevice.objects.create(user=system_admin, name="旧手机", confirmed=True)
    client.force_login(security_admin)
    listing = client.get(reverse("admin:accounts_secondfactordevice_changelist"))
    content = listing.content.decode()
    assert listing.status_code == 200 and "旧手机" in content and lost.key not in content
    response = client.post(
        reverse("admin:accounts_secondfactordevice_changelist"),
        {"action": "reset", "_selected_action": [lost.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=system_admin).exists()
    event = AuditEvent.objects.get(action="accounts.otp_reset")
    assert event.actor == security_admin and event.object_id == str(system_admin.pk)
    # the system admin enrols again at the next login
    other = Client()
    log_in(other, "sysadmin")
    assert other.get(reverse("admin:index")).url.startswith(reverse("accounts:otp_enrol"))


def test_devices_are_not_edited_in_the_admin_site(client, security_admin, system_admin):
    device = TOTPDevice.objects.create(user=system_admin, name="手机", confirmed=True)
    client.force_login(security_admin)
    page = client.get(reverse("admin:accounts_secondfactordevice_change", args=[device.pk]))
    assert page.status_code == 200 and device.key not in page.content.decode()
    url = reverse("admin:accounts_secondfactordevice_delete", args=[device.pk])
    assert client.get(url).status_code == 403
    assert client.get(reverse("admin:accounts_secondfactordevice_add")).status_code == 403


def test_the_audit_admin_cannot_reset(client, areas):
    unit = make_unit(name="山阳区审计", area=areas["山阳区"])
    auditor = make_user("auditor", unit=unit, roles=(roles.AUDIT_ADMIN,), is_staff=True)
    auditor.user_permissions.set(_permissions(ADMIN_PERMISSIONS[roles.AUDIT_ADMIN]))
    client.force_login(auditor)
    url = reverse("admin:accounts_secondfactordevice_changelist")
    assert client.get(url).status_code == 403


def test_command_lists_and_unlocks(client, grid_worker):
    for _ in range(5):
        log_in(client, "grid", "Wrong-password-1")
    assert "grid" in run("locked")
    assert "已解锁 grid" in run("unlock", "grid")
    assert "没有被锁定" in run("locked")
    assert not AccessAttempt.objects.exists()
    assert AuditEvent.objects.get(action="accounts.unlock").details["usernames"] == ["grid"]


def test_command_ignores_expired_locks(client, grid_worker):
    for _ in range(5):
        log_in(client, "grid", "Wrong-password-1")
    AccessAttempt.objects.update(attempt_time=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    assert "没有被锁定" in run("locked")


def test_command_resets_a_second_factor(system_admin):
    TOTPDevice.objects.create(user=system_admin, name="手机", confirmed=True)
    assert "设备 1 个" in run("otp-reset", "sysadmin")
    assert not TOTPDevice.objects.filter(user=system_admin).exists()
    with pytest.raises(CommandError, match="用户不存在"):
        run("otp-reset", "nobody")


@pytest.fixture
def demo(areas):
    ensure_roles()
    return create_demo_accounts(district=areas["山阳区"])


def test_demo_admins_have_the_documented_device(demo, areas):
    with_key = {a["username"] for a in demo if a["totp_key"]}
    assert with_key == {"sysadmin", "secadmin", "auditor"}
    assert {a["totp_key"] for a in demo if a["totp_key"]} == {DEMO_TOTP_KEY}
    # running the demo again keeps one demo device each
    create_demo_accounts(district=areas["山阳区"])
    assert TOTPDevice.objects.filter(confirmed=True).count() == 3
    note = demo_second_factor_note(demo)
    assert DEMO_TOTP_KEY in note and "demo-code" in note and "sysadmin" in note


def test_demo_code_signs_a_demo_admin_in(demo):
    code = run("demo-code", "secadmin").split()[0]
    client = Client()
    log_in(client, "secadmin", "Minqing-secadmin-2026")
    response = client.post(reverse("accounts:otp_verify"), {"code": code})
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200
    assert code == code_of(TOTPDevice.objects.get(user__username="secadmin"))


def test_demo_code_refuses_real_devices(system_admin):
    TOTPDevice.objects.create(user=system_admin, name="手机", confirmed=True)
    with pytest.raises(CommandError, match="演示密钥"):
        run("demo-code", "sysadmin")

"""The TOTP second factor: the 三员 and superusers reach no page before their code; everyone
else is never asked."""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from minqing.accounts import roles
from minqing.accounts.tests.factories import make_unit, make_user
from minqing.accounts.tests.helpers import IP, code_of, log_in, wrong_code
from minqing.audit.models import AuditEvent, Outcome

pytestmark = pytest.mark.django_db

VERIFY = reverse("accounts:otp_verify")
ENROL = reverse("accounts:otp_enrol")


@pytest.fixture
def admins(areas):
    """One user per 三员 role, and a superuser, each with a confirmed TOTP device."""
    unit = make_unit(name="山阳区人民政府", area=areas["山阳区"])
    users = {
        code: make_user(name, unit=unit, roles=(code,), is_staff=True)
        for code, name in [
            (roles.SYSTEM_ADMIN, "sys"),
            (roles.SECURITY_ADMIN, "sec"),
            (roles.AUDIT_ADMIN, "aud"),
        ]
    }
    root = make_user("root", is_staff=True)
    root.is_superuser = True
    root.save()
    users["superuser"] = root
    for user in users.values():
        TOTPDevice.objects.create(user=user, name="手机", confirmed=True)
    return users


def device_of(user) -> TOTPDevice:
    return TOTPDevice.objects.get(user=user, confirmed=True)


@pytest.mark.parametrize(
    "who", [roles.SYSTEM_ADMIN, roles.SECURITY_ADMIN, roles.AUDIT_ADMIN, "superuser"]
)
def test_admin_without_code_is_sent_to_verification(client, admins, who):
    user = admins[who]
    response = log_in(client, user.username)
    assert response.status_code == 302 and "_auth_user_id" in client.session
    for url in (reverse("home"), reverse("admin:index"), reverse("admin:accounts_user_changelist")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url == f"{VERIFY}?next={url.replace('/', '%2F')}"
    page = client.get(VERIFY)
    assert page.status_code == 200
    content = page.content.decode()
    assert "动态口令验证" in content and '<html lang="zh-CN">' in content
    assert 'class="site-nav"' not in content  # no navigation before the code
    assert "退出登录" in content  # but leaving is possible


@pytest.mark.parametrize(
    "who", [roles.SYSTEM_ADMIN, roles.SECURITY_ADMIN, roles.AUDIT_ADMIN, "superuser"]
)
def test_a_correct_code_lets_them_in(client, admins, who):
    user = admins[who]
    log_in(client, user.username)
    session_before = client.session.session_key
    response = client.post(
        f"{VERIFY}?next=/admin/", {"code": code_of(device_of(user)), "next": "/admin/"}
    )
    assert response.status_code == 302 and response.url == "/admin/"
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.session.session_key != session_before  # a new session id for the new privilege
    event = AuditEvent.objects.get(action="accounts.otp_verified")
    assert event.actor == user and event.outcome == Outcome.ALLOWED and event.ip == IP


def test_a_wrong_code_is_refused_and_audited(client, admins):
    user = admins[roles.SECURITY_ADMIN]
    log_in(client, user.username)
    response = client.post(VERIFY, {"code": wrong_code(device_of(user))})
    assert response.status_code == 200
    assert "动态口令错误" in response.content.decode()
    assert client.get(reverse("admin:index")).status_code == 302
    event = AuditEvent.objects.get(action="accounts.otp_failed")
    assert event.actor == user and event.outcome == Outcome.FAILED and event.ip == IP
    assert event.object_id == str(user.pk)


def test_after_a_wrong_code_the_right_one_still_works(client, admins, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # no pause between the two tries
    user = admins[roles.AUDIT_ADMIN]
    log_in(client, user.username)
    client.post(VERIFY, {"code": wrong_code(device_of(user))})
    response = client.post(VERIFY, {"code": code_of(device_of(user))})
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_guessing_is_slowed_down(client, admins):
    user = admins[roles.SYSTEM_ADMIN]
    log_in(client, user.username)
    device = device_of(user)
    client.post(VERIFY, {"code": wrong_code(device)})
    # right after a wrong code even the right one waits (django-otp: 1, 2, 4 … seconds)
    response = client.post(VERIFY, {"code": code_of(device)})
    assert "尝试过于频繁" in response.content.decode()
    assert client.get(reverse("admin:index")).status_code == 302
    refused = AuditEvent.objects.filter(action="accounts.otp_failed").order_by("id").last()
    assert refused.outcome == Outcome.DENIED and refused.details["wait_seconds"] >= 1


def test_a_code_is_accepted_once(client, admins, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    user = admins[roles.SYSTEM_ADMIN]
    log_in(client, user.username)
    code = code_of(device_of(user))
    client.post(VERIFY, {"code": code})
    client.post(reverse("accounts:logout"))
    log_in(client, user.username)
    response = client.post(VERIFY, {"code": code})
    assert response.status_code == 200 and "已使用过" in response.content.decode()


@pytest.mark.parametrize("code", ["", "12345", "abcdef", "1234567"])
def test_a_malformed_code_is_explained(client, admins, code):
    log_in(client, "sys")
    content = client.post(VERIFY, {"code": code}).content.decode()
    assert "请输入动态口令" in content or "6 位数字" in content
    assert not AuditEvent.objects.filter(action="accounts.otp_verified").exists()


@pytest.mark.parametrize(
    "persona",
    ["grid_worker", "community_staff", "street_staff", "district_leader", "civil_affairs_clerk"],
)
def test_other_roles_are_never_asked(client, request, persona, persona_password):
    user = request.getfixturevalue(persona)
    response = log_in(client, user.username)
    assert response.status_code == 302 and response.url == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    # the pages of the second step send them on
    assert client.get(VERIFY).status_code == 302
    assert client.get(ENROL).status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_the_next_page_must_be_on_this_site(client, admins):
    user = admins[roles.SYSTEM_ADMIN]
    log_in(client, user.username)
    response = client.post(
        VERIFY, {"code": code_of(device_of(user)), "next": "https://evil.example/"}
    )
    assert response.url == reverse("home")


def test_the_api_answers_401_in_json_before_the_code(client, admins):
    log_in(client, "sys")
    response = client.get("/api/sources")
    assert response.status_code == 401
    assert response.json() == {"detail": "请先完成动态口令验证。"}


def test_logout_works_before_the_code(client, admins):
    log_in(client, "sys")
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and "_auth_user_id" not in client.session


def test_force_login_in_tests_stands_for_the_whole_login(client, system_admin):
    # (accounts/tests/force_login_plugin.py) — other apps' tests sign admins in this way
    client.force_login(system_admin)
    assert client.get(reverse("admin:index")).status_code == 200


# Enrolment: an admin without a confirmed device


@pytest.fixture
def new_admin(areas):
    unit = make_unit(name="山阳区人民政府", area=areas["山阳区"])
    return make_user("newsec", unit=unit, roles=(roles.SECURITY_ADMIN,), is_staff=True)


def test_an_admin_without_a_device_is_sent_to_enrolment(client, new_admin):
    log_in(client, "newsec")
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response.url.startswith(ENROL)
    assert client.get(VERIFY).url == ENROL


def test_the_enrolment_page_shows_a_qr_code_drawn_on_the_server(client, new_admin):
    log_in(client, "newsec")
    page = client.get(ENROL)
    content = page.content.decode()
    assert page.status_code == 200
    assert "绑定动态口令" in content and "<svg" in content
    assert "otpauth://totp/" in content and "newsec" in content
    assert "http://" not in content.replace("http://www.w3.org", "")  # nothing fetched
    assert "<script" not in content.split("</head>")[1]
    device = TOTPDevice.objects.get(user=new_admin)
    assert not device.confirmed
    # the same key on a reload
    assert client.get(ENROL).context["otpauth_uri"] == page.context["otpauth_uri"]
    assert TOTPDevice.objects.filter(user=new_admin).count() == 1


def test_the_first_code_confirms_the_device(client, new_admin):
    log_in(client, "newsec")
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=new_admin)
    response = client.post(f"{ENROL}?next=/admin/", {"code": code_of(device), "next": "/admin/"})
    assert response.status_code == 302 and response.url == "/admin/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("admin:index")).status_code == 200
    event = AuditEvent.objects.get(action="accounts.otp_enrolled")
    assert event.actor == new_admin and event.outcome == Outcome.ALLOWED
    # enrolled: the next login asks for the code, and enrolment is closed
    client.post(reverse("accounts:logout"))
    log_in(client, "newsec")
    assert client.get(ENROL).url == VERIFY


def test_a_wrong_first_code_leaves_the_device_unconfirmed(client, new_admin):
    log_in(client, "newsec")
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=new_admin)
    response = client.post(ENROL, {"code": wrong_code(device)})
    assert response.status_code == 200 and "动态口令错误" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert AuditEvent.objects.get(action="accounts.otp_failed").outcome == Outcome.FAILED
    assert client.get(reverse("admin:index")).status_code == 302

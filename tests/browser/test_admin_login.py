"""A 三员 admin's login in a real browser: password, then the TOTP code — or, on the first
login, the enrolment page with its QR code drawn on the server."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from minqing.accounts.tests.helpers import code_of

from .test_home import assert_only_local_requests

pytestmark = pytest.mark.browser


def log_in_with_password(page, live_server, username, password):
    page.goto(live_server.url + "/admin/")
    page.wait_for_url("**/accounts/login/**")  # the admin site asks our login page
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def test_system_admin_types_the_code_and_reaches_the_admin_site(
    page, live_server, system_admin, persona_password, requests_seen, tmp_path
):
    device = TOTPDevice.objects.create(user=system_admin, name="手机", confirmed=True)
    log_in_with_password(page, live_server, "sysadmin", persona_password)

    page.wait_for_url("**/accounts/otp/?next=*")
    assert page.locator("h1").inner_text() == "动态口令验证"
    assert page.locator(".site-nav").count() == 0
    page.screenshot(path=tmp_path / "otp.png", full_page=True)

    page.get_by_label("动态口令", exact=True).fill(code_of(device))
    page.get_by_role("button", name="验证").click()
    page.wait_for_url(f"{live_server.url}/admin/")
    assert "民情 · 系统管理" in page.content()
    assert_only_local_requests(requests_seen, live_server)


def test_a_new_admin_enrols_with_the_qr_code(
    page, live_server, system_admin, persona_password, requests_seen, tmp_path
):
    log_in_with_password(page, live_server, "sysadmin", persona_password)

    page.wait_for_url("**/accounts/otp/enrol/?next=*")
    qr = page.locator("figure svg")
    assert qr.is_visible()
    box = qr.bounding_box()
    assert box["width"] > 100 and box["height"] > 100  # big enough to scan
    page.screenshot(path=tmp_path / "enrol.png", full_page=True)

    device = TOTPDevice.objects.get(user=system_admin, confirmed=False)
    page.get_by_label("动态口令", exact=True).fill(code_of(device))
    page.get_by_role("button", name="完成绑定").click()
    page.wait_for_url(f"{live_server.url}/admin/")
    device.refresh_from_db()
    assert device.confirmed
    assert_only_local_requests(requests_seen, live_server)

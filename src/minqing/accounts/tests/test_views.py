import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_login_page_is_chinese(client):
    response = client.get(reverse("accounts:login"))
    content = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-CN">' in content
    assert "用户名" in content and "密码" in content and "登录" in content
    assert "csrfmiddlewaretoken" in content


def test_login_with_good_password_goes_home(client, grid_worker, persona_password):
    response = client.post(
        reverse("accounts:login"), {"username": "grid", "password": persona_password}
    )
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_login_with_bad_password_says_so_in_chinese(client, grid_worker):
    response = client.post(
        reverse("accounts:login"),
        {"username": "grid", "password": "wrong-password-1"},
        HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9",  # even an English browser gets Chinese
    )
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_with_empty_fields_says_what_is_missing(client):
    response = client.post(reverse("accounts:login"), {"username": "", "password": ""})
    content = response.content.decode()
    assert "请输入用户名" in content and "请输入密码" in content


def test_signed_in_user_visiting_login_goes_home(client, grid_worker):
    client.force_login(grid_worker)
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 302


def test_logout_is_a_post(client, grid_worker):
    client.force_login(grid_worker)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response.url == reverse("accounts:login")
    assert "_auth_user_id" not in client.session


def test_home_needs_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_header_shows_user_unit_roles_and_logout(client, grid_worker, district):
    client.force_login(grid_worker)
    content = client.get(reverse("home")).content.decode()
    assert "民情 <span" in content and "山阳区" in content
    assert "李秀英" in content
    assert "丰收社区第1网格" in content
    assert "网格员" in content
    assert f'action="{reverse("accounts:logout")}"' in content
    assert "退出登录" in content


def test_navigation_shows_admin_only_to_staff(client, grid_worker, system_admin):
    client.force_login(grid_worker)
    assert "系统管理" not in client.get(reverse("home")).content.decode()
    client.force_login(system_admin)  # the 三员 work in the admin site (see test_access.py)
    assert "系统管理" in client.get(reverse("admin:index")).content.decode()


def test_pages_load_nothing_from_outside(client, district_leader):
    client.force_login(district_leader)
    for url in (reverse("home"), reverse("accounts:login")):
        content = client.get(url).content.decode()
        assert "http://" not in content and "https://" not in content and "//cdn" not in content

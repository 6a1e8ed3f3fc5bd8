"""Shared fixtures: a small hand-made district and the named personas who use it.

The district 山阳区 (410811) has two streets (定和街道, 焦东街道), two communities in each
(丰收社区 新华社区 / 建设社区 和平社区) and two grids in each community (第1网格, 第2网格),
each a square inside its parent."""

import pytest

from minqing.accounts import roles
from minqing.accounts.models import Department
from minqing.accounts.tests.factories import PASSWORD, make_unit, make_user
from minqing.areas.tests.factories import make_district


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2 at full strength makes every create_user and login take ~0.5 s.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def persona_password() -> str:
    return PASSWORD


@pytest.fixture
def areas(db):
    """Every area of the test district by key: "山阳区", "定和街道", "定和街道/丰收社区",
    "定和街道/丰收社区/第1网格" …"""
    return make_district()


@pytest.fixture
def district(areas):
    return areas["山阳区"]


@pytest.fixture
def grid_worker(areas):
    """网格员 of 定和街道 丰收社区 第1网格."""
    grid = areas["定和街道/丰收社区/第1网格"]
    unit = make_unit(name="丰收社区第1网格", area=grid)
    return make_user("grid", unit=unit, roles=(roles.GRID_WORKER,), full_name="李秀英")


@pytest.fixture
def community_staff(areas):
    """社区工作人员 of 丰收社区."""
    unit = make_unit(name="丰收社区居委会", area=areas["定和街道/丰收社区"])
    return make_user("community", unit=unit, roles=(roles.COMMUNITY_STAFF,), full_name="王建国")


@pytest.fixture
def street_staff(areas):
    """街道工作人员 of 定和街道."""
    unit = make_unit(name="定和街道办事处", area=areas["定和街道"])
    return make_user("street", unit=unit, roles=(roles.STREET_STAFF,), full_name="张丽华")


@pytest.fixture
def district_leader(areas):
    """区领导: the whole district, aggregated."""
    unit = make_unit(name="山阳区人民政府", area=areas["山阳区"])
    return make_user("leader", unit=unit, roles=(roles.DISTRICT_LEADER,), full_name="陈志强")


@pytest.fixture
def civil_affairs_clerk(areas):
    """民政局 部门工作人员."""
    unit = make_unit(name="民政局", area=areas["山阳区"], department=Department.CIVIL_AFFAIRS)
    return make_user("minzheng", unit=unit, roles=(roles.DEPARTMENT_CLERK,), full_name="刘红梅")


@pytest.fixture
def superuser_client(client, district):
    """A client signed in as a superuser (the admin site)."""
    user = make_user("root", is_staff=True)
    user.is_superuser = True
    user.save()
    client.force_login(user)
    return client


@pytest.fixture
def system_admin(areas):
    """系统管理员 (三员): users and roles, never resident data."""
    unit = make_unit(name="山阳区人民政府信息中心", area=areas["山阳区"])
    return make_user(
        "sysadmin",
        unit=unit,
        roles=(roles.SYSTEM_ADMIN,),
        full_name="赵海涛",
        is_staff=True,
    )

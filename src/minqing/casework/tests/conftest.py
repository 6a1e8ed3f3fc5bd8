"""Casework personas beyond the root conftest's, and a small ledger: households inside the
personas' scopes and outside them."""

import pytest

from minqing.accounts import roles
from minqing.accounts.models import Department
from minqing.accounts.tests.factories import make_unit, make_user
from minqing.casework.tests.factories import ensure_routing_rules


@pytest.fixture(autouse=True)
def _routing_rules(db):
    ensure_routing_rules()


@pytest.fixture
def grid(areas):
    """定和街道 丰收社区 第1网格: the root grid worker's grid."""
    return areas["定和街道/丰收社区/第1网格"]


@pytest.fixture
def other_grid(areas):
    """丰收社区 第2网格: same community, another grid."""
    return areas["定和街道/丰收社区/第2网格"]


@pytest.fixture
def other_street_grid(areas):
    """焦东街道 建设社区 第1网格: another street altogether."""
    return areas["焦东街道/建设社区/第1网格"]


@pytest.fixture
def cadre(areas):
    """包联干部 working in the 丰收社区 office: sees only the households paired with them."""
    unit = make_unit(name="丰收社区党委", area=areas["定和街道/丰收社区"])
    return make_user("cadre", unit=unit, roles=(roles.CADRE,), full_name="赵志刚")


@pytest.fixture
def other_cadre(areas):
    unit = make_unit(name="建设社区党委", area=areas["焦东街道/建设社区"])
    return make_user("cadre2", unit=unit, roles=(roles.CADRE,), full_name="钱文斌")


@pytest.fixture
def other_grid_worker(other_grid):
    unit = make_unit(name="丰收社区第2网格", area=other_grid)
    return make_user("grid2", unit=unit, roles=(roles.GRID_WORKER,), full_name="孙小梅")


@pytest.fixture
def other_street_staff(areas):
    unit = make_unit(name="焦东街道办事处", area=areas["焦东街道"])
    return make_user("street2", unit=unit, roles=(roles.STREET_STAFF,), full_name="周建平")


@pytest.fixture
def education_clerk(areas):
    """教育局 部门工作人员."""
    unit = make_unit(name="教育局", area=areas["山阳区"], department=Department.EDUCATION)
    return make_user("jiaoyu", unit=unit, roles=(roles.DEPARTMENT_CLERK,), full_name="何静")


@pytest.fixture
def hotline_operator(areas):
    unit = make_unit(name="12345热线服务中心", area=areas["山阳区"], department=Department.HOTLINE)
    return make_user("hotline", unit=unit, roles=(roles.HOTLINE_OPERATOR,), full_name="杨晓燕")


@pytest.fixture
def security_admin(areas):
    unit = make_unit(name="信息中心(安全)", area=areas["山阳区"])
    return make_user("secadmin", unit=unit, roles=(roles.SECURITY_ADMIN,), is_staff=True)


@pytest.fixture
def audit_admin(areas):
    unit = make_unit(name="信息中心(审计)", area=areas["山阳区"])
    return make_user("auditor", unit=unit, roles=(roles.AUDIT_ADMIN,), is_staff=True)


@pytest.fixture
def superuser(areas):
    from minqing.accounts.models import User

    return User.objects.create_superuser("root", password="Minqing-root-2026")

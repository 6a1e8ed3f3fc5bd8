import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.test import RequestFactory

from minqing.accounts.actions import create_demo_accounts, demo_password
from minqing.accounts.models import Unit, UnitKind, User
from minqing.accounts.roles import CATALOGUE
from minqing.accounts.tests.factories import ensure_roles
from minqing.areas.models import Level
from minqing.areas.tests.factories import make_district
from minqing.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def login_request():
    # django-axes checks every authenticate() call against the lockout, which needs the request
    return RequestFactory().post("/accounts/login/")


@pytest.fixture
def demo_district(areas):
    ensure_roles()
    return areas["山阳区"]


def test_creates_one_user_per_role(demo_district):
    accounts = create_demo_accounts(district=demo_district)
    assert sorted(a["role"] for a in accounts) == sorted(code for code, *_ in CATALOGUE)
    assert {a["username"] for a in accounts} == {
        "grid",
        "community",
        "street",
        "cadre",
        "minzheng",
        "leader",
        "hotline",
        "sysadmin",
        "secadmin",
        "auditor",
    }
    for account in accounts:
        assert set(account) >= {"username", "password", "role", "unit", "full_name"}
        user = authenticate(
            login_request(), username=account["username"], password=account["password"]
        )
        assert user is not None
        assert list(user.roles.values_list("code", flat=True)) == [account["role"]]
        assert account["full_name"] and all(
            "\u4e00" <= ch <= "\u9fff" for ch in account["full_name"]
        )


def test_demo_passwords_pass_the_validators(demo_district):
    for account in create_demo_accounts(district=demo_district):
        user = User.objects.get(username=account["username"])
        validate_password(account["password"], user)
        assert account["password"] == demo_password(account["username"])


def test_units_sit_in_the_right_areas(demo_district, areas):
    by_user = {a["username"]: a for a in create_demo_accounts(district=demo_district)}
    unit_of = {u.username: u.unit for u in User.objects.select_related("unit__area")}

    assert unit_of["grid"].area == areas["定和街道/丰收社区/第1网格"]
    assert unit_of["grid"].name == "丰收社区第1网格"
    assert unit_of["community"].name == "丰收社区居委会"
    assert unit_of["community"].area == areas["定和街道/丰收社区"]
    assert unit_of["cadre"] == unit_of["community"]
    assert unit_of["street"].name == "定和街道办事处"
    assert unit_of["street"].area == areas["定和街道"]
    assert unit_of["leader"].name == "山阳区人民政府"
    assert unit_of["leader"].area.level == Level.DISTRICT
    assert unit_of["minzheng"].name == "民政局"
    assert unit_of["minzheng"].kind == UnitKind.DEPARTMENT
    assert unit_of["minzheng"].department == "civil_affairs"
    assert unit_of["hotline"].department == "hotline"
    assert unit_of["hotline"].name == "12345热线服务中心"
    assert by_user["minzheng"]["unit"] == "民政局"
    # 督办 go to a unit's leader: the district's is the 区领导; no other demo unit has one
    leaders = dict(Unit.objects.values_list("name", "leader__username"))
    assert leaders.pop("山阳区人民政府") == "leader"
    assert set(leaders.values()) == {None}


def test_only_the_three_admins_are_staff(demo_district):
    create_demo_accounts(district=demo_district)
    staff = set(User.objects.filter(is_staff=True).values_list("username", flat=True))
    assert staff == {"sysadmin", "secadmin", "auditor"}
    auditor = User.objects.get(username="auditor")
    assert auditor.has_perm("audit.view_auditevent")
    assert not auditor.has_perm("accounts.change_user")


def test_running_twice_changes_only_passwords_and_roles(demo_district):
    create_demo_accounts(district=demo_district)
    grid = User.objects.get(username="grid")
    grid.full_name = "改过的名字"
    grid.email = "grid@example.invalid"
    grid.save()
    grid.roles.clear()
    units_before = Unit.objects.count()

    accounts = create_demo_accounts(
        district=demo_district, password_for=lambda username: f"Another-{username}-pass"
    )

    grid.refresh_from_db()
    assert Unit.objects.count() == units_before == 6
    assert User.objects.count() == 10
    assert grid.full_name == "改过的名字" and grid.email == "grid@example.invalid"
    assert list(grid.roles.values_list("code", flat=True)) == ["grid_worker"]
    assert authenticate(login_request(), username="grid", password="Another-grid-pass")
    assert next(a for a in accounts if a["username"] == "grid")["password"] == "Another-grid-pass"


def test_writes_one_audit_record_per_run(demo_district, system_admin):
    create_demo_accounts(district=demo_district, by=system_admin)
    events = AuditEvent.objects.filter(action="accounts.create_demo_accounts")
    assert events.count() == 1
    assert events.get().actor == system_admin
    assert len(events.get().details["usernames"]) == 10


def test_missing_areas_raise_in_chinese(db):
    ensure_roles()
    areas = make_district(streets={"焦东街道": ["建设社区"]})
    with pytest.raises(ValueError, match="定和街道"):
        create_demo_accounts(district=areas["山阳区"])
    assert not User.objects.exists()


def test_a_weak_password_is_refused(demo_district):
    with pytest.raises(Exception, match=r"short|短"):
        create_demo_accounts(district=demo_district, password_for=lambda username: "abc")
    assert not User.objects.exists()

"""Writes about users and units."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import Permission
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.db.models import Q

from minqing.accounts import roles
from minqing.accounts.models import Department, Role, Unit, UnitKind, User
from minqing.areas.models import Area, Level
from minqing.audit.actions import record

# role code → username, full name (synthetic, like every person in the demo), unit key
DEMO_USERS = {
    roles.GRID_WORKER: ("grid", "李秀英", "grid"),
    roles.COMMUNITY_STAFF: ("community", "王建国", "community"),
    roles.STREET_STAFF: ("street", "张丽华", "street"),
    roles.CADRE: ("cadre", "赵志刚", "community"),
    roles.DEPARTMENT_CLERK: ("minzheng", "刘红梅", "civil_affairs"),
    roles.DISTRICT_LEADER: ("leader", "陈国强", "district"),
    roles.HOTLINE_OPERATOR: ("hotline", "杨晓燕", "hotline"),
    roles.SYSTEM_ADMIN: ("sysadmin", "周海涛", "district"),
    roles.SECURITY_ADMIN: ("secadmin", "吴振华", "district"),
    roles.AUDIT_ADMIN: ("auditor", "孙丽娟", "district"),
}

# The 三员 work in the admin site; each gets the model permissions of its duty only.
ADMIN_PERMISSIONS = {
    roles.SYSTEM_ADMIN: [
        "accounts.add_user",
        "accounts.change_user",
        "accounts.view_user",
        "accounts.add_unit",
        "accounts.change_unit",
        "accounts.view_unit",
        "accounts.view_role",
    ],
    roles.SECURITY_ADMIN: ["accounts.view_user", "accounts.change_user", "accounts.view_role"],
    roles.AUDIT_ADMIN: ["audit.view_auditevent"],
}


def demo_password(username: str) -> str:
    """Deterministic, documented in the demo's output, and valid under AUTH_PASSWORD_VALIDATORS."""
    return f"Minqing-{username}-2026"


@transaction.atomic
def create_demo_accounts(
    *,
    district: Area,
    password_for: Callable[[str], str] | None = None,
    by: User | None = None,
) -> list[dict]:
    """One demo user per role of the catalogue, and the units they work in.

    Units: 山阳区人民政府 (the district), 定和街道办事处, 丰收社区居委会, the office of
    丰收社区第1网格, 民政局 and the 12345热线服务中心. Running it again creates what is missing
    and resets only the passwords and roles of the demo users. `password_for(username)` gives
    each password (default: demo_password). Raises ValueError when those areas are not loaded.

    Returns one dict per user: username, password, role (code), role_name, unit, full_name."""
    password_for = password_for or demo_password
    units = _demo_units(district)
    roles_by_code = {role.code: role for role in Role.objects.all()}
    missing = [code for code in DEMO_USERS if code not in roles_by_code]
    if missing:
        raise ValueError(f"角色目录不完整, 缺少: {', '.join(missing)}(请先运行 minqing migrate)")

    accounts, created = [], []
    for code, (username, full_name, unit_key) in DEMO_USERS.items():
        role = roles_by_code[code]
        unit = units[unit_key]
        user, is_new = User.objects.get_or_create(
            username=username,
            defaults={"full_name": full_name, "unit": unit, "is_staff": role.is_security_admin},
        )
        password = password_for(username)
        validate_password(password, user)
        user.set_password(password)
        user.save(update_fields=["password"])
        user.roles.set([role])
        if code in ADMIN_PERMISSIONS:
            user.user_permissions.set(_permissions(ADMIN_PERMISSIONS[code]))
        if is_new:
            created.append(username)
        accounts.append(
            {
                "username": username,
                "password": password,
                "role": code,
                "role_name": role.name,
                "unit": str(user.unit or ""),
                "full_name": user.full_name,
            }
        )

    record(
        "accounts.create_demo_accounts",
        by=by,
        obj=district,
        summary=f"演示账号: 新建 {len(created)} 个, 重置密码和角色 {len(accounts) - len(created)} 个",
        details={"created": created, "usernames": [a["username"] for a in accounts]},
    )
    return accounts


def _demo_units(district: Area) -> dict[str, Unit]:
    street = _find_area(district, Level.STREET, "定和街道", parent=district)
    community = _find_area(district, Level.COMMUNITY, "丰收社区", parent=street)
    grid = (
        Area.objects.filter(parent=community, level=Level.GRID)
        .filter(Q(name__endswith="第1网格") | Q(name__endswith="第一网格"))
        .order_by("code")
        .first()
    )
    if grid is None:
        raise ValueError(f"{district.name}区域数据中找不到丰收社区第1网格, 请先导入区域数据")

    def area_office(name: str, area: Area) -> Unit:
        unit, _ = Unit.objects.get_or_create(
            name=name, kind=UnitKind.AREA_OFFICE, defaults={"area": area}
        )
        return unit

    def department(department: str, area: Area) -> Unit:
        unit, _ = Unit.objects.get_or_create(
            kind=UnitKind.DEPARTMENT,
            department=department,
            area=area,
            defaults={"name": Department(department).label},
        )
        return unit

    return {
        "district": area_office(f"{district.name}人民政府", district),
        "street": area_office(f"{street.name}办事处", street),
        "community": area_office(f"{community.name}居委会", community),
        "grid": area_office(f"{community.name}{grid.name.removeprefix(community.name)}", grid),
        "civil_affairs": department(Department.CIVIL_AFFAIRS, district),
        "hotline": department(Department.HOTLINE, district),
    }


def _find_area(district: Area, level: str, name: str, *, parent: Area) -> Area:
    area = (
        Area.objects.within(district)
        .filter(level=level, name=name, parent=parent)
        .order_by("code")
        .first()
    )
    if area is None:
        raise ValueError(
            f"{district.name}区域数据中找不到{Level(level).label}「{name}」, 请先导入区域数据"
        )
    return area


def _permissions(names: list[str]) -> list[Permission]:
    wanted = [tuple(name.split(".", 1)) for name in names]
    query = Q()
    for app_label, codename in wanted:
        query |= Q(content_type__app_label=app_label, codename=codename)
    return list(Permission.objects.filter(query))

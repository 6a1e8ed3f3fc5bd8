"""Writes about users and units, and the audited security steps: second factor, unlock."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import django_otp
from axes.utils import reset as axes_reset
from django.contrib.auth.models import Permission
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from minqing.accounts import roles
from minqing.accounts.models import Department, Role, Unit, UnitKind, User
from minqing.areas.models import Area, Level
from minqing.audit.actions import record
from minqing.audit.models import Outcome

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
        # the routing table (派单规则): rules, not resident data
        "casework.add_routingrule",
        "casework.change_routingrule",
        "casework.delete_routingrule",
        "casework.view_routingrule",
    ],
    roles.SECURITY_ADMIN: [
        "accounts.view_user",
        "accounts.change_user",
        "accounts.view_role",
        "accounts.view_loginlock",
        "accounts.unlock_login",
        "accounts.view_secondfactordevice",
        "accounts.reset_second_factor",
    ],
    roles.AUDIT_ADMIN: ["audit.view_auditevent"],
}


# The demo's 三员 accounts share this TOTP key (base32, as authenticator apps take it), printed
# by `minqing demo` and in the README: public, like the demo passwords. Never outside the demo.
DEMO_TOTP_KEY = "MINQINGDEMOKEY234567MINQINGDEMO2"
DEMO_DEVICE_NAME = "演示动态口令"


def demo_password(username: str) -> str:
    """Deterministic, documented in the demo's output, and valid under AUTH_PASSWORD_VALIDATORS."""
    return f"Minqing-{username}-2026"


def demo_second_factor_note(accounts: list[dict]) -> str:
    """What `minqing demo` prints under the accounts: how the 三员 sign in."""
    admins = [a["username"] for a in accounts if a.get("totp_key")]
    if not admins:
        return ""
    return (
        f"三员账号({'、'.join(admins)})登录时还需输入动态口令(TOTP): 在手机验证器应用"
        f"(如 FreeOTP、Google Authenticator)中手动添加密钥 {DEMO_TOTP_KEY}, "
        f"或运行 uv run minqing security demo-code {admins[0]} 查看当前 6 位口令。"
    )


@transaction.atomic
def create_demo_accounts(
    *,
    district: Area,
    password_for: Callable[[str], str] | None = None,
    by: User | None = None,
) -> list[dict]:
    """One demo user per role of the catalogue, and the units they work in.

    Units: 山阳区人民政府 (the district, led by the 区领导), 定和街道办事处, 丰收社区居委会, the
    office of 丰收社区第1网格, 民政局 and the 12345热线服务中心 (no leader: 督办 go to all
    their users). Running it again creates what is missing
    and resets only the passwords and roles of the demo users. `password_for(username)` gives
    each password (default: demo_password). Raises ValueError when those areas are not loaded.

    Returns one dict per user: username, password, role (code), role_name, unit, full_name."""
    password_for = password_for or demo_password
    units = _demo_units(district)
    roles_by_code = {role.code: role for role in Role.objects.all()}
    missing = [code for code in DEMO_USERS if code not in roles_by_code]
    if missing:
        raise ValueError(f"角色目录不完整, 缺少: {', '.join(missing)}(请先运行 minqing migrate)")

    accounts, created, users = [], [], {}
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
        users[code] = user
        if code in ADMIN_PERMISSIONS:
            user.user_permissions.set(_permissions(ADMIN_PERMISSIONS[code]))
        totp_key = _enrol_demo_device(user) if role.is_security_admin else ""
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
                "totp_key": totp_key,
            }
        )
    # 督办 go to a unit's leader: the district government's is the demo's 区领导. The other demo
    # units have no leader among the demo users, so their 督办 go to all of their users.
    district_unit = units["district"]
    if district_unit.leader_id is None:
        district_unit.leader = users[roles.DISTRICT_LEADER]
        district_unit.save(update_fields=["leader", "updated_at"])

    record(
        "accounts.create_demo_accounts",
        by=by,
        obj=district,
        summary=f"演示账号: 新建 {len(created)} 个, 重置密码和角色 {len(accounts) - len(created)} 个",
        details={"created": created, "usernames": [a["username"] for a in accounts]},
    )
    return accounts


def demo_totp_key_hex() -> str:
    """DEMO_TOTP_KEY as django-otp stores keys (hex)."""
    return base64.b32decode(DEMO_TOTP_KEY).hex()


def _enrol_demo_device(user: User) -> str:
    """A confirmed TOTP device with the public demo key, so that the demo's admins can sign in
    without enrolling (their own enrolment works too)."""
    TOTPDevice.objects.update_or_create(
        user=user,
        name=DEMO_DEVICE_NAME,
        defaults={"key": demo_totp_key_hex(), "confirmed": True},
    )
    return DEMO_TOTP_KEY


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


# Second factor and lockout. The login itself (success, failure, lockout, logout) is audited
# from Django's and axes' signals in accounts/audit_signals.py.


@dataclass(frozen=True)
class CodeCheck:
    """The result of a TOTP code: accepted, or refused (wrong, or too soon after wrong ones)."""

    is_accepted: bool
    wait_seconds: int = 0


def _check_code(
    request: HttpRequest, devices: list[TOTPDevice], code: str
) -> tuple[CodeCheck, TOTPDevice | None]:
    """Try the code on each device (django-otp refuses a code used before and slows down
    guessing: after n wrong codes a device waits 2^(n-1) seconds). A refusal is audited."""
    user = request.user
    code = "".join(code.split())
    waits = []
    for device in devices:
        allowed, info = device.verify_is_allowed()
        if not allowed:
            until = (info or {}).get("locked_until")
            seconds = int((until - timezone.now()).total_seconds()) + 1 if until else 1
            waits.append(max(1, seconds))
            continue
        verified = django_otp.verify_token(user, device.persistent_id, code)
        if verified is not None:
            return CodeCheck(is_accepted=True), verified
    wait = min(waits) if devices and len(waits) == len(devices) else 0
    record(
        "accounts.otp_failed",
        by=user,
        obj=user,
        request=request,
        outcome=Outcome.DENIED if wait else Outcome.FAILED,
        summary=f"{user} ({user.username}) 动态口令"
        + (f"尝试过于频繁, 已拒绝(需等待 {wait} 秒)" if wait else "错误, 已拒绝"),
        details={"username": user.username, "wait_seconds": wait},
    )
    return CodeCheck(is_accepted=False, wait_seconds=wait), None


def verify_second_factor(request: HttpRequest, *, code: str) -> CodeCheck:
    """Check the signed-in user's code against their confirmed devices; on success the session
    is verified (django_otp.login). Audited either way ("accounts.otp_verified" /
    "accounts.otp_failed"); the code itself is never stored."""
    devices = list(TOTPDevice.objects.devices_for_user(request.user, confirmed=True))
    result, device = _check_code(request, devices, code)
    if device is not None:
        request.session.cycle_key()  # a new session id for the raised privilege
        django_otp.login(request, device)
        record(
            "accounts.otp_verified",
            by=request.user,
            obj=request.user,
            request=request,
            summary=f"{request.user} ({request.user.username}) 动态口令验证通过",
        )
    return result


def confirm_second_factor(request: HttpRequest, *, device: TOTPDevice, code: str) -> CodeCheck:
    """Enrolment: the first code from the new device confirms it and verifies the session.
    Audited ("accounts.otp_enrolled" / "accounts.otp_failed")."""
    if device.user_id != request.user.pk or device.confirmed:
        raise ValueError("只能确认本人尚未启用的动态口令设备")
    result, verified = _check_code(request, [device], code)
    if verified is None:
        return result
    verified.confirmed = True
    verified.save(update_fields=["confirmed"])
    request.session.cycle_key()
    django_otp.login(request, verified)
    record(
        "accounts.otp_enrolled",
        by=request.user,
        obj=request.user,
        request=request,
        summary=f"{request.user} ({request.user.username}) 绑定动态口令设备并验证通过",
        details={"device": verified.pk},
    )
    return result


@transaction.atomic
def reset_second_factor(user: User, *, by: User | None, request: HttpRequest | None = None) -> int:
    """Remove all of a user's TOTP devices (a lost phone): they enrol again at their next
    login. Returns the number of devices removed."""
    count, _ = TOTPDevice.objects.filter(user=user).delete()
    record(
        "accounts.otp_reset",
        by=by,
        obj=user,
        request=request,
        summary=f"重置 {user} ({user.username}) 的动态口令, 删除设备 {count} 个",
        details={"username": user.username, "devices": count},
    )
    return count


@transaction.atomic
def unlock_logins(
    usernames: Iterable[str], *, by: User | None, request: HttpRequest | None = None
) -> int:
    """Clear the failed-login counts of these usernames (django-axes), which lifts a lockout
    before its 30 minutes are over. Returns the number of counts cleared."""
    names = sorted({name for name in usernames if name})
    cleared = sum(axes_reset(username=name) for name in names)
    record(
        "accounts.unlock",
        by=by,
        request=request,
        summary=f"解锁账号: {'、'.join(names) or '(无)'}",
        details={"usernames": names, "cleared": cleared},
    )
    return cleared

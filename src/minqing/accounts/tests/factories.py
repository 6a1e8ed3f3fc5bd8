"""Users, units and roles for tests."""

from __future__ import annotations

from minqing.accounts.models import Role, Unit, UnitKind, User
from minqing.accounts.roles import CATALOGUE, load_catalogue
from minqing.areas.models import Area

# Every test persona signs in with this password (passes AUTH_PASSWORD_VALIDATORS).
PASSWORD = "Minqing-test-2026"


def ensure_roles() -> None:
    """Load the role catalogue. Migration 0002 does it once, but transactional tests
    (live_server) flush every table afterwards, so tests that need roles make sure."""
    if Role.objects.count() == len(CATALOGUE):
        return
    load_catalogue(Role)


def make_unit(*, name: str, area: Area, department: str = "") -> Unit:
    kind = UnitKind.DEPARTMENT if department else UnitKind.AREA_OFFICE
    return Unit.objects.create(name=name, kind=kind, department=department, area=area)


def make_user(
    username: str,
    *,
    unit: Unit | None = None,
    roles: tuple[str, ...] = (),
    full_name: str = "",
    password: str = PASSWORD,
    is_staff: bool = False,
) -> User:
    ensure_roles()
    user = User.objects.create_user(
        username=username,
        password=password,
        full_name=full_name,
        unit=unit,
        is_staff=is_staff,
    )
    if roles:
        user.roles.set(Role.objects.filter(code__in=roles))
    return user

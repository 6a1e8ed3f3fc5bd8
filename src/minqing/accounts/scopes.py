"""Who a user is, for what they may see and do: the user-level half of the one scope.

Each grant comes from a role held together with the user's unit:

| role | grant |
|---|---|
| superuser | everything; identifiers in full |
| 区领导 district leader | everything, read only, identifiers masked, never in full |
| 网格员 / 社区 / 街道工作人员 in an area office | the office's area and everything below it (a district office: everything) |
| 包联干部 cadre, and anyone paired with a household | the households they are paired with |
| 部门工作人员 in a department | the items routed to the department, within the unit's area |
| 12345 operator, 三员 (system/security/audit admins), no unit | no resident data |

Grants add up (a community worker who is also a cadre sees the community and their paired
households). A 三员 role removes every grant: those admins never see resident data, whatever
else they hold. The querysets over these grants are in casework.queries (ledger_scope).

ID numbers and phones are masked for everyone but a superuser; roles that see personal data
may ask to see one value in full, with a reason, and that read is audited (`may_reveal`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from minqing.accounts import roles
from minqing.accounts.access import held_roles
from minqing.accounts.models import UnitKind
from minqing.areas.models import Area

ADMIN_ROLES = frozenset({roles.SYSTEM_ADMIN, roles.SECURITY_ADMIN, roles.AUDIT_ADMIN})
AREA_ROLES = frozenset({roles.GRID_WORKER, roles.COMMUNITY_STAFF, roles.STREET_STAFF})
# area staff who review inclusion and assign cadres (DESIGN.md: 社区/街道)
MANAGER_ROLES = frozenset({roles.COMMUNITY_STAFF, roles.STREET_STAFF})
PAIRED_ROLES = frozenset({roles.CADRE, roles.GRID_WORKER})


@dataclass(frozen=True)
class Scope:
    """What one user may see and do, as grants; empty for anonymous users and the 三员."""

    user_id: int | None = None
    unit_id: int | None = None
    is_superuser: bool = False
    everything: bool = False  # reads every household of the district (leader, superuser)
    area: Area | None = None  # an area office's subtree: read and write
    paired: bool = False  # the households the user is paired with (cadre, grid worker)
    department: str = ""  # items routed to this department …
    department_area: Area | None = None  # … within this area
    manages: bool = False  # community / street staff: review inclusion, assign cadres
    may_escalate: bool = False  # mark problems 重大疑难 (leader, managers)
    shows_identifiers: bool = False  # ID numbers and phones in full, without asking
    may_reveal: bool = False  # may ask to see one identifier in full, with a reason

    @property
    def sees_residents(self) -> bool:
        return self.everything or self.area is not None or self.paired or bool(self.department)

    @property
    def is_read_only(self) -> bool:
        """Sees residents but changes nothing (the district leader)."""
        return self.sees_residents and not (
            self.is_superuser or self.area is not None or self.paired or self.department
        )

    def area_q(self, path: str = "area__path") -> Q:
        """Rows readable through the area grant (or everything), by the lookup of their
        area's path; no rows without either."""
        if self.everything:
            return Q()
        if self.area is None:
            return Q(pk__in=[])
        return Q(**{f"{path}__startswith": self.area.path})

    def reads_area(self, area_path: str) -> bool:
        return self.everything or self.works_in(area_path)

    def works_in(self, area_path: str) -> bool:
        """Whether the user may write for households of that area (by its path)."""
        if self.is_superuser:
            return True
        return self.area is not None and area_path.startswith(self.area.path)

    def handles(self, department: str, area_path: str) -> bool:
        """Whether the user works for that department there."""
        if self.is_superuser:
            return True
        return (
            bool(self.department)
            and department == self.department
            and self.department_area is not None
            and area_path.startswith(self.department_area.path)
        )


NOTHING = Scope()


def scope_of(user) -> Scope:
    """The grants of this user (see the module docstring), cached on the user object: a page
    asks several times."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    if not hasattr(user, "_minqing_scope"):
        user._minqing_scope = _scope(user)
    return user._minqing_scope


# roles whose work is with the residents of the ledger (the hotline works with its own orders)
_RESIDENT_ROLES = AREA_ROLES | PAIRED_ROLES | {roles.DEPARTMENT_CLERK}


def _scope(user) -> Scope:
    if user.is_superuser:
        return Scope(
            user_id=user.pk,
            unit_id=user.unit_id,
            is_superuser=True,
            everything=True,
            paired=True,
            manages=True,
            may_escalate=True,
            shows_identifiers=True,
            may_reveal=True,
        )
    held = held_roles(user)
    codes = {role.code for role in held}
    if codes & ADMIN_ROLES or any(role.is_security_admin for role in held):
        return NOTHING
    unit = user.unit if user.unit_id else None
    if unit is None:
        return NOTHING

    grants: dict = {"user_id": user.pk, "unit_id": unit.pk}
    if codes & AREA_ROLES and unit.kind == UnitKind.AREA_OFFICE:
        grants["area"] = unit.area  # a district office: the district, i.e. everything
        grants["manages"] = grants["may_escalate"] = bool(codes & MANAGER_ROLES)
    if codes & PAIRED_ROLES:
        grants["paired"] = True
    if roles.DEPARTMENT_CLERK in codes and unit.kind == UnitKind.DEPARTMENT and unit.department:
        grants["department"] = unit.department
        grants["department_area"] = unit.area
    if roles.DISTRICT_LEADER in codes:
        grants["everything"] = grants["may_escalate"] = True
    scope = Scope(**grants)
    if not scope.sees_residents:
        return NOTHING
    personal = any(r.sees_personal_data and r.code in _RESIDENT_ROLES for r in held)
    return Scope(**grants, may_reveal=personal and not scope.is_read_only)

"""Who may import which department list, and see which import runs.

A superuser may import every source. A department clerk (role department_clerk) may import the
sources of the department their unit belongs to. Nobody else may: the 三员 admin roles never
touch resident data, and area offices (grids, communities, streets) do not send lists.
Everything outside these rules is answered as "not found", never as "forbidden", so that a
code or run number does not tell whether it exists.
"""

from __future__ import annotations

from functools import cache

from django.db.models import QuerySet

from minqing.accounts import roles
from minqing.accounts.access import sees_resident_data
from minqing.sources import definitions
from minqing.sources.models import ImportRun, Source


def _department_of_clerk(user) -> str:
    """The department a user imports for ('' when they import for none)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ""
    if not user.unit_id or not user.unit.department:
        return ""
    # cached on the user object: a page asks several times
    if not hasattr(user, "_minqing_is_clerk"):
        codes = set(user.roles.values_list("code", flat=True))
        user._minqing_is_clerk = roles.DEPARTMENT_CLERK in codes and sees_resident_data(user)
    return user.unit.department if user._minqing_is_clerk else ""


def _is_superuser(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_superuser)


def can_import_code(user, code: str) -> bool:
    """can_import() by the source's code, from its definition (no Source row needed)."""
    if _is_superuser(user):
        return True
    department = _department_of_clerk(user)
    found = definitions.load_all().get(code)
    return bool(department) and found is not None and found.department == department


def can_import(user, source: Source) -> bool:
    if _is_superuser(user):
        return True
    department = _department_of_clerk(user)
    return bool(department) and source.department == department


def importable_sources(user) -> QuerySet[Source]:
    """The sources this user may import, by name."""
    sources = Source.objects.order_by("department", "name")
    if _is_superuser(user):
        return sources
    department = _department_of_clerk(user)
    return sources.filter(department=department) if department else sources.none()


def may_import_anything(user) -> bool:
    """For the navigation. Asks the definition files, not the Source table, which is only
    filled (synced) when someone opens the import page or runs an import."""
    if _is_superuser(user):
        return True
    department = _department_of_clerk(user)
    return bool(department) and department in _departments_with_sources()


@cache
def _departments_with_sources() -> frozenset[str]:
    # definitions change with a deployment only (they are files in the package)
    try:
        return frozenset(d.department for d in definitions.load_all().values())
    except definitions.DefinitionError:
        return frozenset()  # the import itself reports the broken file


def visible_runs(user) -> QuerySet[ImportRun]:
    """Runs of the sources this user may import (a superuser: all), newest first."""
    runs = ImportRun.objects.select_related("source", "by").order_by("-started_at", "-id")
    if _is_superuser(user):
        return runs
    department = _department_of_clerk(user)
    return runs.filter(source__department=department) if department else runs.none()

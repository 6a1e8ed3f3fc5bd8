"""Who is a 三员 admin, who sees resident data, who needs a second factor — asked in one place.

The 三员 (system admin, security admin, audit admin) keep their duties apart from the residents'
data (DESIGN.md): a user holding any of these roles sees no household, person, list or review
item, even if a business role was wrongly added next to it (a misconfiguration must not widen
access). A superuser is outside the role catalogue and sees everything, like in each app's
scoping. Every admin role and every superuser signs in with a TOTP code as second factor."""

from __future__ import annotations

from functools import wraps

from django.db.models import Q
from django.shortcuts import redirect

from minqing.accounts import roles

ADMIN_ROLES = frozenset({roles.SYSTEM_ADMIN, roles.SECURITY_ADMIN, roles.AUDIT_ADMIN})


def _holds_admin_role(user) -> bool:
    # cached on the user object: one request asks several times (middleware, page, navigation)
    if not hasattr(user, "_minqing_is_admin_role"):
        user._minqing_is_admin_role = user.roles.filter(
            Q(code__in=ADMIN_ROLES) | Q(is_security_admin=True)
        ).exists()
    return user._minqing_is_admin_role


def held_roles(user) -> list:
    """The user's roles, read once and kept on the user object (one request asks several times:
    the second-factor middleware, the navigation, the page's scope)."""
    if not hasattr(user, "_minqing_held_roles"):
        user._minqing_held_roles = list(user.roles.all())
    return user._minqing_held_roles


def remember_roles(user, held: list) -> None:
    """Answer this request's questions from roles already read (saves a query per page)."""
    user._minqing_held_roles = held
    user._minqing_is_admin_role = any(
        role.code in ADMIN_ROLES or role.is_security_admin for role in held
    )


def is_admin_role_holder(user) -> bool:
    """Whether the signed-in user holds one of the 三员 roles."""
    if user is None or not user.is_authenticated:
        return False
    return _holds_admin_role(user)


def sees_resident_data(user) -> bool:
    """False for anonymous or inactive users and for the 三员; True otherwise (what each user
    then sees is their app's scope: area, department, masking)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return not _holds_admin_role(user)


def needs_second_factor(user) -> bool:
    """The 三员 and superusers pass a TOTP code after their password."""
    if user is None or not user.is_authenticated:
        return False
    return user.is_superuser or _holds_admin_role(user)


def resident_data_required(view):
    """For pages about residents: a 三员 admin is sent to the admin site, where their work is."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if request.user.is_authenticated and not sees_resident_data(request.user):
            return redirect("admin:index")
        return view(request, *args, **kwargs)

    return guarded

"""Login, login failure, lockout and logout as audit events.

STYLE.md says "no signals for business effects": domain writes are audited by the action that
makes them. Authentication is the sanctioned exception: Django and django-axes announce these
events only as signals (user_logged_in, user_login_failed, user_logged_out, user_locked_out),
and they happen on every login path (our page, the admin site's), so listening is the one
place that sees them all. Nothing here changes data other than the audit row.

A failed login keeps the username tried, never the password (Django hands receivers the
credentials with the password already replaced by stars; only the username is read)."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from minqing.accounts.access import needs_second_factor
from minqing.accounts.models import User
from minqing.audit.actions import record
from minqing.audit.models import Outcome

MAX_USERNAME = 150  # what the user model allows; anything longer is not a username


def _user_named(username: str) -> User | None:
    return User.objects.filter(username=username).first() if username else None


def _cool_off_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


@receiver(user_logged_in, dispatch_uid="minqing.accounts.audit.logged_in")
def audit_login(sender, request, user, **kwargs):
    second = needs_second_factor(user)
    record(
        "accounts.login",
        by=user,
        obj=user,
        request=request,
        summary=f"{user} ({user.username}) 登录成功" + (", 待动态口令验证" if second else ""),
        details={"username": user.username, "second_factor_required": second},
    )


@receiver(user_login_failed, dispatch_uid="minqing.accounts.audit.login_failed")
def audit_login_failed(sender, credentials, request=None, **kwargs):
    # During a lockout axes refuses before the password is compared and marks the request
    # first; that attempt is recorded once, as accounts.login_refused (below).
    if (
        request is not None
        and getattr(request, "axes_locked_out", False)
        and getattr(request, "axes_failures_since_start", None) is None
    ):
        return
    username = str(credentials.get("username") or "")[:MAX_USERNAME]
    record(
        "accounts.login_failed",
        obj=_user_named(username),
        request=request,
        outcome=Outcome.FAILED,
        summary=f"用户名「{username}」登录失败(用户名或密码错误)",
        details={"username": username, "path": getattr(request, "path", "")},
    )


@receiver(user_locked_out, dispatch_uid="minqing.accounts.audit.locked_out")
def audit_locked_out(sender, request, username, ip_address, **kwargs):
    username = str(username or "")[:MAX_USERNAME]
    failures = getattr(request, "axes_failures_since_start", None)
    if failures is not None:  # this failure reached the limit: the lock begins
        record(
            "accounts.locked_out",
            obj=_user_named(username),
            request=request,
            outcome=Outcome.DENIED,
            summary=(
                f"用户名「{username}」连续 {failures} 次登录失败, 锁定 {_cool_off_minutes()} 分钟"
            ),
            details={"username": username, "failures": failures},
        )
    else:  # an attempt while locked, refused before its password was compared
        record(
            "accounts.login_refused",
            obj=_user_named(username),
            request=request,
            outcome=Outcome.DENIED,
            summary=f"用户名「{username}」处于锁定期, 登录被拒绝",
            details={"username": username},
        )


@receiver(user_logged_out, dispatch_uid="minqing.accounts.audit.logged_out")
def audit_logout(sender, request, user, **kwargs):
    if user is None:  # the session had already ended
        return
    record(
        "accounts.logout",
        by=user,
        obj=user,
        request=request,
        summary=f"{user} ({user.username}) 退出登录",
        details={"username": user.username},
    )

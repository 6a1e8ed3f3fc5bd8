"""The TOTP second factor (django-otp) for the 三员 admin roles and superusers.

After the password, such a user reaches no page until they typed a code from their
authenticator app: the middleware sends them to 动态口令验证, or — before their first device
is confirmed — to 绑定动态口令, which shows the key as a QR code drawn on the server. A verified
session stays verified until it ends (logout, or the 30-minute idle timeout).
"""

from __future__ import annotations

from urllib.parse import urlencode

import segno
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from minqing.accounts.access import needs_second_factor, remember_roles
from minqing.core.context import roles_of

DEVICE_NAME = "动态口令"

# Pages an unverified admin may open: the two steps themselves and logout.
OPEN_VIEWS = {"accounts:otp_verify", "accounts:otp_enrol", "accounts:logout"}


def is_pending(user) -> bool:
    """Signed in with the password but not yet with the code (OTPMiddleware set is_verified)."""
    return needs_second_factor(user) and not user.is_verified()


def next_url(request: HttpRequest) -> str:
    """Where to go after the code: the page asked for, if it is on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


class SecondFactorMiddleware:
    """Placed after django_otp's OTPMiddleware. Anonymous users, users who need no second
    factor and verified sessions pass untouched."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.static_prefix = "/" + settings.STATIC_URL.lstrip("/")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.path.startswith(self.static_prefix):
            return self.get_response(request)
        # the roles, read once for this request: the header shows them too
        remember_roles(user, roles_of(request))
        if not is_pending(user):
            return self.get_response(request)
        try:
            view_name = resolve(request.path_info).view_name
        except Resolver404:
            view_name = ""
        if view_name in OPEN_VIEWS:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": "请先完成动态口令验证。"}, status=401)
        step = "accounts:otp_verify" if user_has_device(user) else "accounts:otp_enrol"
        query = urlencode({"next": request.get_full_path()})
        return redirect(f"{reverse(step)}?{query}")


def unconfirmed_device(user) -> TOTPDevice:
    """The device being enrolled: the same key on every visit of the page until it is
    confirmed (a new key on each reload would confuse whoever is scanning)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG QR code, drawn here (no script, no outside service)."""
    return segno.make(uri, error="m").svg_inline(scale=5, border=2, title="动态口令二维码")

from base64 import b32encode
from typing import ClassVar

from axes.models import AccessAttempt
from django import forms
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django_otp import user_has_device

from minqing.accounts import actions
from minqing.accounts.access import needs_second_factor
from minqing.accounts.second_factor import (
    is_pending,
    next_url,
    qr_svg,
    unconfirmed_device,
)


class LoginForm(AuthenticationForm):
    """Django's login form with its messages in Chinese whatever language the browser asks
    for (LocaleMiddleware would otherwise answer an English browser in English)."""

    error_messages: ClassVar[dict[str, str]] = {
        "invalid_login": "用户名或密码错误, 请重新输入(密码区分大小写)。",
        "inactive": "该账号已停用, 请联系系统管理员。",
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "用户名"
        self.fields["username"].error_messages["required"] = "请输入用户名。"
        self.fields["password"].label = "密码"
        self.fields["password"].error_messages["required"] = "请输入密码。"
        self.fields["password"].widget = forms.PasswordInput(
            attrs={"autocomplete": "current-password"}
        )


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class CodeForm(forms.Form):
    code = forms.CharField(
        label="动态口令",
        max_length=12,
        error_messages={"required": "请输入动态口令。"},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "placeholder": "6 位数字",
            }
        ),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not code.isdigit() or len(code) != 6:
            raise forms.ValidationError("动态口令是 6 位数字。")
        return code


def _refusal(check: actions.CodeCheck) -> str:
    if check.wait_seconds:
        return f"尝试过于频繁, 请 {check.wait_seconds} 秒后再输入。"
    return "动态口令错误或已使用过, 请输入验证器中当前显示的 6 位数字。"


@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    """Second step of an admin's login: the code from their authenticator app."""
    if not is_pending(request.user):
        return redirect(next_url(request))
    if not user_has_device(request.user):
        return redirect("accounts:otp_enrol")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = actions.verify_second_factor(request, code=form.cleaned_data["code"])
        if check.is_accepted:
            return redirect(next_url(request))
        form.add_error("code", _refusal(check))
    return render(
        request,
        "accounts/otp_verify.html",
        {"form": form, "next": request.GET.get("next", ""), "otp_pending": True},
    )


@login_required
def otp_enrol(request: HttpRequest) -> HttpResponse:
    """First login of an admin without a device: scan the QR code, type the first code."""
    if not needs_second_factor(request.user) or user_has_device(request.user):
        return redirect("accounts:otp_verify")
    device = unconfirmed_device(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = actions.confirm_second_factor(
            request, device=device, code=form.cleaned_data["code"]
        )
        if check.is_accepted:
            return redirect(next_url(request))
        form.add_error("code", _refusal(check))
    uri = device.config_url
    return render(
        request,
        "accounts/otp_enrol.html",
        {
            "form": form,
            "next": request.GET.get("next", ""),
            "otp_pending": True,
            "qr_svg": qr_svg(uri),
            "otpauth_uri": uri,
            "key_base32": _grouped(_base32(device)),
        },
    )


def _base32(device) -> str:
    return b32encode(device.bin_key).decode()


def _grouped(key: str) -> str:
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """What django-axes answers (AXES_LOCKOUT_CALLABLE) to a login of a locked username."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    last = (
        AccessAttempt.objects.filter(username=username)
        .order_by("-attempt_time")
        .values_list("attempt_time", flat=True)
        .first()
    )
    until = timezone.localtime(last + settings.AXES_COOLOFF_TIME) if last else None
    return render(
        request,
        "accounts/locked_out.html",
        {"minutes": minutes, "until": until, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )

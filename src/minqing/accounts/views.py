from typing import ClassVar

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm


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

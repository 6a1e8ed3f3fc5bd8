from django.conf import settings
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from minqing.accounts import actions
from minqing.accounts.models import ApiToken, LoginLock, Role, SecondFactorDevice, Unit, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "full_name", "unit", "role_names", "is_active", "is_staff")
    list_filter = ("is_active", "is_staff", "roles", "unit__kind")
    search_fields = ("username", "full_name", "unit__name")
    list_select_related = ("unit",)
    autocomplete_fields = ("unit",)
    filter_horizontal = ("roles", "groups", "user_permissions")
    fieldsets = (
        (None, {"fields": ["username", "password"]}),
        ("个人信息", {"fields": ["full_name", "email"]}),
        ("单位与角色", {"fields": ["unit", "roles"]}),
        (
            "权限",
            {
                "fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"],
                "classes": ["collapse"],
            },
        ),
        ("重要日期", {"fields": ["last_login", "date_joined"]}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "full_name", "unit", "roles", "password1", "password2"],
            },
        ),
    )
    readonly_fields = ("last_login", "date_joined")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("roles")

    @admin.display(description="角色")
    def role_names(self, user: User) -> str:
        return "、".join(role.name for role in user.roles.all())


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "department", "area", "leader")
    list_filter = ("kind", "department")
    search_fields = ("name", "area__name")
    list_select_related = ("area", "leader")
    raw_id_fields = ("area",)
    autocomplete_fields = ("leader",)


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    """The catalogue is data from accounts/roles.py: names and descriptions may be reworded,
    but codes and the 三员 / personal-data flags only change with the code that checks them."""

    list_display = ("name", "code", "sees", "does", "is_security_admin", "sees_personal_data")
    readonly_fields = ("code", "is_security_admin", "sees_personal_data", "order")
    fields = ("code", "name", "sees", "does", "is_security_admin", "sees_personal_data", "order")

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Keys are made by `minqing token create` (the only moment the key is shown); here they
    can be seen and switched off."""

    list_display = ("name", "user", "is_active", "created_at", "last_used_at")
    list_filter = ("is_active",)
    search_fields = ("name", "user__username", "user__full_name")
    list_select_related = ("user",)
    fields = ("user", "name", "is_active", "created_at", "last_used_at")
    readonly_fields = ("user", "name", "created_at", "last_used_at")
    actions = ["deactivate"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="停用所选 API 密钥")
    def deactivate(self, request, queryset) -> None:
        count = queryset.filter(is_active=True).update(is_active=False)
        self.message_user(request, f"已停用 {count} 个 API 密钥。")


@admin.register(LoginLock)
class LoginLockAdmin(admin.ModelAdmin):
    """The security admin's view of failed logins (django-axes): who is locked, until when, and
    the 解锁 action. Rows are never edited or deleted here other than by that action, which is
    audited."""

    list_display = (
        "username",
        "failures_since_start",
        "attempt_time",
        "locked_until",
        "ip_address",
    )
    list_filter = ("attempt_time",)
    search_fields = ("username", "ip_address")
    fields = ("username", "failures_since_start", "attempt_time", "ip_address", "path_info")
    readonly_fields = fields
    ordering = ("-attempt_time",)
    actions = ["unlock"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_unlock_permission(self, request) -> bool:
        return request.user.has_perm("accounts.unlock_login")

    @admin.display(description="锁定至")
    def locked_until(self, attempt: LoginLock) -> str:
        if attempt.failures_since_start < settings.AXES_FAILURE_LIMIT:
            return "未锁定"
        until = attempt.attempt_time + settings.AXES_COOLOFF_TIME
        if until <= timezone.now():
            return "已到期"
        return f"{timezone.localtime(until):%Y-%m-%d %H:%M}"

    @admin.action(description="解锁所选账号", permissions=["unlock"])
    def unlock(self, request, queryset) -> None:
        usernames = list(queryset.values_list("username", flat=True))
        actions.unlock_logins(usernames, by=request.user, request=request)
        self.message_user(request, f"已解锁: {'、'.join(sorted(set(usernames)))}。")


# django-otp's own device admin shows and edits keys; ours shows devices only and resets them.
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


@admin.register(SecondFactorDevice)
class SecondFactorDeviceAdmin(admin.ModelAdmin):
    """Who has a TOTP device (never the key). 重置动态口令 removes a user's devices — their
    phone is lost — and they enrol again at the next login; audited."""

    list_display = ("user", "name", "confirmed", "created_at", "last_used_at")
    list_filter = ("confirmed",)
    search_fields = ("user__username", "user__full_name")
    list_select_related = ("user",)
    fields = ("user", "name", "confirmed", "created_at", "last_used_at")
    readonly_fields = fields
    actions = ["reset"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_reset_permission(self, request) -> bool:
        return request.user.has_perm("accounts.reset_second_factor")

    @admin.action(description="重置所选用户的动态口令(需重新绑定)", permissions=["reset"])
    def reset(self, request, queryset) -> None:
        users = User.objects.filter(pk__in=queryset.values("user_id")).order_by("username")
        for user in users:
            actions.reset_second_factor(user, by=request.user, request=request)
        self.message_user(request, f"已重置动态口令: {'、'.join(u.username for u in users)}。")

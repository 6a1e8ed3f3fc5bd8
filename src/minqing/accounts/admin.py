from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from minqing.accounts.models import ApiToken, Role, Unit, User


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
    list_display = ("name", "kind", "department", "area")
    list_filter = ("kind", "department")
    search_fields = ("name", "area__name")
    list_select_related = ("area",)
    raw_id_fields = ("area",)


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

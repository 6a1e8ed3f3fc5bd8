from django.contrib import admin

from minqing.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: audit rows are written by minqing.audit.actions.record and never edited."""

    list_display = (
        "at",
        "actor_name",
        "actor_roles",
        "action",
        "object_type",
        "object_id",
        "outcome",
        "ip",
    )
    list_filter = ("outcome", "action")
    search_fields = ("actor_name", "action", "summary", "object_id")
    date_hierarchy = "at"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

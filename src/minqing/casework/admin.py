"""The routing table is edited here; everything else is read only (it changes through
casework.actions, which keep the history and the audit trail)."""

from django.contrib import admin

from minqing.audit.actions import record
from minqing.casework.models import (
    Change,
    LedgerEntry,
    Measure,
    Problem,
    RoutingRule,
    Visit,
    VisitPhoto,
)
from minqing.core.admin import ShownNotEdited


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("problem_type", "area_label", "department", "note", "updated_at")
    list_filter = ("problem_type", "department")
    search_fields = ("area__name", "note")
    list_select_related = ("area",)
    raw_id_fields = ("area",)
    fields = ("problem_type", "area", "department", "note")

    @admin.display(description="适用区域", ordering="area__path")
    def area_label(self, rule: RoutingRule) -> str:
        return rule.area.full_name if rule.area_id else "全区(默认)"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        record(
            "casework.change_routing_rule" if change else "casework.add_routing_rule",
            by=request.user,
            obj=obj,
            request=request,
            summary=f"派单规则: {obj}",
        )

    def delete_model(self, request, obj):
        summary = f"删除派单规则: {obj}"
        super().delete_model(request, obj)
        record("casework.delete_routing_rule", by=request.user, request=request, summary=summary)

    def delete_queryset(self, request, queryset):
        summary = "删除派单规则: " + "; ".join(str(rule) for rule in queryset)
        super().delete_queryset(request, queryset)
        record("casework.delete_routing_rule", by=request.user, request=request, summary=summary)


class ReadOnlyAdmin(ShownNotEdited, admin.ModelAdmin):
    """Rows written by casework.actions only."""

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ("household", "area", "category", "status", "cadre", "grid_worker", "entered_on")
    list_filter = ("status", "category")
    list_select_related = ("household", "area", "cadre", "grid_worker")
    search_fields = ("household__number",)


@admin.register(Problem)
class ProblemAdmin(ReadOnlyAdmin):
    list_display = (
        "title",
        "problem_type",
        "department",
        "status",
        "due_on",
        "overdue_level",
        "is_major",
    )
    list_filter = ("status", "problem_type", "department", "is_major", "overdue_level")
    search_fields = ("title",)


@admin.register(Measure)
class MeasureAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "owner_unit", "owner", "deadline", "status")
    list_filter = ("status",)
    list_select_related = ("owner_unit", "owner")


class VisitPhotoInline(admin.TabularInline):
    model = VisitPhoto
    extra = 0
    fields = readonly_fields = ("file", "content_type", "uploaded_at")
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    list_display = ("household", "visited_on", "by", "decision")
    list_filter = ("decision",)
    list_select_related = ("household", "by")
    inlines = [VisitPhotoInline]


@admin.register(Change)
class ChangeAdmin(ReadOnlyAdmin):
    list_display = ("at", "by", "household", "kind", "field", "from_value", "to_value", "reason")
    list_filter = ("kind",)
    list_select_related = ("by", "household")
    date_hierarchy = "at"

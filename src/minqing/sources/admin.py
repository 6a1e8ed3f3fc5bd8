from django.contrib import admin

from minqing.sources.models import ImportRun, Source


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    """Definitions live in files (sources/definitions/*.toml); the admin shows them read-only."""

    list_display = ["code", "name", "department", "kind", "file_pattern", "definition_path"]
    list_filter = ["department", "kind"]
    search_fields = ["code", "name"]
    readonly_fields = [f.name for f in Source._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = [
        "started_at",
        "source",
        "file_name",
        "status",
        "rows_read",
        "rows_new",
        "rows_updated",
        "rows_ended",
        "rows_rejected",
        "by",
        "channel",
    ]
    list_filter = ["status", "source", "channel"]
    search_fields = ["file_name", "file_hash"]
    readonly_fields = [f.name for f in ImportRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

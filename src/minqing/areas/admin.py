from django.contrib import admin

from minqing.areas.models import Area


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent", "updated_at")
    list_filter = ("level",)
    search_fields = ("code", "name")
    list_select_related = ("parent",)
    raw_id_fields = ("parent",)
    readonly_fields = ("path", "created_at", "updated_at")
    ordering = ("path",)

"""System maps in the admin site: for looking things up. Changes belong in the map pages and the API, which check the
access policy, record the audit trail and keep open maps current."""

from django.contrib import admin

from systemmap.models import Map, MapVersion


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Map)
class MapAdmin(_ReadOnly):
    list_display = ["title", "collaborative", "created_by", "updated_at"]
    list_filter = ["collaborative"]
    search_fields = ["title"]


@admin.register(MapVersion)
class MapVersionAdmin(_ReadOnly):
    list_display = ["label", "map", "element_count", "connection_count", "created_at"]
    list_filter = ["map__collaborative"]
    exclude = ["snapshot"]

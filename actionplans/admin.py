from django.contrib import admin

from actionplans.models import Endorsement, Priority, VisionStatement, VisionVersion


@admin.register(Priority)
class PriorityAdmin(admin.ModelAdmin):
    list_display = ["title", "collaborative", "source_board", "created_at"]
    list_filter = ["collaborative"]
    search_fields = ["title"]


@admin.register(VisionStatement)
class VisionStatementAdmin(admin.ModelAdmin):
    list_display = ["__str__", "collaborative", "position", "source_board", "updated_at", "removed_at"]
    list_filter = ["collaborative"]
    search_fields = ["text"]
    raw_id_fields = ["source_board", "source_card", "source_group", "created_by", "updated_by", "removed_by"]


@admin.register(VisionVersion)
class VisionVersionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "collaborative", "published_by", "published_at"]
    list_filter = ["collaborative"]
    raw_id_fields = ["published_by"]


@admin.register(Endorsement)
class EndorsementAdmin(admin.ModelAdmin):
    list_display = ["member", "version", "sector", "response", "updated_at"]
    list_filter = ["response", "sector", "version__collaborative"]
    raw_id_fields = ["member", "version"]

from django.contrib import admin

from actionplans.models import Priority


@admin.register(Priority)
class PriorityAdmin(admin.ModelAdmin):
    list_display = ["title", "collaborative", "source_board", "created_at"]
    list_filter = ["collaborative"]
    search_fields = ["title"]

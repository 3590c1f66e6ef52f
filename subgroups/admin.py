"""The admin site's view of sub-groups, for support staff. Everyday changes go through the pages and the API."""

from django.contrib import admin

from subgroups.models import Concern, Milestone, ProgressUpdate, Review, SubGroup, SubGroupMember, SupportEntry


class PartInline(admin.TabularInline):
    model = SubGroupMember
    fk_name = "subgroup"
    extra = 0
    fields = ["user", "role", "started_on", "ended_on", "mandate", "mandate_agreed_on", "mandate_setting"]
    raw_id_fields = ["user"]


@admin.register(SubGroup)
class SubGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "collaborative", "closed_on", "updated_at"]
    list_filter = ["collaborative__programme", "collaborative"]
    search_fields = ["name"]
    raw_id_fields = ["current_update", "created_by"]
    filter_horizontal = ["partners"]
    inlines = [PartInline]


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(admin.ModelAdmin):
    list_display = ["subgroup", "status", "author", "created_at"]
    list_filter = ["status"]
    raw_id_fields = ["subgroup", "author"]
    filter_horizontal = ["milestones_completed"]


@admin.register(Milestone)
class MilestoneAdmin(admin.ModelAdmin):
    list_display = ["title", "subgroup", "due_on", "state"]
    list_filter = ["state"]
    raw_id_fields = ["subgroup", "created_by"]


@admin.register(SupportEntry)
class SupportEntryAdmin(admin.ModelAdmin):
    list_display = ["subgroup", "kind", "state", "created_at"]
    list_filter = ["kind", "state"]
    raw_id_fields = ["subgroup", "requested_by", "given_by", "recorded_by"]


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["subgroup", "decision", "reviewed_on"]
    raw_id_fields = ["subgroup", "recorded_by"]


@admin.register(Concern)
class ConcernAdmin(admin.ModelAdmin):
    list_display = ["pk", "collaborative", "state", "created_at"]
    list_filter = ["state"]
    raw_id_fields = ["collaborative", "raised_by", "resolved_by"]

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from collab.models import AuditEvent, Collaborative, Delivery, Invitation, Membership, Organisation, Programme, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "is_active", "is_staff", "date_joined"]
    search_fields = ["email", "display_name"]
    fieldsets = [
        (None, {"fields": ["email", "password", "display_name"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "display_name", "password1", "password2"]})]


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["name", "starts_on", "ends_on"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Collaborative)
class CollaborativeAdmin(admin.ModelAdmin):
    list_display = ["name", "locality", "programme"]
    list_filter = ["programme"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "sector", "collaborative", "programme"]
    list_filter = ["sector", "programme"]
    search_fields = ["name"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "collaborative", "programme", "sector", "joined_on", "left_on"]
    list_filter = ["role", "sector", "programme"]
    search_fields = ["user__email", "user__display_name"]
    raw_id_fields = ["user", "organisation"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "collaborative", "role", "created_at", "expires_at", "accepted_at", "revoked_at"]
    list_filter = ["role"]
    search_fields = ["email"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the trail is a record, not something to edit."""

    list_display = ["at", "actor_label", "action", "target_label", "collaborative"]
    list_filter = ["action"]
    search_fields = ["actor_label", "target_label"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Notifications on their way: what was sent, skipped (left, unsubscribed) or is failing, and why."""

    list_display = ["kind", "key", "user", "state", "attempts", "last_error", "created_at", "sent_at"]
    list_filter = ["state", "kind"]
    search_fields = ["key", "user__email"]
    raw_id_fields = ["user", "message"]
    readonly_fields = ["created_at", "sent_at"]

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet

from access.api_clients import api_client_may_act
from accounts.models import ApiClient, ApiClientDecision, Commission, Membership, Organisation, Team, User


class TeamInline(admin.TabularInline):
    model = Team
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "kind",
        "code",
        "nation",
        "allow_self_allocation",
        "require_two_factor",
        "is_active",
    )
    list_filter = ("kind", "nation", "is_active")
    search_fields = ("name", "code")
    inlines = [TeamInline]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "organisation")
    list_filter = ("organisation__kind",)
    search_fields = ("name", "organisation__name")
    autocomplete_fields = ("organisation",)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("organisation", "team")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = (
        "username",
        "first_name",
        "last_name",
        "organisation",
        "is_active",
        "is_staff",
        "last_login",
    )
    list_filter = ("is_active", "is_staff", "memberships__role", "organisation__kind")
    search_fields = ("username", "first_name", "last_name", "email", "organisation__name")
    list_select_related = ("organisation",)
    autocomplete_fields = ("organisation",)
    inlines = [MembershipInline]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,  # type: ignore[misc]
        ("Organisation", {"fields": ("organisation", "job_title", "phone")}),
    )


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "organisation", "team")
    list_filter = ("role", "organisation__kind")
    search_fields = ("user__username", "organisation__name", "team__name")
    list_select_related = ("user", "organisation", "team")
    autocomplete_fields = ("user", "organisation", "team")


@admin.register(Commission)
class CommissionAdmin(admin.ModelAdmin):
    list_display = ("local_authority", "provider", "starts_on", "ends_on")
    list_filter = ("provider",)
    search_fields = ("local_authority__name", "local_authority__code", "provider__name")
    autocomplete_fields = ("local_authority", "provider")


class ApiClientDecisionInline(admin.TabularInline):
    """Who approved or refused each role: made only on the approval page by a holder of the role."""

    model = ApiClientDecision
    extra = 0
    fields = ("role", "decision", "decided_by", "decided_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    """Read-only for support staff: clients are created and revoked by org admins and approved by a holder of
    their role (accounts/api_client_views.py), so a token is never shown or set, and no client approved, here."""

    list_display = (
        "name",
        "organisation",
        "token_prefix",
        "state",
        "may_act",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    )
    list_filter = ("state", "organisation__kind")
    search_fields = ("name", "organisation__name", "token_prefix")
    list_select_related = ("organisation", "user")
    readonly_fields = [f.name for f in ApiClient._meta.fields]
    inlines = [ApiClientDecisionInline]

    def get_queryset(self, request: object) -> QuerySet[ApiClient]:
        return super().get_queryset(request).prefetch_related("user__memberships", "decisions")  # type: ignore[arg-type]

    @admin.display(boolean=True, description="Token works")
    def may_act(self, obj: ApiClient) -> bool:
        return api_client_may_act(obj)

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from audit.admin import AuditedAdminMixin, FrozenInlineMixin
from missing_episodes.models import CarePeriod, Child, ChildFlag, MissingEpisode, Placement, PossibleDuplicate


class PlacementInline(admin.TabularInline):
    model = Placement
    extra = 0
    fk_name = "child"
    autocomplete_fields = ("host_la", "police_force_area")


class FlagInline(FrozenInlineMixin, admin.TabularInline):
    model = ChildFlag
    extra = 0
    # Support staff see no narrative (docs/permissions.md): the flag's kind and dates, not why it was set.
    narrative_fields = ("reason",)
    raw_id_fields = ("set_by", "removed_by")


class CarePeriodInline(admin.TabularInline):
    """Read-only: periods of care are written through missing_episodes.care_services (the child's page, the API,
    the upload), which check overlaps and the 18th birthday and audit each change with its reason."""

    model = CarePeriod
    extra = 0
    fields = ("start_date", "end_date", "legal_status", "source", "recorded_by", "updated_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Child)
class ChildAdmin(AuditedAdminMixin, admin.ModelAdmin):
    # Lists show ids and initials only; names appear on the audited change page.
    list_display = ("la_child_id", "__str__", "responsible_la", "legal_status", "date_of_birth")
    list_filter = ("legal_status", "responsible_la__nation")
    search_fields = ("=la_child_id", "=upn")
    list_select_related = ("responsible_la",)
    autocomplete_fields = ("responsible_la",)
    show_full_result_count = False
    inlines = [CarePeriodInline, PlacementInline, FlagInline]


@admin.register(MissingEpisode)
class MissingEpisodeAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "police_force",
        "police_reference",
        "category",
        "risk_level",
        "missing_at",
        "returned_at",
    )
    list_filter = ("category", "risk_level", "missing_from", "source")
    search_fields = ("=police_reference", "=child__la_child_id")
    list_select_related = ("police_force",)
    narrative_fields = ("found_location",)
    raw_id_fields = ("child", "placement")
    autocomplete_fields = ("responsible_la", "police_force", "host_la")
    date_hierarchy = "missing_at"
    show_full_result_count = False


@admin.register(PossibleDuplicate)
class PossibleDuplicateAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("id", "child_a", "child_b", "reason", "status", "found_at")
    list_filter = ("status", "reason")
    raw_id_fields = ("child_a", "child_b", "resolved_by")
    show_full_result_count = False

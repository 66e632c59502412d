"""Case notes in the admin: read-only (notes are append-only; corrections are added on the child's timeline), and
support staff see no narrative (docs/permissions.md)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from audit.admin import AuditedAdminMixin
from casenotes.models import CaseNote


@admin.register(CaseNote)
class CaseNoteAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("id", "child", "kind", "occurred_at", "organisation", "created_at")
    list_filter = ("kind",)
    raw_id_fields = ("child", "author", "organisation", "corrects")
    show_full_result_count = False
    narrative_fields = ("text",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

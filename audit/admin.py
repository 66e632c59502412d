from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from audit.models import AuditAction, AuditEvent
from audit.services import record_event


class AuditedAdminMixin:
    """Support staff reading a record through the admin leave the same audit trail as anyone else."""

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response: HttpResponse = super().change_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        model = self.model  # type: ignore[attr-defined]
        record_event(
            actor=request.user,  # type: ignore[arg-type]
            action=AuditAction.VIEW,
            object_type=model._meta.label_lower,
            object_id=str(object_id),
            level="admin",
            request=request,
        )
        return response


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "action", "outcome", "object_type", "object_id", "actor", "level", "request_id")
    list_filter = ("action", "outcome", "object_type")
    search_fields = ("object_id", "request_id")
    date_hierarchy = "at"
    show_full_result_count = False
    list_select_related = ("actor",)
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    # Append-only: the admin never offers to add, change or delete an audit event.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

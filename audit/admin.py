from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from audit.models import AuditAction, AuditEvent
from audit.services import record_event


def _field_names_only(message: list[dict[str, Any]] | str) -> list[dict[str, Any]]:
    """The admin's change message without the inline objects' text (``object`` is str(obj), which can be an
    associate's name): which fields and which inline models changed, never their values."""
    if not isinstance(message, list):
        return []
    kept: list[dict[str, Any]] = []
    for entry in message:
        for op, info in entry.items():
            item: dict[str, Any] = {}
            if "name" in info:
                item["name"] = str(info["name"])
            if "fields" in info:
                item["fields"] = [str(name) for name in info["fields"]]
            kept.append({op: item})
    return kept


class NoNarrativeReadOnlyWhenFrozen:
    """What support staff may not see or touch, for record admins and inlines alike: ``narrative_fields`` are
    never shown (docs/permissions.md: support sees no narrative), and a record (or an inline's parent) for which
    ``frozen`` is true — an approved report, rhi.frozen — can be neither changed nor deleted."""

    narrative_fields: tuple[str, ...] = ()

    def frozen(self, obj: Any) -> bool:
        return False

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        excluded = super().get_exclude(request, obj) or ()  # type: ignore[misc]
        return (*excluded, *self.narrative_fields)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed: bool = super().has_change_permission(request, obj)  # type: ignore[misc]
        return allowed and not (obj is not None and self.frozen(obj))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed: bool = super().has_delete_permission(request, obj)  # type: ignore[misc]
        return allowed and not (obj is not None and self.frozen(obj))


class AuditedAdminMixin(NoNarrativeReadOnlyWhenFrozen):
    """Support staff using the admin leave the same audit trail as anyone else: opening a record (its change,
    delete-confirmation and history pages) is a VIEW at level "admin"; adding, changing and deleting are
    CREATE / UPDATE / DELETE events naming the fields that changed (docs/audit.md, "Support staff").

    ``narrative_fields`` are never shown to support staff (docs/permissions.md: support sees no narrative).
    ``frozen`` says when a record is read-only for everyone (an approved report, rhi.frozen)."""

    def _audit(
        self,
        request: HttpRequest,
        action: AuditAction,
        object_id: str,
        detail: dict[str, Any] | None = None,
    ) -> None:
        record_event(
            actor=request.user,  # type: ignore[arg-type]
            action=action,
            object_type=self.model._meta.label_lower,  # type: ignore[attr-defined]
            object_id=object_id,
            level="admin",
            request=request,
            detail={"admin": True, **(detail or {})},
        )

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response: HttpResponse = super().change_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        if request.method == "GET":
            self._audit(request, AuditAction.VIEW, str(object_id))
        return response

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response: HttpResponse = super().delete_view(request, object_id, extra_context)  # type: ignore[misc]
        if request.method == "GET":  # the confirmation page lists the record and what hangs off it
            self._audit(request, AuditAction.VIEW, str(object_id), {"page": "delete"})
        return response

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response: HttpResponse = super().history_view(request, object_id, extra_context)  # type: ignore[misc]
        self._audit(request, AuditAction.VIEW, str(object_id), {"page": "history"})
        return response

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        changes = _field_names_only(message)
        self._audit(request, AuditAction.CREATE, str(obj.pk), {"changes": changes})
        return super().log_addition(request, obj, changes)  # type: ignore[misc]

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        changes = _field_names_only(message)
        self._audit(request, AuditAction.UPDATE, str(obj.pk), {"changes": changes})
        return super().log_change(request, obj, changes)  # type: ignore[misc]

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        # Called before the rows go, inside the admin's transaction: no deletion without its audit event.
        for obj in queryset:
            self._audit(request, AuditAction.DELETE, str(obj.pk))
        return super().log_deletions(request, queryset)  # type: ignore[misc]


class FrozenInlineMixin(NoNarrativeReadOnlyWhenFrozen):
    """An inline whose parent is frozen (an approved report) can be neither changed, added to nor deleted from.
    ``narrative_fields`` as for AuditedAdminMixin; the parent's admin audits the change with the inline's
    field names."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed: bool = super().has_add_permission(request, obj)  # type: ignore[misc]
        return allowed and not (obj is not None and self.frozen(obj))


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

from django.contrib import admin

from audit.admin import AuditedAdminMixin
from sharing.models import Disclosure


@admin.register(Disclosure)
class DisclosureAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("id", "level", "recipient_organisation", "shared_at", "acknowledged_at", "revoked_at")
    list_filter = ("level", "lawful_basis", "consent_state")
    raw_id_fields = ("child", "rhi", "episode", "shared_by", "acknowledged_by", "revoked_by")
    autocomplete_fields = ("recipient_organisation",)
    show_full_result_count = False
    # Support staff see no narrative (docs/permissions.md).
    narrative_fields = ("override_justification", "revoke_reason", "approval_reason", "decision_note")

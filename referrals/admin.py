from django.contrib import admin

from audit.admin import AuditedAdminMixin
from referrals.models import Referral


@admin.register(Referral)
class ReferralAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("id", "rhi", "service", "sent_at", "acknowledgement_due_at", "acknowledged_at", "outcome")
    list_filter = ("service", "outcome")
    raw_id_fields = ("rhi", "created_by")
    autocomplete_fields = ("recipient_organisation",)
    show_full_result_count = False
    # Support staff see no narrative (docs/permissions.md).
    narrative_fields = ("reason", "outcome_notes")

from django.contrib import admin

from audit.admin import AuditedAdminMixin, FrozenInlineMixin
from rhi.frozen import is_frozen
from rhi.models import (
    ClockPolicy,
    ContactAttempt,
    Interview,
    ReportDocument,
    ReturnHomeInterview,
    ReviewDecision,
    RHIEpisode,
    RiskIndicatorFinding,
    StateTransition,
)

# Support staff (the Django admin) see no narrative: the child's words, the findings, notes and free-text
# reasons are left out of every admin page, and places and associates (all narrative, and their names head
# each inline row) have no admin at all (docs/permissions.md). The report itself is read in the service.
RHI_NARRATIVE = ("decline_reason_text", "not_offered_text", "consent_override_justification")
INTERVIEW_NARRATIVE = (
    "location_detail",
    "interviewer_name",
    "others_present",
    "reasons_text",
    "where_went",
    "who_with",
    "travel_method",
    "brought_back_by",
    "harm_details",
    "fears_details",
    "health_needs",
    "child_words",
    "wishes_and_feelings",
    "safety_advice",
    "worker_assessment",
    "recommendations",
)


class RHIFindingsInline(FrozenInlineMixin):
    """An inline of an RHI's record: read-only once the report is approved (rhi.frozen)."""

    def frozen(self, parent: ReturnHomeInterview) -> bool:
        return is_frozen(parent)


@admin.register(ClockPolicy)
class ClockPolicyAdmin(admin.ModelAdmin):
    list_display = (
        "local_authority",
        "effective_from",
        "basis",
        "complete_length",
        "complete_unit",
        "repeat_rule",
    )
    list_filter = ("basis", "complete_unit", "repeat_rule", "nation")
    search_fields = ("local_authority__name", "local_authority__code")
    autocomplete_fields = ("local_authority",)
    raw_id_fields = ("created_by",)


class EpisodeLinkInline(RHIFindingsInline, admin.TabularInline):
    model = RHIEpisode
    extra = 0
    raw_id_fields = ("episode",)


class ContactAttemptInline(RHIFindingsInline, admin.TabularInline):
    model = ContactAttempt
    extra = 0
    narrative_fields = ("notes",)
    raw_id_fields = ("recorded_by",)


class TransitionInline(admin.TabularInline):
    model = StateTransition
    extra = 0
    raw_id_fields = ("by",)
    # History is written by the services only.
    readonly_fields = ("from_state", "to_state", "at", "by")
    exclude = ("note",)  # narrative: may quote the reason a manager returned the report
    can_delete = False


class RiskIndicatorInline(RHIFindingsInline, admin.TabularInline):
    model = RiskIndicatorFinding
    extra = 0
    narrative_fields = ("notes",)


@admin.register(ReturnHomeInterview)
class ReturnHomeInterviewAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("id", "local_authority", "provider", "state", "outcome", "allocated_worker", "due_at")
    list_filter = ("state", "outcome", "provider")
    search_fields = ("=id", "=child__la_child_id")
    list_select_related = ("local_authority", "provider", "allocated_worker")
    raw_id_fields = (
        "child",
        "allocated_worker",
        "superseded_by",
        "consent_override_by",
        "submitted_by",
        "approved_by",
        "policy",
        "team",
    )
    autocomplete_fields = ("local_authority", "provider")
    readonly_fields = (
        "policy_snapshot",
        "clock_started_at",
        "contact_due_at",
        "due_soon_at",
        "due_at",
        "version",
    )
    show_full_result_count = False
    narrative_fields = RHI_NARRATIVE

    def frozen(self, obj: ReturnHomeInterview) -> bool:
        return is_frozen(obj)

    inlines = [
        EpisodeLinkInline,
        ContactAttemptInline,
        RiskIndicatorInline,
        TransitionInline,
    ]


@admin.register(Interview)
class InterviewAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("rhi", "held_at", "interviewer_independence", "location_type")
    list_filter = ("interviewer_independence", "location_type", "child_choice_of_interviewer")
    raw_id_fields = ("rhi", "interviewer")
    show_full_result_count = False
    narrative_fields = INTERVIEW_NARRATIVE

    def frozen(self, obj: Interview) -> bool:
        return is_frozen(obj.rhi)


@admin.register(ReviewDecision)
class ReviewDecisionAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("rhi", "decision", "reviewer", "decided_at")
    list_filter = ("decision",)
    raw_id_fields = ("rhi", "reviewer")
    show_full_result_count = False
    narrative_fields = ("comments",)

    def frozen(self, obj: ReviewDecision) -> bool:
        return is_frozen(obj.rhi)


@admin.register(ReportDocument)
class ReportDocumentAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("rhi", "kind", "rhi_version", "created_at", "sha256")
    list_filter = ("kind",)
    raw_id_fields = ("rhi",)
    readonly_fields = ("sha256",)

    def frozen(self, obj: ReportDocument) -> bool:
        return is_frozen(obj.rhi)

"""Support staff's view of alerts and notifications: alerts are read-only (only the sweep records them);
failed emails can be retried (docs/alerts.md)."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.models import User
from alerts import emails
from alerts.models import DeadlineAlert, Notification
from audit.admin import AuditedAdminMixin


@admin.register(DeadlineAlert)
class DeadlineAlertAdmin(AuditedAdminMixin, admin.ModelAdmin):
    # Alerts are recorded by the sweep only: support staff can read them, not write them.
    list_display = ("id", "kind", "rhi", "deadline", "recorded_at")
    list_filter = ("kind",)
    raw_id_fields = ("rhi", "referral", "disclosure")
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "recipient",
        "kind",
        "rhi",
        "created_at",
        "read_at",
        "email_status",
        "email_attempts",
        "email_next_attempt_at",
        "email_last_error",
    )
    # "Failed" here is where an administrator finds emails that used every attempt (docs/alerts.md).
    list_filter = ("email_status", "kind")
    raw_id_fields = ("recipient", "alert", "rhi")
    show_full_result_count = False
    actions = ("retry_failed_emails",)

    @admin.action(description="Retry sending the selected failed emails", permissions=["change"])
    def retry_failed_emails(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        assert isinstance(request.user, User)
        count = emails.retry_failed_emails(
            notification_ids=list(queryset.values_list("pk", flat=True)), by=request.user
        )
        self.message_user(request, f"{count} failed email(s) queued to be sent again.", messages.SUCCESS)

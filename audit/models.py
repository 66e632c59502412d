"""The append-only audit trail. The database itself refuses UPDATE and DELETE on it (see migrations)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditAction(models.TextChoices):
    VIEW = "view", "Viewed"
    CREATE = "create", "Created"
    UPDATE = "update", "Changed"
    DELETE = "delete", "Deleted"
    EXPORT = "export", "Exported"
    SHARE = "share", "Shared"
    LOGIN = "login", "Signed in"
    LOGIN_FAILED = "login_failed", "Sign-in failed"
    LOGOUT = "logout", "Signed out"


class AuditOutcome(models.TextChoices):
    ALLOWED = "allowed", "Allowed"
    DENIED = "denied", "Denied"


class AuditEvent(models.Model):
    at = models.DateTimeField(default=timezone.now, db_index=True)
    # DO_NOTHING without a database constraint: deleting a user must never touch (UPDATE) this table.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        null=True,
        blank=True,
    )
    actor_organisation_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    outcome = models.CharField(max_length=10, choices=AuditOutcome.choices, default=AuditOutcome.ALLOWED)
    object_type = models.CharField(
        max_length=50, blank=True, help_text="app_label.model, e.g. rhi.returnhomeinterview"
    )
    object_id = models.CharField(max_length=64, blank=True)
    level = models.CharField(max_length=30, blank=True, help_text="Visibility level the record was shown at.")
    request_id = models.CharField(max_length=64, blank=True, help_text="Made by the server for each request.")
    client_request_id = models.CharField(
        max_length=64,
        blank=True,
        help_text="The X-Request-ID the client sent, if any: its claim, never ours.",
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    path_name = models.CharField(
        max_length=100, blank=True, help_text="URL name, never the path (no data in URLs)."
    )
    detail = models.JSONField(default=dict, blank=True, help_text="Codes and counts only; no personal data.")

    class Meta:
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "at"], name="audit_object_idx"),
            models.Index(fields=["actor", "at"], name="audit_actor_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id} {self.outcome}"

"""Case notes on a child (docs/case-notes.md): dated, typed notes by the workers and managers who work the child's
case. Append-only: a mistake is put right by a correction note that points at the note it corrects, never by an
edit, so what was written, by whom and when stays on the record.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone

from accounts.models import Organisation
from missing_episodes.models import Child

MAX_TEXT_LENGTH = 5000


class NoteKind(models.TextChoices):
    CONTACT = "contact", "Contact with the child"
    VISIT = "visit", "Visit"
    PHONE_CALL = "phone_call", "Phone call"
    INFORMATION_RECEIVED = "information_received", "Information received"
    OTHER = "other", "Other"


class CaseNote(models.Model):
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="case_notes")
    # The organisation the author wrote for, kept as it was: a worker who moves on leaves their notes where
    # they were written.
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    occurred_at = models.DateTimeField(
        help_text="When the contact, visit or call happened (not when written)."
    )
    kind = models.CharField(max_length=30, choices=NoteKind.choices)
    text = models.TextField()
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        related_name="corrections",
        null=True,
        blank=True,
        help_text="The earlier note this one corrects.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["child", "-occurred_at", "-id"], name="casenote_child_timeline"),
            # The API's keyset order for one child (casenotes.api.CaseNoteListView.keyset).
            models.Index(fields=["child", "created_at", "id"], name="casenote_child_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="casenote_has_text"),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("text"), MAX_TEXT_LENGTH),
                name="casenote_text_length_limited",
            ),
            models.CheckConstraint(condition=Q(kind__in=NoteKind.values), name="casenote_kind_known"),
            models.CheckConstraint(condition=~Q(corrects=models.F("id")), name="casenote_not_own_correction"),
        ]

    def __str__(self) -> str:
        return f"Case note {self.pk} ({self.get_kind_display()})"

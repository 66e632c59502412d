"""The API's own records: the stored answer of each POST sent with an Idempotency-Key."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from accounts.models import ApiClient


class IdempotencyKey(models.Model):
    """A POST a client sent with an ``Idempotency-Key`` header and the response it got: a retry with the same
    key and body gets the same response again and changes nothing; the same key with another body is refused."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="idempotency_keys")
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        # Moved from accounts (api/migrations/0001): the table keeps its name, so no data moves.
        db_table = "accounts_idempotencykey"
        constraints = [
            models.UniqueConstraint(fields=["client", "key"], name="idempotency_key_unique_per_client")
        ]

    def __str__(self) -> str:
        return f"Idempotency key {self.pk}"

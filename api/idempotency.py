"""Idempotency keys (docs/api.md): a POST that creates is run once per (API client, Idempotency-Key); a retry
with the same key and body gets the first response again and changes nothing, and the same key with another
body is refused. Stored answers are purged after RHI_IDEMPOTENCY_KEY_RETENTION_HOURS (default 7 days), so the
table does not grow for ever; a POST retried after that is still safe for episodes, because the police force +
reference identifies the episode."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import ApiClient
from api.callers import api_client, audit_view
from api.errors import (
    Conflict,
    IdempotencyKeyRequired,
    IdempotencyKeyReused,
    as_api_exception,
    error_body,
)
from api.models import IdempotencyKey

MAX_KEY_LENGTH = 200
PURGE_BATCH_SIZE = 5000

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    location=OpenApiParameter.HEADER,
    required=True,
    description="A unique key per notification (e.g. a UUID). A retry with the same key and body returns the "
    "first response and changes nothing; the same key with a different body answers 422.",
)


def _request_hash(request: Request) -> str:
    canonical = json.dumps(request.data, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(f"{request.method} {request.path}\n{canonical}".encode()).hexdigest()


def _as_json(data: Any) -> Any:
    return json.loads(JSONRenderer().render(data))


def _claim_idempotency_key(*, client: ApiClient, key: str, request_hash: str) -> IdempotencyKey:
    """Insert-or-lock the key's row. The hourly purge may delete an expired row between our insert (a
    conflict, so nothing inserted) and our lock; the second round then inserts it afresh."""
    for _round in range(2):
        IdempotencyKey.objects.bulk_create(
            [IdempotencyKey(client=client, key=key, request_hash=request_hash)], ignore_conflicts=True
        )
        stored = IdempotencyKey.objects.select_for_update().filter(client=client, key=key).first()
        if stored is not None:
            return stored
    raise Conflict("This Idempotency-Key was being cleared at the same moment: send the request again.")


def run_once(*, request: Request, handle: Callable[[], Response], conflict_message: str) -> Response:
    """Run ``handle`` once per (API client, Idempotency-Key) and store its response against the key. The key's
    row is inserted and locked first, so concurrent retries wait for the first to finish and then replay its
    stored response; nothing is written twice. Browser sessions (no client) rely on the service's own
    idempotency instead.

    ``conflict_message`` is the caller's words for a write that lost a race to a concurrent request with
    another key (an ``IntegrityError`` in ``handle``), e.g. "Another request recorded this police reference
    …": only the endpoint knows what clashed."""
    client = api_client(request)
    if client is None:
        return handle()
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise IdempotencyKeyRequired()
    return _run_once_for_client(
        request=request, client=client, key=key, handle=handle, conflict_message=conflict_message
    )


# Durable: the key's lock, the handler's writes and the stored response commit together, so no caller may wrap
# this in a transaction of its own (a replay would then depend on the caller's commit).
@transaction.atomic(durable=True)
def _run_once_for_client(
    *,
    request: Request,
    client: ApiClient,
    key: str,
    handle: Callable[[], Response],
    conflict_message: str,
) -> Response:
    request_hash = _request_hash(request)
    stored = _claim_idempotency_key(client=client, key=key, request_hash=request_hash)
    if stored.request_hash != request_hash:
        raise IdempotencyKeyReused()
    if stored.response_status is not None:
        audit_view(
            request,
            object_type=IdempotencyKey._meta.label_lower,
            object_id=str(stored.pk),
            detail={"replayed": True, "status": stored.response_status},
        )
        replay = Response(stored.response_body, status=stored.response_status)
        replay["Idempotent-Replayed"] = "true"
        return replay
    try:
        with transaction.atomic():
            response = handle()
    except IntegrityError:
        raise Conflict(conflict_message) from None
    except exceptions.APIException as exc:
        if exc.status_code >= 500 or exc.status_code in (401, 403, 404, 429):
            raise  # denials are audited by the exception handler and never stored against the key
        response = Response(error_body(exc), status=exc.status_code)
    except DjangoValidationError as exc:
        api_exc = as_api_exception(exc)
        response = Response(error_body(api_exc), status=api_exc.status_code)
    stored.response_status = response.status_code
    stored.response_body = _as_json(response.data)
    stored.save(update_fields=["response_status", "response_body"])
    response.data = stored.response_body
    return response


def idempotency_key_cutoff(*, now: datetime) -> datetime:
    return now - timedelta(hours=settings.RHI_IDEMPOTENCY_KEY_RETENTION_HOURS)


def purge_expired_idempotency_keys(*, now: datetime | None = None) -> int:
    """Delete the keys older than the retention, in batches of their own transaction (short locks; keys a
    request holds right now are skipped). Returns how many were deleted."""
    cutoff = idempotency_key_cutoff(now=now or timezone.now())
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(
                IdempotencyKey.objects.filter(created_at__lt=cutoff)
                .select_for_update(skip_locked=True)
                .order_by("pk")
                .values_list("pk", flat=True)[:PURGE_BATCH_SIZE]
            )
            if ids:
                IdempotencyKey.objects.filter(pk__in=ids).delete()
        deleted += len(ids)
        if len(ids) < PURGE_BATCH_SIZE:
            return deleted

"""Outbound signed webhooks (docs/webhooks.md): partner systems that prefer to be told.

The pieces, each one function:

- ``emit`` is called by a service *inside its own transaction* (the episode's return, an RHI's approval or
  decline, a disclosure). It writes one ``OutboxEvent`` and a pending ``WebhookDelivery`` per active
  subscription that wants the event type and whose organisation is related to the record
  (``access.webhooks.webhook_recipients``). A rolled-back change rolls its outbox rows back with it, and the
  immediate delivery attempt is enqueued only on commit, so nothing is ever sent for a change that did not
  happen.
- ``deliver`` makes one attempt at one delivery: it locks the row (``SKIP LOCKED``), re-checks it is still
  pending and due, POSTs the signed JSON and records the answer — delivered, retry later with backoff, or
  failed permanently. A delivery that succeeded is never sent again, however many tasks ask.
- ``run_webhook_sweep`` (Celery beat, every minute, and ``manage.py webhook_sweep``) finds the pending
  deliveries that are due and enqueues an attempt for each: the database is the source of truth, so a lost
  broker, a killed worker or a receiver that is down only delays a delivery (docs/decisions/0002).

Payloads carry ids, codes and timestamps only — never names or narrative; the partner reads the record
through the API (``/api/v1/``) with its own token, at its own level. The subscription's secret signs each
body and is never logged.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone

from access.webhooks import webhook_organisation_ids, webhook_recipients
from accounts.models import Organisation, User
from audit.models import AuditAction
from audit.services import record_event
from core.enqueue import call_after_commit, publisher, send_task
from missing_episodes.models import MissingEpisode
from rhi.models import ReturnHomeInterview, RHIEpisode, RHIState
from sharing import secret_box, webhook_targets
from sharing.models import (
    DeliveryState,
    Disclosure,
    OutboxEvent,
    WebhookDelivery,
    WebhookEventType,
    WebhookSubscription,
)

logger = logging.getLogger(__name__)
# sharing.tasks.deliver_webhook, queued by name: sharing.tasks imports this module, so importing it here is a loop.
DELIVER_WEBHOOK_TASK = "sharing.deliver_webhook"

TIMEOUT_SECONDS = 5
MAX_ATTEMPTS = 10
GIVE_UP_AFTER = timedelta(hours=24)
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=1)
# The first attempt is enqueued on commit; the sweep picks a delivery up only if that attempt has not
# happened within this grace (its task was lost with the broker, or the worker died).
FIRST_ATTEMPT_GRACE = timedelta(minutes=1)
# How much earlier than its stored time a retry may go: covers the latency between the beat's tick and the
# attempt starting, so that the sweep one backoff later sends it (see _due_by). Well under a sweep interval.
RETRY_LEEWAY = timedelta(seconds=10)
SWEEP_BATCH_SIZE = 500
SWEEP_MAX_BATCHES = 20
USER_AGENT = "RHI-Webhooks/1"
SECRET_PREFIX = "whsec_"  # noqa: S105 (a label, not a secret)
# Client errors that say "try again later" rather than "this will never work".
RETRYABLE_CLIENT_ERRORS = frozenset({408, 429})
SECRET_UNREADABLE = "Secret not readable"  # noqa: S105 (an error class, not a secret)


# ---------------------------------------------------------------------------------------------------------
# Subscriptions (an organisation admin's job)
# ---------------------------------------------------------------------------------------------------------


def url_problem(url: str) -> str | None:
    """Why this address cannot receive webhooks, or None: https to a public address only (the host is
    resolved and every address checked, sharing.webhook_targets); a local test receiver only with the
    development setting RHI_WEBHOOK_ALLOW_LOCALHOST."""
    try:
        webhook_targets.check_target(url)
    except webhook_targets.TargetRefused as refused:
        return refused.message
    return None


@dataclass(frozen=True)
class NewSubscription:
    subscription: WebhookSubscription
    secret: str  # shown once, on the page that answers the form


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


@transaction.atomic
def create_subscription(
    *, organisation: Organisation, url: str, event_types: list[str], by: User
) -> NewSubscription:
    """A subscription of ``organisation`` (the caller must be its org admin) with a new signing secret."""
    if organisation.pk not in webhook_organisation_ids(by):
        raise PermissionDenied
    errors: dict[str, str] = {}
    url = url.strip()
    problem = url_problem(url)
    if problem:
        errors["url"] = problem
    unknown = set(event_types) - set(WebhookEventType.values)
    if not event_types or unknown:
        errors["event_types"] = "Choose the events to be told about."
    if errors:
        raise ValidationError(errors)
    secret = new_secret()
    subscription = WebhookSubscription(
        organisation=organisation,
        url=url,
        secret_ciphertext=secret_box.encrypt(secret),
        event_types=sorted(set(event_types)),
        created_by=by,
        created_at=timezone.now(),
    )
    subscription.full_clean(exclude=["created_by", "deactivated_by"])
    subscription.save()
    record_event(
        actor=by,
        action=AuditAction.CREATE,
        obj=subscription,
        detail={"event_types": subscription.event_types},
    )
    return NewSubscription(subscription=subscription, secret=secret)


@transaction.atomic
def deactivate_subscription(*, subscription_id: int, by: User) -> WebhookSubscription:
    """Stop a subscription: nothing new is queued for it and its pending deliveries are not sent."""
    subscription = (
        WebhookSubscription.objects.select_for_update()
        .filter(pk=subscription_id, organisation_id__in=webhook_organisation_ids(by))
        .first()
    )
    if subscription is None:
        raise PermissionDenied
    if not subscription.active:
        raise ValidationError({"__all__": "This subscription had already been stopped."})
    now = timezone.now()
    subscription.active = False
    subscription.deactivated_at, subscription.deactivated_by = now, by
    subscription.save(update_fields=["active", "deactivated_at", "deactivated_by"])
    cancelled = WebhookDelivery.objects.filter(subscription=subscription, state=DeliveryState.PENDING).update(
        state=DeliveryState.FAILED, next_attempt_at=None, last_error="Subscription stopped"
    )
    record_event(actor=by, action=AuditAction.UPDATE, obj=subscription, detail={"deactivated": True})
    logger.info(
        "webhook subscription %s stopped; %s pending deliveries cancelled", subscription.pk, cancelled
    )
    return subscription


def reencrypt_secrets(*, batch_size: int = 200) -> int:
    """Re-encrypt every subscription's signing secret under the newest key (the first of
    RHI_WEBHOOK_SECRET_KEYS), so the older keys can then be dropped. Safe to run again and concurrently with
    deliveries (row locks, one batch per transaction). Returns how many were re-encrypted."""
    done, last_pk = 0, 0
    while True:
        with transaction.atomic():
            batch = list(
                WebhookSubscription.objects.select_for_update()
                .filter(pk__gt=last_pk)
                .order_by("pk")
                .only("pk", "secret_ciphertext")[:batch_size]
            )
            for subscription in batch:
                subscription.secret_ciphertext = secret_box.reencrypt(subscription.secret_ciphertext)
            WebhookSubscription.objects.bulk_update(batch, ["secret_ciphertext"])
        if not batch:
            return done
        done += len(batch)
        last_pk = batch[-1].pk


# ---------------------------------------------------------------------------------------------------------
# Emitting: one outbox row per change, in the change's own transaction
# ---------------------------------------------------------------------------------------------------------

Payload = Mapping[str, Any]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _listening(event_type: str) -> list[tuple[int, int]]:
    """(subscription id, organisation id) of the active subscriptions that want this event type. The table
    is small; event types are matched here so the same code runs on SQLite (no JSON containment there)."""
    rows = WebhookSubscription.objects.filter(active=True).values_list("pk", "organisation_id", "event_types")
    return [(pk, org) for pk, org, types in rows if event_type in (types or [])]


def anyone_listening(event_type: str) -> bool:
    """Whether any active subscription wants ``event_type`` (else ``emit`` writes nothing for it)."""
    return bool(_listening(event_type))


def emit(
    *, event_type: str, obj: models.Model, payload: Payload | Callable[[], Payload]
) -> OutboxEvent | None:
    """Record that ``event_type`` happened to ``obj``, inside the caller's transaction, and queue a delivery
    to each related subscriber. ``payload`` (ids, codes and timestamps only) may be a function, so nothing is
    built when nobody listens; then nothing is written either, and None is returned."""
    if event_type not in WebhookEventType.values:
        raise ValueError(f"Unknown webhook event type: {event_type}")
    listening = _listening(event_type)
    if not listening:
        return None
    recipients = webhook_recipients(event_type, obj)
    subscription_ids = [pk for pk, org in listening if org in recipients]
    if not subscription_ids:
        return None
    now = timezone.now()
    data = dict(payload() if callable(payload) else payload)
    event = OutboxEvent.objects.create(
        event_type=event_type,
        object_type=obj._meta.label_lower,
        object_id=obj.pk,
        payload=data,
        created_at=now,
    )
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                event=event,
                subscription_id=pk,
                state=DeliveryState.PENDING,
                created_at=now,
                next_attempt_at=now + FIRST_ATTEMPT_GRACE,
            )
            for pk in sorted(subscription_ids)
        ]
    )
    # After commit: a broker outage must not undo the change; the sweep sends what the queue lost.
    call_after_commit(enqueue_deliveries, [d.pk for d in deliveries])
    return event


def episode_returned(*, episode: models.Model) -> OutboxEvent | None:
    """A missing child's return was recorded (missing_episodes.services.record_episode)."""
    assert isinstance(episode, MissingEpisode)

    def payload() -> Payload:
        link = RHIEpisode.objects.filter(episode_id=episode.pk).values_list("rhi_id", flat=True).first()
        codes = dict(
            Organisation.objects.filter(
                pk__in=[episode.responsible_la_id, episode.police_force_id]
            ).values_list("pk", "code")
        )
        return {
            "episode_id": episode.pk,
            "child_id": episode.child_id,
            "rhi_id": link,
            "category": episode.category,
            "returned_at": _iso(episode.returned_at),
            "responsible_la_code": codes.get(episode.responsible_la_id),
            "police_force_code": codes.get(episode.police_force_id) if episode.police_force_id else None,
        }

    return emit(event_type=WebhookEventType.EPISODE_RETURNED, obj=episode, payload=payload)


def rhi_outcome(*, rhi: models.Model) -> OutboxEvent | None:
    """An RHI was approved (rhi.completed) or declined (rhi.declined) (rhi.services.lifecycle)."""
    assert isinstance(rhi, ReturnHomeInterview)
    if rhi.state == RHIState.APPROVED:
        event_type = WebhookEventType.RHI_COMPLETED
    elif rhi.state == RHIState.DECLINED:
        event_type = WebhookEventType.RHI_DECLINED
    else:
        return None

    def payload() -> Payload:
        data: dict[str, Any] = {
            "rhi_id": rhi.pk,
            "child_id": rhi.child_id,
            "episode_ids": sorted(
                RHIEpisode.objects.filter(rhi_id=rhi.pk).values_list("episode_id", flat=True)
            ),
            "state": rhi.state,
            "outcome": rhi.outcome,
            "outcome_recorded_at": _iso(rhi.outcome_recorded_at),
        }
        if event_type == WebhookEventType.RHI_COMPLETED:
            data["approved_at"] = _iso(rhi.approved_at)
        else:
            data["declined_by"] = rhi.declined_by
            data["decline_reason"] = rhi.decline_reason
        return data

    return emit(event_type=event_type, obj=rhi, payload=payload)


def disclosure_made(*, disclosure: Disclosure) -> OutboxEvent | None:
    """Something was shared with an organisation (sharing.services.share and the automatic out-of-area
    notifications); only the recipient hears of it."""

    def payload() -> Payload:
        return {
            "disclosure_id": disclosure.pk,
            "level": disclosure.level,
            "rhi_id": disclosure.rhi_id,
            "episode_id": disclosure.episode_id,
            "child_id": disclosure.child_id,
            "event": disclosure.event or None,
            "shared_at": _iso(disclosure.shared_at),
            "acknowledgement_due_at": _iso(disclosure.acknowledgement_due_at),
        }

    return emit(event_type=WebhookEventType.DISCLOSURE_MADE, obj=disclosure, payload=payload)


def enqueue_deliveries(delivery_ids: list[int]) -> None:
    """Called after commit. A broker that is down must not fail the request, import or sweep that committed
    the change: the deliveries stay pending in the database and the webhook sweep enqueues them when due."""
    try:
        with publisher() as producer:
            for delivery_id in delivery_ids:
                send_task(DELIVER_WEBHOOK_TASK, delivery_id, producer=producer)
    except Exception as exc:
        logger.warning(
            "broker unavailable (%s): webhook deliveries not queued; the webhook sweep sends them",
            type(exc).__name__,
        )


# ---------------------------------------------------------------------------------------------------------
# Delivering: one attempt, under the row's lock
# ---------------------------------------------------------------------------------------------------------


def body_for(event: OutboxEvent) -> bytes:
    """The exact bytes POSTed (and signed): the same for every attempt and every subscriber."""
    envelope = {
        "id": str(event.uuid),
        "type": event.event_type,
        "occurred_at": event.created_at.isoformat(),
        "data": event.payload,
    }
    return json.dumps(envelope, sort_keys=True, separators=(",", ":")).encode()


def signature(secret: str, body: bytes) -> str:
    """The X-RHI-Signature header: ``sha256=`` and the hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _due_by(now: datetime) -> datetime:
    """A delivery is due if its next attempt falls before ``now`` + RETRY_LEEWAY. A retry is scheduled from
    the start of the failed attempt, which comes a moment after the sweep that queued it; without the leeway
    the next sweep, exactly one backoff later, would find it a second short and it would wait a whole sweep
    more (a 1-minute wait became 2)."""
    return now + RETRY_LEEWAY


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: 1 minute, 2, 4, … capped at an hour."""
    return min(BACKOFF_FIRST * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)


def _send(
    delivery: WebhookDelivery, target: webhook_targets.Target, started: datetime
) -> webhook_targets.Answer:
    try:
        secret = secret_box.decrypt(delivery.subscription.secret_ciphertext)
    except secret_box.InvalidToken:
        # A key was dropped before rotate_webhook_secrets re-encrypted under the new one: an operator's fix,
        # so the delivery keeps its retries meanwhile.
        logger.exception(
            "webhook subscription %s: secret not readable with the configured keys", delivery.subscription_id
        )
        return webhook_targets.Answer(status=None, error=SECRET_UNREADABLE)
    body = body_for(delivery.event)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-RHI-Event": delivery.event.event_type,
        "X-RHI-Delivery": str(delivery.uuid),
        "X-RHI-Timestamp": str(int(started.timestamp())),
        "X-RHI-Signature": signature(secret, body),
    }
    return webhook_targets.post(target, body, headers, timeout=TIMEOUT_SECONDS)


def _permanent(status: int | None) -> bool:
    if status is None or status >= 500:
        return False
    return status not in RETRYABLE_CLIENT_ERRORS


def _live_target(subscription: WebhookSubscription) -> webhook_targets.Target:
    """Where an attempt may go now: refused once the subscription is stopped, and checked again at every
    attempt (the name may resolve elsewhere now, or the setting changed)."""
    if not subscription.active:
        raise webhook_targets.TargetRefused("", "Subscription stopped")
    return webhook_targets.check_target(subscription.url)


def deliver(*, delivery_id: int) -> str:
    """One attempt at one delivery; returns its state afterwards, or "skipped" when there was nothing to do
    (delivered already, not due, or another worker holds it). Idempotent: the state is re-checked under the
    row's lock and the answer is recorded in the same transaction, so a success is never sent twice."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("event", "subscription")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.state != DeliveryState.PENDING:
            return "skipped"
        started = timezone.now()
        # The first attempt goes at once; a retry waits for its backoff (a duplicated task is a no-op).
        if (
            delivery.attempts
            and delivery.next_attempt_at is not None
            and delivery.next_attempt_at > _due_by(started)
        ):
            return "skipped"
        subscription = delivery.subscription
        try:
            target = _live_target(subscription)
        except webhook_targets.TargetRefused as refused:
            if not refused.transient:
                delivery.state, delivery.last_error = DeliveryState.FAILED, refused.error_class
                delivery.next_attempt_at = None
                delivery.save(update_fields=["state", "next_attempt_at", "last_error"])
                return delivery.state
            answer = webhook_targets.Answer(status=None, error=refused.error_class)
        else:
            answer = _send(delivery, target, started)
        now = timezone.now()
        delivery.attempts += 1
        delivery.last_attempt_at = started
        delivery.last_status_code = answer.status
        delivery.last_error = answer.error
        out_of_tries = delivery.attempts >= MAX_ATTEMPTS or now >= delivery.created_at + GIVE_UP_AFTER
        if answer.status is not None and 200 <= answer.status < 300:
            delivery.state, delivery.delivered_at = DeliveryState.DELIVERED, now
            delivery.next_attempt_at = None
        elif _permanent(answer.status) or out_of_tries:
            delivery.state, delivery.next_attempt_at = DeliveryState.FAILED, None
        else:
            # From when this attempt started, so a slow or timed-out receiver does not stretch the wait.
            delivery.next_attempt_at = started + backoff(delivery.attempts)
        delivery.save()
    logger.info(
        "webhook delivery %s attempt %s: %s (status %s)",
        delivery.pk,
        delivery.attempts,
        delivery.state,
        answer.status,
    )
    return delivery.state


# ---------------------------------------------------------------------------------------------------------
# The sweep: what is due, from the database
# ---------------------------------------------------------------------------------------------------------


def run_webhook_sweep(*, now: datetime | None = None) -> int:
    """Enqueue an attempt for every pending delivery that is due. Claims in batches with
    ``SELECT … FOR UPDATE SKIP LOCKED`` (a delivery being sent right now is skipped) and enqueues on commit.
    Safe to run concurrently and repeatedly: a delivery enqueued twice is attempted once. Returns how many
    were enqueued."""
    now = now or timezone.now()
    enqueued = 0
    last_pk = 0
    for _ in range(SWEEP_MAX_BATCHES):
        with transaction.atomic():
            ids = list(
                WebhookDelivery.objects.filter(
                    state=DeliveryState.PENDING, next_attempt_at__lte=_due_by(now), pk__gt=last_pk
                )
                .select_for_update(skip_locked=True)
                .order_by("pk")
                .values_list("pk", flat=True)[:SWEEP_BATCH_SIZE]
            )
            if not ids:
                break
            call_after_commit(enqueue_deliveries, ids)
        enqueued += len(ids)
        last_pk = ids[-1]
        if len(ids) < SWEEP_BATCH_SIZE:
            break
    return enqueued


# ---------------------------------------------------------------------------------------------------------
# The delivery log (an org admin's page): newest first, keyset-paged by id
# ---------------------------------------------------------------------------------------------------------


def delivery_log(
    *, organisation_ids: set[int], before: int | None = None, size: int = 50
) -> tuple[list[WebhookDelivery], int | None]:
    """A page of deliveries to the organisations' subscriptions, newest first, and the cursor of the next
    page (None on the last)."""
    queryset: QuerySet[WebhookDelivery] = (
        WebhookDelivery.objects.filter(subscription__organisation_id__in=organisation_ids)
        .select_related("event", "subscription")
        .order_by("-pk")
    )
    if before is not None:
        queryset = queryset.filter(pk__lt=before)
    rows = list(queryset[: size + 1])
    if len(rows) <= size:
        return rows, None
    return rows[:size], rows[size - 1].pk

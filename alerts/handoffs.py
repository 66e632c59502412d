"""Hand-off notifications (issue 14 item 15): an RHI allocated to a worker, a report submitted for approval
(to the managers who may approve it), returned with comments, approved. Each is a Notification in the
recipient's list and an email through the one channel (alerts.emails: attempts, backoff, failed state).

The lifecycle services announce a hand-off by task name after their commit (rhi sits under alerts and never
imports it). The email names the kind and the RHI reference with a link: never the child (docs/security.md).
A task delivered twice records nothing twice: a recipient's hand-off is keyed by its RHI, kind and moment.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from accounts.selectors import people_memberships
from alerts.emails import enqueue_emails
from alerts.models import EmailStatus, HandoffKind, Notification
from core.enqueue import call_after_commit
from rhi.models import ReturnHomeInterview
from rhi.services.lifecycle import approval_refusal


def _approving_managers(rhi: ReturnHomeInterview) -> set[int]:
    """The provider's team managers of the RHI's team (or of no team) who may approve this report."""
    candidates = (
        people_memberships()
        .filter(role=Role.TEAM_MANAGER, organisation_id=rhi.provider_id)
        .values_list("user_id", "team_id")
    )
    ids = {u for u, team in candidates if rhi.team_id is None or team in (None, rhi.team_id)}
    return {user.pk for user in User.objects.filter(pk__in=ids) if not approval_refusal(rhi, user)}


def handoff_recipients(rhi: ReturnHomeInterview, kind: str) -> set[int]:
    """Who hears of this hand-off: the allocated worker, the approving managers, or the report's author."""
    if kind == HandoffKind.SUBMITTED:
        return _approving_managers(rhi)
    people = {rhi.allocated_worker_id}
    if kind != HandoffKind.ALLOCATED:
        people.add(rhi.submitted_by_id)
    return {pk for pk in people if pk is not None}


def notify_handoff(*, rhi_id: int, kind: str, by_id: int | None, at: datetime) -> list[int]:
    """Record the hand-off's notifications (not for the person who made it) and queue their emails after
    commit. Returns the ids of the new notifications to be emailed."""
    kind = HandoffKind(kind)
    rhi = ReturnHomeInterview.objects.filter(pk=rhi_id).first()
    if rhi is None:
        return []
    now = timezone.now()
    created: list[int] = []
    with transaction.atomic(durable=True):
        told = Notification.objects.filter(rhi=rhi, kind=kind, created_at=at).values_list("recipient_id")
        recipients = User.objects.filter(
            pk__in=handoff_recipients(rhi, kind) - {by_id}, is_active=True
        ).exclude(pk__in=told)
        for user in recipients:
            notification = Notification.objects.create(
                recipient=user,
                kind=kind,
                rhi=rhi,
                created_at=at,
                email_status=EmailStatus.PENDING if user.email else EmailStatus.NOT_WANTED,
                email_next_attempt_at=now if user.email else None,
                email_enqueued_at=now if user.email else None,
            )
            if user.email:
                created.append(notification.pk)
        call_after_commit(enqueue_emails, created)
    return created

"""Reads about follow-up referrals. Visibility comes from access."""

from __future__ import annotations

from datetime import datetime

from django.db.models import BooleanField, Q, QuerySet, Value
from django.db.models.expressions import Case, When
from django.utils import timezone

from access.casework import visible_referrals, works_on_rhi_filter
from accounts.models import User
from referrals.models import Referral, in_force
from rhi.models import ReturnHomeInterview


def awaiting_acknowledgement_for(user: User, *, now: datetime | None = None) -> QuerySet[Referral]:
    """Referrals on RHIs the user works on (allocated worker, or manager of the provider) that were sent and
    are not acknowledged, soonest due first, each annotated ``overdue`` (due time strictly past)."""
    moment = now or timezone.now()
    return (
        visible_referrals(user)
        .filter(works_on_rhi_filter(user, prefix="rhi__"))
        .filter(in_force(), sent_at__isnull=False, acknowledged_at__isnull=True)
        .annotate(
            overdue=Case(
                When(Q(acknowledgement_due_at__lt=moment), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .select_related("rhi", "rhi__child", "recipient_organisation")
        .order_by("acknowledgement_due_at", "pk")
    )


def referrals_for_rhi(rhi: ReturnHomeInterview, *, include_withdrawn: bool = False) -> QuerySet[Referral]:
    """Referrals made from the RHI; withdrawn ones only where asked (the RHI page shows them as withdrawn,
    with who, when and why; the report leaves them out)."""
    return (
        Referral.objects.filter(Q() if include_withdrawn else in_force(), rhi=rhi)
        .select_related("recipient_organisation", "withdrawn_by")
        .order_by("created_at", "pk")
    )

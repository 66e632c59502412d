"""Reads about follow-up referrals. Visibility comes from access."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import BooleanField, Count, Q, QuerySet, Value, Window
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


@dataclass
class AwaitingSummary:
    """The home page's panel: the first few referrals awaiting acknowledgement and how many there are."""

    shown: list[Referral] = field(default_factory=list)
    total: int = 0
    overdue: int = 0


def awaiting_acknowledgement_summary(user: User, *, now: datetime, shown: int) -> AwaitingSummary:
    """``awaiting_acknowledgement_for``'s first ``shown`` rows with the total and overdue counts. The awaiting
    set is read once, lean (ids, due times and window counts: the user's RHIs and the awaiting referrals'
    partial index, both index-only), then the few rows shown are fetched by id: two queries whatever the
    history, instead of the whole join once for the rows and once for each count."""
    lean = (
        awaiting_acknowledgement_for(user, now=now)
        .select_related(None)
        .annotate(
            total=Window(Count("pk")),
            overdue_total=Window(Count("pk", filter=Q(acknowledgement_due_at__lt=now))),
        )
        .values_list("pk", "total", "overdue_total")[:shown]
    )
    first = list(lean)
    if not first:
        return AwaitingSummary()
    by_pk = awaiting_acknowledgement_for(user, now=now).in_bulk([pk for pk, _, _ in first])
    return AwaitingSummary(
        shown=[by_pk[pk] for pk, _, _ in first if pk in by_pk], total=first[0][1], overdue=first[0][2]
    )


def referrals_for_rhi(rhi: ReturnHomeInterview, *, include_withdrawn: bool = False) -> QuerySet[Referral]:
    """Referrals made from the RHI; withdrawn ones only where asked (the RHI page shows them as withdrawn,
    with who, when and why; the report leaves them out)."""
    return (
        Referral.objects.filter(Q() if include_withdrawn else in_force(), rhi=rhi)
        .select_related("recipient_organisation", "withdrawn_by")
        .order_by("created_at", "pk")
    )

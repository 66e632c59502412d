"""Out-of-area children: the placing authority is told automatically, and host notifications are recorded.

When the LA that handles an episode (``rhi.selectors.handling_authority``: where the child lives) is
not the child's responsible LA, the responsible (placing) LA receives an automatic *notification* disclosure
for each episode reported, each return recorded and each RHI outcome, and is offered the approved report
(a *full report* disclosure) when the child consented or sharing without consent was justified. Automatic
disclosures have no ``shared_by``; each is made once per episode (or RHI), recipient and event (a partial
unique constraint), so re-importing or re-saving an episode creates none.

The host LA and host police force are told of an out-of-area placement outside this system; here staff record
when, and ``placements_without_notification`` lists the current placements where either is missing.

Writes take keyword-only arguments, are audited, and run inside the caller's transaction or their own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from access.episodes import placement_visibility_filter
from accounts.models import Organisation, User
from audit.models import AuditAction, AuditEvent
from audit.services import audit_event, record_event
from core import date_messages, query_params
from missing_episodes.models import Child, MissingEpisode, Placement
from rhi.models import ConsentToShare, ReturnHomeInterview, RHIState
from rhi.selectors import handling_authority
from sharing.models import ConsentState, Disclosure, DisclosureEvent, DisclosureLevel, LawfulBasis
from sharing.services import disclosure_acknowledgement_due
from sharing.webhooks import disclosure_made

# The RHI states that are an outcome the placing authority is told of.
OUTCOME_STATES: frozenset[str] = frozenset(
    {RHIState.DECLINED, RHIState.UNABLE_TO_CONTACT, RHIState.NOT_OFFERED, RHIState.APPROVED}
)
# A browser clock a little ahead of the server's is not "the future".
CLOCK_SKEW = timedelta(minutes=1)


class PlacementNotFound(Exception):
    """The placement does not exist or the user may not see it (the view answers 404)."""


def _handling_authority_id(episode: MissingEpisode) -> int:
    return handling_authority(episode).pk


def is_out_of_area(episode: MissingEpisode) -> bool:
    """Handled by an LA other than the child's responsible LA: the responsible LA is the placing authority."""
    return _handling_authority_id(episode) != episode.responsible_la_id


def _create_once(disclosure: Disclosure, *, by: User | None, detail: dict[str, object]) -> Disclosure | None:
    """Save an automatic disclosure unless the same one exists (the unique constraint decides, so two
    concurrent saves of one episode still make one). Returns the new disclosure, or None."""
    try:
        with transaction.atomic():
            disclosure.save()
    except IntegrityError:
        return None
    record_event(
        actor=by,
        action=AuditAction.SHARE,
        obj=disclosure,
        level=disclosure.level,
        detail={"automatic": True, "event": disclosure.event, **detail},
    )
    disclosure_made(disclosure=disclosure)  # in the caller's transaction (docs/webhooks.md)
    return disclosure


def _exists(**lookup: object) -> bool:
    return Disclosure.objects.filter(**lookup).exists()


def _notification(
    *,
    child: Child,
    recipient: Organisation,
    event: str,
    now: datetime,
    episode: MissingEpisode | None = None,
    rhi: ReturnHomeInterview | None = None,
) -> Disclosure:
    return Disclosure(
        child=child,
        episode=episode,
        rhi=rhi,
        level=DisclosureLevel.NOTIFICATION,
        recipient_organisation=recipient,
        shared_at=now,
        shared_by=None,
        lawful_basis=LawfulBasis.PUBLIC_TASK,
        consent_state=ConsentState.NOT_REQUIRED,
        acknowledgement_due_at=disclosure_acknowledgement_due(shared_at=now, rhi=rhi, episode=episode),
        event=event,
    )


@transaction.atomic
def notify_placing_authority_of_episode(
    *,
    episode: MissingEpisode,
    created: bool = True,
    changed: Iterable[str] = (),
    by: User | None = None,
) -> Disclosure | None:
    """Tell an out-of-area child's placing (responsible) LA of an episode: once when it is first recorded
    (``created``), and once more when its return is recorded later (``returned_at`` in ``changed``). An
    in-area episode, or one already notified for this event, creates nothing and returns None."""
    if not is_out_of_area(episode):
        return None
    if created:
        event = DisclosureEvent.EPISODE_REPORTED
    elif episode.returned_at is not None and "returned_at" in set(changed):
        event = DisclosureEvent.EPISODE_RETURNED
    else:
        return None
    recipient = episode.responsible_la
    if _exists(episode=episode, recipient_organisation=recipient, event=event):
        return None
    disclosure = _notification(
        child=episode.child,
        recipient=recipient,
        event=event,
        now=timezone.now(),
        episode=episode,
    )
    return _create_once(disclosure, by=by, detail={"episode": episode.pk})


def episode_report(*, episode: MissingEpisode, now: datetime) -> Disclosure | None:
    """The placing LA's notification of a new out-of-area episode (``notify_placing_authority_of_episode``,
    ``created``), not saved: the bulk import (``missing_episodes.bulk_intake``) saves a batch's together with
    ``save_episode_reports``. None for an in-area episode."""
    if not is_out_of_area(episode):
        return None
    return _notification(
        child=episode.child,
        recipient=episode.responsible_la,
        event=DisclosureEvent.EPISODE_REPORTED,
        now=now,
        episode=episode,
    )


def save_episode_reports(disclosures: list[Disclosure], *, by: User | None) -> list[AuditEvent]:
    """Save ``episode_report``s of new episodes (saved already; none has a disclosure yet, so the unique
    constraint cannot refuse one) with one insert; the audit events ``_create_once`` records, for the caller to
    append. The caller sends any row to the per-row path when someone listens for ``disclosure.made``."""
    Disclosure.objects.bulk_create(disclosures)
    return [
        audit_event(
            actor=by,
            action=AuditAction.SHARE,
            obj=disclosure,
            level=disclosure.level,
            detail={"automatic": True, "event": disclosure.event, "episode": disclosure.episode_id},
        )
        for disclosure in disclosures
    ]


def _placing_authorities(rhi: ReturnHomeInterview) -> list[Organisation]:
    """The responsible LAs of the episodes the RHI addresses that are not the LA handling it."""
    episodes = list(rhi.episodes.select_related("responsible_la", "host_la"))
    if not episodes:
        child = Child.objects.select_related("responsible_la").get(pk=rhi.child_id)
        return [child.responsible_la] if child.responsible_la_id != rhi.local_authority_id else []
    found: dict[int, Organisation] = {}
    for episode in episodes:
        if is_out_of_area(episode):
            found.setdefault(episode.responsible_la_id, episode.responsible_la)
    return list(found.values())


def _report_consent(rhi: ReturnHomeInterview) -> tuple[str, str] | None:
    """(consent state, justification) when the report may go to the placing authority; None when not."""
    if rhi.consent_to_share == ConsentToShare.GIVEN:
        return ConsentState.GIVEN, ""
    if rhi.share_without_consent and rhi.consent_override_justification.strip():
        state = (
            ConsentState.REFUSED_OVERRIDDEN
            if rhi.consent_to_share == ConsentToShare.REFUSED
            else ConsentState.NOT_SOUGHT
        )
        return state, rhi.consent_override_justification.strip()
    return None


@transaction.atomic
def notify_placing_authority_of_outcome(
    *, rhi: ReturnHomeInterview, by: User | None = None
) -> list[Disclosure]:
    """Tell an out-of-area child's placing LA of the RHI's outcome (declined, unable to contact, not offered,
    approved), and offer it the approved report when the child consented or sharing without consent was
    justified. Idempotent; returns the disclosures made now."""
    if rhi.state not in OUTCOME_STATES:
        return []
    made: list[Disclosure] = []
    now = timezone.now()
    consent = _report_consent(rhi) if rhi.state == RHIState.APPROVED else None
    for recipient in _placing_authorities(rhi):
        base = {"rhi": rhi, "episode__isnull": True, "recipient_organisation": recipient}
        if not _exists(**base, event=DisclosureEvent.RHI_OUTCOME):
            notice = _notification(
                child=rhi.child, recipient=recipient, event=DisclosureEvent.RHI_OUTCOME, now=now, rhi=rhi
            )
            saved = _create_once(notice, by=by, detail={"rhi": rhi.pk, "state": rhi.state})
            if saved is not None:
                made.append(saved)
        if consent is not None and not _exists(**base, event=DisclosureEvent.REPORT_OFFERED):
            state, justification = consent
            report = Disclosure(
                child=rhi.child,
                rhi=rhi,
                level=DisclosureLevel.FULL_REPORT,
                recipient_organisation=recipient,
                shared_at=now,
                shared_by=None,
                lawful_basis=LawfulBasis.PUBLIC_TASK,
                consent_state=state,
                override_justification=justification,
                acknowledgement_due_at=disclosure_acknowledgement_due(shared_at=now, rhi=rhi, episode=None),
                event=DisclosureEvent.REPORT_OFFERED,
            )
            saved = _create_once(report, by=by, detail={"rhi": rhi.pk, "consent_state": state})
            if saved is not None:
                made.append(saved)
    return made


# ---------------------------------------------------------------------------------------------------------
# Host LA and host police notifications of a placement
# ---------------------------------------------------------------------------------------------------------


def _current(on: date) -> Q:
    return Q(start_date__lte=on) & (Q(end_date__isnull=True) | Q(end_date__gte=on))


def visible_placements(user: User) -> QuerySet[Placement]:
    return Placement.objects.filter(placement_visibility_filter(user))


def placements_without_notification(user: User, *, on: date | None = None) -> QuerySet[Placement]:
    """Current out-of-area placements the user's LA is responsible for or hosts with no recorded host LA or
    host police notification, longest-running first (then by id, for keyset paging)."""
    today = on or timezone.localdate()
    return (
        visible_placements(user)
        .filter(_current(today))
        .exclude(host_la_id=F("child__responsible_la_id"))
        .filter(Q(host_la_notified_at__isnull=True) | Q(host_police_notified_at__isnull=True))
        .select_related("child", "child__responsible_la", "host_la", "police_force_area")
        .order_by("start_date", "pk")
    )


@dataclass(frozen=True)
class PlacementCursor:
    """Keyset position in the list: (start_date, id)."""

    start_date: date
    pk: int

    def encode(self) -> str:
        return f"{self.start_date.isoformat()}~{self.pk}"

    @classmethod
    def decode(cls, raw: str | None) -> PlacementCursor | None:
        """None (the first page) for a missing, malformed or out-of-range cursor."""
        parsed = query_params.split_cursor(raw, query_params.parse_date)
        return cls(*parsed) if parsed is not None else None

    def after(self) -> Q:
        return Q(start_date__gt=self.start_date) | Q(start_date=self.start_date, pk__gt=self.pk)


def page_of_placements(
    queryset: QuerySet[Placement], *, cursor: PlacementCursor | None, size: int = 50
) -> tuple[list[Placement], PlacementCursor | None]:
    if cursor is not None:
        queryset = queryset.filter(cursor.after())
    rows = list(queryset[: size + 1])
    if len(rows) <= size:
        return rows, None
    last = rows[size - 1]
    return rows[:size], PlacementCursor(last.start_date, last.pk)


# The notification times as their messages name them (core.date_messages); the form names them the same.
TIME_NAMES = {
    "host_la_notified_at": "the time the host local authority was told",
    "host_police_notified_at": "the time the host police force was told",
}


def _check_time(value: datetime | None, field: str) -> None:
    if value is not None and value > timezone.now() + CLOCK_SKEW:
        raise ValidationError({field: date_messages.in_future(TIME_NAMES[field])})


@transaction.atomic
def record_placement_notification(
    *,
    placement_id: int,
    by: User,
    host_la_notified_at: datetime | None = None,
    host_police_notified_at: datetime | None = None,
) -> Placement:
    """Record when the host LA and/or the host police force were told of an out-of-area placement. Only the
    times given change; a placement the user may not see raises PlacementNotFound."""
    placement = visible_placements(by).select_for_update(of=("self",)).filter(pk=placement_id).first()
    if placement is None:
        raise PlacementNotFound(placement_id)
    if host_la_notified_at is None and host_police_notified_at is None:
        raise ValidationError({"host_la_notified_at": "Enter when the host local authority was told."})
    _check_time(host_la_notified_at, "host_la_notified_at")
    _check_time(host_police_notified_at, "host_police_notified_at")
    changed = []
    if host_la_notified_at is not None:
        placement.host_la_notified_at = host_la_notified_at
        changed.append("host_la_notified_at")
    if host_police_notified_at is not None:
        placement.host_police_notified_at = host_police_notified_at
        changed.append("host_police_notified_at")
    placement.save(update_fields=changed)
    record_event(actor=by, action=AuditAction.UPDATE, obj=placement, detail={"changed": changed})
    return placement

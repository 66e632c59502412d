"""Reading the audit trail: who has seen (or was refused) a record, newest first, a page at a time.

Pages are keyset-paginated on (at, id) — never OFFSET — so the hundredth page of a busy child's trail costs the
same as the first, using the (object_type, object_id, at) index of each monthly partition (docs/audit.md), read
newest months first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import Organisation
from audit.models import AuditAction, AuditEvent, AuditOutcome
from core import query_params
from missing_episodes.models import CorrectedField, MissingEpisode, shown_value
from referrals.models import Referral
from rhi.models import ReturnHomeInterview
from sharing.models import Disclosure

LONDON = ZoneInfo("Europe/London")
PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditCursor:
    """Keyset position: the (at, id) of the last row shown; the next page is strictly older."""

    at: datetime
    pk: int

    def encode(self) -> str:
        return f"{self.at.isoformat()}~{self.pk}"

    @classmethod
    def decode(cls, raw: str | None) -> AuditCursor | None:
        """None (the first page) for a missing, malformed or out-of-range cursor."""
        parsed = query_params.split_cursor(raw, query_params.parse_moment)
        return cls(*parsed) if parsed is not None else None

    def before(self) -> Q:
        return Q(at__lt=self.at) | Q(at=self.at, pk__lt=self.pk)


@dataclass(frozen=True)
class SeenRow:
    at: datetime
    record: str
    actor_name: str
    organisation: str
    action: str
    level: str
    outcome: str
    denied: bool
    change: str = ""


def _change(detail: dict[str, object]) -> str:
    """What a correction changed (missing_episodes.corrections): the field, the old and the new value."""
    step, old, new = detail.get("step"), str(detail.get("old", "")), str(detail.get("new", ""))
    if step == "corrected" and detail.get("field") in CorrectedField.values:
        label = CorrectedField(str(detail["field"])).label
        return f"{label} corrected from {shown_value(old)} to {shown_value(new)}"
    if step == "due_moved_by_correction":
        return f"Interview due time moved from {shown_value(old)} to {shown_value(new)} by a correction"
    return ""


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The first instant of ``month`` and of the month after, in Europe/London (as aware datetimes)."""
    start = datetime(month.year, month.month, 1, tzinfo=LONDON)
    following = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return start, datetime(following.year, following.month, 1, tzinfo=LONDON)


RECORD_WORDS = {
    "missing_episodes.child": "Child's page",
    "missing_episodes.missingepisode": "Episode",
    "rhi.returnhomeinterview": "RHI",
    "referrals.referral": "Referral",
    "sharing.disclosure": "Shared information",
}


def child_targets(child_id: int) -> dict[str, list[str]]:
    """Every record that shows a child's case: the child, their episodes, RHIs, referrals and disclosures.
    Looking at any of them is looking at the child, so 'who has seen this child' asks about all of them."""
    rhi_ids = list(ReturnHomeInterview.objects.filter(child_id=child_id).values_list("pk", flat=True))
    return {
        "missing_episodes.child": [str(child_id)],
        "missing_episodes.missingepisode": [
            str(pk) for pk in MissingEpisode.objects.filter(child_id=child_id).values_list("pk", flat=True)
        ],
        "rhi.returnhomeinterview": [str(pk) for pk in rhi_ids],
        "referrals.referral": [
            str(pk) for pk in Referral.objects.filter(rhi_id__in=rhi_ids).values_list("pk", flat=True)
        ],
        "sharing.disclosure": [
            str(pk) for pk in Disclosure.objects.filter(child_id=child_id).values_list("pk", flat=True)
        ],
    }


def rhi_targets(rhi_id: int) -> dict[str, list[str]]:
    """An RHI, its report downloads (recorded on the RHI), its referrals and what was shared from it."""
    return {
        "rhi.returnhomeinterview": [str(rhi_id)],
        "referrals.referral": [
            str(pk) for pk in Referral.objects.filter(rhi_id=rhi_id).values_list("pk", flat=True)
        ],
        "sharing.disclosure": [
            str(pk) for pk in Disclosure.objects.filter(rhi_id=rhi_id).values_list("pk", flat=True)
        ],
    }


def _newest(
    queryset: QuerySet[AuditEvent],
    *,
    since: datetime | None,
    until: datetime | None,
    cursor: AuditCursor | None,
    wanted: int,
) -> list[AuditEvent]:
    """The ``wanted`` newest events of ``queryset``, read in windows going back: the latest UTC month (open
    upwards, so an event dated ahead of the clock is still seen), the three months before it, then everything
    older. The table is partitioned by month, so the first windows read only their months' partitions and a
    busy record's page is found there without reading its whole history; a quiet record costs one more query."""
    reference = (cursor.at if cursor is not None else until or timezone.now()).astimezone(UTC)
    start: datetime | None = datetime(reference.year, reference.month, 1, tzinfo=UTC)
    found = list(queryset.filter(at__gte=start).order_by("-at", "-pk")[:wanted])
    for months in (3, None):
        if len(found) >= wanted or start is None or (since is not None and start <= since):
            break
        end, start = start, (_months_back(start, months) if months is not None else None)
        window = queryset.filter(at__lt=end) if start is None else queryset.filter(at__gte=start, at__lt=end)
        found += list(window.order_by("-at", "-pk")[: wanted - len(found)])
    return found


def _months_back(moment: datetime, months: int) -> datetime:
    index = moment.year * 12 + moment.month - 1 - months
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def who_has_seen(
    targets: dict[str, list[str]],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: AuditCursor | None = None,
    limit: int = PAGE_SIZE,
) -> tuple[list[SeenRow], AuditCursor | None]:
    """One page of the audit events about the records in ``targets`` (app_label.model → ids), newest first,
    from ``since`` (inclusive) to ``until`` (exclusive). Returns the rows and the next page's cursor, if any."""
    condition = Q(pk__in=[])
    for object_type, ids in targets.items():
        if ids:
            condition |= Q(object_type=object_type, object_id__in=ids)
    queryset = AuditEvent.objects.filter(condition)
    if since is not None:
        queryset = queryset.filter(at__gte=since)
    if until is not None:
        queryset = queryset.filter(at__lt=until)
    if cursor is not None:
        queryset = queryset.filter(cursor.before())
    events = _newest(
        queryset.select_related("actor"), since=since, until=until, cursor=cursor, wanted=limit + 1
    )
    more = len(events) > limit
    events = events[:limit]
    org_ids = {e.actor_organisation_id for e in events if e.actor_organisation_id is not None}
    names = dict(Organisation.objects.filter(pk__in=org_ids).values_list("pk", "name"))
    rows = [
        SeenRow(
            at=event.at,
            record=f"{RECORD_WORDS.get(event.object_type, event.object_type)} {event.object_id}",
            actor_name=(str(event.actor) if event.actor is not None else "The system"),
            organisation=names.get(event.actor_organisation_id or 0, "–"),
            action=AuditAction(event.action).label if event.action in AuditAction.values else event.action,
            level=event.level.replace("_", " "),
            outcome=AuditOutcome(event.outcome).label,
            denied=event.outcome == AuditOutcome.DENIED,
            change=_change(event.detail) if isinstance(event.detail, dict) else "",
        )
        for event in events
    ]
    next_cursor = AuditCursor(events[-1].at, events[-1].pk) if more and events else None
    return rows, next_cursor

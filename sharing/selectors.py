"""Reads about disclosures: what one shows at its level, the recipients' and the sharers' lists, the police
episode list, and the intelligence summary / notification PDFs.

``disclosure_content`` is the one function that decides which fields each level holds; the page and the PDF
both render what it returns. Below the full level it copies the allowed facts into plain records, so a
template cannot reach a field the level leaves out (the child's words, wishes and feelings, health needs…).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import CharField, Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Concat, NullIf, Substr, Upper
from django.template.loader import render_to_string
from django.utils import timezone

from access.disclosures import received_disclosures, share_approval_filter
from access.episodes import police_episode_filter
from access.levels import Level, disclosure_level
from accounts.models import Organisation, User
from missing_episodes.models import EpisodeCategory, MissingEpisode, RiskLevel
from rhi.journey_selectors import summary_context
from rhi.models import Interview, Outcome, ReturnHomeInterview, RHIEpisode
from sharing.models import RECIPIENT_KINDS, Disclosure, DisclosureLevel, WebhookSubscription

PDF_VARIANT = "pdf/ua-1"
PDF_TEMPLATES: dict[str, str] = {
    DisclosureLevel.NOTIFICATION: "sharing/pdf/notification.html",
    DisclosureLevel.INTELLIGENCE_SUMMARY: "sharing/pdf/intelligence_summary.html",
}
# Rows on one page of the police and partner lists; older rows are on the next pages (keyset).
PAGE_SIZE = 100


@dataclass(frozen=True)
class EpisodeFacts:
    category: str
    missing_at: datetime
    returned_at: datetime | None
    police_force: str
    police_reference: str
    risk_level: str
    found_location: str = ""


@dataclass(frozen=True)
class PlaceFacts:
    description: str
    place_type: str
    town: str
    postcode: str
    from_at: datetime | None
    to_at: datetime | None


@dataclass(frozen=True)
class AssociateFacts:
    name: str
    approximate_age: int | None
    is_adult: bool | None
    relationship: str
    vehicle: str


@dataclass(frozen=True)
class RiskFacts:
    label: str
    notes: str


@dataclass(frozen=True)
class DisclosureContent:
    """What one disclosure shows. Notification: identity, episodes, outcome. Intelligence summary: adds places
    with times, associates and vehicles, travel, exploitation and risk indicators and the worker's risk
    assessment. Full report: the whole RHI (``full`` holds the RHI page's summary context)."""

    level: Level
    disclosure: Disclosure
    child_name: str
    child_initials: str
    child_date_of_birth: Any
    provider_name: str
    rhi_reference: str
    episodes: list[EpisodeFacts]
    outcome: str = ""
    interview_held_at: datetime | None = None
    approved_at: datetime | None = None
    places: list[PlaceFacts] = field(default_factory=list)
    associates: list[AssociateFacts] = field(default_factory=list)
    risk_indicators: list[RiskFacts] = field(default_factory=list)
    travel_method: str = ""
    brought_back_by: str = ""
    risk_assessment: str = ""
    full: dict[str, Any] | None = None

    @property
    def is_notification(self) -> bool:
        return self.level == Level.NOTIFICATION

    @property
    def is_intelligence_summary(self) -> bool:
        return self.level == Level.INTELLIGENCE_SUMMARY

    @property
    def is_full(self) -> bool:
        return self.level == Level.FULL


def _episodes(disclosure: Disclosure) -> list[MissingEpisode]:
    """The one episode a disclosure is about, or else every episode its RHI addresses."""
    if disclosure.episode_id:
        queryset = MissingEpisode.objects.filter(pk=disclosure.episode_id)
    else:
        queryset = MissingEpisode.objects.filter(rhi_link__rhi_id=disclosure.rhi_id)
    return list(queryset.select_related("police_force").order_by("missing_at"))


def _episode_facts(episode: MissingEpisode, *, with_detail: bool) -> EpisodeFacts:
    return EpisodeFacts(
        category=episode.get_category_display(),
        missing_at=episode.missing_at,
        returned_at=episode.returned_at,
        police_force=episode.police_force.name if episode.police_force else "",
        police_reference=episode.police_reference,
        risk_level=episode.get_risk_level_display() if episode.risk_level else "",
        found_location=episode.found_location if with_detail else "",
    )


def disclosure_content(disclosure: Disclosure) -> DisclosureContent:
    """The fields this disclosure holds at its level (the page and the PDF render exactly this)."""
    level = disclosure_level(disclosure.level)
    rhi: ReturnHomeInterview | None = None
    if disclosure.rhi_id:
        rhi = ReturnHomeInterview.objects.select_related(
            "child", "child__responsible_la", "provider", "local_authority", "consent_override_by"
        ).get(pk=disclosure.rhi_id)
    child = rhi.child if rhi is not None else disclosure.child
    interview = Interview.objects.filter(rhi=rhi).first() if rhi is not None else None
    with_detail = level in (Level.INTELLIGENCE_SUMMARY, Level.FULL)
    base: dict[str, Any] = {
        "level": level,
        "disclosure": disclosure,
        "child_name": child.full_name,
        "child_initials": child.initials,
        "child_date_of_birth": child.date_of_birth,
        "provider_name": rhi.provider.name if rhi is not None else "",
        "rhi_reference": f"RHI-{rhi.pk}" if rhi is not None else "",
        "episodes": [_episode_facts(e, with_detail=with_detail) for e in _episodes(disclosure)],
        "outcome": rhi.get_outcome_display() if rhi is not None and rhi.outcome else "",
        "interview_held_at": interview.held_at if interview else None,
        "approved_at": rhi.approved_at if rhi is not None else None,
    }
    if rhi is None or level == Level.NOTIFICATION:
        return DisclosureContent(**base)
    intelligence: dict[str, Any] = {
        "places": [
            PlaceFacts(
                description=p.description,
                place_type=p.get_place_type_display(),
                town=p.town,
                postcode=p.postcode,
                from_at=p.from_at,
                to_at=p.to_at,
            )
            for p in rhi.locations.order_by(F("from_at").asc(nulls_last=True), "pk")
        ],
        "associates": [
            AssociateFacts(
                name=a.name,
                approximate_age=a.approximate_age,
                is_adult=a.is_adult,
                relationship=a.relationship,
                vehicle=a.vehicle,
            )
            for a in rhi.associates.order_by("pk")
        ],
        "risk_indicators": [
            RiskFacts(label=r.get_indicator_display(), notes=r.notes)
            for r in rhi.risk_indicators.order_by("indicator")
        ],
        "travel_method": interview.travel_method if interview else "",
        "brought_back_by": interview.brought_back_by if interview else "",
        "risk_assessment": interview.worker_assessment if interview else "",
    }
    if level == Level.INTELLIGENCE_SUMMARY:
        return DisclosureContent(**base, **intelligence)
    full = summary_context(rhi) | {
        "rhi": rhi,
        "child": child,
        "episode_records": _episodes(disclosure),
        "placement": child.placements.filter(end_date__isnull=True).select_related("host_la").first(),
    }
    return DisclosureContent(**base, **intelligence, full=full)


def render_disclosure_pdf(content: DisclosureContent) -> bytes:
    """The intelligence summary or notification as a tagged PDF (WeasyPrint, as rhi.reports does)."""
    template = PDF_TEMPLATES[content.disclosure.level]
    html = render_to_string(
        template,
        {
            "content": content,
            "generated_at": timezone.now(),
            "title": f"{content.disclosure.get_level_display()}",
        },
    )
    import weasyprint  # noqa: PLC0415 — loads Pango and fonts: only PDF rendering pays for it

    pdf: bytes = weasyprint.HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        pdf_variant=PDF_VARIANT
    )
    return pdf


def _initials() -> Concat:
    return Concat(
        Upper(Substr("child__first_name", 1, 1)),
        Upper(Substr("child__last_name", 1, 1)),
        output_field=CharField(),
    )


@dataclass(frozen=True)
class ListQuery:
    """What a police or partner list shows: only the unacknowledged, which order, one police reference (exact),
    and the page after the row with id ``after`` (keyset: a row id, never a date or a reference, in the URL)."""

    awaiting_only: bool = False
    due_first: bool = False
    police_reference: str = ""
    after: int | None = None


@dataclass(frozen=True)
class ListPage:
    rows: list[dict[str, Any]]
    next_after: int | None


def _page(rows: list[dict[str, Any]]) -> ListPage:
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return ListPage(rows=rows, next_after=rows[-1]["pk"] if more else None)


def _received_after(cursor: Mapping[str, Any], *, due_first: bool) -> Q:
    """The rows after ``cursor`` in the list's order (due soonest first with no due time last, or newest)."""
    if not due_first:
        shared = cursor["shared_at"]
        return Q(shared_at__lt=shared) | Q(shared_at=shared, pk__lt=cursor["pk"])
    due = cursor["acknowledgement_due_at"]
    if due is None:
        return Q(acknowledgement_due_at__isnull=True, pk__gt=cursor["pk"])
    return (
        Q(acknowledgement_due_at__gt=due)
        | Q(acknowledgement_due_at=due, pk__gt=cursor["pk"])
        | Q(acknowledgement_due_at__isnull=True)
    )


def _first_reference() -> Subquery:
    """The police reference a disclosure is about: its episode's, else its RHI's earliest episode's."""
    return Subquery(
        RHIEpisode.objects.filter(rhi=OuterRef("rhi"))
        .exclude(episode__police_reference="")
        .order_by("episode__missing_at", "pk")
        .values("episode__police_reference")[:1]
    )


def received_page(user: User, query: ListQuery) -> ListPage:
    """ "Shared with your organisation", one page: the child by initials only, with the police reference."""
    disclosures = received_disclosures(user)
    if query.awaiting_only:
        disclosures = disclosures.filter(acknowledged_at__isnull=True)
    if query.police_reference:
        disclosures = disclosures.filter(
            Q(episode__police_reference=query.police_reference)
            | Exists(
                RHIEpisode.objects.filter(
                    rhi=OuterRef("rhi"), episode__police_reference=query.police_reference
                )
            )
        )
    if query.after is not None:
        # The cursor row is looked up among everything received, so one acknowledged meanwhile still marks
        # the place.
        cursor = (
            received_disclosures(user)
            .filter(pk=query.after)
            .values("pk", "shared_at", "acknowledgement_due_at")
            .first()
        )
        if cursor is not None:
            disclosures = disclosures.filter(_received_after(cursor, due_first=query.due_first))
    order = (
        (F("acknowledgement_due_at").asc(nulls_last=True), "pk") if query.due_first else ("-shared_at", "-pk")
    )
    rows = (
        disclosures.annotate(
            initials=_initials(),
            police_reference=Coalesce(
                NullIf(F("episode__police_reference"), Value("")), _first_reference(), Value("")
            ),
        )
        .order_by(*order)
        .values(
            "pk",
            "initials",
            "level",
            "shared_at",
            "acknowledged_at",
            "acknowledgement_due_at",
            "police_reference",
            provider_name=F("rhi__provider__name"),
        )[: PAGE_SIZE + 1]
    )
    return _page([dict(row) for row in rows])


def received_counts(user: User, *, now: datetime) -> dict[str, int]:
    """Counts for the home page: everything shared with the user's organisation, awaiting acknowledgement, and
    overdue."""
    awaiting = Q(acknowledged_at__isnull=True)
    return received_disclosures(user).aggregate(
        total=Count("pk"),
        awaiting=Count("pk", filter=awaiting),
        overdue=Count("pk", filter=awaiting & Q(acknowledgement_due_at__lt=now)),
    )


def disclosures_for_rhi(rhi: ReturnHomeInterview) -> QuerySet[Disclosure]:
    """Everything shared from one RHI (the sharer's record, revoked ones included)."""
    return (
        Disclosure.objects.filter(rhi=rhi)
        .select_related("rhi", "recipient_organisation", "shared_by", "acknowledged_by")
        .order_by("-shared_at", "-pk")
    )


def recipient_choices(rhi: ReturnHomeInterview) -> QuerySet[Organisation]:
    """Organisations an RHI can be shared with: active councils, police forces and agencies, not the provider."""
    return (
        Organisation.objects.filter(is_active=True, kind__in=RECIPIENT_KINDS)
        .exclude(pk=rhi.provider_id)
        .order_by("kind", "name")
    )


def police_episode_page(user: User, query: ListQuery) -> ListPage:
    """Episodes reported to the user's force(s), newest first, one page: reference, dates, risk grade, the
    child's initials only and the RHI outcome where there is one. Reads the (police_force, missing_at) index."""
    categories, risks, outcomes = (
        dict(EpisodeCategory.choices),
        dict(RiskLevel.choices),
        dict(Outcome.choices),
    )
    episodes = MissingEpisode.objects.filter(police_episode_filter(user))
    if query.police_reference:
        episodes = episodes.filter(police_reference=query.police_reference)
    if query.after is not None:
        cursor = (
            MissingEpisode.objects.filter(police_episode_filter(user), pk=query.after)
            .values("pk", "missing_at")
            .first()
        )
        if cursor is not None:
            episodes = episodes.filter(
                Q(missing_at__lt=cursor["missing_at"])
                | Q(missing_at=cursor["missing_at"], pk__lt=cursor["pk"])
            )
    page = _page(
        [
            dict(row)
            for row in episodes.annotate(initials=_initials(), rhi_outcome=F("rhi_link__rhi__outcome"))
            .order_by("-missing_at", "-pk")
            .values(
                "pk",
                "police_reference",
                "category",
                "missing_at",
                "returned_at",
                "risk_level",
                "initials",
                "rhi_outcome",
                force=F("police_force__name"),
            )[: PAGE_SIZE + 1]
        ]
    )
    for row in page.rows:
        row["category_label"] = categories.get(row["category"], "")
        row["risk_label"] = risks.get(row["risk_level"], "Not graded")
        row["outcome_label"] = outcomes.get(row["rhi_outcome"] or "", "")
    return page


def webhook_subscriptions_of(organisation_ids: Iterable[int]) -> list[WebhookSubscription]:
    """The webhook subscriptions of these organisations (the ids an organisation admin may manage), active
    first, newest first within each organisation."""
    return list(
        WebhookSubscription.objects.filter(organisation_id__in=organisation_ids)
        .select_related("organisation")
        .order_by("organisation__name", "-active", "-created_at", "-pk")
    )


def webhook_subscription_of(pk: int, organisation_ids: Iterable[int]) -> WebhookSubscription | None:
    """One subscription, only if it belongs to one of these organisations (else None: the page answers 404)."""
    return (
        WebhookSubscription.objects.filter(pk=pk, organisation_id__in=organisation_ids)
        .select_related("organisation")
        .first()
    )


def shares_awaiting_approval(user: User) -> list[Disclosure]:
    """The shares this manager may approve or refuse (``access.disclosures.share_approval_filter``), oldest
    first: the approvals page."""
    return list(
        Disclosure.objects.filter(share_approval_filter(user))
        .select_related("recipient_organisation", "shared_by", "rhi")
        .order_by("shared_at", "pk")
    )


def share_awaiting_approval(user: User, pk: int) -> Disclosure | None:
    """One share this manager may decide, or None (the page answers 404)."""
    return (
        Disclosure.objects.filter(share_approval_filter(user), pk=pk)
        .select_related("recipient_organisation", "shared_by", "rhi", "rhi__child")
        .first()
    )

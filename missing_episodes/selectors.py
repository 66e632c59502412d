"""Reads about children and missing episodes: duplicate candidates, the repeat-missing count, the child's
timeline. Visibility is decided by access; these functions are given the querysets it allows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Count, Exists, F, FilteredRelation, Min, OuterRef, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from access.episodes import child_match_filter, pending_link_filter, visible_children
from accounts.models import User
from missing_episodes.matching import match_child
from missing_episodes.models import (
    CarePeriod,
    Child,
    ChildFlag,
    ChildMatchQuestion,
    EpisodeChange,
    FactCorrection,
    MissingEpisode,
    PendingEpisodeLink,
    Placement,
    covers_q,
)
from rhi.models import ReturnHomeInterview


def twelve_months_before(moment: datetime) -> datetime:
    """The same time of day on the same date a year earlier (28 February for 29 February)."""
    try:
        return moment.replace(year=moment.year - 1)
    except ValueError:
        return moment.replace(year=moment.year - 1, day=28)


def repeat_missing_count(child: Child, now: datetime) -> int:
    """Episodes (missing or absent) that began in the 12 months up to ``now``: the one count the child's page,
    lists and returns show as "missing N times in the last 12 months"."""
    return MissingEpisode.objects.filter(
        child=child, missing_at__gt=twelve_months_before(now), missing_at__lte=now
    ).count()


def age_on(date_of_birth: date, day: date) -> int:
    return day.year - date_of_birth.year - ((day.month, day.day) < (date_of_birth.month, date_of_birth.day))


def matching_children(
    *,
    visible: QuerySet[Child],
    responsible_la_id: int,
    la_child_id: str,
    first_name: str,
    last_name: str,
    date_of_birth: date,
) -> list[Child]:
    """Children the entered details may describe, among the children the user may see: the same LA child id
    in that LA (when one is given), the same name and date of birth anywhere, or the responsible LA's children
    that ``missing_episodes.matching`` finds by name and date of birth (exact or near: case, accents, hyphens
    and known-as names do not count). The LA-id match comes first."""
    la_child_id = la_child_id.strip()
    by_id = Q(responsible_la_id=responsible_la_id, la_child_id=la_child_id) if la_child_id else Q(pk__in=[])
    by_name = Q(
        first_name__iexact=first_name.strip(),
        last_name__iexact=last_name.strip(),
        date_of_birth=date_of_birth,
    )
    matched = match_child(
        responsible_la=responsible_la_id,
        first_name=first_name,
        last_name=last_name,
        date_of_birth=date_of_birth,
    )
    by_name |= Q(pk__in=[child.pk for child in matched.candidates])
    found = list(visible.filter(by_id | by_name).select_related("responsible_la")[:20])
    found.sort(
        key=lambda c: (c.la_child_id != la_child_id.strip() or c.responsible_la_id != responsible_la_id, c.pk)
    )
    return found


def search_children(
    visible: QuerySet[Child],
    *,
    la_child_id: str = "",
    responsible_la: str = "",
    last_name: str = "",
    first_name: str = "",
    date_of_birth: date | None = None,
) -> QuerySet[Child]:
    """The children among ``visible`` that match every term given (the API's search, its terms validated by
    ``ChildIdSearchSerializer`` or ``ChildSearchSerializer``): exact LA child id, LA code and names whatever
    their case, and the date of birth. A blank term is not a condition."""
    children = visible.select_related("responsible_la")
    if la_child_id.strip():
        children = children.filter(la_child_id=la_child_id.strip())
    if responsible_la.strip():
        children = children.filter(responsible_la__code__iexact=responsible_la.strip())
    if last_name.strip():
        children = children.filter(last_name__iexact=last_name.strip())
    if first_name.strip():
        children = children.filter(first_name__iexact=first_name.strip())
    if date_of_birth is not None:
        children = children.filter(date_of_birth=date_of_birth)
    return children


def current_placement(child: Child, today: date) -> Placement | None:
    return (
        Placement.objects.filter(child=child, start_date__lte=today)
        .exclude(end_date__lt=today)
        .select_related("host_la", "police_force_area")
        .order_by("-start_date")
        .first()
    )


def active_flags(child: Child) -> list[ChildFlag]:
    return list(ChildFlag.objects.filter(child=child, removed_at__isnull=True).order_by("-set_at"))


def episode_detail(visible: QuerySet[MissingEpisode], pk: int) -> MissingEpisode | None:
    return (
        visible.select_related("child", "child__responsible_la", "police_force", "host_la", "rhi_link__rhi")
        .filter(pk=pk)
        .first()
    )


def corrections_of(*, child: Child, episode: MissingEpisode | None = None) -> list[FactCorrection]:
    """The corrections of an episode's times, or (without ``episode``) of the child's date of birth, newest
    first (missing_episodes.corrections)."""
    return list(
        FactCorrection.objects.filter(child=child, episode=episode)
        .select_related("by")
        .order_by("-at", "-pk")
    )


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: (
        str  # "missing", "returned", "changed", "rhi", "flag", "flag_removed", "referral" (and "reported"...)
    )
    title: str
    detail: str = ""
    episode: MissingEpisode | None = None
    rhi: ReturnHomeInterview | None = None
    rhi_visible: bool = False
    extra: dict[str, Any] | None = None


def _change_entry(change: EpisodeChange) -> TimelineEntry:
    """A reclassification or a re-graded risk (missing_episodes.episode_changes) as a timeline entry."""
    title = "Reclassified" if change.field == "category" else "Risk grade changed"
    return TimelineEntry(
        at=change.changed_at,
        kind="changed",
        title=title,
        detail=f"{change.old_shown} to {change.new_shown}",
        episode=change.episode,
        extra={"change": change},
    )


def episode_changes(episode: MissingEpisode) -> list[EpisodeChange]:
    """The episode's reclassifications and re-graded risk, in the order the police made them."""
    return list(EpisodeChange.objects.filter(episode=episode).select_related("recorded_by"))


def episode_timeline(episode: MissingEpisode, changes: list[EpisodeChange]) -> list[TimelineEntry]:
    """The episode's story, oldest first: last seen (with the category and risk grade it began with), reported
    to the police, each change the police made (``changes``), the police notification, the return and the
    safe and well check."""
    first: dict[str, str] = {}
    for change in changes:
        first.setdefault(change.field, change.old_shown)
    category = first.get("category", episode.get_category_display())
    risk = first.get("risk_level", episode.get_risk_level_display() or "Not recorded")
    entries = [
        TimelineEntry(
            at=episode.missing_at, kind="missing", title="Last seen", detail=f"{category}, risk grade: {risk}"
        )
    ]
    times = (
        ("reported", episode.reported_at, "Reported to police"),
        ("notified", episode.police_notified_at, "Police notification received"),
        ("returned", episode.returned_at, "Returned or found"),
        ("safe_and_well", episode.safe_and_well_at, "Safe and well check"),
    )
    entries += [TimelineEntry(at=at, kind=kind, title=title) for kind, at, title in times if at is not None]
    entries += [_change_entry(change) for change in changes]
    order = {"missing": 0, "reported": 1, "changed": 2, "notified": 3, "returned": 4, "safe_and_well": 5}
    return sorted(entries, key=lambda entry: (entry.at, order[entry.kind]))


# ---------------------------------------------------------------------------------------------------------
# "Looked after": one definition for every return and page that asks it (SSDA903 Missing, Annex A list 8, the
# child's page). A child is looked after on a day when one of their periods of care covers it
# (``missing_episodes.models.care.covers_q``: start <= day < the day care ceased). ``Child.legal_status`` is
# not read: it holds the other involvements.
# ---------------------------------------------------------------------------------------------------------


def looked_after_on(day: date) -> Q:
    """Children looked after on ``day``, as a condition on ``Child``."""
    return Q(Exists(CarePeriod.objects.filter(covers_q(day), child_id=OuterRef("pk"))))


def _uk_start_date() -> TruncDate:
    return TruncDate("missing_at", tzinfo=timezone.get_default_timezone())


# The period of care covering the day an episode began, as a join (a FilteredRelation on the child's periods):
# periods of a child never overlap (care_services checks it under a lock on the child's row), so at most one
# matches and the join neither drops nor repeats an episode. It was a correlated EXISTS plus a subquery for DEC
# that Django repeated wherever the annotation was used (SSDA903's filter and end-date CASE: five subplans a row,
# each joining the child for the model's default ordering); the planner's estimate grew so high that PostgreSQL
# JIT-compiled the query, most of its time (national SSDA903 COPY 0.20 s to 0.98 s). docs/benchmarks.md.
_COVERING = "covering_care"


def _covering_period() -> FilteredRelation:
    return FilteredRelation(
        "child__care_periods", condition=covers_q(F("start_date"), prefix="child__care_periods__")
    )


def episodes_while_looked_after() -> QuerySet[MissingEpisode]:
    """Episodes that began (UK date, annotated ``start_date``) on a day a period of care of their child covers:
    the episodes a looked-after child's return counts, whatever happened to their care afterwards. Annotated
    ``care_ceased`` too: the day that period ended (SSDA903 DEC; NULL while it goes on). A child who ceases to
    be looked after while missing is, for the returns, missing until that day and no later (the DfE's rules 575
    and 577: no open or later MIS_END once care has ceased)."""
    return (
        MissingEpisode.objects.annotate(start_date=_uk_start_date())
        .annotate(**{_COVERING: _covering_period()})
        .filter(**{f"{_COVERING}__isnull": False})
        .annotate(care_ceased=F(f"{_COVERING}__end_date"))
    )


def with_looked_after_at_start(episodes: QuerySet[MissingEpisode]) -> QuerySet[MissingEpisode]:
    """``episodes`` annotated ``looked_after_at_start``: whether a period of care of the child covered the UK
    date the episode began (``start_date``) — the rule ``episodes_while_looked_after`` filters on, as a flag, for
    the performance return's "looked after when the episode began" cohorts. One EXISTS per row, no N+1."""
    covering = CarePeriod.objects.filter(covers_q(OuterRef("start_date")), child_id=OuterRef("child_id"))
    return episodes.annotate(start_date=_uk_start_date()).annotate(looked_after_at_start=Exists(covering))


def care_periods_of(child: Child) -> list[CarePeriod]:
    """The child's periods of care, newest first, with who recorded them."""
    return list(CarePeriod.objects.filter(child=child).select_related("recorded_by").order_by("-start_date"))


def looked_after_today(periods: list[CarePeriod], today: date) -> bool:
    """Whether one of these periods (``care_periods_of``) covers ``today`` (the child's page)."""
    return any(period.covers(today) for period in periods)


def looked_after_during(child_id: int, date_from: date, date_to: date) -> bool:
    """Whether the child was looked after on any day from ``date_from`` to ``date_to`` inclusive."""
    return (
        CarePeriod.objects.filter(child_id=child_id, start_date__lte=date_to)
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=date_from))
        .exists()
    )


def pending_links_for(user: User) -> list[PendingEpisodeLink]:
    """The notifications waiting for this council to confirm the child (``access.episodes.pending_link_filter``)."""
    return list(
        PendingEpisodeLink.objects.filter(pending_link_filter(user)).select_related(
            "child", "police_force", "child__responsible_la"
        )
    )


def pending_link_for(user: User, pk: int) -> PendingEpisodeLink | None:
    """One waiting notification this council may decide, or None (the page answers 404)."""
    return (
        PendingEpisodeLink.objects.filter(pending_link_filter(user), pk=pk)
        .select_related("child", "police_force", "child__responsible_la")
        .first()
    )


# The "match the child" queue shows its oldest questions first, this many at most (bounded, not paged: it is a
# to-do list that should stay short; the page says how many more are waiting).
MATCH_QUEUE_SHOWN = 100


@dataclass(frozen=True)
class MatchQueueSummary:
    count: int
    oldest_raised_at: datetime | None


def match_queue_summary(user: User) -> MatchQueueSummary:
    """How many children wait to be matched by this user's councils, and since when (the manager's home)."""
    found = ChildMatchQuestion.objects.filter(child_match_filter(user)).aggregate(
        count=Count("pk"), oldest=Min("raised_at")
    )
    return MatchQueueSummary(count=found["count"], oldest_raised_at=found["oldest"])


def match_queue_for(user: User) -> list[ChildMatchQuestion]:
    """The oldest open questions this user may decide (``access.episodes.child_match_filter``)."""
    return list(
        ChildMatchQuestion.objects.filter(child_match_filter(user))
        .select_related("provisional_child", "episode__police_force", "responsible_la")
        .order_by("raised_at", "pk")[:MATCH_QUEUE_SHOWN]
    )


def match_question_for(user: User, pk: int) -> ChildMatchQuestion | None:
    """One open question this user may decide, or None (the page answers 404)."""
    return (
        ChildMatchQuestion.objects.filter(child_match_filter(user), pk=pk)
        .select_related("provisional_child", "episode__police_force", "responsible_la")
        .first()
    )


def match_question_of_child(user: User, child: Child) -> ChildMatchQuestion | None:
    """The open question about this provisional child that this user may decide, if any (the child's page)."""
    return ChildMatchQuestion.objects.filter(child_match_filter(user), provisional_child=child).first()


def match_candidates(user: User, question: ChildMatchQuestion) -> list[Child]:
    """The question's candidates that this user sees (only they can be chosen: match_queue.match_to_child)."""
    return list(
        visible_children(user)
        .filter(pk__in=question.candidates.values("pk"))
        .annotate(episode_count=Count("episodes"))
        .order_by("last_name", "first_name", "pk")
    )

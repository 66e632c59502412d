"""Reads about RHIs and clock policies."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as time_of_day
from typing import Any

from django.db.models import CharField, Count, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.expressions import Case, When
from django.db.models.functions import Concat, Substr, Upper

from accounts.models import Commission, Organisation, OrganisationKind, Role, Team, User
from accounts.selectors import organisations_by_name
from core import query_params
from missing_episodes.models import FactCorrection, MissingEpisode
from rhi.clock import (
    LONDON,
    NATIONS,
    ClockRules,
    ClockState,
    Deadlines,
    closed_state,
    compute_deadlines,
    describe_rules,
    describe_time_left,
    is_bank_holiday,
    open_state,
    policy_on,
    time_left,
)
from rhi.models import (
    AWAITING_CONTACT_STATES,
    CLOCK_RUNNING_STATES,
    OPEN_STATES,
    ClockPolicy,
    ReturnHomeInterview,
    RHIEpisode,
    RHIState,
)


def clock_rules_for_policy(policy: ClockPolicy) -> ClockRules:
    """The one translation from a stored policy to the clock module's rules (and so to an RHI's snapshot)."""
    return ClockRules(
        basis=policy.basis,
        complete_unit=policy.complete_unit,
        complete_length=policy.complete_length,
        contact_unit=policy.contact_unit or None,
        contact_length=policy.contact_length if policy.contact_unit else None,
        nation=policy.nation,
        closure_days=frozenset(date.fromisoformat(str(d)) for d in policy.closure_days or []),
        due_soon_hours=policy.due_soon_hours,
    )


def rules_without_policy(local_authority: Organisation | None) -> ClockRules:
    """The rules when an LA has no clock policy in force: the statutory guidance's 72 hours from the return,
    with working days (acknowledgements, worked examples) counted on the LA's own nation's bank holidays, so a
    Welsh or Scottish LA never counts England's. England only when there is no LA or its nation is unknown.
    The one default behind an RHI's snapshot, ``working_day_calendar`` and the performance return."""
    nation = local_authority.nation if local_authority is not None else "ENG"
    return ClockRules(nation=nation if nation in NATIONS else "ENG")


def handling_authority(episode: MissingEpisode) -> Organisation:
    """The LA whose RHI service handles the episode: where the child lives (host LA), else the responsible LA.
    The placing LA of an out-of-area child is notified instead (sharing.out_of_area)."""
    return episode.host_la or episode.responsible_la


def policy_in_force(*, local_authority: Organisation, on: date) -> ClockPolicy | None:
    """The LA's policy effective on ``on`` (``rhi.clock.policy_on`` decides; an LA has a handful of versions,
    so they are all read). For an episode, ``on`` is ``rhi.clock.policy_day``."""
    return policy_on(ClockPolicy.objects.filter(local_authority=local_authority, effective_from__lte=on), on)


def last_of_chain(start: int, successor: Callable[[int], int | None]) -> int:
    """The last RHI of the chain of successors from ``start`` (``successor`` gives the RHI that took one over,
    or None). The one walk behind ``answering_rhi_ids`` and Annex A's answers as at a date; stops rather than
    loops if bad data ever made a cycle."""
    visited = {start}
    current = start
    while (following := successor(current)) is not None and following not in visited:
        visited.add(following)
        current = following
    return current


def answering_rhi_ids(superseded_by: Mapping[int, int | None]) -> dict[int, int]:
    """The RHI that answers for each RHI of ``superseded_by`` ({RHI id: the RHI that superseded it, or None}):
    itself, or — for one a later RHI took over when the child went missing again before the interview — the
    last of its chain of successors. The one rule behind Annex A's return interview columns and the
    performance return's offered / carried out (issue 13 part 6): an episode whose RHI was superseded was
    offered, interviewed or declined by the RHI that took it over. One query per further link of the longest
    chain (none when nothing was superseded)."""
    successor_of = {rhi_id: successor for rhi_id, successor in superseded_by.items() if successor is not None}
    seen = set(superseded_by)
    pending = set(successor_of.values()) - seen
    while pending:
        seen |= pending
        found = dict(
            ReturnHomeInterview.objects.filter(pk__in=pending, superseded_by__isnull=False).values_list(
                "pk", "superseded_by_id"
            )
        )
        successor_of.update(found)
        pending = set(found.values()) - seen
    return {rhi_id: last_of_chain(rhi_id, successor_of.get) for rhi_id in superseded_by}


# ---------------------------------------------------------------------------------------------------------
# Clock state of stored RHIs. ``rhi_clock_state`` decides it for one RHI in Python, ``with_clock_state``
# for a queryset in SQL; both apply rhi.clock's boundaries (overdue once now > due; due soon from
# due_soon_at), and tests/rhi/test_clock_state.py checks they agree on every RHI.
# ---------------------------------------------------------------------------------------------------------


def rhi_deadlines(rhi: ReturnHomeInterview) -> Deadlines:
    return Deadlines(
        start=rhi.clock_started_at, contact_due=rhi.contact_due_at, due=rhi.due_at, due_soon=rhi.due_soon_at
    )


def working_day_calendar(
    *, rhi: ReturnHomeInterview | None = None, local_authority: Organisation | None = None
) -> tuple[str, frozenset[date]]:
    """Whose bank holidays and closure days count the working days of anything about this RHI (a referral's
    or a disclosure's acknowledgement): its policy snapshot's; without a policy, ``rules_without_policy``'s.
    A snapshot taken without a policy is not trusted for the nation: RHIs opened before the LA's own nation
    was the default stored "ENG" there."""
    if rhi is not None and rhi.policy_snapshot and rhi.policy_snapshot.get("policy_id") is not None:
        rules = ClockRules.from_snapshot(rhi.policy_snapshot)
    else:
        rules = rules_without_policy(rhi.local_authority if rhi is not None else local_authority)
    return rules.nation, rules.closure_days


def running_time_left(state: str, deadlines: Deadlines, now: datetime) -> str:
    """'in 5 h 20 min' / 'overdue by 3 h' while the completion clock runs; nothing once the interview is held
    or the RHI is closed, where the clock state (met, missed, not applicable) says it all."""
    if state not in CLOCK_RUNNING_STATES or deadlines.due is None:
        return ""
    return describe_time_left(time_left(deadlines, now))


def rhi_clock_state(
    rhi: ReturnHomeInterview, *, now: datetime, interview_held_at: datetime | None
) -> ClockState:
    """Open and not yet interviewed: the running clock's state. Interviewed: met or missed. Otherwise (declined,
    not offered…): not applicable."""
    deadlines = rhi_deadlines(rhi)
    if rhi.state in CLOCK_RUNNING_STATES:
        return open_state(deadlines, now)
    if interview_held_at is not None:
        return closed_state(deadlines, interview_held_at)
    return ClockState.NOT_APPLICABLE


def with_clock_state(
    queryset: QuerySet[ReturnHomeInterview], *, now: datetime
) -> QuerySet[ReturnHomeInterview]:
    """Annotate ``clock_state`` (a ClockState value) in SQL, for lists and counts that must not load rows."""
    running = Q(state__in=sorted(CLOCK_RUNNING_STATES))
    return queryset.annotate(
        clock_state=Case(
            When(running & Q(due_at__isnull=True), then=Value(ClockState.NOT_STARTED.value)),
            When(running & Q(due_at__lt=now), then=Value(ClockState.OVERDUE.value)),
            When(running & Q(due_soon_at__lte=now), then=Value(ClockState.DUE_SOON.value)),
            When(running, then=Value(ClockState.ON_TRACK.value)),
            When(
                Q(
                    interview__held_at__isnull=False,
                    due_at__isnull=False,
                    interview__held_at__lte=F("due_at"),
                ),
                then=Value(ClockState.MET.value),
            ),
            When(
                Q(interview__held_at__isnull=False, due_at__isnull=False, interview__held_at__gt=F("due_at")),
                then=Value(ClockState.MISSED.value),
            ),
            default=Value(ClockState.NOT_APPLICABLE.value),
            output_field=CharField(),
        )
    )


class FirstContact(enum.StrEnum):
    """Whether first contact has been made: the one definition for the home queues, the RHI page and the
    deadline sweep's "first contact overdue" alert (docs/clock.md). Made = the RHI has left
    ``AWAITING_CONTACT_STATES``: a contact attempt or an offer has been recorded (logging an attempt moves it
    to "contacting"). Awaited and past ``contact_due_at``: overdue. Closed without a contact recorded
    (cancelled, superseded, not offered): no longer needed."""

    AWAITED = "awaited"
    OVERDUE = "overdue"
    MADE = "made"
    NOT_NEEDED = "not_needed"


# Every state reached only through a contact attempt or an offer (see rhi.transitions).
CONTACT_MADE_STATES: frozenset[str] = frozenset(
    {
        RHIState.CONTACTING,
        RHIState.OFFERED,
        RHIState.ACCEPTED,
        RHIState.DRAFTING,
        RHIState.SUBMITTED,
        RHIState.RETURNED,
        RHIState.APPROVED,
        RHIState.DECLINED,
        RHIState.UNABLE_TO_CONTACT,
    }
)


def first_contact(*, state: str, contact_due_at: datetime | None, now: datetime) -> FirstContact:
    """In Python, for a loaded RHI or a queue row; ``with_first_contact`` is the same rule in SQL."""
    if state in AWAITING_CONTACT_STATES:
        overdue = contact_due_at is not None and contact_due_at < now
        return FirstContact.OVERDUE if overdue else FirstContact.AWAITED
    return FirstContact.MADE if state in CONTACT_MADE_STATES else FirstContact.NOT_NEEDED


def first_contact_overdue_condition(now: datetime) -> Q:
    """The SQL filter for ``FirstContact.OVERDUE`` (the sweep's candidates)."""
    return Q(state__in=sorted(AWAITING_CONTACT_STATES), contact_due_at__lt=now)


def with_first_contact(
    queryset: QuerySet[ReturnHomeInterview], *, now: datetime
) -> QuerySet[ReturnHomeInterview]:
    """Annotate ``first_contact`` (a FirstContact value) in SQL, by the same rule as ``first_contact``."""
    return queryset.annotate(
        first_contact=Case(
            When(first_contact_overdue_condition(now), then=Value(FirstContact.OVERDUE.value)),
            When(state__in=sorted(AWAITING_CONTACT_STATES), then=Value(FirstContact.AWAITED.value)),
            When(state__in=sorted(CONTACT_MADE_STATES), then=Value(FirstContact.MADE.value)),
            default=Value(FirstContact.NOT_NEEDED.value),
            output_field=CharField(),
        )
    )


# ---------------------------------------------------------------------------------------------------------
# The team manager's deadline dashboard (and the worker's queue): counts by clock state and a keyset-paged
# table of running clocks sorted by time left. Constant number of queries whatever the data size.
# ---------------------------------------------------------------------------------------------------------

DASHBOARD_STATES: tuple[ClockState, ...] = (
    ClockState.OVERDUE,
    ClockState.DUE_SOON,
    ClockState.ON_TRACK,
    ClockState.NOT_STARTED,
)
PAGE_SIZE = 50


@dataclass(frozen=True)
class DashboardFilters:
    team_id: int | None = None
    worker_id: int | None = None
    local_authority_id: int | None = None
    provider_id: int | None = None
    state: str | None = None
    unallocated: bool = False

    def apply(self, queryset: QuerySet[ReturnHomeInterview]) -> QuerySet[ReturnHomeInterview]:
        if self.team_id:
            queryset = queryset.filter(team_id=self.team_id)
        if self.worker_id:
            queryset = queryset.filter(allocated_worker_id=self.worker_id)
        if self.local_authority_id:
            queryset = queryset.filter(local_authority_id=self.local_authority_id)
        if self.provider_id:
            queryset = queryset.filter(provider_id=self.provider_id)
        if self.unallocated:
            queryset = queryset.filter(allocated_worker__isnull=True)
        return queryset


def state_condition(state: str, now: datetime) -> Q:
    """The SQL condition for one clock state of a running clock (the same boundaries as rhi.clock)."""
    conditions = {
        ClockState.NOT_STARTED: Q(due_at__isnull=True),
        ClockState.OVERDUE: Q(due_at__lt=now),
        ClockState.DUE_SOON: Q(due_at__gte=now, due_soon_at__lte=now),
        ClockState.ON_TRACK: Q(due_soon_at__gt=now),
    }
    return conditions[ClockState(state)]


def running_clocks(base: QuerySet[ReturnHomeInterview]) -> QuerySet[ReturnHomeInterview]:
    return base.filter(state__in=sorted(CLOCK_RUNNING_STATES))


def dashboard_counts(base: QuerySet[ReturnHomeInterview], *, now: datetime) -> dict[str, int]:
    """Counts of running clocks by state, plus unallocated and awaiting approval, in one query."""
    running = Q(state__in=sorted(CLOCK_RUNNING_STATES))
    aggregates = {
        state.value: Count("pk", filter=running & state_condition(state, now)) for state in DASHBOARD_STATES
    }
    aggregates["unallocated"] = Count("pk", filter=running & Q(allocated_worker__isnull=True))
    aggregates["awaiting_approval"] = Count("pk", filter=Q(state=RHIState.SUBMITTED))
    # Restrict to the open set first, so the partial indexes over open RHIs answer it, not years of history.
    return base.filter(state__in=sorted(OPEN_STATES)).aggregate(**aggregates)


@dataclass(frozen=True)
class Cursor:
    """Keyset position: (due_at, id) with NULL deadlines (clock not started) sorted last."""

    due_at: datetime | None
    pk: int

    def encode(self) -> str:
        stamp = "null" if self.due_at is None else self.due_at.isoformat()
        return f"{stamp}~{self.pk}"

    @classmethod
    def decode(cls, raw: str | None) -> Cursor | None:
        """None (the first page) for a missing, malformed or out-of-range cursor."""
        parsed = query_params.split_cursor(
            raw, lambda stamp: None if stamp == "null" else query_params.parse_moment(stamp)
        )
        return cls(*parsed) if parsed is not None else None

    def after(self) -> Q:
        if self.due_at is None:
            return Q(due_at__isnull=True, pk__gt=self.pk)
        return Q(due_at__gt=self.due_at) | Q(due_at=self.due_at, pk__gt=self.pk) | Q(due_at__isnull=True)


def dashboard_rows(
    base: QuerySet[ReturnHomeInterview],
    *,
    now: datetime,
    state: str | None = None,
    cursor: Cursor | None = None,
) -> tuple[list[dict[str, Any]], Cursor | None]:
    """One page of running clocks, soonest deadline first. Names never leave the database: only initials."""
    queryset = running_clocks(base)
    if state:
        queryset = queryset.filter(state_condition(state, now))
    if cursor is not None:
        queryset = queryset.filter(cursor.after())
    latest_episode = RHIEpisode.objects.filter(rhi=OuterRef("pk")).order_by("-episode__missing_at")
    rows: list[dict[str, Any]] = [
        dict(row)
        for row in with_clock_state(queryset, now=now)
        .annotate(
            initials=Concat(
                Upper(Substr("child__first_name", 1, 1)),
                Upper(Substr("child__last_name", 1, 1)),
                output_field=CharField(),
            ),
            missing_at=Subquery(latest_episode.values("episode__missing_at")[:1]),
            returned_at=Subquery(latest_episode.values("episode__returned_at")[:1]),
            episode_count=Subquery(
                RHIEpisode.objects.filter(rhi=OuterRef("pk"))
                .values("rhi")
                .annotate(n=Count("pk"))
                .values("n")[:1]
            ),
        )
        .order_by(F("due_at").asc(nulls_last=True), "pk")
        .values(
            "pk",
            "initials",
            "state",
            "clock_state",
            "clock_started_at",
            "due_at",
            "missing_at",
            "returned_at",
            "episode_count",
            "allocated_worker_id",
            "allocated_worker__first_name",
            "allocated_worker__last_name",
            "local_authority__name",
            "provider__name",
            "team__name",
            "policy_snapshot",
            "version",
        )[: PAGE_SIZE + 1]
    ]
    next_cursor = None
    if len(rows) > PAGE_SIZE:
        rows = rows[:PAGE_SIZE]
        next_cursor = Cursor(rows[-1]["due_at"], rows[-1]["pk"])
    for row in rows:
        deadlines = Deadlines(
            start=row["clock_started_at"], contact_due=None, due=row["due_at"], due_soon=None
        )
        row["time_left"] = running_time_left(row["state"], deadlines, now)
        row["basis"] = row["policy_snapshot"].get("basis", "")
    return rows, next_cursor


# ---------------------------------------------------------------------------------------------------------
# Worked examples for the policy form: the same clock function as every deadline in the product.
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkedExample:
    label: str
    start: datetime
    due: datetime | None
    contact_due: datetime | None


def worked_examples(rules: ClockRules, *, today: date) -> list[WorkedExample]:
    """'A child returning Friday 17:00 would be due by …', plus one across the next bank holiday."""
    friday = today + timedelta(days=(4 - today.weekday()) % 7 or 7)
    starts = [
        ("a child returning on Friday at 5pm", datetime.combine(friday, time_of_day(17, 0), tzinfo=LONDON))
    ]
    day = today
    for _ in range(400):
        day += timedelta(days=1)
        if is_bank_holiday(day, rules.nation):
            eve = day - timedelta(days=1)
            starts.append(
                (
                    "a child returning the day before a bank holiday at 5pm",
                    datetime.combine(eve, time_of_day(17, 0), tzinfo=LONDON),
                )
            )
            break
    examples = []
    for label, start in starts:
        deadlines = compute_deadlines(rules, returned_at=start, police_notified_at=start)
        examples.append(
            WorkedExample(label=label, start=start, due=deadlines.due, contact_due=deadlines.contact_due)
        )
    return examples


@dataclass(frozen=True)
class PolicySection:
    """One LA on the clock policies page: its versions (newest first), the one in force today, in words, with
    worked examples."""

    authority: Organisation
    versions: list[ClockPolicy]
    current: ClockPolicy | None
    method: str
    examples: list[WorkedExample]


def policy_sections(authority_ids: set[int], *, today: date) -> list[PolicySection]:
    """The clock policies page: every LA whose policies the user manages, each with its policy in force."""
    sections = []
    for authority in Organisation.objects.filter(pk__in=authority_ids).prefetch_related("clock_policies"):
        versions = sorted(authority.clock_policies.all(), key=lambda p: p.effective_from, reverse=True)
        current = policy_on(versions, today)
        rules = clock_rules_for_policy(current) if current else None
        sections.append(
            PolicySection(
                authority=authority,
                versions=versions,
                current=current,
                method=describe_rules(rules) if rules else "",
                examples=worked_examples(rules, today=today) if rules else [],
            )
        )
    return sections


def local_authority(pk: int) -> Organisation:
    return Organisation.objects.get(pk=pk)


def rhi_or_none(pk: int) -> ReturnHomeInterview | None:
    """An RHI by id whoever may see it: for pages that ask the policy about this one RHI (its level)."""
    return ReturnHomeInterview.objects.filter(pk=pk).first()


@dataclass(frozen=True)
class FilterOptions:
    teams: QuerySet[Team]
    workers: QuerySet[User]
    authorities: QuerySet[Organisation]
    providers: QuerySet[Organisation]


def dashboard_filter_options(organisation_ids: set[int]) -> FilterOptions:
    """Teams, workers and commissioning LAs of the organisations whose RHIs the user works on."""
    workers = (
        User.objects.filter(
            is_active=True,
            api_client__isnull=True,
            memberships__organisation_id__in=organisation_ids,
            memberships__role=Role.RHI_WORKER,
        )
        .distinct()
        .order_by("first_name", "last_name")
    )
    commissioning = Commission.objects.filter(provider_id__in=organisation_ids).values("local_authority_id")
    authorities = Organisation.objects.filter(
        Q(pk__in=commissioning) | Q(pk__in=organisation_ids, kind=OrganisationKind.LOCAL_AUTHORITY)
    ).order_by("name")
    return FilterOptions(
        teams=Team.objects.filter(organisation_id__in=organisation_ids)
        .select_related("organisation")
        .order_by("name"),
        workers=workers,
        authorities=authorities,
        providers=organisations_by_name(organisation_ids),
    )


def rhi_detail(queryset: QuerySet[ReturnHomeInterview], pk: int) -> ReturnHomeInterview | None:
    """One RHI with what its page shows, from within the user's visible set (None: answer 404)."""
    return (
        queryset.select_related(
            "child", "local_authority", "provider", "team", "allocated_worker", "interview"
        )
        .prefetch_related("episode_links__episode__police_force", "transitions__by")
        .filter(pk=pk)
        .first()
    )


def corrections_after_approval(rhi: ReturnHomeInterview) -> list[FactCorrection]:
    """Facts an approved RHI's report states (its episodes' times, the child's date of birth) that were
    corrected after it was approved, oldest first (missing_episodes.corrections; docs/corrections.md)."""
    if rhi.state != RHIState.APPROVED or rhi.approved_at is None:
        return []
    episode_ids = RHIEpisode.objects.filter(rhi_id=rhi.pk).values("episode_id")
    return list(
        FactCorrection.objects.filter(
            Q(episode_id__in=episode_ids) | Q(child_id=rhi.child_id, episode__isnull=True),
            at__gt=rhi.approved_at,
        ).order_by("at", "pk")
    )

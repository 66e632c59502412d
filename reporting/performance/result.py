"""The performance return as one object (``performance_figures``) and the records behind one figure
(``figure_records``): the rows, their timeliness, the figures' counts, the cohort and month tables and the
finding tables, for an LA (or a provider) and any period. docs/performance-return.md defines every figure."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone

from accounts.models import Organisation
from reporting.performance.figures import (
    COHORTS,
    FIGURES,
    Context,
    cohort_members,
    context_for,
    count_figures,
)
from reporting.performance.findings import (
    Ranked,
    associates_by_age,
    places_by_kind,
    referral_counts,
    risk_indicators,
)
from reporting.performance.method import Published, TimedElsewhere, method_paragraph
from reporting.performance.rows import EpisodeRow, Scope, fetch_rows
from reporting.performance.suppression import CellKey, percent
from reporting.performance.timeliness import (
    DEFINITION_KEYS,
    IN_TIME,
    LATE,
    NOT_DONE,
    OWN,
    OWN_LABEL,
    STANDARD_LABELS,
    TIMELINESS_LABELS,
    TIMELINESS_STATUSES,
    policies_of,
    policy_at_end,
)
from rhi.clock import LONDON
from rhi.models import (
    ClockPolicy,
    DeclinedBy,
    DeclineReason,
    InterviewerIndependence,
    NotOfferedReason,
    OfferedTo,
    Outcome,
)


@dataclass(frozen=True)
class TimelinessRow:
    key: str
    label: str
    counts: Mapping[str, int]

    @property
    def timed(self) -> int:
        """Episodes whose timeframe has been decided: in time, late or not done."""
        return self.counts[IN_TIME] + self.counts[LATE] + self.counts[NOT_DONE]

    @property
    def carried_out(self) -> int:
        return self.counts[IN_TIME] + self.counts[LATE]

    @property
    def cells(self) -> list[tuple[str, str, int]]:
        """(figure key, status words, count) in table order: the dashboard links each to its records."""
        return [(f"{self.key}__{s}", TIMELINESS_LABELS[s], self.counts[s]) for s in TIMELINESS_STATUSES]


@dataclass(frozen=True)
class CohortRow:
    key: str
    label: str
    in_headline: bool
    incidents: int
    children: int
    offered: int
    carried_out: int
    in_time_own: int


@dataclass(frozen=True)
class MonthRow:
    month: date
    incidents: int
    offered: int
    carried_out: int
    in_time_own: int

    @property
    def label(self) -> str:
        return self.month.strftime("%b %Y")


@dataclass
class PerformanceReturn:
    scope: Scope
    generated_at: datetime
    counts: dict[str, int]
    children: int
    repeat_children: int
    repeat_episodes: int
    offered_to: dict[str, int]
    declines: list[tuple[str, str, int, int]]  # (code, label, by child, by parent/carer)
    not_offered: list[tuple[str, str, int]]
    timeliness: list[TimelinessRow]
    cohorts: list[CohortRow]
    independence: list[tuple[str, str, int]]
    interviews: int
    referrals: dict[str, int]
    referrals_by_service: list[tuple[str, str, int, int]]  # (code, label, made, acknowledged)
    referral_outcomes: list[tuple[str, str, int]]
    risk_indicators: list[tuple[str, str, int]]
    places_by_kind: list[Ranked]
    associates_by_age: list[Ranked]
    months: list[MonthRow]
    policy: ClockPolicy | None
    timed_elsewhere: TimedElsewhere

    @property
    def incidents(self) -> int:
        return self.counts["incidents"]

    @property
    def repeat_share(self) -> str:
        return percent(self.repeat_episodes, self.incidents)

    def published_method(self, shown: Published, *, incidents: CellKey) -> str:
        """The method paragraph as published: its figures (an LA's episodes timed under another commission's
        policy) are the ones ``protect`` decided, in ``shown`` (``tables.published_cells``)."""
        elsewhere = (
            self.timed_elsewhere.sentence(shown, incidents=incidents) if self.scope.local_authority else ""
        )
        return method_paragraph(self.policy, organisation=self.scope.organisation, timed_elsewhere=elsewhere)

    @property
    def own(self) -> TimelinessRow:
        return self.timeliness[0]

    @property
    def standard(self) -> list[TimelinessRow]:
        return self.timeliness[1:]


def _rhi_ids(rows: Iterable[EpisodeRow], ctx: Context) -> list[int]:
    """RHIs addressing a headline episode of the period (an RHI is in a period when any of its episodes is)."""
    return sorted({row.rhi_id for row in rows if row.rhi_id is not None and ctx.in_headline(row)})


def _months(scope: Scope, rows: Sequence[EpisodeRow], ctx: Context) -> list[MonthRow]:
    buckets: dict[date, Counter[str]] = {}
    day = scope.date_from.replace(day=1)
    while day <= scope.date_to:
        buckets[day] = Counter()
        day = (day + timedelta(days=32)).replace(day=1)
    for row in rows:
        if not ctx.in_headline(row):
            continue
        local = row.missing_at.astimezone(LONDON).date().replace(day=1)
        bucket = buckets.get(local)
        if bucket is None:
            continue
        bucket["incidents"] += 1
        bucket["offered"] += row.offered_at is not None
        bucket["carried_out"] += row.held_at is not None
        bucket["in_time_own"] += ctx.status(row, OWN) == IN_TIME
    return [
        MonthRow(month, c["incidents"], c["offered"], c["carried_out"], c["in_time_own"])
        for month, c in buckets.items()
    ]


def performance_figures(
    *,
    local_authority: Organisation | None = None,
    provider: Organisation | None = None,
    date_from: date,
    date_to: date,
    now: datetime | None = None,
) -> PerformanceReturn:
    """The whole performance return for an LA (or a provider) and a period. docs/performance-return.md."""
    scope = Scope(date_from=date_from, date_to=date_to, local_authority=local_authority, provider=provider)
    now = now or timezone.now()
    rows = fetch_rows(scope)
    # The LA's policies are read once: for timing the rows and for the policy the method paragraph describes.
    policies = policies_of(local_authority) if local_authority is not None else []
    ctx = context_for(scope, rows, now=now, policies=policies)
    headline = [row for row in rows if ctx.in_headline(row)]
    # Cohorts are counted in their own table below (episodes, children and outcomes per cohort).
    counts = count_figures(headline, ctx, [key for key in FIGURES if not key.startswith("cohort_")])

    per_child = Counter(row.child_id for row in headline)
    repeat_children = sum(1 for n in per_child.values() if n > 1)
    repeat_episodes = sum(n for n in per_child.values() if n > 1)

    offered_to = Counter(row.offered_to for row in headline if row.offered_at is not None and row.offered_to)
    declined = Counter((r.decline_reason, r.declined_by) for r in headline if r.outcome == Outcome.DECLINED)
    declines = [
        (
            reason.value,
            reason.label,
            declined[(reason.value, DeclinedBy.CHILD.value)],
            declined[(reason.value, DeclinedBy.PARENT_CARER.value)],
        )
        for reason in DeclineReason
    ]
    not_offered_counts = Counter(r.not_offered_reason for r in headline if r.outcome == Outcome.NOT_OFFERED)
    not_offered = [(code.value, code.label, not_offered_counts[code.value]) for code in NotOfferedReason]

    # The own-policy row's note of episodes timed elsewhere has figures: tables.published_cells writes it.
    timeliness = [
        TimelinessRow(
            definition,
            OWN_LABEL if definition == OWN else STANDARD_LABELS[definition],
            {status: counts[f"{definition}__{status}"] for status in TIMELINESS_STATUSES},
        )
        for definition in DEFINITION_KEYS
    ]

    cohorts = []
    for cohort in COHORTS:
        if not cohort.in_headline and scope.local_authority is None:
            continue
        members = cohort_members(cohort, rows, headline, ctx)
        cohorts.append(
            CohortRow(
                cohort.key,
                cohort.label,
                cohort.in_headline,
                incidents=len(members),
                children=len({row.child_id for row in members}),
                offered=sum(1 for row in members if row.offered_at is not None),
                carried_out=sum(1 for row in members if row.held_at is not None),
                in_time_own=sum(1 for row in members if ctx.status(row, OWN) == IN_TIME),
            )
        )

    interviews_by_rhi = {row.rhi_id: row.independence for row in headline if row.held_at is not None}
    independence_counts = Counter(interviews_by_rhi.values())
    independence = [(c.value, c.label, independence_counts[c.value]) for c in InterviewerIndependence]

    rhi_ids = _rhi_ids(rows, ctx)
    child_of = {row.rhi_id: row.child_id for row in headline if row.rhi_id is not None}
    referrals, by_service, referral_outcomes = referral_counts(rhi_ids)
    policy = policy_at_end(scope, policies)
    return PerformanceReturn(
        scope=scope,
        generated_at=now,
        counts=counts,
        children=len(per_child),
        repeat_children=repeat_children,
        repeat_episodes=repeat_episodes,
        offered_to={c.value: offered_to[c.value] for c in OfferedTo},
        declines=declines,
        not_offered=not_offered,
        timeliness=timeliness,
        cohorts=cohorts,
        independence=independence,
        interviews=len(interviews_by_rhi),
        referrals=referrals,
        referrals_by_service=by_service,
        referral_outcomes=referral_outcomes,
        risk_indicators=risk_indicators(rhi_ids),
        places_by_kind=places_by_kind(rhi_ids, child_of),
        associates_by_age=associates_by_age(rhi_ids, child_of),
        months=_months(scope, rows, ctx),
        policy=policy,
        timed_elsewhere=TimedElsewhere.of(ctx.other_commission),
    )


def figure_records(
    key: str,
    *,
    local_authority: Organisation | None = None,
    provider: Organisation | None = None,
    date_from: date,
    date_to: date,
    now: datetime | None = None,
) -> list[int]:
    """The episode ids behind one figure: the same predicate ``performance_figures`` counted with."""
    figure = FIGURES[key]
    scope = Scope(date_from=date_from, date_to=date_to, local_authority=local_authority, provider=provider)
    rows = fetch_rows(scope)
    ctx = context_for(scope, rows, now=now or timezone.now())
    return sorted(row.episode_id for row in rows if figure.predicate(row, ctx))

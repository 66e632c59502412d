"""The RHI performance return: the figures councils are asked for (ECRC FOI, DESIGN.md §6), for one local
authority or provider and any period. docs/performance-return.md defines every figure.

How it is counted, in one place:

- The unit is the missing **episode** (an "incident"). An episode belongs to the period when its start (last
  seen, Europe/London date) falls in it, so an episode spanning 31 March counts in the year it started.
- An LA's return counts the episodes of the children it is responsible for (wherever they live); episodes of
  children another LA placed in its area are a separate cohort, outside the headline totals. A provider's return
  counts the episodes addressed by its RHIs.
- Each figure is one predicate over one fetched row per episode (``FIGURES``): the count on the page and the
  list of records behind it (``figure_records``) call the same predicate, so they cannot disagree.
- Timeliness (own policy and the six standard definitions) is decided per episode by ``rhi.clock`` — the
  same functions as every deadline in the product — over episodes that count for timeliness (bunched earlier
  episodes are excluded); an episode without the basis timestamp is "clock not started", never guessed.
- Small numbers: every table the return publishes goes through ``suppress`` (1–4 shown as "<5").
- Figures, never names: the return is for figures-only roles, so no narrative or intelligence-level field
  (associate names, place descriptions, towns, postcodes) is read into it. Places are counted by kind of place
  and associates by age group; the names and places stay behind ``sharing.policy`` on the RHI itself.

Speed: one ``values_list`` query for the episode rows and one grouped query per finding table; the clock runs
in Python over tuples, with day-unit deadlines cached per (local date, rules).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from django.db import connection
from django.db.models import BooleanField, Count, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from accounts.models import Organisation
from missing_episodes.models import EpisodeCategory, MissingEpisode, MissingFrom
from referrals.models import Referral, ReferralOutcome, Service
from rhi.clock import (
    LONDON,
    STANDARD_DEFINITIONS,
    Basis,
    ClockRuleError,
    ClockRules,
    Unit,
    deadline_after,
    describe_rules,
    standard_definition,
)
from rhi.models import (
    OPEN_STATES,
    Associate,
    ClockPolicy,
    DeclinedBy,
    DeclineReason,
    InterviewerIndependence,
    Location,
    NotOfferedReason,
    OfferedTo,
    Outcome,
    PlaceType,
    RepeatRule,
    RHIEpisode,
    RiskIndicator,
    RiskIndicatorFinding,
)
from rhi.selectors import clock_rules_for_policy

if TYPE_CHECKING:
    from reporting.exports import ExportContent

SUPPRESSION_THRESHOLD = 5
SUPPRESSED = "<5"
STILL_MISSING_DAYS = 28

OWN = "own"
OWN_LABEL = "Own policy (each RHI's recorded policy)"
STANDARD_LABELS: Mapping[str, str] = {
    "return_72_hours": "From return: 72 hours",
    "return_3_calendar_days": "From return: 3 calendar days",
    "return_3_working_days": "From return: 3 working days",
    "police_notification_72_hours": "From police notification: 72 hours",
    "police_notification_3_calendar_days": "From police notification: 3 calendar days",
    "police_notification_3_working_days": "From police notification: 3 working days",
}
DEFINITION_KEYS: tuple[str, ...] = (OWN, *STANDARD_DEFINITIONS)


# ---------------------------------------------------------------------------------------------------------
# Small-number suppression: the one function every published table uses.
# ---------------------------------------------------------------------------------------------------------


def suppress(value: int) -> int | str:
    """A count as published: 1–4 become "<5" (they could identify a child); 0 and 5+ are shown as they are."""
    return SUPPRESSED if 0 < value < SUPPRESSION_THRESHOLD else value


def suppress_percent(numerator: int, denominator: int) -> str:
    """A percentage as published: blank when there is nothing to divide by, and "–" when its numerator is
    suppressed (a percentage of a small denominator gives the count away)."""
    if denominator <= 0:
        return ""
    if 0 < numerator < SUPPRESSION_THRESHOLD or 0 < denominator < SUPPRESSION_THRESHOLD:
        return "–"
    return f"{round(100 * numerator / denominator)}%"


def percent(numerator: int, denominator: int) -> str:
    return "" if denominator <= 0 else f"{round(100 * numerator / denominator)}%"


# ---------------------------------------------------------------------------------------------------------
# The rows: one per episode in scope, fetched with one query.
# ---------------------------------------------------------------------------------------------------------


class EpisodeRow(NamedTuple):
    episode_id: int
    child_id: int
    category: str
    missing_from: str
    missing_at: datetime
    returned_at: datetime | None
    police_notified_at: datetime | None
    responsible_la_id: int
    host_la_id: int | None
    was_out_of_area: bool | None
    police_reference: str
    rhi_id: int | None
    counts_for_timeliness: bool | None
    rhi_state: str | None
    outcome: str | None
    offered_at: datetime | None
    offered_to: str | None
    declined_by: str | None
    decline_reason: str | None
    not_offered_reason: str | None
    snapshot: dict[str, Any] | None
    held_at: datetime | None
    independence: str | None


EPISODE_FIELDS = (
    "pk",
    "child_id",
    "category",
    "missing_from",
    "missing_at",
    "returned_at",
    "police_notified_at",
    "responsible_la_id",
    "host_la_id",
    "was_out_of_area",
    "police_reference",
)
RHI_FIELDS = (
    "episode_id",
    "rhi_id",
    "counts_for_timeliness",
    "rhi__state",
    "rhi__outcome",
    "rhi__offered_at",
    "rhi__offered_to",
    "rhi__declined_by",
    "rhi__decline_reason",
    "rhi__not_offered_reason",
    "rhi__policy_snapshot",
    "rhi__interview__held_at",
    "rhi__interview__interviewer_independence",
)
NO_RHI = (None,) * (len(RHI_FIELDS) - 1)
LOOKUP_CHUNK = 5000


@dataclass(frozen=True)
class Scope:
    """Whose figures and for when: exactly one of an LA or a provider, and a period of local dates."""

    date_from: date
    date_to: date
    local_authority: Organisation | None = None
    provider: Organisation | None = None

    def __post_init__(self) -> None:
        if (self.local_authority is None) == (self.provider is None):
            raise ValueError("Give a local authority or a provider, not both or neither.")
        if self.date_to < self.date_from:
            raise ValueError("The period ends before it starts.")

    @property
    def organisation(self) -> Organisation:
        org = self.local_authority or self.provider
        assert org is not None
        return org

    @property
    def starts(self) -> datetime:
        return period_bounds(self.date_from, self.date_to)[0]

    @property
    def ends(self) -> datetime:
        """Exclusive: midnight at the start of the day after ``date_to``, UK time."""
        return period_bounds(self.date_from, self.date_to)[1]


def period_bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """The UTC instants a period of UK dates covers: from midnight starting ``date_from`` up to (not
    including) midnight after ``date_to``."""
    return (
        datetime.combine(date_from, time.min, tzinfo=LONDON).astimezone(UTC),
        datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=LONDON).astimezone(UTC),
    )


def episodes_in_scope(scope: Scope) -> QuerySet[MissingEpisode]:
    """Episodes that started in the period and belong to the scope (the headline and the placed-in cohort)."""
    in_period = Q(missing_at__gte=scope.starts, missing_at__lt=scope.ends)
    if scope.local_authority is not None:
        la_id = scope.local_authority.pk
        return MissingEpisode.objects.filter(in_period & (Q(responsible_la_id=la_id) | Q(host_la_id=la_id)))
    assert scope.provider is not None
    return MissingEpisode.objects.filter(in_period, rhi_link__rhi__provider_id=scope.provider.pk)


def ids_in(field: str, ids: Sequence[int]) -> Q | RawSQL:
    """``field IN ids`` for a long list of ids. On PostgreSQL one array parameter (``= ANY(%s)``): Django
    prepares an ``IN`` list one parameter at a time, which for a large LA's year of ids was a third of the
    return's time. Elsewhere (the embedded SQLite default, small data) the plain ``__in``."""
    if connection.vendor == "postgresql":
        return RawSQL(f'"{field}" = ANY(%s)', (list(ids),), output_field=BooleanField())  # noqa: S611 - a model field name
    return Q(**{f"{field}__in": ids})


def fetch_rows(scope: Scope) -> list[EpisodeRow]:
    """One row per episode in scope: the episodes by their (LA, start) indexes, then their RHI links by the
    unique episode index in chunks of ids (a join lets the planner hash the whole link table instead)."""
    episodes = list(episodes_in_scope(scope).order_by().values_list(*EPISODE_FIELDS))
    ids = [values[0] for values in episodes]
    links: dict[int, tuple[Any, ...]] = {}
    for offset in range(0, len(ids), LOOKUP_CHUNK):
        chunk = ids[offset : offset + LOOKUP_CHUNK]
        for values in (
            RHIEpisode.objects.filter(ids_in("episode_id", chunk)).order_by().values_list(*RHI_FIELDS)
        ):
            links[values[0]] = values[1:]
    return [EpisodeRow(*values, *links.get(values[0], NO_RHI)) for values in episodes]


# ---------------------------------------------------------------------------------------------------------
# Timeliness: own policy and the six standard definitions, through rhi.clock.
# ---------------------------------------------------------------------------------------------------------

IN_TIME = "in_time"
LATE = "late"
NOT_DONE = "not_done"
NOT_YET_DUE = "not_yet_due"
NOT_STARTED = "not_started"
EXCLUDED = "excluded"
TIMELINESS_STATUSES = (IN_TIME, LATE, NOT_DONE, NOT_YET_DUE, NOT_STARTED, EXCLUDED)
TIMELINESS_LABELS: Mapping[str, str] = {
    IN_TIME: "Interview within the timeframe",
    LATE: "Interview after the timeframe",
    NOT_DONE: "No interview, timeframe passed",
    NOT_YET_DUE: "No interview yet, not yet due",
    NOT_STARTED: "Clock not started (timestamp missing)",
    EXCLUDED: "Excluded: earlier episode bunched into a later RHI",
}


class DeadlineCalculator:
    """``rhi.clock.deadline_after`` with day-unit answers cached per (local date, rules): under the clock's
    definitions a calendar- or working-day deadline depends only on the start's local date."""

    def __init__(self) -> None:
        self._days: dict[tuple[date, str, int, str, frozenset[date]], datetime] = {}
        self._local: dict[datetime, date] = {}

    def due(self, rules: ClockRules, start: datetime) -> datetime:
        if rules.complete_unit == Unit.HOURS:
            return deadline_after(start, rules.complete_unit, rules.complete_length)
        day = self._local.get(start)
        if day is None:
            day = self._local[start] = start.astimezone(LONDON).date()
        key = (day, rules.complete_unit, rules.complete_length, rules.nation, rules.closure_days)
        cached = self._days.get(key)
        if cached is None:
            cached = self._days[key] = deadline_after(
                start,
                rules.complete_unit,
                rules.complete_length,
                nation=rules.nation,
                closure_days=rules.closure_days,
            )
        return cached


class RulesCache:
    """ClockRules from RHI policy snapshots, parsed once per distinct snapshot."""

    def __init__(self, fallback: Callable[[EpisodeRow], ClockRules]) -> None:
        self._cache: dict[tuple[Any, ...], ClockRules] = {}
        self._fallback = fallback

    def for_row(self, row: EpisodeRow) -> ClockRules:
        snapshot = row.snapshot
        if row.rhi_id is None or not snapshot:
            return self._fallback(row)
        key = (
            snapshot.get("basis"),
            snapshot.get("complete_unit"),
            snapshot.get("complete_length"),
            snapshot.get("nation"),
            tuple(snapshot.get("closure_days") or ()),
        )
        rules = self._cache.get(key)
        if rules is None:
            try:
                rules = ClockRules.from_snapshot(snapshot)
            except (ClockRuleError, KeyError, ValueError, TypeError):
                rules = self._fallback(row)
            self._cache[key] = rules
        return rules


def timeliness_status(
    row: EpisodeRow, rules: ClockRules, *, now: datetime, calculator: DeadlineCalculator
) -> str:
    """One episode under one definition: excluded (bunched), clock not started, in time, late, not yet due
    or not done. In time = the interview held at or before the due time (DESIGN.md §5)."""
    if row.rhi_id is not None and row.counts_for_timeliness is False:
        return EXCLUDED
    start = row.returned_at if rules.basis == Basis.RETURN else row.police_notified_at
    if start is None:
        return NOT_STARTED
    due = calculator.due(rules, start)
    if row.held_at is not None:
        return IN_TIME if row.held_at <= due else LATE
    still_open = row.rhi_id is None or row.rhi_state in OPEN_STATES
    return NOT_YET_DUE if still_open and now <= due else NOT_DONE


# ---------------------------------------------------------------------------------------------------------
# Figures: each one predicate; counts and record lists both come from these.
# ---------------------------------------------------------------------------------------------------------


@dataclass
class Context:
    """What the predicates need besides the row: the scope, now and each row's timeliness statuses."""

    scope: Scope
    now: datetime
    statuses: dict[int, dict[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        la = self.scope.local_authority
        self.headline_la_id = la.pk if la is not None else None

    def in_headline(self, row: EpisodeRow) -> bool:
        return self.headline_la_id is None or row.responsible_la_id == self.headline_la_id

    def status(self, row: EpisodeRow, definition: str) -> str:
        return self.statuses[row.episode_id][definition]


Predicate = Callable[[EpisodeRow, Context], bool]


def _headline(test: Callable[[EpisodeRow], bool]) -> Predicate:
    return lambda row, ctx: ctx.in_headline(row) and test(row)


def _status_is(definition: str, status: str) -> Predicate:
    return lambda row, ctx: ctx.in_headline(row) and ctx.status(row, definition) == status


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    predicate: Predicate


def _declined_for(code: str) -> Callable[[EpisodeRow], bool]:
    return lambda r: r.outcome == Outcome.DECLINED and r.decline_reason == code


def _figures() -> dict[str, Figure]:
    figures = [
        Figure("incidents", "Missing and absent episodes (incidents)", _headline(lambda r: True)),
        Figure(
            "offered", "Offered an RHI (child or parent/carer)", _headline(lambda r: r.offered_at is not None)
        ),
        Figure("accepted", "Accepted", _headline(lambda r: r.outcome == Outcome.ACCEPTED)),
        Figure("declined", "Declined", _headline(lambda r: r.outcome == Outcome.DECLINED)),
        Figure(
            "declined_by_parent",
            "Declined by a parent or carer",
            _headline(lambda r: r.outcome == Outcome.DECLINED and r.declined_by == DeclinedBy.PARENT_CARER),
        ),
        Figure(
            "unable_to_contact",
            "Unable to contact",
            _headline(lambda r: r.outcome == Outcome.UNABLE_TO_CONTACT),
        ),
        Figure("not_offered", "Not offered", _headline(lambda r: r.outcome == Outcome.NOT_OFFERED)),
        Figure("carried_out", "RHI carried out", _headline(lambda r: r.held_at is not None)),
        Figure(
            "no_rhi",
            "Returned, but no RHI record",
            _headline(lambda r: r.returned_at is not None and r.rhi_id is None),
        ),
        Figure(
            "bunched",
            "Bunched into a later RHI (excluded from timeliness)",
            _headline(lambda r: r.rhi_id is not None and r.counts_for_timeliness is False),
        ),
        # Data quality (the performance lead's dashboard).
        Figure(
            "dq_interview_before_return",
            "Interview recorded before the child's return",
            _headline(
                lambda r: r.held_at is not None and r.returned_at is not None and r.held_at < r.returned_at
            ),
        ),
        Figure(
            "dq_offer_before_return",
            "Offer recorded before the child's return",
            _headline(
                lambda r: (
                    r.offered_at is not None and r.returned_at is not None and r.offered_at < r.returned_at
                )
            ),
        ),
        Figure(
            "dq_notification_before_missing",
            "Police notification recorded before the child went missing",
            _headline(lambda r: r.police_notified_at is not None and r.police_notified_at < r.missing_at),
        ),
        Figure(
            "dq_no_police_reference",
            "No police force or reference recorded",
            _headline(lambda r: not r.police_reference),
        ),
        Figure(
            "dq_still_missing",
            f"No return recorded {STILL_MISSING_DAYS} days after going missing",
            lambda r, ctx: (
                ctx.in_headline(r)
                and r.returned_at is None
                and r.missing_at < ctx.now - timedelta(days=STILL_MISSING_DAYS)
            ),
        ),
        Figure(
            "gap_no_return_time",
            "Clock not started: no return time (child still missing or not recorded)",
            _headline(lambda r: r.returned_at is None and r.counts_for_timeliness is not False),
        ),
        Figure(
            "gap_no_police_notification",
            "Clock not started on a police-notification basis: no notification time",
            _headline(
                lambda r: (
                    r.returned_at is not None
                    and r.police_notified_at is None
                    and r.counts_for_timeliness is not False
                )
            ),
        ),
    ]
    for reason in DeclineReason:
        figures.append(
            Figure(
                f"declined_{reason.value}",
                f"Declined: {reason.label}",
                _headline(_declined_for(reason.value)),
            )
        )
    for definition in DEFINITION_KEYS:
        label = OWN_LABEL if definition == OWN else STANDARD_LABELS[definition]
        for status in TIMELINESS_STATUSES:
            figures.append(
                Figure(
                    f"{definition}__{status}",
                    f"{label} – {TIMELINESS_LABELS[status]}",
                    _status_is(definition, status),
                )
            )
    for cohort in COHORTS:
        figures.append(Figure(f"cohort_{cohort.key}", cohort.label, cohort.predicate))
    return {figure.key: figure for figure in figures}


@dataclass(frozen=True)
class Cohort:
    key: str
    label: str
    predicate: Predicate
    in_headline: bool = True


def _placed_in(row: EpisodeRow, ctx: Context) -> bool:
    la = ctx.scope.local_authority
    return la is not None and row.host_la_id == la.pk and row.responsible_la_id != la.pk


COHORTS: tuple[Cohort, ...] = (
    Cohort("from_home", "Missing from home", _headline(lambda r: r.missing_from == MissingFrom.HOME)),
    Cohort(
        "looked_after_in_area",
        "Looked after, placed in area",
        _headline(lambda r: r.missing_from == MissingFrom.CARE and r.was_out_of_area is not True),
    ),
    Cohort(
        "placed_out_of_area",
        "Looked after, placed out of area",
        _headline(lambda r: r.missing_from != MissingFrom.HOME and r.was_out_of_area is True),
    ),
    Cohort(
        "from_elsewhere",
        "Missing from elsewhere",
        _headline(lambda r: r.missing_from == MissingFrom.OTHER and r.was_out_of_area is not True),
    ),
    Cohort("missing", "Category: missing", _headline(lambda r: r.category == EpisodeCategory.MISSING)),
    Cohort("absent", "Category: absent", _headline(lambda r: r.category == EpisodeCategory.ABSENT)),
    Cohort(
        "placed_in_by_other_la",
        "Placed in our area by another LA (not in the totals above)",
        _placed_in,
        in_headline=False,
    ),
)

FIGURES: dict[str, Figure] = _figures()


# ---------------------------------------------------------------------------------------------------------
# The return
# ---------------------------------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class Ranked:
    label: str
    rhis: int
    children: int


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
    method: str

    @property
    def incidents(self) -> int:
        return self.counts["incidents"]

    @property
    def repeat_share(self) -> str:
        return percent(self.repeat_episodes, self.incidents)

    @property
    def own(self) -> TimelinessRow:
        return self.timeliness[0]

    @property
    def standard(self) -> list[TimelinessRow]:
        return self.timeliness[1:]


def _policies(local_authority: Organisation) -> list[ClockPolicy]:
    return list(ClockPolicy.objects.filter(local_authority=local_authority).order_by("effective_from"))


def _policy_on(policies: Sequence[ClockPolicy], day: date) -> ClockPolicy | None:
    chosen = None
    for policy in policies:
        if policy.effective_from <= day:
            chosen = policy
    return chosen


def _fallback_rules(scope: Scope, policies: Sequence[ClockPolicy]) -> Callable[[EpisodeRow], ClockRules]:
    """Rules for an episode with no RHI record: the reporting LA's policy in force on its start date (the
    statutory 72 hours from return when it has none)."""
    default = ClockRules(nation=scope.organisation.nation)
    cache: dict[int, ClockRules] = {}

    def rules(row: EpisodeRow) -> ClockRules:
        policy = _policy_on(policies, row.missing_at.astimezone(LONDON).date())
        if policy is None:
            return default
        if policy.pk not in cache:
            cache[policy.pk] = clock_rules_for_policy(policy)
        return cache[policy.pk]

    return rules


def _context(scope: Scope, rows: Iterable[EpisodeRow], *, now: datetime) -> Context:
    policies = _policies(scope.local_authority) if scope.local_authority is not None else []
    rules_cache = RulesCache(_fallback_rules(scope, policies))
    standards = {name: standard_definition(name, scope.organisation.nation) for name in STANDARD_DEFINITIONS}
    calculator = DeadlineCalculator()
    ctx = Context(scope=scope, now=now)
    for row in rows:
        statuses = {OWN: timeliness_status(row, rules_cache.for_row(row), now=now, calculator=calculator)}
        for name, rules in standards.items():
            statuses[name] = timeliness_status(row, rules, now=now, calculator=calculator)
        ctx.statuses[row.episode_id] = statuses
    return ctx


def _rhi_ids(rows: Iterable[EpisodeRow], ctx: Context) -> RhiIds:
    """RHIs addressing a headline episode of the period (an RHI is in a period when any of its episodes is)."""
    return sorted({row.rhi_id for row in rows if row.rhi_id is not None and ctx.in_headline(row)})


RhiIds = list[int]
Grouped = Mapping[str, tuple[set[int], set[int]]]
ADULT, UNDER_18, AGE_NOT_RECORDED = "Adult (18 or over)", "Under 18", "Age not recorded"
ADULT_AGE = 18


def _places_by_kind(rhi_ids: RhiIds, child_of: Mapping[int, int]) -> list[Ranked]:
    """Places by kind only: a description, town or postcode is intelligence, not a figure."""
    grouped: dict[str, tuple[set[int], set[int]]] = defaultdict(lambda: (set(), set()))
    for place_type, rhi_id in Location.objects.filter(ids_in("rhi_id", rhi_ids)).values_list(
        "place_type", "rhi_id"
    ):
        label = PlaceType(place_type).label if place_type in PlaceType.values else PlaceType.OTHER.label
        rhis, children = grouped[str(label)]
        rhis.add(rhi_id)
        children.add(child_of[rhi_id])
    return _in_order([str(kind.label) for kind in PlaceType], grouped)


def _age_group(is_adult: bool | None, approximate_age: int | None) -> str:
    if is_adult is not None:
        return ADULT if is_adult else UNDER_18
    if approximate_age is not None:
        return ADULT if approximate_age >= ADULT_AGE else UNDER_18
    return AGE_NOT_RECORDED


def _associates_by_age(rhi_ids: RhiIds, child_of: Mapping[int, int]) -> list[Ranked]:
    """Associates by age group only: names are intelligence, never shown to a figures-only role."""
    grouped: dict[str, tuple[set[int], set[int]]] = defaultdict(lambda: (set(), set()))
    for is_adult, age, rhi_id in Associate.objects.filter(ids_in("rhi_id", rhi_ids)).values_list(
        "is_adult", "approximate_age", "rhi_id"
    ):
        rhis, children = grouped[_age_group(is_adult, age)]
        rhis.add(rhi_id)
        children.add(child_of[rhi_id])
    return _in_order([ADULT, UNDER_18, AGE_NOT_RECORDED], grouped)


def _in_order(labels: Sequence[str], grouped: Grouped) -> list[Ranked]:
    """Every group in a fixed order, empty ones as 0, so the table's shape gives nothing away."""
    empty: tuple[set[int], set[int]] = (set(), set())
    return [
        Ranked(label, len(grouped.get(label, empty)[0]), len(grouped.get(label, empty)[1]))
        for label in labels
    ]


def _referrals(
    rhi_ids: RhiIds,
) -> tuple[dict[str, int], list[tuple[str, str, int, int]], list[tuple[str, str, int]]]:
    made: Counter[str] = Counter()
    acknowledged: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    totals = {"made": 0, "sent": 0, "acknowledged": 0, "awaiting": 0, "with_outcome": 0}
    for service, sent_at, acknowledged_at, outcome in Referral.objects.filter(
        ids_in("rhi_id", rhi_ids)
    ).values_list("service", "sent_at", "acknowledged_at", "outcome"):
        totals["made"] += 1
        made[service] += 1
        if sent_at is not None:
            totals["sent"] += 1
            if acknowledged_at is None:
                totals["awaiting"] += 1
        if acknowledged_at is not None:
            totals["acknowledged"] += 1
            acknowledged[service] += 1
        if outcome:
            totals["with_outcome"] += 1
            outcomes[outcome] += 1
    by_service = [(s.value, s.label, made[s.value], acknowledged[s.value]) for s in Service if made[s.value]]
    by_outcome = [(o.value, o.label, outcomes[o.value]) for o in ReferralOutcome]
    return totals, by_service, by_outcome


def _risk_indicators(rhi_ids: RhiIds) -> list[tuple[str, str, int]]:
    counts = dict(
        RiskIndicatorFinding.objects.filter(ids_in("rhi_id", rhi_ids))
        .values("indicator")
        .annotate(n=Count("rhi_id", distinct=True))
        .values_list("indicator", "n")
    )
    return [(i.value, i.label, counts.get(i.value, 0)) for i in RiskIndicator]


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


TIMELINESS_FIGURES = frozenset(f"{d}__{s}" for d in DEFINITION_KEYS for s in TIMELINESS_STATUSES)


def count_figures(rows: Sequence[EpisodeRow], ctx: Context, keys: Iterable[str]) -> dict[str, int]:
    """How many rows each figure's predicate selects. Timeliness figures (``definition__status``) select a row
    when its status under the definition is that status, so they are counted from the statuses in one pass."""
    wanted = list(keys)
    statuses: Counter[str] = Counter()
    if any(key in TIMELINESS_FIGURES for key in wanted):
        for row in rows:
            if ctx.in_headline(row):
                statuses.update(f"{d}__{s}" for d, s in ctx.statuses[row.episode_id].items())
    return {
        key: statuses[key]
        if key in TIMELINESS_FIGURES
        else sum(1 for row in rows if FIGURES[key].predicate(row, ctx))
        for key in wanted
    }


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
    ctx = _context(scope, rows, now=now)
    headline = [row for row in rows if ctx.in_headline(row)]
    # Cohorts are counted in their own table below (episodes, children and outcomes per cohort).
    counts = count_figures(headline, ctx, [key for key in FIGURES if not key.startswith("cohort_")])

    per_child = Counter(row.child_id for row in headline)
    repeat_children = sum(1 for n in per_child.values() if n > 1)
    repeat_episodes = sum(n for n in per_child.values() if n > 1)

    offered_to = Counter(row.offered_to for row in headline if row.offered_at is not None and row.offered_to)
    declines = [
        (
            reason.value,
            reason.label,
            sum(
                1
                for r in headline
                if r.outcome == Outcome.DECLINED
                and r.decline_reason == reason
                and r.declined_by == DeclinedBy.CHILD
            ),
            sum(
                1
                for r in headline
                if r.outcome == Outcome.DECLINED
                and r.decline_reason == reason
                and r.declined_by == DeclinedBy.PARENT_CARER
            ),
        )
        for reason in DeclineReason
    ]
    not_offered_counts = Counter(r.not_offered_reason for r in headline if r.outcome == Outcome.NOT_OFFERED)
    not_offered = [(code.value, code.label, not_offered_counts[code.value]) for code in NotOfferedReason]

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
        members = [row for row in rows if cohort.predicate(row, ctx)]
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
    referrals, by_service, referral_outcomes = _referrals(rhi_ids)
    policy = _policy_on(_policies(scope.local_authority), date_to) if scope.local_authority else None
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
        risk_indicators=_risk_indicators(rhi_ids),
        places_by_kind=_places_by_kind(rhi_ids, child_of),
        associates_by_age=_associates_by_age(rhi_ids, child_of),
        months=_months(scope, rows, ctx),
        policy=policy,
        method=method_paragraph(policy, nation=scope.organisation.nation),
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
    ctx = _context(scope, rows, now=now or timezone.now())
    return sorted(row.episode_id for row in rows if figure.predicate(row, ctx))


# ---------------------------------------------------------------------------------------------------------
# The method paragraph: how it was counted, generated from the policy.
# ---------------------------------------------------------------------------------------------------------

NATION_WORDS: Mapping[str, str] = {
    "ENG": "England",
    "WLS": "Wales",
    "SCT": "Scotland",
    "NIR": "Northern Ireland",
}
_BUNCHING_WORDS: Mapping[str, str] = {
    RepeatRule.SEPARATE: "Each episode has its own RHI and its own clock, so no episode is excluded for bunching.",
    RepeatRule.BUNCH_FROM_LATEST: "When a child goes missing again before the interview, the episodes are "
    "addressed in one RHI whose clock restarts at the latest return; the earlier episodes count as offered and "
    "carried out with that RHI but are excluded from timeliness.",
    RepeatRule.BUNCH_FROM_FIRST: "When a child goes missing again before the interview, the episodes are "
    "addressed in one RHI whose clock keeps running from the first return; the later episodes count as offered "
    "and carried out with that RHI but are excluded from timeliness.",
}


def method_paragraph(policy: ClockPolicy | None, *, nation: str = "ENG") -> str:
    """How the return was counted, from the policy: basis, unit, length, bank holidays and bunching."""
    rules = clock_rules_for_policy(policy) if policy is not None else ClockRules(nation=nation)
    if policy is None:
        opening = "No clock policy is recorded, so the statutory default is used. "
    else:
        opening = f"Own policy, in force from {policy.effective_from:%d/%m/%Y}. "
    sentences = [opening + describe_rules(rules)]
    closures = f" and {len(rules.closure_days)} local closure day(s)" if rules.closure_days else ""
    sentences.append(
        f"Working days exclude weekends and {NATION_WORDS.get(rules.nation, rules.nation)} bank holidays{closures}."
    )
    sentences.append(_BUNCHING_WORDS[policy.repeat_rule if policy is not None else RepeatRule.SEPARATE])
    sentences.append(
        "Each RHI is timed under the policy recorded on it when it was opened (a later policy change never "
        "rewrites history). An episode counts in the period in which it started; it is in time when the "
        "interview was held at or before the due time; an episode without the timestamp its definition starts "
        "from is counted as 'clock not started', never estimated. The six standard definitions time the same "
        "episodes from the return or the police notification, in 72 hours, 3 calendar days or 3 working days."
    )
    return " ".join(sentences)


# ---------------------------------------------------------------------------------------------------------
# Published tables (suppressed) for the HTML page, the PDF and the xlsx: one builder, three outputs.
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    key: str
    sheet: str
    title: str
    header: list[str]
    rows: Sequence[Sequence[object]]


def _s(value: int) -> int | str:
    return suppress(value)


def published_tables(result: PerformanceReturn) -> list[Table]:
    """Every table of the return, with small numbers suppressed by ``suppress``."""
    c = result.counts
    n = result.incidents
    headline = Table(
        "headline",
        "Headline",
        "Headline figures",
        ["Figure", "Number", "% of incidents"],
        [
            ["Missing and absent episodes (incidents)", _s(n), ""],
            ["Individual children", _s(result.children), ""],
            ["Children missing more than once", _s(result.repeat_children), ""],
            [
                "Episodes belonging to children missing more than once",
                _s(result.repeat_episodes),
                suppress_percent(result.repeat_episodes, n),
            ],
            ["Offered an RHI (child or parent/carer)", _s(c["offered"]), suppress_percent(c["offered"], n)],
            ["  offered to the child", _s(result.offered_to[OfferedTo.CHILD]), ""],
            ["  offered to a parent or carer", _s(result.offered_to[OfferedTo.PARENT_CARER]), ""],
            ["  offered to both", _s(result.offered_to[OfferedTo.BOTH]), ""],
            ["Accepted", _s(c["accepted"]), suppress_percent(c["accepted"], n)],
            ["Declined", _s(c["declined"]), suppress_percent(c["declined"], n)],
            ["Unable to contact", _s(c["unable_to_contact"]), suppress_percent(c["unable_to_contact"], n)],
            ["Not offered", _s(c["not_offered"]), suppress_percent(c["not_offered"], n)],
            ["RHI carried out", _s(c["carried_out"]), suppress_percent(c["carried_out"], n)],
            [
                "Carried out within the timeframe (own policy)",
                _s(result.own.counts[IN_TIME]),
                suppress_percent(result.own.counts[IN_TIME], n),
            ],
            ["Returned, but no RHI record", _s(c["no_rhi"]), suppress_percent(c["no_rhi"], n)],
        ],
    )
    timeliness = Table(
        "timeliness",
        "Timeliness",
        "Carried out within the timeframe: own policy and the six standard definitions",
        [
            "Definition",
            "In time",
            "% of timed episodes",
            "% of interviews carried out",
            "Late",
            "Not done, timeframe passed",
            "Not yet due",
            "Clock not started",
            "Excluded (bunched)",
        ],
        [
            [
                row.label,
                _s(row.counts[IN_TIME]),
                suppress_percent(row.counts[IN_TIME], row.timed),
                suppress_percent(row.counts[IN_TIME], row.carried_out),
                _s(row.counts[LATE]),
                _s(row.counts[NOT_DONE]),
                _s(row.counts[NOT_YET_DUE]),
                _s(row.counts[NOT_STARTED]),
                _s(row.counts[EXCLUDED]),
            ]
            for row in result.timeliness
        ],
    )
    declines = Table(
        "declines",
        "Declines",
        "Declined, by reason and by whom",
        ["Reason", "By the child", "By a parent or carer", "Total"],
        [[label, _s(child), _s(parent), _s(child + parent)] for _, label, child, parent in result.declines],
    )
    not_offered = Table(
        "not_offered",
        "Not offered",
        "Not offered, by reason",
        ["Reason", "Episodes"],
        [[lab, _s(v)] for _, lab, v in result.not_offered],
    )
    cohorts = Table(
        "cohorts",
        "Cohorts",
        "By cohort",
        ["Cohort", "Incidents", "Children", "Offered", "Carried out", "In time (own policy)", "% in time"],
        [
            [
                row.label,
                _s(row.incidents),
                _s(row.children),
                _s(row.offered),
                _s(row.carried_out),
                _s(row.in_time_own),
                suppress_percent(row.in_time_own, row.incidents),
            ]
            for row in result.cohorts
        ],
    )
    independence = Table(
        "independence",
        "Interviewers",
        "Who carried out the interviews",
        ["Interviewer", "Interviews", "% of interviews"],
        [[label, _s(v), suppress_percent(v, result.interviews)] for _, label, v in result.independence],
    )
    r = result.referrals
    referrals = Table(
        "referrals",
        "Referrals",
        "Follow-up referrals",
        ["Service", "Made", "Acknowledged"],
        [[label, _s(made), _s(ack)] for _, label, made, ack in result.referrals_by_service]
        + [["All services", _s(r["made"]), _s(r["acknowledged"])]],
    )
    referral_outcomes = Table(
        "referral_outcomes",
        "Referral outcomes",
        "Referral outcomes",
        ["Outcome", "Referrals"],
        [[label, _s(v)] for _, label, v in result.referral_outcomes]
        + [["Sent, awaiting acknowledgement", _s(r["awaiting"])]],
    )
    risks = Table(
        "risk_indicators",
        "Risk indicators",
        "Risk indicators identified in interviews",
        ["Risk indicator", "RHIs"],
        [[label, _s(v)] for _, label, v in result.risk_indicators],
    )
    locations = Table(
        "locations",
        "Places",
        "Places children went, by kind of place",
        ["Kind of place", "Children", "RHIs"],
        [[row.label, _s(row.children), _s(row.rhis)] for row in result.places_by_kind],
    )
    associates = Table(
        "associates",
        "Associates",
        "Associates named, by age group",
        ["Age group", "Children", "RHIs"],
        [[row.label, _s(row.children), _s(row.rhis)] for row in result.associates_by_age],
    )
    months = Table(
        "months",
        "By month",
        "Trend by month",
        ["Month", "Incidents", "Offered", "Carried out", "In time (own policy)"],
        [
            [row.label, _s(row.incidents), _s(row.offered), _s(row.carried_out), _s(row.in_time_own)]
            for row in result.months
        ],
    )
    return [
        headline,
        timeliness,
        cohorts,
        declines,
        not_offered,
        independence,
        referrals,
        referral_outcomes,
        risks,
        locations,
        associates,
        months,
    ]


# ---------------------------------------------------------------------------------------------------------
# Charts: bar geometry for the server-rendered SVG (the template draws it; a table sits beside it).
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    shown: int | str
    x: float
    y: float
    width: float
    height: float
    label_x: float


@dataclass(frozen=True)
class BarChart:
    title: str
    description: str
    bars: list[Bar]
    width: int
    height: int
    baseline: float


def bar_chart(
    title: str, points: Sequence[tuple[str, int]], *, width: int = 640, height: int = 220
) -> BarChart:
    """Bars scaled to the largest value; values are shown suppressed, like every published number."""
    top, bottom = 20.0, 30.0
    plot = height - top - bottom
    largest = max((value for _, value in points), default=0) or 1
    slot = width / max(len(points), 1)
    bar_width = slot * 0.7
    bars = []
    for index, (label, value) in enumerate(points):
        bar_height = plot * value / largest
        x = index * slot + (slot - bar_width) / 2
        bars.append(
            Bar(
                label=label,
                value=value,
                shown=suppress(value),
                x=round(x, 1),
                y=round(top + plot - bar_height, 1),
                width=round(bar_width, 1),
                height=round(bar_height, 1),
                label_x=round(x + bar_width / 2, 1),
            )
        )
    description = "; ".join(f"{label}: {suppress(value)}" for label, value in points)
    return BarChart(title, description, bars, width, height, top + plot)


def monthly_chart(result: PerformanceReturn) -> BarChart:
    return bar_chart(
        "Missing and absent episodes by month",
        [(row.month.strftime("%b %y"), row.incidents) for row in result.months],
    )


# ---------------------------------------------------------------------------------------------------------
# Export (the shared contract with reporting/exports.py)
# ---------------------------------------------------------------------------------------------------------


def collection_year(day: date) -> tuple[date, date]:
    """The DfE collection year (1 April – 31 March) containing ``day``."""
    start_year = day.year if day >= date(day.year, 4, 1) else day.year - 1
    return date(start_year, 4, 1), date(start_year + 1, 3, 31)


def pdf_context(result: PerformanceReturn) -> dict[str, Any]:
    return {
        "result": result,
        "tables": published_tables(result),
        "chart": monthly_chart(result),
        "title": export_title(result),
    }


def export_title(result: PerformanceReturn) -> str:
    scope = result.scope
    return (
        f"RHI performance return – {scope.organisation.name} – "
        f"{scope.date_from:%d/%m/%Y} to {scope.date_to:%d/%m/%Y}"
    )


def build_export(*, local_authority: Organisation, date_from: date, date_to: date) -> ExportContent:
    """The performance return as sheets (xlsx/csv/json) and a PDF template, for reporting.exports.RETURNS."""
    from reporting.exports import ExportContent, Sheet

    result = performance_figures(local_authority=local_authority, date_from=date_from, date_to=date_to)
    tables = published_tables(result)
    sheets = [Sheet(name=table.sheet, header=table.header, rows=table.rows) for table in tables]
    sheets.append(Sheet(name="Method", header=["How this return was counted"], rows=[[result.method]]))
    return ExportContent(
        title=export_title(result),
        sheets=sheets,
        pdf_template="reporting/pdf/performance.html",
        pdf_context=pdf_context(result),
        row_count=result.incidents,
    )

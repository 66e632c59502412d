"""Timeliness of each episode under its own policy and the six standard definitions.

Which rules time an episode, decided once elsewhere and only called here:

- an episode with an RHI: the policy snapshot recorded on the RHI when it opened;
- an episode without one: the reporting LA's policy in force on ``rhi.clock.policy_day`` (the return, else the
  missing date), through ``rhi.clock.policy_on`` — the same day and the same comparison that choose an RHI's
  policy — or ``rhi.selectors.rules_without_policy`` when none is in force (the LA's nation);
- the six standard definitions: ``rhi.clock.standard_definition`` with the LA's nation.

What "started" and "in time" mean is ``rhi.clock``'s too (``basis_time``, ``done_in_time``, ``is_past``, the
primitives of ``clock_start``, ``closed_state`` and ``open_state``), unchecked here because they run for every
row and definition; ``DeadlineCalculator`` caches ``rhi.clock.deadline_after`` for day units.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from accounts.models import Organisation
from reporting.performance.rows import EpisodeRow, Scope
from rhi.clock import (
    LONDON,
    STANDARD_DEFINITIONS,
    ClockRuleError,
    ClockRules,
    Unit,
    basis_time,
    deadline_after,
    done_in_time,
    is_past,
    policy_day,
    policy_on,
    standard_definition,
)
from rhi.models import OPEN_STATES, ClockPolicy
from rhi.selectors import clock_rules_for_policy, rules_without_policy

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


DayKey = tuple[date, str, int, str, frozenset[date]]
# Shared by every calculator of the process: the answers are a pure function of their keys (the bank holiday
# calendars are fixed for the process), and a worker building several returns asks for the same year's days
# again. Bounded: cleared when it outgrows what a few years of every nation's rule sets need.
_DAY_DEADLINES: dict[DayKey, datetime] = {}
_HOUR_SPANS: dict[int, timedelta] = {}
_MAX_DAY_DEADLINES = 50_000


class DeadlineCalculator:
    """``rhi.clock.deadline_after`` with day-unit answers cached per (local date, rules): under the clock's
    definitions a calendar- or working-day deadline depends only on the start's local date, and an hour
    deadline is a fixed span of elapsed time after the start (the span is taken from the clock once per
    length). The answers are kept for the process (``_DAY_DEADLINES``); the local dates per calculator."""

    def __init__(self) -> None:
        if len(_DAY_DEADLINES) > _MAX_DAY_DEADLINES:
            _DAY_DEADLINES.clear()
        self._days = _DAY_DEADLINES
        self._local: dict[datetime, date] = {}
        self._hours = _HOUR_SPANS

    def due(self, rules: ClockRules, start: datetime) -> datetime:
        if rules.complete_unit == Unit.HOURS:
            span = self._hours.get(rules.complete_length)
            if span is None:
                span = self._hours[rules.complete_length] = (
                    deadline_after(start, rules.complete_unit, rules.complete_length) - start
                )
            return start + span
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


RowRules = Callable[[EpisodeRow], ClockRules]


class RulesCache:
    """The own-policy rules of each row: its RHI's snapshot (parsed once per distinct snapshot), else
    ``fallback``."""

    def __init__(self, fallback: RowRules) -> None:
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


def policies_of(local_authority: Organisation) -> list[ClockPolicy]:
    return list(ClockPolicy.objects.filter(local_authority=local_authority).order_by("effective_from"))


def rules_without_rhi(organisation: Organisation, policies: Sequence[ClockPolicy]) -> RowRules:
    """Rules for an episode with no RHI record: the policy an RHI opened for it would have taken (in force on
    ``policy_day``), or ``rules_without_policy`` when none was in force."""
    default = rules_without_policy(organisation)
    cache: dict[int, ClockRules] = {}

    def rules(row: EpisodeRow) -> ClockRules:
        policy = policy_on(policies, policy_day(returned_at=row.returned_at, missing_at=row.missing_at))
        if policy is None:
            return default
        if policy.pk not in cache:
            cache[policy.pk] = clock_rules_for_policy(policy)
        return cache[policy.pk]

    return rules


def timeliness_status(
    row: EpisodeRow, rules: ClockRules, *, now: datetime, calculator: DeadlineCalculator
) -> str:
    """One episode under one definition: excluded (bunched), clock not started, in time, late, not yet due
    or not done. In time = the interview held at or before the due time (DESIGN.md §5)."""
    return row_statuses(row, ((OWN, rules),), now=now, calculator=calculator)[OWN]


def row_statuses(
    row: EpisodeRow,
    definitions: Iterable[tuple[str, ClockRules]],
    *,
    now: datetime,
    calculator: DeadlineCalculator,
) -> dict[str, str]:
    """``timeliness_status`` of one row under each of several definitions: what depends only on the row
    (bunched, held, still open) is worked out once, as it runs for every row of the return."""
    if row.rhi_id is not None and row.counts_for_timeliness is False:
        return {name: EXCLUDED for name, _ in definitions}
    returned_at, police_notified_at, held_at = row.returned_at, row.police_notified_at, row.held_at
    still_open = row.rhi_id is None or row.rhi_state in OPEN_STATES
    statuses: dict[str, str] = {}
    for name, rules in definitions:
        start = basis_time(rules, returned_at=returned_at, police_notified_at=police_notified_at)
        if start is None:
            statuses[name] = NOT_STARTED
            continue
        due = calculator.due(rules, start)
        if held_at is not None:
            statuses[name] = IN_TIME if done_in_time(held_at, due) else LATE
        else:
            statuses[name] = NOT_YET_DUE if still_open and not is_past(due, now) else NOT_DONE
    return statuses


class OtherCommission(NamedTuple):
    """An episode of the LA's own child timed under another commission's policy: the RHI was commissioned by
    the LA where the child was placed (``rhi.selectors.handling_authority``), so its snapshot is that LA's."""

    rules: ClockRules
    differs: bool  # the basis or the unit differs from the reporting LA's own rules for the episode


@dataclass(frozen=True)
class Timing:
    """Each row's status under its own policy and each standard definition ({episode id: {definition:
    status}}), and the LA's own episodes timed under another commission's policy."""

    statuses: dict[int, dict[str, str]]
    other_commission: dict[int, OtherCommission]


def time_rows(
    scope: Scope, rows: Iterable[EpisodeRow], *, now: datetime, policies: Sequence[ClockPolicy] | None = None
) -> Timing:
    """Every row under its own policy and the six standard definitions, in one pass. ``policies``: the LA's
    (``policies_of``), when the caller has read them already."""
    la = scope.local_authority
    if policies is None:
        policies = policies_of(la) if la is not None else []
    la_rules = rules_without_rhi(scope.organisation, policies)
    own_rules = RulesCache(la_rules)
    nation = rules_without_policy(scope.organisation).nation
    standards = {name: standard_definition(name, nation) for name in STANDARD_DEFINITIONS}
    calculator = DeadlineCalculator()
    statuses: dict[int, dict[str, str]] = {}
    other: dict[int, OtherCommission] = {}
    standard_pairs = list(standards.items())
    for row in rows:
        rules = own_rules.for_row(row)
        statuses[row.episode_id] = row_statuses(
            row, [(OWN, rules), *standard_pairs], now=now, calculator=calculator
        )
        if (
            la is not None
            and row.responsible_la_id == la.pk
            and row.commissioning_la_id is not None
            and row.commissioning_la_id != la.pk
        ):
            ours = la_rules(row)
            differs = (rules.basis, rules.complete_unit) != (ours.basis, ours.complete_unit)
            other[row.episode_id] = OtherCommission(rules, differs)
    return Timing(statuses, other)


def policy_at_end(scope: Scope, policies: Sequence[ClockPolicy] | None = None) -> ClockPolicy | None:
    """The reporting LA's policy in force on the last day of the period (the method paragraph describes it).
    ``policies``: the LA's (``policies_of``), when the caller has read them already."""
    if scope.local_authority is None:
        return None
    if policies is None:
        policies = policies_of(scope.local_authority)
    return policy_on(policies, scope.date_to)

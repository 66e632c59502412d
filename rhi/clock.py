"""The RHI clock: when it starts, when contact and completion are due, and what state it is in.

Every deadline in the product (pages, API, exports, the sweep, the policy form's worked example and
``manage.py clock_preview``) comes from this module. It has no Django imports on purpose, so it can be
tested exhaustively and reasoned about on its own. The definitions (DESIGN.md §5, docs/clock.md):

- start S = the basis timestamp (the return, or the police notification); missing → the clock is not started.
- ``hours`` N: due = S + N hours of elapsed time (UTC arithmetic: 72 h across a clock change is 72 real hours).
- ``calendar_days`` N: due = 23:59:59.999999 Europe/London at the end of the Nth calendar day after S's
  local date.
- ``working_days`` N: due = the end of the Nth working day after S's local date; a working day is Mon–Fri and
  neither a bank holiday of the policy's nation nor a local closure day.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")
END_OF_DAY = time(23, 59, 59, 999999)
NATIONS = ("ENG", "WLS", "SCT", "NIR")


class Basis(enum.StrEnum):
    RETURN = "return"
    POLICE_NOTIFICATION = "police_notification"


class Unit(enum.StrEnum):
    HOURS = "hours"
    CALENDAR_DAYS = "calendar_days"
    WORKING_DAYS = "working_days"


class ClockState(enum.StrEnum):
    """Open RHIs: not started, on track, due soon, overdue. Closed RHIs: met, missed, not applicable."""

    NOT_STARTED = "not_started"
    ON_TRACK = "on_track"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    MET = "met"
    MISSED = "missed"
    NOT_APPLICABLE = "not_applicable"


CLOCK_STATE_LABELS: Mapping[ClockState, str] = {
    ClockState.NOT_STARTED: "Not started",
    ClockState.ON_TRACK: "On track",
    ClockState.DUE_SOON: "Due soon",
    ClockState.OVERDUE: "Overdue",
    ClockState.MET: "Met",
    ClockState.MISSED: "Missed",
    ClockState.NOT_APPLICABLE: "Not applicable",
}


class ClockRuleError(ValueError):
    """The rules themselves are impossible (unknown unit, zero length…)."""


@dataclass(frozen=True)
class ClockRules:
    """A clock policy reduced to what the arithmetic needs; also the shape of an RHI's policy snapshot."""

    basis: str = Basis.RETURN
    complete_unit: str = Unit.HOURS
    complete_length: int = 72
    contact_unit: str | None = None
    contact_length: int | None = None
    nation: str = "ENG"
    closure_days: frozenset[date] = field(default_factory=frozenset)
    due_soon_hours: int = 24

    def __post_init__(self) -> None:
        if self.basis not in Basis.__members__.values():
            raise ClockRuleError(f"Unknown basis {self.basis!r}.")
        _check_duration(self.complete_unit, self.complete_length, "complete")
        if (self.contact_unit is None) != (self.contact_length is None):
            raise ClockRuleError("Give both the contact unit and length, or neither.")
        if self.contact_unit is not None and self.contact_length is not None:
            _check_duration(self.contact_unit, self.contact_length, "contact")
        if self.nation not in NATIONS:
            raise ClockRuleError(f"Unknown nation {self.nation!r}; expected one of {', '.join(NATIONS)}.")
        if self.due_soon_hours < 1:
            raise ClockRuleError("The due-soon threshold must be at least one hour.")
        object.__setattr__(self, "closure_days", frozenset(self.closure_days))

    def to_snapshot(self) -> dict[str, Any]:
        return {
            "basis": str(self.basis),
            "complete_unit": str(self.complete_unit),
            "complete_length": self.complete_length,
            "contact_unit": str(self.contact_unit) if self.contact_unit else None,
            "contact_length": self.contact_length,
            "nation": self.nation,
            "closure_days": sorted(d.isoformat() for d in self.closure_days),
            "due_soon_hours": self.due_soon_hours,
        }

    @classmethod
    def from_snapshot(cls, data: Mapping[str, Any]) -> ClockRules:
        return cls(
            basis=data["basis"],
            complete_unit=data["complete_unit"],
            complete_length=int(data["complete_length"]),
            contact_unit=data.get("contact_unit") or None,
            contact_length=int(data["contact_length"]) if data.get("contact_length") else None,
            nation=data.get("nation", "ENG"),
            closure_days=frozenset(date.fromisoformat(d) for d in data.get("closure_days", [])),
            due_soon_hours=int(data.get("due_soon_hours", 24)),
        )


class EffectiveDated(Protocol):
    """Anything dated from when it is in force: a stored ``ClockPolicy``, or a test's stand-in."""

    @property
    def effective_from(self) -> date: ...


PolicyT = TypeVar("PolicyT", bound=EffectiveDated)


def policy_on(policies: Iterable[PolicyT], day: date) -> PolicyT | None:
    """The policy in force on ``day``: the latest whose effective date is not after it; None before the first.
    The one comparison behind ``rhi.selectors.policy_in_force``, the performance return and the policies page
    (an LA has at most one policy per effective date, so there is never a tie to break)."""
    chosen: PolicyT | None = None
    for policy in policies:
        if policy.effective_from <= day and (chosen is None or policy.effective_from > chosen.effective_from):
            chosen = policy
    return chosen


def policy_day(*, returned_at: datetime | None, missing_at: datetime) -> date:
    """The UK date whose policy governs an episode: the day the child returned, or, while no return is
    recorded, the day they went missing (docs/clock.md, "Which policy applies").

    The return is when the RHI duty arises and when an RHI is opened, so an episode with an RHI and the same
    episode without one (the performance return's fallback) are timed under the same policy. The missing date
    is only a stand-in for an episode that has no return yet, whose return-basis clock has not started anyway.
    """
    return local_date(returned_at if returned_at is not None else missing_at)


# Repeat episodes (docs/clock.md, "Repeat episodes"). Under a bunching rule, an episode whose child returns while
# the handling LA's latest RHI for them is still before its interview joins that RHI instead of opening its own.
# These are the one statement of what bunching does to the links and the clock: the service that opens RHIs
# (rhi.services.deadlines) and the demo seed both call them.
SEPARATE = "separate"
BUNCH_FROM_LATEST = "bunch_from_latest"
BUNCH_FROM_FIRST = "bunch_from_first"
EpisodeT = TypeVar("EpisodeT")


def bunches(repeat_rule: str) -> bool:
    """Whether a repeat episode under ``repeat_rule`` joins the child's open RHI (else it opens its own)."""
    return repeat_rule in (BUNCH_FROM_LATEST, BUNCH_FROM_FIRST)


@dataclass(frozen=True)
class BunchedLink:
    """How an episode bunched into an open RHI is linked: whether its own link counts for timeliness, and
    whether the links already there keep counting."""

    counts: bool
    earlier_keep_counting: bool


def bunched_link(repeat_rule: str) -> BunchedLink:
    """``bunch_from_latest`` restarts the clock at the latest return: the new episode counts and the earlier ones
    stop counting (addressed, not timed). ``bunch_from_first`` keeps the first return's clock: the new episode
    is addressed but not timed. ``separate`` never bunches."""
    if repeat_rule == BUNCH_FROM_LATEST:
        return BunchedLink(counts=True, earlier_keep_counting=False)
    if repeat_rule == BUNCH_FROM_FIRST:
        return BunchedLink(counts=False, earlier_keep_counting=True)
    raise ValueError(f"The repeat rule {repeat_rule!r} does not bunch episodes.")


def clock_episode(repeat_rule: str | None, counted: Sequence[EpisodeT]) -> EpisodeT | None:
    """Of an RHI's episodes that count for timeliness, ordered by when they went missing, the one whose
    timestamps start its clock: the first under ``bunch_from_first``, else the latest. None without any."""
    if not counted:
        return None
    return counted[0] if repeat_rule == BUNCH_FROM_FIRST else counted[-1]


@dataclass(frozen=True)
class Deadlines:
    """All aware UTC datetimes; ``start`` None means the clock has not started (a data gap)."""

    start: datetime | None
    contact_due: datetime | None
    due: datetime | None
    due_soon: datetime | None

    @property
    def started(self) -> bool:
        return self.start is not None


def _check_duration(unit: str, length: int, what: str) -> None:
    if unit not in Unit.__members__.values():
        raise ClockRuleError(f"Unknown {what} unit {unit!r}.")
    if not isinstance(length, int) or length < 1:
        raise ClockRuleError(f"The {what} length must be a whole number of at least 1.")


def _require_aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware.")
    return value.astimezone(UTC)


@lru_cache(maxsize=64)
def _bank_holidays(nation: str, year: int) -> frozenset[date]:
    # subdiv matters: holidays.UK() alone misses English-only days and the Scottish ones.
    return frozenset(holidays.country_holidays("GB", subdiv=nation, years=year).keys())


def is_bank_holiday(day: date, nation: str) -> bool:
    return day in _bank_holidays(nation, day.year)


def is_working_day(day: date, nation: str, closure_days: Iterable[date] = ()) -> bool:
    return day.weekday() < 5 and not is_bank_holiday(day, nation) and day not in frozenset(closure_days)


def end_of_local_day(day: date) -> datetime:
    """23:59:59.999999 Europe/London on ``day``, as UTC."""
    return datetime.combine(day, END_OF_DAY, tzinfo=LONDON).astimezone(UTC)


def local_date(moment: datetime) -> date:
    return _require_aware(moment, "moment").astimezone(LONDON).date()


def deadline_after(
    start: datetime, unit: str, length: int, *, nation: str = "ENG", closure_days: Iterable[date] = ()
) -> datetime:
    """The deadline ``length`` ``unit`` after ``start`` under the definitions in the module docstring."""
    _check_duration(unit, length, "deadline")
    start_utc = _require_aware(start, "start")
    if unit == Unit.HOURS:
        return start_utc + timedelta(hours=length)
    first = local_date(start_utc)
    if unit == Unit.CALENDAR_DAYS:
        return end_of_local_day(first + timedelta(days=length))
    closed = frozenset(closure_days)
    day, counted = first, 0
    while counted < length:
        day += timedelta(days=1)
        if is_working_day(day, nation, closed):
            counted += 1
    return end_of_local_day(day)


def basis_time(
    rules: ClockRules, *, returned_at: datetime | None, police_notified_at: datetime | None
) -> datetime | None:
    """Which of the episode's timestamps starts the clock under ``rules`` (None: not recorded, not started).
    Unchecked, so a report can call it for every row; ``clock_start`` is the checked form."""
    return returned_at if rules.basis == Basis.RETURN else police_notified_at


def done_in_time(done_at: datetime, due: datetime) -> bool:
    """Met means done at or before the deadline, to the microsecond (DESIGN.md §5)."""
    return done_at <= due


def is_past(due: datetime, now: datetime) -> bool:
    """Overdue only once ``now`` is strictly after the deadline: at the deadline itself there is still time."""
    return now > due


def clock_start(
    rules: ClockRules, *, returned_at: datetime | None, police_notified_at: datetime | None
) -> datetime | None:
    start = basis_time(rules, returned_at=returned_at, police_notified_at=police_notified_at)
    return None if start is None else _require_aware(start, "basis timestamp")


def compute_deadlines(
    rules: ClockRules, *, returned_at: datetime | None, police_notified_at: datetime | None
) -> Deadlines:
    start = clock_start(rules, returned_at=returned_at, police_notified_at=police_notified_at)
    if start is None:
        return Deadlines(start=None, contact_due=None, due=None, due_soon=None)
    due = deadline_after(
        start,
        rules.complete_unit,
        rules.complete_length,
        nation=rules.nation,
        closure_days=rules.closure_days,
    )
    contact_due = None
    if rules.contact_unit and rules.contact_length:
        contact_due = deadline_after(
            start,
            rules.contact_unit,
            rules.contact_length,
            nation=rules.nation,
            closure_days=rules.closure_days,
        )
    # Never "due soon" before the clock starts, even for a short deadline and a long threshold.
    due_soon = max(start, due - timedelta(hours=rules.due_soon_hours))
    return Deadlines(start=start, contact_due=contact_due, due=due, due_soon=due_soon)


def open_state(deadlines: Deadlines, now: datetime) -> ClockState:
    """State of an open RHI at ``now``: overdue only once ``now`` is strictly past the deadline."""
    if deadlines.due is None or deadlines.due_soon is None:
        return ClockState.NOT_STARTED
    now_utc = _require_aware(now, "now")
    if is_past(deadlines.due, now_utc):
        return ClockState.OVERDUE
    if now_utc >= deadlines.due_soon:
        return ClockState.DUE_SOON
    return ClockState.ON_TRACK


def closed_state(deadlines: Deadlines, done_at: datetime | None) -> ClockState:
    """Timeliness of a closed RHI: met when done at or before the deadline; not applicable without both times."""
    if deadlines.due is None or done_at is None:
        return ClockState.NOT_APPLICABLE
    in_time = done_in_time(_require_aware(done_at, "done_at"), deadlines.due)
    return ClockState.MET if in_time else ClockState.MISSED


def time_left(deadlines: Deadlines, now: datetime) -> timedelta | None:
    """Negative when overdue; None when the clock has not started."""
    if deadlines.due is None:
        return None
    return deadlines.due - _require_aware(now, "now")


def describe_time_left(delta: timedelta | None) -> str:
    """'in 5 h 20 min' / 'overdue by 3 h' / 'not started' – the words every page uses."""
    if delta is None:
        return "not started"
    overdue = delta < timedelta(0)
    minutes = int(abs(delta).total_seconds() // 60)
    days, rem = divmod(minutes, 24 * 60)
    hours, mins = divmod(rem, 60)
    parts = []
    if days:
        parts.append(f"{days} d")
    if hours:
        parts.append(f"{hours} h")
    if mins and not days:
        parts.append(f"{mins} min")
    text = " ".join(parts) or "less than a minute"
    return f"overdue by {text}" if overdue else f"in {text}"


# The six standard definitions: basis {return, police notification} × {72 hours, 3 calendar days, 3 working days}.
# Reporting shows every figure under each, side by side, so councils that count differently can be compared.
STANDARD_DEFINITIONS: Mapping[str, ClockRules] = {
    f"{basis}_{label}": ClockRules(basis=basis, complete_unit=unit, complete_length=length)
    for basis in (Basis.RETURN, Basis.POLICE_NOTIFICATION)
    for label, unit, length in (
        ("72_hours", Unit.HOURS, 72),
        ("3_calendar_days", Unit.CALENDAR_DAYS, 3),
        ("3_working_days", Unit.WORKING_DAYS, 3),
    )
}


def standard_definition(name: str, nation: str = "ENG") -> ClockRules:
    """One of the six standard definitions, counting working days with ``nation``'s bank holidays."""
    base = STANDARD_DEFINITIONS[name]
    return ClockRules(
        basis=base.basis,
        complete_unit=base.complete_unit,
        complete_length=base.complete_length,
        nation=nation,
    )


def describe_rules(rules: ClockRules) -> str:
    """The method sentence for a report or a policy form, generated from the rules."""
    unit_words = {
        Unit.HOURS: "hours (elapsed time, so a clock change does not shorten or lengthen it)",
        Unit.CALENDAR_DAYS: "calendar days (ending at midnight UK time on the last day)",
        Unit.WORKING_DAYS: "working days (Monday to Friday, not bank holidays or local closure days, "
        "ending at midnight UK time on the last day)",
    }
    basis_words = {
        Basis.RETURN: "the child's return",
        Basis.POLICE_NOTIFICATION: "the police notification reaching the service",
    }
    sentence = (
        f"The clock starts at {basis_words[Basis(rules.basis)]}. The interview is due within "
        f"{rules.complete_length} {unit_words[Unit(rules.complete_unit)]}."
    )
    if rules.contact_unit and rules.contact_length:
        sentence += (
            f" First contact is due within {rules.contact_length} {unit_words[Unit(rules.contact_unit)]}."
        )
    return sentence

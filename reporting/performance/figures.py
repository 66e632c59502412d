"""The figures of the performance return: each one predicate over an episode row, so the count on the page and
the list of records behind it (``figure_records``) call the same predicate and cannot disagree.

Cohorts are per episode: by what the police recorded when it began (``missing_from`` and whether the child was
placed out of area: "missing from a care placement" is the episode's place, not the child's legal status), and by
whether the child was looked after on the day it began, from their periods of care (the same rule as SSDA903 and
Annex A, ``missing_episodes.selectors``). docs/performance-return.md.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from missing_episodes.models import EpisodeCategory, MissingFrom
from reporting.performance.rows import EpisodeRow, Scope
from reporting.performance.timeliness import (
    DEFINITION_KEYS,
    OWN,
    OWN_LABEL,
    STANDARD_LABELS,
    TIMELINESS_LABELS,
    TIMELINESS_STATUSES,
    OtherCommission,
    time_rows,
)
from rhi.models import ClockPolicy, DeclinedBy, DeclineReason, Outcome

STILL_MISSING_DAYS = 28


@dataclass
class Context:
    """What the predicates need besides the row: the scope, now and each row's timeliness statuses."""

    scope: Scope
    now: datetime
    statuses: dict[int, dict[str, str]] = field(default_factory=dict)
    other_commission: dict[int, OtherCommission] = field(default_factory=dict)

    def __post_init__(self) -> None:
        la = self.scope.local_authority
        self.headline_la_id = la.pk if la is not None else None

    def in_headline(self, row: EpisodeRow) -> bool:
        return self.headline_la_id is None or row.responsible_la_id == self.headline_la_id

    def status(self, row: EpisodeRow, definition: str) -> str:
        return self.statuses[row.episode_id][definition]


Predicate = Callable[[EpisodeRow, Context], bool]


def context_for(
    scope: Scope, rows: Iterable[EpisodeRow], *, now: datetime, policies: Sequence[ClockPolicy] | None = None
) -> Context:
    rows = list(rows)
    timing = time_rows(scope, rows, now=now, policies=policies)
    return Context(scope=scope, now=now, statuses=timing.statuses, other_commission=timing.other_commission)


class _Headline:
    """A headline figure's predicate: the LA's own episode (``Context.in_headline``) and ``test``. ``test`` is
    kept so that ``count_figures`` can run it alone over rows it already knows are headline ones."""

    __slots__ = ("test",)

    def __init__(self, test: Callable[[EpisodeRow], bool]) -> None:
        self.test = test

    def __call__(self, row: EpisodeRow, ctx: Context) -> bool:
        return ctx.in_headline(row) and self.test(row)


def _headline(test: Callable[[EpisodeRow], bool]) -> Predicate:
    return _Headline(test)


def _status_is(definition: str, status: str) -> Predicate:
    return lambda row, ctx: ctx.in_headline(row) and ctx.status(row, definition) == status


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    predicate: Predicate


def _declined_for(code: str) -> Callable[[EpisodeRow], bool]:
    return lambda r: r.outcome == Outcome.DECLINED and r.decline_reason == code


@dataclass(frozen=True)
class Cohort:
    key: str
    label: str
    predicate: Predicate
    in_headline: bool = True


def _placed_in(row: EpisodeRow, ctx: Context) -> bool:
    la = ctx.scope.local_authority
    return la is not None and row.host_la_id == la.pk and row.responsible_la_id != la.pk


# Each cohort is named for what it counts: the first four by where the episode began as the police recorded it
# ("missing from a care placement" is a place, not a legal status); "looked after when the episode began" from
# the child's periods of care (missing_episodes.selectors.with_looked_after_at_start, the rule SSDA903 and
# Annex A use). docs/performance-return.md, "Cohorts".
COHORTS: tuple[Cohort, ...] = (
    Cohort("from_home", "Missing from home", _headline(lambda r: r.missing_from == MissingFrom.HOME)),
    Cohort(
        "from_care_in_area",
        "Missing from a care placement, in area",
        _headline(lambda r: r.missing_from == MissingFrom.CARE and r.was_out_of_area is not True),
    ),
    Cohort(
        "placed_out_of_area",
        "Missing from a care placement or elsewhere, placed out of area",
        _headline(lambda r: r.missing_from != MissingFrom.HOME and r.was_out_of_area is True),
    ),
    Cohort(
        "from_elsewhere",
        "Missing from elsewhere, in area",
        _headline(lambda r: r.missing_from == MissingFrom.OTHER and r.was_out_of_area is not True),
    ),
    Cohort(
        "looked_after_at_start",
        "Looked after when the episode began (periods of care)",
        _headline(lambda r: r.looked_after_at_start),
    ),
    Cohort(
        "not_looked_after_at_start",
        "Not looked after when the episode began (periods of care)",
        _headline(lambda r: not r.looked_after_at_start),
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


def cohort_members(
    cohort: Cohort, rows: Sequence[EpisodeRow], headline: Sequence[EpisodeRow], ctx: Context
) -> list[EpisodeRow]:
    """The rows a cohort's predicate selects; ``headline`` is ``rows`` filtered by ``Context.in_headline``, so a
    headline cohort's test runs over those alone (the same rows, in the same order)."""
    predicate = cohort.predicate
    if isinstance(predicate, _Headline):
        test = predicate.test
        return [row for row in headline if test(row)]
    return [row for row in rows if predicate(row, ctx)]


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
            _headline(
                lambda r: r.rhi_id is not None and r.counts_for_timeliness is False and not r.superseded
            ),
        ),
        Figure(
            "own_other_commission",
            "Own policy: timed under another commission's policy (child placed in its area)",
            lambda r, ctx: r.episode_id in ctx.other_commission,
        ),
        Figure(
            "own_other_basis_or_unit",
            "Own policy: timed under another commission's policy with a different basis or unit",
            lambda r, ctx: (
                r.episode_id in ctx.other_commission and ctx.other_commission[r.episode_id].differs
            ),
        ),
        Figure(
            "superseded",
            "Taken over by a later RHI (superseded: answered by it, excluded from timeliness)",
            _headline(lambda r: r.superseded),
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


FIGURES: dict[str, Figure] = _figures()


TIMELINESS_FIGURES = frozenset(f"{d}__{s}" for d in DEFINITION_KEYS for s in TIMELINESS_STATUSES)


def count_figures(rows: Sequence[EpisodeRow], ctx: Context, keys: Iterable[str]) -> dict[str, int]:
    """How many rows each figure's predicate selects. Timeliness figures (``definition__status``) select a row
    when its status under the definition is that status, so they are counted from the statuses in one pass; a
    headline figure's test runs over the headline rows, picked out once (the same rows its predicate selects).
    """
    wanted = list(keys)
    headline = [row for row in rows if ctx.in_headline(row)]
    statuses: Counter[str] = Counter()
    if any(key in TIMELINESS_FIGURES for key in wanted):
        # Rows share a few combinations of statuses: count those, then each combination's pairs once.
        status_of = ctx.statuses
        combinations = Counter(tuple(status_of[row.episode_id].items()) for row in headline)
        for pairs, n in combinations.items():
            for d, s in pairs:
                statuses[f"{d}__{s}"] += n
    counts: dict[str, int] = {}
    for key in wanted:
        predicate = FIGURES[key].predicate
        if key in TIMELINESS_FIGURES:
            counts[key] = statuses[key]
        elif isinstance(predicate, _Headline):
            test = predicate.test
            counts[key] = sum(1 for row in headline if test(row))
        else:
            counts[key] = sum(1 for row in rows if predicate(row, ctx))
    return counts

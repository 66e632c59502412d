"""Kept facts of the performance return: each episode as each local authority's return counts it, written once
and summed by ``kept_read`` (docs/performance-return.md, "Kept figures").

A fact is made by the reference itself: the episode's row (``rows.fetch_rows``) timed as the return times it
(``figures.context_for``), and every ``FIGURES`` predicate asked of it, so a kept figure is the reference's
figure by construction. What the return groups by (offered to, decline and not-offered reasons, interviewer
independence, the rules of an episode timed elsewhere) is kept as codes beside it.

Time passing: the only figures that change with no change to the data are the timeliness "not yet due" (to
"not done" at the deadline) and "no return after 28 days". Each fact keeps the instants around the time it was
made at which one of those could flip (``valid_from``/``valid_until``); a reader re-makes the facts outside
their interval (the open clocks: few).

Changes: database triggers (migration ``0003``) mark the episodes a change touches in the changing transaction;
``refresh_episodes`` re-makes their facts, ``rebuild_facts`` a whole authority's. Both run under one advisory
lock, read the marks before the data and delete only the marks they read, so a change committed during a
refresh stays marked.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Organisation, OrganisationKind
from missing_episodes.models import MissingEpisode
from reporting.models import PerformanceFact, PerformanceFactBuild, PerformanceFactMark
from reporting.performance.figures import FIGURES, STILL_MISSING_DAYS, context_for
from reporting.performance.method import rules_words
from reporting.performance.rows import EpisodeRow, Scope, fetch_rows
from reporting.performance.timeliness import (
    IN_TIME,
    OWN,
    DeadlineCalculator,
    RulesCache,
    policies_of,
    rules_without_rhi,
)
from rhi.clock import LONDON, STANDARD_DEFINITIONS, ClockRules, basis_time, standard_definition
from rhi.models import OPEN_STATES, ClockPolicy, Outcome
from rhi.selectors import rules_without_policy

# Flags beside the figure keys: the cohort table counts offers, interviews and own-policy "in time" among a
# cohort's episodes whether or not they are headline ones (the placed-in cohort is not).
RAW_OFFERED = "raw_offered"
RAW_HELD = "raw_held"
RAW_OWN_IN_TIME = "raw_own_in_time"
ALL_TIME = (date(1900, 1, 1), date(2199, 12, 31))
LOCK_KEY = 0x52484946  # "RHIF": one refresh or rebuild at a time
REFRESH_BATCH = 5000
REFRESH_FACTS_TASK = "reporting.refresh_performance_facts"
INSERT_BATCH = 2000


def all_time(local_authority: Organisation) -> Scope:
    """Every episode the authority's return can count (its own children's and those placed in its area)."""
    return Scope(date_from=ALL_TIME[0], date_to=ALL_TIME[1], local_authority=local_authority)


def figure_text(keys: Iterable[str]) -> str:
    """The ``figures`` column: " key key … ", so that ``" key "`` is found by ``strpos`` or ``contains``."""
    return " " + " ".join(sorted(keys)) + " "


def _threshold_rules(scope: Scope, policies: Sequence[ClockPolicy]) -> tuple[RulesCache, list[ClockRules]]:
    """The rules ``timeliness.time_rows`` times each row under (own policy, then the standard definitions)."""
    own = RulesCache(rules_without_rhi(scope.organisation, policies))
    nation = rules_without_policy(scope.organisation).nation
    return own, [standard_definition(name, nation) for name in STANDARD_DEFINITIONS]


def _thresholds(
    row: EpisodeRow, own: RulesCache, standards: Sequence[ClockRules], calculator: DeadlineCalculator
) -> list[datetime]:
    """The instants at which one of the row's figures could change with time alone: each deadline of a clock
    that is started, open and without an interview, and 28 days after going missing while not returned."""
    instants = []
    if row.returned_at is None:
        instants.append(row.missing_at + timedelta(days=STILL_MISSING_DAYS))
    excluded = row.rhi_id is not None and row.counts_for_timeliness is False
    still_open = row.rhi_id is None or row.rhi_state in OPEN_STATES
    if excluded or row.held_at is not None or not still_open:
        return instants
    for rules in (own.for_row(row), *standards):
        start = basis_time(rules, returned_at=row.returned_at, police_notified_at=row.police_notified_at)
        if start is not None:
            instants.append(calculator.due(rules, start))
    return instants


def facts_for(
    scope: Scope, rows: Sequence[EpisodeRow], *, now: datetime, policies: Sequence[ClockPolicy]
) -> list[PerformanceFact]:
    """The facts of ``rows`` for the scope's authority, as the reference counts them at ``now``."""
    la = scope.local_authority
    assert la is not None
    ctx = context_for(scope, rows, now=now, policies=policies)
    own, standards = _threshold_rules(scope, policies)
    calculator = DeadlineCalculator()
    facts = []
    for row in rows:
        keys = [key for key, figure in FIGURES.items() if figure.predicate(row, ctx)]
        keys += [RAW_OFFERED] if row.offered_at is not None else []
        keys += [RAW_HELD] if row.held_at is not None else []
        keys += [RAW_OWN_IN_TIME] if ctx.status(row, OWN) == IN_TIME else []
        instants = _thresholds(row, own, standards, calculator)
        elsewhere = ctx.other_commission.get(row.episode_id)
        declined = row.outcome == Outcome.DECLINED
        facts.append(
            PerformanceFact(
                organisation_id=la.pk,
                episode_id=row.episode_id,
                child_id=row.child_id,
                rhi_id=row.rhi_id,
                missing_at=row.missing_at,
                month=row.missing_at.astimezone(LONDON).date().replace(day=1),
                headline=ctx.in_headline(row),
                figures=figure_text(keys),
                offered_to=(row.offered_to or "") if row.offered_at is not None else "",
                decline_reason=(row.decline_reason or "") if declined else "",
                declined_by=(row.declined_by or "") if declined else "",
                not_offered_reason=(row.not_offered_reason or "")
                if row.outcome == Outcome.NOT_OFFERED
                else "",
                independence=(row.independence or "") if row.held_at is not None else "",
                elsewhere_words=rules_words(elsewhere.rules) if elsewhere and elsewhere.differs else "",
                valid_from=max((t for t in instants if t < now), default=None),
                valid_until=min((t for t in instants if t >= now), default=None),
            )
        )
    return facts


def _lock() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def _own_episode_marks(organisation_id: int) -> list[int]:
    """Marks of episodes only this authority's return counts (its own child, not placed in another's area,
    counted by no other authority's facts): a rebuild of the authority takes them in."""
    own = MissingEpisode.objects.filter(responsible_la_id=organisation_id).filter(
        Q(host_la_id__isnull=True) | Q(host_la_id=organisation_id)
    )
    elsewhere = PerformanceFact.objects.exclude(organisation_id=organisation_id)
    return list(
        PerformanceFactMark.objects.filter(episode_id__in=own.values("pk"))
        .exclude(episode_id__in=elsewhere.values("episode_id"))
        .values_list("pk", flat=True)
    )


@transaction.atomic(durable=True)
def rebuild_facts(*, organisation_id: int, now: datetime | None = None) -> int:
    """Every fact of one local authority made again from the reference; its LA-wide marks taken in. Returns
    how many facts it holds."""
    _lock()
    now = now or timezone.now()
    marks = list(
        PerformanceFactMark.objects.filter(organisation_id=organisation_id).values_list("pk", flat=True)
    )
    marks += _own_episode_marks(organisation_id)
    la = Organisation.objects.get(pk=organisation_id, kind=OrganisationKind.LOCAL_AUTHORITY)
    scope = all_time(la)
    facts = facts_for(scope, fetch_rows(scope), now=now, policies=policies_of(la))
    PerformanceFact.objects.filter(organisation_id=la.pk).delete()
    PerformanceFact.objects.bulk_create(facts, batch_size=INSERT_BATCH)
    PerformanceFactBuild.objects.update_or_create(organisation_id=la.pk, defaults={"built_at": now})
    PerformanceFactMark.objects.filter(pk__in=marks).delete()
    return len(facts)


def _refresh(episode_ids: Collection[int], now: datetime) -> int:
    """Re-make the facts of these episodes for every built authority that counts them (or counted them)."""
    ids = sorted(set(episode_ids))
    marks = list(PerformanceFactMark.objects.filter(episode_id__in=ids).values_list("pk", flat=True))
    built = set(PerformanceFactBuild.objects.values_list("organisation_id", flat=True))
    authorities = set(
        PerformanceFact.objects.filter(episode_id__in=ids).values_list("organisation_id", flat=True)
    )
    for responsible, host in MissingEpisode.objects.filter(pk__in=ids).values_list(
        "responsible_la_id", "host_la_id"
    ):
        authorities |= {responsible, host} - {None}
    made = 0
    for la in Organisation.objects.filter(pk__in=authorities & built).order_by("pk"):
        scope = all_time(la)
        facts = facts_for(scope, fetch_rows(scope, episode_ids=ids), now=now, policies=policies_of(la))
        PerformanceFact.objects.filter(organisation_id=la.pk, episode_id__in=ids).delete()
        PerformanceFact.objects.bulk_create(facts, batch_size=INSERT_BATCH)
        made += len(facts)
    PerformanceFactMark.objects.filter(pk__in=marks).delete()
    return made


# Not durable: a read makes its period's facts again wherever it runs, inside a caller's transaction too (an
# export built in a job's transaction); the advisory lock is then held until that transaction ends.
@transaction.atomic
def refresh_episodes(*, episode_ids: Collection[int], now: datetime | None = None) -> int:
    """Re-make the facts of these episodes (marked, or outside their time interval at ``now``)."""
    _lock()
    return _refresh(episode_ids, now or timezone.now())


@transaction.atomic(durable=True)
def sweep_facts(*, now: datetime | None = None, limit: int = REFRESH_BATCH) -> int:
    """The beat's catch-up: up to ``limit`` marked episodes and facts whose interval has passed, re-made.
    LA-wide marks are taken in by ``rebuild_facts`` (the task queues one per authority)."""
    _lock()
    now = now or timezone.now()
    _drop_unused_marks()
    marked = PerformanceFactMark.objects.filter(episode_id__isnull=False).values_list("episode_id", flat=True)
    ids = {episode_id for episode_id in marked[:limit] if episode_id is not None}
    expired = PerformanceFact.objects.filter(valid_until__lte=now).values_list("episode_id", flat=True)
    ids |= set(expired[: max(limit - len(ids), 0)])
    return _refresh(ids, now) if ids else 0


def _drop_unused_marks() -> None:
    """Marks no built authority needs (an episode counted by none, an authority never built): after a bulk
    import or a seed into authorities computed in full, they would otherwise wait in the queue. A committed
    mark's episode is committed too (one transaction), so an episode still being written is never dropped."""
    built = PerformanceFactBuild.objects.values("organisation_id")
    counted = MissingEpisode.objects.filter(Q(responsible_la_id__in=built) | Q(host_la_id__in=built)).values(
        "pk"
    )
    PerformanceFactMark.objects.filter(episode_id__isnull=False).exclude(
        episode_id__in=PerformanceFact.objects.values("episode_id")
    ).exclude(episode_id__in=counted).delete()
    PerformanceFactMark.objects.filter(organisation_id__isnull=False).exclude(
        organisation_id__in=built
    ).delete()


def authorities_to_rebuild() -> list[int]:
    """Built authorities with an LA-wide mark pending (their clock policies or nation changed); an authority
    never built is computed in full until the rebuild command builds it."""
    marked = PerformanceFactMark.objects.filter(organisation_id__isnull=False).values_list(
        "organisation_id", flat=True
    )
    built = set(PerformanceFactBuild.objects.values_list("organisation_id", flat=True))
    return sorted({org_id for org_id in marked if org_id in built})


def catch_up() -> int:
    """The beat's catch-up: marked episodes and passed deadlines made again (``sweep_facts``), then each built
    authority with an authority-wide change rebuilt (``rebuild_facts``). How many facts were made."""
    made = sweep_facts()
    for organisation_id in authorities_to_rebuild():
        made += rebuild_facts(organisation_id=organisation_id)
    return made


def local_authority_ids() -> list[int]:
    return list(
        Organisation.objects.filter(kind=OrganisationKind.LOCAL_AUTHORITY)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@contextmanager
def marks_paused_while_nothing_is_built() -> Iterator[None]:
    """Bulk-load rows without the triggers marking kept facts stale: only where no authority's facts are built
    (a freshly seeded demo or benchmark database), so every return is computed in full and a mark would only be
    swept away unread, after costing the load a query over its rows per statement. Inside the loading
    transaction: the triggers are disabled by DDL that commits or rolls back with the rows."""
    if connection.vendor != "postgresql":
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("Pause the marks inside the transaction that loads the rows.")
    if PerformanceFactBuild.objects.exists():
        raise RuntimeError("Kept facts are built here: rows loaded without marks would leave them wrong.")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgrelid::regclass::text, quote_ident(tgname) FROM pg_trigger "
            "WHERE NOT tgisinternal AND tgname LIKE %s ORDER BY 1, 2",
            [r"rhi\_perf\_mark\_%"],
        )
        triggers: list[tuple[str, str]] = cursor.fetchall()
        for table, name in triggers:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {name}")
    yield
    with connection.cursor() as cursor:
        for table, name in triggers:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {name}")

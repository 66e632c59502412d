"""The performance return and the records behind a figure, read from the kept facts (``kept``): sums grouped
in SQL over the authority's facts of the period, never the episodes re-timed. Figures that do not add up
(children, repeat children, interviews by RHI, the cohorts' children) are counted distinct over the fact rows
of the period itself, so they are exact for any period, not sums of monthly figures.

A figure is never wrong: before reading, the facts of the period that are marked (changed since they were
made) or outside their time interval are made again (few: the open clocks and what changed since the beat's
last sweep). When there are too many of them, or the authority was never built, or an authority-wide change
(its clock policies) is pending, or the database is not PostgreSQL, the return is computed in full by the
reference, ``performance_figures``, which stays the definition of every figure.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import Organisation
from core.replica import read_connection
from reporting.models import PerformanceFact, PerformanceFactBuild, PerformanceFactMark
from reporting.performance.figures import COHORTS, FIGURES
from reporting.performance.kept import RAW_HELD, RAW_OFFERED, RAW_OWN_IN_TIME, REFRESH_BATCH, refresh_episodes
from reporting.performance.kept_findings import (
    FINDING_ROWS,
    FINDINGS,
    RHIS_CTE,
    Findings,
    findings_of,
    findings_params,
)
from reporting.performance.method import TimedElsewhere
from reporting.performance.result import (
    CohortRow,
    MonthRow,
    PerformanceReturn,
    TimelinessRow,
    figure_records,
    performance_figures,
)
from reporting.performance.rows import Scope, episodes_in_scope
from reporting.performance.timeliness import (
    DEFINITION_KEYS,
    IN_TIME,
    OWN,
    OWN_LABEL,
    STANDARD_LABELS,
    TIMELINESS_STATUSES,
    policy_at_end,
)
from rhi.models import DeclinedBy, DeclineReason, InterviewerIndependence, NotOfferedReason, OfferedTo


def _facts(scope: Scope) -> QuerySet[PerformanceFact]:
    assert scope.local_authority is not None
    return PerformanceFact.objects.filter(
        organisation_id=scope.local_authority.pk, missing_at__gte=scope.starts, missing_at__lt=scope.ends
    )


def _compiled(queryset: QuerySet[Any], alias: str) -> tuple[str, tuple[Any, ...]]:
    sql, params = queryset.query.get_compiler(using=alias).as_sql()
    return sql, tuple(params)


def _state(scope: Scope, now: datetime) -> tuple[bool, set[int] | None]:
    """Whether the authority's facts can answer (built, no authority-wide change pending) and the episodes of
    the period whose facts must be made again before reading (marked, or outside their interval at ``now``),
    None when there are more than a refresh takes (the reference is used instead). One query whatever the data;
    a second only while episodes are marked (a refresh follows then anyway): a new episode has no fact yet."""
    la = scope.local_authority
    assert la is not None
    alias = read_connection().alias
    facts = _facts(scope)
    marks = PerformanceFactMark.objects.filter(episode_id__isnull=False).values("episode_id")
    pending = [
        facts.filter(episode_id__in=marks).order_by().values("episode_id"),
        facts.filter(Q(valid_until__lte=now) | Q(valid_from__gte=now)).order_by().values("episode_id"),
    ]
    parts = [_compiled(queryset, alias) for queryset in pending]
    checks = [
        _compiled(PerformanceFactBuild.objects.filter(organisation_id=la.pk).values("pk"), alias),
        _compiled(PerformanceFactMark.objects.filter(organisation_id=la.pk).values("pk"), alias),
        _compiled(marks, alias),
    ]
    union = " UNION ".join(f"({sql})" for sql, _ in parts)
    exists = ", ".join(f"EXISTS ({check})" for check, _ in checks)
    # Compiled querysets only; every value is a parameter.
    sql = f"SELECT {exists}, ARRAY(SELECT pending.id FROM ({union}) AS pending(id) LIMIT %s)"  # noqa: S608
    params = [*(p for _, ps in checks for p in ps), *(p for _, ps in parts for p in ps), REFRESH_BATCH + 1]
    with read_connection().cursor() as cursor:
        cursor.execute(sql, params)
        built, la_marked, episodes_marked, found = cursor.fetchone()
    if not built or la_marked:
        return False, None
    ids = set(found)
    if episodes_marked:  # usually not: the beat's sweep takes marks in every minute
        in_scope = episodes_in_scope(scope).filter(pk__in=marks).order_by()
        ids |= set(in_scope.values_list("pk", flat=True)[: REFRESH_BATCH + 1])
    return True, ids if len(ids) <= REFRESH_BATCH else None


def kept_ready(scope: Scope, now: datetime) -> bool:
    """Whether the kept facts can answer for this scope at ``now``, after making again those that must be. The
    check is one query; only a refresh (what the beat's sweep has not taken in yet) adds any."""
    if connection.vendor != "postgresql" or scope.local_authority is None:
        return False
    usable, pending = _state(scope, now)
    if not usable or pending is None:
        return False
    if pending:
        refresh_episodes(episode_ids=pending, now=now)
    return True


def _month_keys(scope: Scope) -> list[date]:
    months, day = [], scope.date_from.replace(day=1)
    while day <= scope.date_to:
        months.append(day)
        day = (day + timedelta(days=32)).replace(day=1)
    return months


FACT_COLUMNS = (
    "headline, figures, month, child_id, rhi_id, offered_to, decline_reason, declined_by, not_offered_reason, "
    "elsewhere_words, independence"
)
MONTH_FIGURES = {"offered": "offered", "carried_out": "carried_out", "in_time_own": f"{OWN}__{IN_TIME}"}
# One statement per period: its facts read once (one index range on (organisation, missing_at)) and every sum
# of the return grouped over them, as rows (what, k1…k5, n1…n4). Figures that do not add up (children, repeat
# children, interviews by RHI, the cohorts' children) are counted distinct over the period's rows.
SUMS = (  # the model's table only; every value is a parameter
    f"WITH f AS MATERIALIZED (SELECT {FACT_COLUMNS} FROM {PerformanceFact._meta.db_table} "  # noqa: S608
    "WHERE organisation_id = %s AND missing_at >= %s AND missing_at < %s){findings_cte} "
    "SELECT 'figures'::text, headline::text, figures::text, NULL::text, NULL::text, NULL::text, "
    "count(*), 0::bigint, 0::bigint, 0::bigint FROM f GROUP BY headline, figures "
    "UNION ALL SELECT 'codes', offered_to, decline_reason, declined_by, not_offered_reason, elsewhere_words, "
    "count(*), 0, 0, 0 FROM f WHERE headline GROUP BY 2, 3, 4, 5, 6 "
    "UNION ALL SELECT 'independence', independence, NULL, NULL, NULL, NULL, count(DISTINCT rhi_id), 0, 0, 0 "
    "FROM f WHERE headline AND strpos(figures, ' carried_out ') > 0 GROUP BY 2 "
    "UNION ALL SELECT 'month', month::text, NULL, NULL, NULL, NULL, count(*), "
    + ", ".join("count(*) FILTER (WHERE strpos(figures, %s) > 0)" for _ in MONTH_FIGURES)
    + " FROM f WHERE headline GROUP BY month "
    "UNION ALL SELECT 'children', NULL, NULL, NULL, NULL, NULL, count(DISTINCT child_id) FILTER (WHERE headline), "
    "0, 0, 0 FROM f "
    "UNION ALL SELECT 'repeats', NULL, NULL, NULL, NULL, NULL, count(*), coalesce(sum(n), 0)::bigint, 0, 0 "
    "FROM (SELECT count(*) AS n FROM f WHERE headline GROUP BY child_id HAVING count(*) > 1) AS repeats "
    + "".join(
        "UNION ALL SELECT 'cohort', %s, NULL, NULL, NULL, NULL, "
        "count(DISTINCT child_id) FILTER (WHERE strpos(figures, %s) > 0), 0, 0, 0 FROM f "
        for _ in COHORTS
    )
    + "{findings}"
)
SUMS_ONLY = SUMS.format(findings_cte="", findings="")
SUMS_AND_FINDINGS = SUMS.format(findings_cte=RHIS_CTE, findings=FINDINGS)


def _sums(scope: Scope, *, with_findings: bool) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of ``SUMS`` for the scope (with the finding tables' or not), by what they count."""
    assert scope.local_authority is not None
    params: list[Any] = [scope.local_authority.pk, scope.starts, scope.ends]
    params += [f" {key} " for key in MONTH_FIGURES.values()]
    params += [value for c in COHORTS for value in (c.key, f" cohort_{c.key} ")]
    params += findings_params() if with_findings else []
    kinds = ("figures", "codes", "independence", "month", "children", "repeats", "cohort", *FINDING_ROWS)
    rows: dict[str, list[tuple[Any, ...]]] = {what: [] for what in kinds}
    # The same database as the readiness check (core.replica), so the check and the sums read one state.
    with read_connection().cursor() as cursor:
        cursor.execute(SUMS_AND_FINDINGS if with_findings else SUMS_ONLY, params)
        for what, *values in cursor.fetchall():
            rows[what].append(tuple(values))
    return rows


def _distinct_children(sums: dict[str, list[tuple[Any, ...]]]) -> tuple[int, int, int, dict[str, int]]:
    """Children, repeat children, their episodes and each cohort's children: counted distinct over the facts."""
    ((*_, children, _, _, _),) = sums["children"]
    ((*_, repeat_children, repeat_episodes, _, _),) = sums["repeats"]
    by_cohort = {key: n for key, *_, n, _, _, _ in sums["cohort"]}
    return children, repeat_children, int(repeat_episodes), {c.key: by_cohort[c.key] for c in COHORTS}


def _interviews(sums: dict[str, list[tuple[Any, ...]]]) -> tuple[int, list[tuple[str, str, int]]]:
    """Interviews counted once per RHI (an RHI may address several episodes), by interviewer independence: an
    RHI has one interview, so one independence, and the groups' counts add up to the interviews."""
    counts = {independence: n for independence, *_, n, _, _, _ in sums["independence"]}
    return sum(counts.values()), [(c.value, c.label, counts.get(c.value, 0)) for c in InterviewerIndependence]


def _figure_counts(sums: dict[str, list[tuple[Any, ...]]]) -> tuple[Counter[str], dict[str, Counter[str]]]:
    """Each figure's count over the headline facts, and each cohort's episodes, offers, interviews and own-policy
    "in time", from the facts grouped by their set of figure keys."""
    counts: Counter[str] = Counter()
    cohorts: dict[str, Counter[str]] = {cohort.key: Counter() for cohort in COHORTS}
    for headline, figures, *_, n, _, _, _ in sums["figures"]:
        keys = figures.split()
        flags = {
            "offered": RAW_OFFERED in keys,
            "carried_out": RAW_HELD in keys,
            "in_time_own": RAW_OWN_IN_TIME in keys,
        }
        for key in keys:
            if key.startswith("cohort_"):
                cohort = cohorts[key.removeprefix("cohort_")]
                cohort["incidents"] += n
                cohort.update({name: n for name, raised in flags.items() if raised})
        if headline == "true":
            counts.update(dict.fromkeys(keys, n))
    return counts, cohorts


def _months(scope: Scope, sums: dict[str, list[tuple[Any, ...]]]) -> list[MonthRow]:
    """The headline facts by the month they began in: episodes, offers, interviews, own-policy "in time"."""
    by_month = {date.fromisoformat(month): tuple(n) for month, _, _, _, _, *n in sums["month"]}
    empty = (0,) * (1 + len(MONTH_FIGURES))
    return [MonthRow(month, *by_month.get(month, empty)) for month in _month_keys(scope)]


class _Codes:
    """The headline facts' codes the return groups by."""

    def __init__(self, sums: dict[str, list[tuple[Any, ...]]]) -> None:
        self.offered_to: Counter[str] = Counter()
        self.declined: Counter[tuple[str, str]] = Counter()
        self.not_offered: Counter[str] = Counter()
        self.elsewhere: Counter[str] = Counter()
        for to, reason, by, not_offered, words, n, _, _, _ in sums["codes"]:
            self.offered_to[to] += n
            self.declined[(reason, by)] += n
            self.not_offered[not_offered] += n
            self.elsewhere[words] += n if words else 0


def kept_performance_figures(
    *,
    local_authority: Organisation,
    date_from: date,
    date_to: date,
    now: datetime | None = None,
    with_findings: bool = True,
) -> PerformanceReturn:
    """``performance_figures`` for an authority, from its kept facts (the reference when they cannot answer).
    ``with_findings=False``: the finding tables (referrals, risk indicators, places, associates) are left empty,
    for a caller that shows only counts (the dashboard's last year)."""
    now = now or timezone.now()
    scope = Scope(date_from=date_from, date_to=date_to, local_authority=local_authority)
    if not kept_ready(scope, now):
        return performance_figures(
            local_authority=local_authority, date_from=date_from, date_to=date_to, now=now
        )
    sums = _sums(scope, with_findings=with_findings)
    counts, cohorts = _figure_counts(sums)
    codes = _Codes(sums)
    children, repeat_children, repeat_episodes, cohort_children = _distinct_children(sums)
    interviews, independence = _interviews(sums)
    findings = findings_of(sums) if with_findings else Findings.empty()
    return PerformanceReturn(
        scope=scope,
        generated_at=now,
        counts={key: counts[key] for key in FIGURES if not key.startswith("cohort_")},
        children=children,
        repeat_children=repeat_children,
        repeat_episodes=repeat_episodes,
        offered_to={c.value: codes.offered_to[c.value] for c in OfferedTo},
        declines=[
            (
                r.value,
                r.label,
                codes.declined[(r.value, DeclinedBy.CHILD.value)],
                codes.declined[(r.value, DeclinedBy.PARENT_CARER.value)],
            )
            for r in DeclineReason
        ],
        not_offered=[(c.value, c.label, codes.not_offered[c.value]) for c in NotOfferedReason],
        timeliness=[
            TimelinessRow(
                d,
                OWN_LABEL if d == OWN else STANDARD_LABELS[d],
                {s: counts[f"{d}__{s}"] for s in TIMELINESS_STATUSES},
            )
            for d in DEFINITION_KEYS
        ],
        cohorts=[
            CohortRow(
                c.key,
                c.label,
                c.in_headline,
                incidents=cohorts[c.key]["incidents"],
                children=cohort_children[c.key],
                offered=cohorts[c.key]["offered"],
                carried_out=cohorts[c.key]["carried_out"],
                in_time_own=cohorts[c.key]["in_time_own"],
            )
            for c in COHORTS
        ],
        independence=independence,
        interviews=interviews,
        referrals=findings.referrals,
        referrals_by_service=findings.by_service,
        referral_outcomes=findings.referral_outcomes,
        risk_indicators=findings.risk_indicators,
        places_by_kind=findings.places,
        associates_by_age=findings.associates,
        months=_months(scope, sums),
        policy=policy_at_end(scope),
        timed_elsewhere=TimedElsewhere.of_counts(
            episodes=counts["own_other_commission"], by_rules=codes.elsewhere
        ),
    )


def kept_figure_records(
    key: str, *, local_authority: Organisation, date_from: date, date_to: date, now: datetime | None = None
) -> list[int]:
    """``figure_records`` from the kept facts: the ids of the facts that hold the figure's key."""
    now = now or timezone.now()
    scope = Scope(date_from=date_from, date_to=date_to, local_authority=local_authority)
    if key not in FIGURES:
        raise KeyError(key)
    if not kept_ready(scope, now):
        return figure_records(
            key, local_authority=local_authority, date_from=date_from, date_to=date_to, now=now
        )
    return list(
        _facts(scope)
        .filter(figures__contains=f" {key} ")
        .order_by("episode_id")
        .values_list("episode_id", flat=True)
    )

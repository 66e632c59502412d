"""The finding tables of a kept return (referrals, risk indicators, places by kind, associates by age group),
each one grouped query that joins the period's headline facts to the findings' table in PostgreSQL: only the
groups' counts come back, never the period's RHI ids or one row per finding (``findings`` reads those into
Python for the reference). The groups are the reference's, written in SQL: a place of an unknown kind counts
as "Other", an associate's age group is ``findings._age_group``'s rule, a withdrawn referral does not count;
tests/reporting/test_kept_figures.py checks the tables equal the reference's."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from core.replica import read_connection
from referrals.models import Referral, ReferralOutcome, Service
from reporting.models import PerformanceFact
from reporting.performance.findings import ADULT, ADULT_AGE, AGE_NOT_RECORDED, UNDER_18, Ranked
from reporting.performance.rows import Scope
from rhi.models import Associate, Location, PlaceType, RiskIndicator, RiskIndicatorFinding

FACTS = PerformanceFact._meta.db_table
# The period's RHIs and their children, from the headline facts (an RHI is one child's).
RHIS = (
    f"SELECT DISTINCT rhi_id, child_id FROM {FACTS} "  # noqa: S608 - the model's table
    "WHERE organisation_id = %s AND missing_at >= %s AND missing_at < %s AND headline AND rhi_id IS NOT NULL"
)
PLACES = (
    "SELECT CASE WHEN l.place_type = ANY(%s) THEN l.place_type ELSE %s END AS kind, "  # noqa: S608 - the models' tables, no input
    "count(DISTINCT l.rhi_id), count(DISTINCT r.child_id) "
    f"FROM {Location._meta.db_table} l JOIN ({RHIS}) r ON r.rhi_id = l.rhi_id GROUP BY kind"
)
ASSOCIATES = (
    "SELECT CASE WHEN a.is_adult IS NOT NULL THEN CASE WHEN a.is_adult THEN %s ELSE %s END "  # noqa: S608 - the models' tables, no input
    "WHEN a.approximate_age IS NOT NULL THEN CASE WHEN a.approximate_age >= %s THEN %s ELSE %s END "
    "ELSE %s END AS age_group, count(DISTINCT a.rhi_id), count(DISTINCT r.child_id) "
    f"FROM {Associate._meta.db_table} a JOIN ({RHIS}) r ON r.rhi_id = a.rhi_id GROUP BY age_group"
)
REFERRALS = (
    "SELECT f.service, f.outcome, count(*), count(f.sent_at), "  # noqa: S608 - the models' tables, no input
    "count(*) FILTER (WHERE f.sent_at IS NOT NULL AND f.acknowledged_at IS NULL), count(f.acknowledged_at) "
    f"FROM {Referral._meta.db_table} f "
    f"WHERE f.withdrawn_at IS NULL AND f.rhi_id IN (SELECT rhi_id FROM ({RHIS}) r) GROUP BY f.service, f.outcome"
)
INDICATORS = (
    "SELECT i.indicator, count(DISTINCT i.rhi_id) "  # noqa: S608 - the models' tables, no input
    f"FROM {RiskIndicatorFinding._meta.db_table} i "
    f"WHERE i.rhi_id IN (SELECT rhi_id FROM ({RHIS}) r) GROUP BY i.indicator"
)


@dataclass(frozen=True)
class Findings:
    """The finding tables of a return, as ``PerformanceReturn`` holds them."""

    referrals: dict[str, int]
    by_service: list[tuple[str, str, int, int]]
    referral_outcomes: list[tuple[str, str, int]]
    risk_indicators: list[tuple[str, str, int]]
    places: list[Ranked]
    associates: list[Ranked]

    @classmethod
    def empty(cls) -> Findings:
        return cls({}, [], [], [], [], [])


def _ranked(labels: Sequence[tuple[str, str]], rows: Sequence[tuple[Any, ...]]) -> list[Ranked]:
    """Every group in the reference's fixed order, empty ones as 0 (``findings._in_order``)."""
    counts = {key: (rhis, children) for key, rhis, children in rows}
    return [Ranked(label, *counts.get(key, (0, 0))) for key, label in labels]


def _referrals(rows: Sequence[tuple[Any, ...]]) -> tuple[dict[str, int], list[Any], list[Any]]:
    made: Counter[str] = Counter()
    acknowledged: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    totals = {"made": 0, "sent": 0, "acknowledged": 0, "awaiting": 0, "with_outcome": 0}
    for service, outcome, n, sent, awaiting, acked in rows:
        totals["made"] += n
        totals["sent"] += sent
        totals["awaiting"] += awaiting
        totals["acknowledged"] += acked
        made[service] += n
        acknowledged[service] += acked
        if outcome:
            totals["with_outcome"] += n
            outcomes[outcome] += n
    by_service = [(s.value, s.label, made[s.value], acknowledged[s.value]) for s in Service if made[s.value]]
    by_outcome = [(o.value, o.label, outcomes[o.value]) for o in ReferralOutcome]
    return totals, by_service, by_outcome


def kept_findings(scope: Scope) -> Findings:
    """The finding tables over the RHIs of the scope's headline facts: four grouped queries."""
    assert scope.local_authority is not None
    period = [scope.local_authority.pk, scope.starts, scope.ends]
    ages = [ADULT, UNDER_18, ADULT_AGE, ADULT, UNDER_18, AGE_NOT_RECORDED]
    # The same database as the facts' other reads (core.replica), so the tables and the figures read one state.
    with read_connection().cursor() as cursor:
        cursor.execute(PLACES, [list(PlaceType.values), PlaceType.OTHER.value, *period])
        places = cursor.fetchall()
        cursor.execute(ASSOCIATES, [*ages, *period])
        associates = cursor.fetchall()
        cursor.execute(REFERRALS, period)
        referrals = cursor.fetchall()
        cursor.execute(INDICATORS, period)
        indicators = dict(cursor.fetchall())
    totals, by_service, by_outcome = _referrals(referrals)
    return Findings(
        totals,
        by_service,
        by_outcome,
        [(i.value, i.label, indicators.get(i.value, 0)) for i in RiskIndicator],
        _ranked([(str(kind.value), str(kind.label)) for kind in PlaceType], places),
        _ranked([(group, group) for group in (ADULT, UNDER_18, AGE_NOT_RECORDED)], associates),
    )

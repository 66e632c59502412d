"""The finding tables of a kept return (referrals, risk indicators, places by kind, associates by age group),
part of the one statement that reads the period's facts (``kept_read.SUMS``): the headline facts' RHIs joined
to the findings' tables in PostgreSQL, so only the groups' counts come back, never the period's RHI ids or one row per finding (``findings`` reads those into
Python for the reference). The groups are the reference's, written in SQL: a place of an unknown kind counts
as "Other", an associate's age group is ``findings._age_group``'s rule, a withdrawn referral does not count;
tests/reporting/test_kept_figures.py checks the tables equal the reference's."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from referrals.models import Referral, ReferralOutcome, Service
from reporting.performance.findings import ADULT, ADULT_AGE, AGE_NOT_RECORDED, UNDER_18, Ranked
from rhi.models import Associate, Location, PlaceType, RiskIndicator, RiskIndicatorFinding

# Parts of ``kept_read.SUMS``, the one statement that reads a period's facts (the CTE ``f``): the period's RHIs
# and their children from the headline facts (an RHI is one child's), then each finding table's groups as rows
# (what, k1…k5, n1…n4) beside the return's sums.
RHIS_CTE = (
    ", r AS MATERIALIZED (SELECT DISTINCT rhi_id, child_id FROM f WHERE headline AND rhi_id IS NOT NULL)"
)
FINDINGS = (  # the models' tables only; every value is a parameter
    "UNION ALL SELECT 'place', CASE WHEN l.place_type = ANY(%s) THEN l.place_type::text ELSE %s END, "  # noqa: S608
    "NULL, NULL, NULL, NULL, count(DISTINCT l.rhi_id), count(DISTINCT r.child_id), 0, 0 "
    f"FROM {Location._meta.db_table} l JOIN r ON r.rhi_id = l.rhi_id GROUP BY 2 "
    "UNION ALL SELECT 'associate', CASE WHEN a.is_adult IS NOT NULL THEN CASE WHEN a.is_adult THEN %s ELSE %s END "
    "WHEN a.approximate_age IS NOT NULL THEN CASE WHEN a.approximate_age >= %s THEN %s ELSE %s END ELSE %s END, "
    "NULL, NULL, NULL, NULL, count(DISTINCT a.rhi_id), count(DISTINCT r.child_id), 0, 0 "
    f"FROM {Associate._meta.db_table} a JOIN r ON r.rhi_id = a.rhi_id GROUP BY 2 "
    "UNION ALL SELECT 'referral', x.service, x.outcome, NULL, NULL, NULL, count(*), count(x.sent_at), "
    "count(*) FILTER (WHERE x.sent_at IS NOT NULL AND x.acknowledged_at IS NULL), count(x.acknowledged_at) "
    f"FROM {Referral._meta.db_table} x WHERE x.withdrawn_at IS NULL AND x.rhi_id IN (SELECT rhi_id FROM r) "
    "GROUP BY 2, 3 "
    "UNION ALL SELECT 'indicator', i.indicator, NULL, NULL, NULL, NULL, count(DISTINCT i.rhi_id), 0, 0, 0 "
    f"FROM {RiskIndicatorFinding._meta.db_table} i WHERE i.rhi_id IN (SELECT rhi_id FROM r) GROUP BY 2 "
)
FINDING_ROWS = ("place", "associate", "referral", "indicator")


def findings_params() -> list[Any]:
    """The parameters of ``FINDINGS``, in order."""
    return [
        list(PlaceType.values),
        PlaceType.OTHER.value,
        *(ADULT, UNDER_18, ADULT_AGE, ADULT, UNDER_18, AGE_NOT_RECORDED),
    ]


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
    counts = {key: (rhis, children) for key, *_, rhis, children, _, _ in rows}
    return [Ranked(label, *counts.get(key, (0, 0))) for key, label in labels]


def _referrals(rows: Sequence[tuple[Any, ...]]) -> tuple[dict[str, int], list[Any], list[Any]]:
    made: Counter[str] = Counter()
    acknowledged: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    totals = {"made": 0, "sent": 0, "acknowledged": 0, "awaiting": 0, "with_outcome": 0}
    for service, outcome, _, _, _, n, sent, awaiting, acked in rows:
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


def findings_of(rows: Mapping[str, Sequence[tuple[Any, ...]]]) -> Findings:
    """The finding tables from ``FINDINGS``' rows (k1…k5, n1…n4), by what they count."""
    indicators = {key: n for key, *_, n, _, _, _ in rows["indicator"]}
    totals, by_service, by_outcome = _referrals(rows["referral"])
    return Findings(
        totals,
        by_service,
        by_outcome,
        [(i.value, i.label, indicators.get(i.value, 0)) for i in RiskIndicator],
        _ranked([(str(kind.value), str(kind.label)) for kind in PlaceType], rows["place"]),
        _ranked([(group, group) for group in (ADULT, UNDER_18, AGE_NOT_RECORDED)], rows["associate"]),
    )

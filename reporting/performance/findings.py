"""The finding tables of the performance return: referrals, risk indicators, places by kind and associates by
age group, each one grouped query over the period's RHIs. Figures, never names: no description, town,
postcode or name is read (the return is for figures-only roles)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet

from referrals.models import Referral, ReferralOutcome, Service, in_force
from reporting.fast_reads import ids_in, read_by_ids
from rhi.models import Associate, Location, PlaceType, RiskIndicator, RiskIndicatorFinding


@dataclass(frozen=True)
class Ranked:
    label: str
    rhis: int
    children: int


RhiIds = list[int]
Grouped = Mapping[str, tuple[set[int], set[int]]]
ADULT, UNDER_18, AGE_NOT_RECORDED = "Adult (18 or over)", "Under 18", "Age not recorded"
ADULT_AGE = 18


# Each table's query takes the RHI ids as its one parameter, so its SQL is compiled once (rows.read_by_ids).
def _places_of(rhi_ids: RhiIds) -> QuerySet[Any, Any]:
    return Location.objects.filter(ids_in("rhi_id", rhi_ids)).order_by().values_list("place_type", "rhi_id")


def _associates_of(rhi_ids: RhiIds) -> QuerySet[Any, Any]:
    return (
        Associate.objects.filter(ids_in("rhi_id", rhi_ids))
        .order_by()
        .values_list("is_adult", "approximate_age", "rhi_id")
    )


def _referrals_of(rhi_ids: RhiIds) -> QuerySet[Any, Any]:
    return (
        Referral.objects.filter(ids_in("rhi_id", rhi_ids), in_force())
        .order_by()
        .values_list("service", "sent_at", "acknowledged_at", "outcome")
    )


def _indicators_of(rhi_ids: RhiIds) -> QuerySet[Any, Any]:
    return (
        RiskIndicatorFinding.objects.filter(ids_in("rhi_id", rhi_ids))
        .values("indicator")
        .annotate(n=Count("rhi_id", distinct=True))
        .order_by()
        .values_list("indicator", "n")
    )


def places_by_kind(rhi_ids: RhiIds, child_of: Mapping[int, int]) -> list[Ranked]:
    """Places by kind only: a description, town or postcode is intelligence, not a figure."""
    grouped: dict[str, tuple[set[int], set[int]]] = defaultdict(lambda: (set(), set()))
    for place_type, rhi_id in read_by_ids(_places_of, rhi_ids):
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


def associates_by_age(rhi_ids: RhiIds, child_of: Mapping[int, int]) -> list[Ranked]:
    """Associates by age group only: names are intelligence, never shown to a figures-only role."""
    grouped: dict[str, tuple[set[int], set[int]]] = defaultdict(lambda: (set(), set()))
    for is_adult, age, rhi_id in read_by_ids(_associates_of, rhi_ids):
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


def referral_counts(
    rhi_ids: RhiIds,
) -> tuple[dict[str, int], list[tuple[str, str, int, int]], list[tuple[str, str, int]]]:
    made: Counter[str] = Counter()
    acknowledged: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    totals = {"made": 0, "sent": 0, "acknowledged": 0, "awaiting": 0, "with_outcome": 0}
    for service, sent_at, acknowledged_at, outcome in read_by_ids(_referrals_of, rhi_ids):
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


def risk_indicators(rhi_ids: RhiIds) -> list[tuple[str, str, int]]:
    counts: dict[str, int] = dict(read_by_ids(_indicators_of, rhi_ids))
    return [(i.value, i.label, counts.get(i.value, 0)) for i in RiskIndicator]

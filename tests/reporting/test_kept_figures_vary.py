"""Kept figures equal the reference for any mix of episodes and RHIs (hypothesis), read at any instant, and on
the small demo data for every authority, period, figure and the records behind every figure."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Organisation, OrganisationKind
from missing_episodes.models import EpisodeCategory, MissingFrom
from reporting.performance import FIGURES, figure_records, performance_figures
from reporting.performance.kept import rebuild_facts
from reporting.performance.kept_read import kept_figure_records, kept_performance_figures
from rhi.models import ClockPolicy, DeclinedBy, DeclineReason, Outcome, RepeatRule, RHIState
from tests.factories_domain import ChildFactory, LocalAuthorityFactory, MissingEpisodeFactory
from tests.reporting.performance_world import NORTH_RULES, NOW, interview, rhi_for, snapshot, utc

START = utc(2025, 9, 1)
RHI_KINDS = st.sampled_from(["none", "open", "held", "declined", "bunched"])


@st.composite
def episodes(draw: st.DrawFn) -> dict:
    missing = START + timedelta(hours=draw(st.integers(0, 24 * 60)))
    away = draw(st.none() | st.integers(1, 24 * 5))
    returned = None if away is None else missing + timedelta(hours=away)
    notified = draw(st.none() | st.integers(0, 48))
    return {
        "missing_at": missing,
        "returned_at": returned,
        "police_notified_at": None if notified is None else missing + timedelta(hours=notified),
        "category": draw(st.sampled_from(EpisodeCategory.values)),
        "missing_from": draw(st.sampled_from(MissingFrom.values)),
        "rhi": draw(RHI_KINDS),
        "held_after": draw(st.integers(1, 24 * 6)),
        "child": draw(st.integers(0, 3)),
    }


def make(la: Organisation, specs: list[dict]) -> None:
    children = [ChildFactory.create(responsible_la=la) for _ in range(4)]
    snap = snapshot(NORTH_RULES, RepeatRule.BUNCH_FROM_LATEST)
    previous = None
    for spec in sorted(specs, key=lambda s: s["missing_at"]):
        episode = MissingEpisodeFactory.create(
            child=children[spec["child"]],
            **{
                k: spec[k]
                for k in ("missing_at", "returned_at", "police_notified_at", "category", "missing_from")
            },
        )
        kind = spec["rhi"]
        base = spec["returned_at"] or spec["missing_at"]
        if kind == "open":
            rhi_for([episode], la=la, provider=la, snap=snap, state=RHIState.CONTACTING)
        elif kind == "held":
            rhi = rhi_for(
                [episode],
                la=la,
                provider=la,
                snap=snap,
                state=RHIState.DRAFTING,
                outcome=Outcome.ACCEPTED,
                offered_at=base + timedelta(hours=1),
            )
            interview(rhi, base + timedelta(hours=spec["held_after"]))
        elif kind == "declined":
            rhi_for(
                [episode],
                la=la,
                provider=la,
                snap=snap,
                state=RHIState.DECLINED,
                outcome=Outcome.DECLINED,
                offered_at=base + timedelta(hours=2),
                declined_by=DeclinedBy.CHILD,
                decline_reason=DeclineReason.values[0],
            )
        elif kind == "bunched" and previous is not None:
            rhi_for(
                [episode, previous],
                la=la,
                provider=la,
                snap=snap,
                counts=[True, False],
                state=RHIState.OFFERED,
                offered_at=base + timedelta(hours=3),
            )
            previous = None
            continue
        previous = episode if kind == "none" else None


def assert_equal(
    la: Organisation, now: datetime, date_from: date, date_to: date, *, records: bool = True
) -> None:
    reference = performance_figures(local_authority=la, date_from=date_from, date_to=date_to, now=now)
    assert (
        kept_performance_figures(local_authority=la, date_from=date_from, date_to=date_to, now=now)
        == reference
    )
    if records:
        for key in FIGURES:
            assert kept_figure_records(
                key, local_authority=la, date_from=date_from, date_to=date_to, now=now
            ) == (figure_records(key, local_authority=la, date_from=date_from, date_to=date_to, now=now)), key


@pytest.mark.django_db
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    specs=st.lists(episodes(), min_size=1, max_size=8),
    built_at_hours=st.integers(0, 24 * 70),
    read_after_hours=st.integers(0, 24 * 30),
    day_from=st.integers(0, 40),
    days=st.integers(0, 60),
)
def test_kept_figures_equal_the_reference_for_any_episodes_read_at_any_later_instant(
    specs: list[dict], built_at_hours: int, read_after_hours: int, day_from: int, days: int
) -> None:
    la = LocalAuthorityFactory.create()
    ClockPolicy.objects.create(
        local_authority=la, effective_from=date(2020, 1, 1), repeat_rule=RepeatRule.BUNCH_FROM_LATEST
    )
    make(la, specs)
    built_at = START + timedelta(hours=built_at_hours)
    rebuild_facts(organisation_id=la.pk, now=built_at)
    date_from = START.date() + timedelta(days=day_from)
    for now in (built_at, built_at + timedelta(hours=read_after_hours)):
        assert_equal(la, now, date_from, date_from + timedelta(days=days), records=now != built_at)


def test_on_the_demo_data_every_authority_s_kept_return_and_records_equal_the_reference(
    seeded_demo: None, db: None
) -> None:
    call_command("rebuild_performance_facts")
    authorities = Organisation.objects.filter(kind=OrganisationKind.LOCAL_AUTHORITY).order_by("code")
    compared = 0
    for authority in authorities:
        for date_from, date_to in (
            (date(2024, 4, 1), date(2025, 3, 31)),
            (date(2025, 1, 15), date(2026, 3, 18)),
        ):
            assert_equal(authority, NOW, date_from, date_to, records=date_from.month == 4)
            compared += 1
    assert compared >= 10

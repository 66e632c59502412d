"""Kept figures (issue 18 part 3): the performance return read from the kept facts equals the reference,
``performance_figures``, for every figure, cohort, month and the records behind every figure — for any period,
after changes to what the return reads (marked by the database's triggers in the changing transaction), after
a change of clock policy and across time passing a deadline."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Organisation, Role
from missing_episodes.models import CareLegalStatus, CarePeriod, EpisodeCategory, MissingEpisode
from reporting.models import PerformanceFact, PerformanceFactBuild, PerformanceFactMark
from reporting.performance import FIGURES, figure_records, performance_figures
from reporting.performance.kept import sweep_facts
from reporting.performance.kept_read import kept_figure_records, kept_performance_figures, kept_ready
from reporting.performance.rows import Scope
from reporting.tasks import refresh_performance_facts_task
from rhi.models import ClockPolicy, Outcome, ReturnHomeInterview, RHIEpisode, RHIState
from tests.factories import user_with_role
from tests.factories_domain import ChildFactory, LocalAuthorityFactory, MissingEpisodeFactory
from tests.reporting.performance_world import NOW, YEAR, PerformanceWorld, build_world, rhi_for, utc

pytestmark = pytest.mark.django_db

PERIODS = (
    (YEAR["date_from"], YEAR["date_to"]),
    (date(2025, 5, 1), date(2025, 5, 31)),
    (date(2025, 5, 24), date(2025, 9, 2)),  # starts and ends inside months
    (date(2024, 4, 1), date(2026, 6, 1)),
)


def assert_kept_equals_reference(
    la: Organisation, now: datetime, periods: tuple[tuple[date, date], ...] = PERIODS
) -> None:
    for date_from, date_to in periods:
        reference = performance_figures(local_authority=la, date_from=date_from, date_to=date_to, now=now)
        kept = kept_performance_figures(local_authority=la, date_from=date_from, date_to=date_to, now=now)
        assert kept == reference, (la.code, date_from, date_to)
        for key in FIGURES:
            expected = figure_records(key, local_authority=la, date_from=date_from, date_to=date_to, now=now)
            kept_ids = kept_figure_records(
                key, local_authority=la, date_from=date_from, date_to=date_to, now=now
            )
            assert kept_ids == expected, (la.code, key, date_from, date_to)


def reads_kept(la: Organisation, now: datetime) -> bool:
    return kept_ready(Scope(local_authority=la, **YEAR), now)


@pytest.fixture
def world() -> PerformanceWorld:
    world = build_world()
    call_command("rebuild_performance_facts")
    return world


def test_the_rebuilt_facts_give_every_figure_cohort_month_and_record_of_the_reference(
    world: PerformanceWorld,
) -> None:
    assert PerformanceFact.objects.filter(organisation=world.north).count() > 0
    for la in (world.north, world.south):
        assert reads_kept(la, NOW)
        assert_kept_equals_reference(la, NOW)


def test_a_kept_return_reads_no_episode_rows_and_its_query_count_does_not_grow_with_the_episodes(
    world: PerformanceWorld,
) -> None:
    def queries() -> int:
        kept_performance_figures(local_authority=world.north, now=NOW, **YEAR)  # takes in what is marked
        with CaptureQueriesContext(connection) as ctx:
            kept_performance_figures(local_authority=world.north, now=NOW, **YEAR)
        assert not [q for q in ctx.captured_queries if "missing_episodes_missingepisode" in q["sql"]]
        return len(ctx.captured_queries)

    before = queries()
    for day in range(1, 20):
        MissingEpisodeFactory.create(
            child=ChildFactory.create(responsible_la=world.north),
            missing_at=utc(2025, 10, day, 9),
            returned_at=utc(2025, 10, day, 15),
        )
    assert queries() == before


def test_a_kept_return_with_nothing_waiting_reads_the_facts_in_two_queries_its_check_and_its_sums(
    world: PerformanceWorld,
) -> None:
    kept_performance_figures(local_authority=world.north, now=NOW, **YEAR)  # takes in what is marked
    with CaptureQueriesContext(connection) as ctx:
        kept_performance_figures(local_authority=world.north, now=NOW, **YEAR)
    facts = [q["sql"] for q in ctx.captured_queries if "reporting_performancefact" in q["sql"]]
    assert len(facts) == 2
    assert facts[0].startswith("SELECT EXISTS") and facts[1].startswith("WITH f AS MATERIALIZED")
    assert (
        "rhi_location" in facts[1] and "referrals_referral" in facts[1]
    )  # the finding tables, same statement


def test_an_episode_corrected_reclassified_or_added_is_marked_in_its_transaction_and_counted_at_once(
    world: PerformanceWorld,
) -> None:
    MissingEpisode.objects.filter(pk=world.a.pk).update(returned_at=utc(2025, 5, 26, 9))  # a correction
    MissingEpisode.objects.filter(pk=world.c.pk).update(category_in_returns=EpisodeCategory.ABSENT)
    MissingEpisode.objects.filter(pk=world.e1.pk).update(missing_from="other")
    added = MissingEpisodeFactory.create(
        child=world.b1.child, missing_at=utc(2025, 11, 3, 9), returned_at=utc(2025, 11, 3, 18)
    )
    marked = set(PerformanceFactMark.objects.values_list("episode_id", flat=True))
    assert {world.a.pk, world.c.pk, world.e1.pk, added.pk} <= marked
    assert reads_kept(world.north, NOW)
    assert_kept_equals_reference(world.north, NOW)
    assert not PerformanceFactMark.objects.filter(episode_id=added.pk).exists()  # the read took it in


def test_an_rhi_superseded_its_outcome_changed_or_its_interview_removed_is_counted_as_the_reference_does(
    world: PerformanceWorld,
) -> None:
    later = MissingEpisodeFactory.create(
        child=world.c.child, missing_at=utc(2025, 7, 1, 9), returned_at=utc(2025, 7, 1, 18)
    )
    old_rhi = RHIEpisode.objects.get(episode=world.c).rhi
    successor = rhi_for(
        [later],
        la=world.north,
        provider=world.charity,
        snap=old_rhi.policy_snapshot,
        state=RHIState.DRAFTING,
        outcome=Outcome.ACCEPTED,
        offered_at=utc(2025, 7, 2, 9),
    )
    assert_kept_equals_reference(world.north, NOW)
    ReturnHomeInterview.objects.filter(pk=old_rhi.pk).update(
        superseded_by=successor, state=RHIState.SUPERSEDED
    )
    assert_kept_equals_reference(world.north, NOW)
    # A change to the successor reaches the episode it answers for.
    ReturnHomeInterview.objects.filter(pk=successor.pk).update(
        outcome=Outcome.DECLINED, decline_reason="other", declined_by="child"
    )
    assert_kept_equals_reference(world.north, NOW)
    RHIEpisode.objects.filter(episode=world.d).delete()
    assert_kept_equals_reference(world.north, NOW)


def test_a_period_of_care_recorded_moves_the_episodes_between_the_looked_after_cohorts(
    world: PerformanceWorld,
) -> None:
    CarePeriod.objects.create(
        child=world.a.child, start_date=date(2025, 1, 1), end_date=None, legal_status=CareLegalStatus.C2
    )
    assert_kept_equals_reference(world.north, NOW)


def test_a_change_of_clock_policy_is_read_in_full_until_the_sweep_rebuilds_the_authority(
    world: PerformanceWorld,
) -> None:
    ClockPolicy.objects.create(
        local_authority=world.north,
        effective_from=date(2025, 6, 1),
        complete_unit="working_days",
        complete_length=3,
    )
    assert not reads_kept(world.north, NOW)  # the reference answers meanwhile
    assert_kept_equals_reference(world.north, NOW)
    refresh_performance_facts_task()
    assert reads_kept(world.north, NOW)
    assert_kept_equals_reference(world.north, NOW)


@pytest.fixture
def open_clock() -> Iterator[tuple[Organisation, MissingEpisode]]:
    """An episode returned at 09:00 on 2 March 2026 whose RHI is open with no interview: 72 hours from the
    return, due 09:00 on 5 March."""
    with time_machine.travel(datetime(2026, 3, 3, 12, tzinfo=UTC), tick=False):
        world = build_world()
        episode = MissingEpisodeFactory.create(
            child=ChildFactory.create(responsible_la=world.north),
            missing_at=utc(2026, 3, 1, 20),
            returned_at=utc(2026, 3, 2, 9),
        )
        rhi_for(
            [episode],
            la=world.north,
            provider=world.charity,
            snap=RHIEpisode.objects.get(episode=world.a).rhi.policy_snapshot,
            state=RHIState.ALLOCATED,
        )
        call_command("rebuild_performance_facts")
        yield world.north, episode


def test_an_open_clock_turns_from_not_yet_due_to_not_done_as_time_passes_its_deadline(
    open_clock: tuple[Organisation, MissingEpisode],
) -> None:
    la, episode = open_clock
    fact = PerformanceFact.objects.get(organisation=la, episode=episode)
    assert fact.valid_until == utc(2026, 3, 5, 9)
    assert " own__not_yet_due " in fact.figures
    period = ((date(2026, 3, 1), date(2026, 3, 31)),)
    for moment in (utc(2026, 3, 4, 12), utc(2026, 3, 5, 9), utc(2026, 3, 5, 9, 1), utc(2026, 4, 2)):
        with time_machine.travel(moment, tick=False):
            assert_kept_equals_reference(la, moment, period)
    with time_machine.travel(utc(2026, 3, 6), tick=False):
        ids = kept_figure_records(
            "own__not_done", local_authority=la, date_from=period[0][0], date_to=period[0][1]
        )
        assert episode.pk in ids
    # Read at an earlier instant again (a return "as at"): the facts are made again for it.
    assert_kept_equals_reference(la, utc(2026, 3, 4), period)


def test_the_beat_sweep_makes_again_the_facts_whose_deadline_passed_and_takes_in_every_mark(
    open_clock: tuple[Organisation, MissingEpisode],
) -> None:
    la, episode = open_clock
    MissingEpisode.objects.filter(pk=episode.pk).update(police_reference="X/1")
    assert PerformanceFactMark.objects.filter(episode_id=episode.pk).exists()
    later = utc(2026, 3, 6)
    assert sweep_facts(now=later) >= 1
    assert not PerformanceFactMark.objects.exists()
    fact = PerformanceFact.objects.get(organisation=la, episode=episode)
    assert " own__not_done " in fact.figures
    assert fact.valid_until is None or fact.valid_until > later


def test_an_authority_never_built_is_computed_in_full(world: PerformanceWorld) -> None:
    PerformanceFact.objects.filter(organisation=world.south).delete()
    PerformanceFactBuild.objects.filter(organisation=world.south).delete()
    assert not reads_kept(world.south, NOW)
    assert_kept_equals_reference(world.south, NOW, PERIODS[:1])


def test_facts_are_made_again_when_an_episode_moves_to_another_authority(world: PerformanceWorld) -> None:
    MissingEpisode.objects.filter(pk=world.a.pk).update(responsible_la=world.south)
    assert_kept_equals_reference(world.north, NOW, PERIODS[:1])
    assert_kept_equals_reference(world.south, NOW, PERIODS[:1])
    assert PerformanceFact.objects.get(organisation=world.south, episode=world.a).headline


def test_the_lead_s_return_dashboard_and_records_pages_read_the_kept_facts_and_show_the_reference_figures(
    client: Client, world: PerformanceWorld
) -> None:
    lead = user_with_role(Role.PERFORMANCE_LEAD, organisation=world.north)
    client.force_login(lead)
    period: dict[str, str | int] = {"la": world.north.pk, "date_from": "2025-04-01", "date_to": "2026-03-31"}
    with time_machine.travel(NOW, tick=False):
        with CaptureQueriesContext(connection) as ctx:
            page = client.get(reverse("performance:return"), period)
        assert any(PerformanceFact._meta.db_table in q["sql"] for q in ctx.captured_queries)
        assert page.context["result"] == performance_figures(local_authority=world.north, now=NOW, **YEAR)
        board = client.get(reverse("performance:dashboard")).context["board"]
        last_year = performance_figures(
            local_authority=world.north,
            date_from=board.last_period.date_from,
            date_to=board.last_period.date_to,
            now=NOW,
        )
        assert (board.last_year.counts, board.last_year.children) == (last_year.counts, last_year.children)
        assert board.this_year == performance_figures(
            local_authority=world.north,
            date_from=board.this_period.date_from,
            date_to=board.this_period.date_to,
            now=board.this_year.generated_at,
        )
        MissingEpisode.objects.filter(pk=world.a.pk).update(police_reference="")
        html = client.get(reverse("performance:records", args=["dq_no_police_reference"]), period).content
        assert f"EP-{world.a.pk}".encode() in html


def test_the_sweep_drops_marks_no_built_authority_needs_and_keeps_its_facts_of_built_ones(
    world: PerformanceWorld,
) -> None:
    elsewhere = LocalAuthorityFactory.create(code="899", name="Never built")
    unbuilt = MissingEpisodeFactory.create(
        child=ChildFactory.create(responsible_la=elsewhere), missing_at=utc(2025, 8, 1, 9)
    )
    ClockPolicy.objects.create(local_authority=elsewhere, effective_from=date(2024, 1, 1))
    MissingEpisode.objects.filter(pk=world.b2.pk).update(police_reference="")
    refresh_performance_facts_task()
    assert not PerformanceFactMark.objects.exists()
    assert not PerformanceFact.objects.filter(episode=unbuilt).exists()
    assert (
        " dq_no_police_reference "
        in PerformanceFact.objects.get(organisation=world.north, episode=world.b2).figures
    )


def test_the_rebuild_command_with_unbuilt_builds_only_the_authorities_never_built() -> None:
    world = build_world()
    call_command("rebuild_performance_facts", "--la", world.north.code)
    first = PerformanceFactBuild.objects.get(organisation=world.north).built_at

    call_command("rebuild_performance_facts", "--unbuilt")

    assert PerformanceFactBuild.objects.get(organisation=world.north).built_at == first
    las = Organisation.objects.filter(kind="local_authority").values_list("pk", flat=True)
    assert set(PerformanceFactBuild.objects.values_list("organisation_id", flat=True)) == set(las)

"""Reclassified episodes in the returns (issue 14 item 3; docs/returns.md, "Reclassified episodes"): the one rule
(``missing_episodes.classification.category_for_returns``) checked against its definition over any sequence of
changes, and every return (SSDA903 Missing, Annex A list 8, the performance return) counting an episode the
police reclassified under the category the rule gives."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Organisation, Role, User
from missing_episodes.care_services import record_care_period
from missing_episodes.classification import CategoryChange, category_for_returns, returns_category
from missing_episodes.episode_changes import reclassify_episode
from missing_episodes.models import CareLegalStatus, Child, EpisodeCategory, MissingEpisode
from reporting import annex_a, ssda903
from reporting.performance import figure_records, performance_figures
from reporting.periods import CollectionYear
from tests.factories import member
from tests.factories_domain import ChildFactory, LocalAuthorityFactory, MissingEpisodeFactory

START = datetime(2025, 6, 1, 12, tzinfo=UTC)
CATEGORIES = st.sampled_from([EpisodeCategory.MISSING.value, EpisodeCategory.ABSENT.value])


def held_during(initial: str, changes: list[CategoryChange], returned_at: datetime | None) -> set[str]:
    """The definition, instant by instant: the category in force at the start and after each change the
    police made before the return."""
    held = {initial}
    for change in changes:
        if returned_at is None or change.changed_at < returned_at:
            held.add(change.new_value)
    return held


@st.composite
def histories(draw: st.DrawFn) -> tuple[str, list[CategoryChange], datetime | None]:
    """A category at the start, then alternating reclassifications at increasing minutes, maybe a return."""
    category = draw(CATEGORIES)
    minutes = sorted(draw(st.lists(st.integers(min_value=0, max_value=5000), max_size=6, unique=True)))
    changes = []
    for minute in minutes:
        new = (
            EpisodeCategory.ABSENT.value
            if category == EpisodeCategory.MISSING
            else EpisodeCategory.MISSING.value
        )
        changes.append(
            CategoryChange(changed_at=START + timedelta(minutes=minute), old_value=category, new_value=new)
        )
        category = new
    returned = draw(st.none() | st.integers(min_value=1, max_value=6000))
    return (
        changes[0].old_value if changes else category,
        changes,
        (None if returned is None else START + timedelta(minutes=returned)),
    )


@given(histories())
def test_the_rule_counts_missing_if_missing_at_any_time_while_away_and_a_later_change_decides_alone(
    history: tuple[str, list[CategoryChange], datetime | None],
) -> None:
    initial, changes, returned_at = history
    current = changes[-1].new_value if changes else initial
    counted = category_for_returns(category=current, changes=changes, returned_at=returned_at)
    later = [c for c in changes if returned_at is not None and c.changed_at >= returned_at]
    if not changes:
        assert counted == initial
    elif later:
        assert counted == later[-1].new_value == current
    else:
        expected = "missing" if "missing" in held_during(initial, changes, returned_at) else "absent"
        assert counted == expected
    assert counted in ("missing", "absent")


@given(histories())
def test_an_episode_never_reclassified_after_its_return_is_never_counted_absent_once_missing(
    history: tuple[str, list[CategoryChange], datetime | None],
) -> None:
    initial, changes, returned_at = history
    during = [c for c in changes if returned_at is None or c.changed_at < returned_at]
    counted = category_for_returns(
        category=during[-1].new_value if during else initial, changes=during, returned_at=returned_at
    )
    if initial == "missing" or any(c.new_value == "missing" for c in during):
        assert counted == "missing"


# --- every return reads it ------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with time_machine.travel(datetime(2026, 5, 10, 12, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def la(db: None) -> Organisation:
    return LocalAuthorityFactory.create(code="202", name="Camden")


def looked_after_child(la: Organisation, child_id: str) -> Child:
    child = ChildFactory.create(
        responsible_la=la, la_child_id=child_id, date_of_birth=date(2010, 6, 15), care_period=False
    )
    record_care_period(
        child=child,
        start_date=date(2024, 1, 1),
        end_date=None,
        legal_status=CareLegalStatus.C2,
        by=None,
        source="import",
    )
    return child


def episode(child: Child, category: str, start: datetime, end: datetime) -> MissingEpisode:
    return MissingEpisodeFactory.create(
        child=child, category=category, missing_at=start, returned_at=end, was_out_of_area=False
    )


def reclassify(episode: MissingEpisode, category: str, at: datetime, by: object) -> None:
    episode.refresh_from_db()
    reclassify_episode(
        episode_id=episode.pk,
        expected_updated_at=episode.updated_at.isoformat(),
        category=category,
        risk_level=episode.risk_level,
        changed_at=at,
        by=by,  # type: ignore[arg-type]
    )


@pytest.mark.django_db
def test_every_return_counts_an_escalated_then_downgraded_episode_as_missing_and_a_later_review_as_absent(
    la: Organisation,
) -> None:
    worker = member("camden-worker", la, Role.RHI_WORKER)
    child = looked_after_child(la, "RECLASS")
    start, end = datetime(2025, 9, 1, 10, tzinfo=UTC), datetime(2025, 9, 2, 10, tzinfo=UTC)
    escalated = episode(child, "absent", start, end)
    reclassify(escalated, "missing", start + timedelta(hours=3), worker)
    reclassify(escalated, "absent", start + timedelta(hours=6), worker)  # still away: it was missing
    reviewed = episode(child, "missing", start + timedelta(days=10), end + timedelta(days=10))
    reclassify(reviewed, "absent", end + timedelta(days=11), worker)  # after the return: decides alone
    plain = episode(child, "absent", start + timedelta(days=20), end + timedelta(days=20))
    for one in (escalated, reviewed, plain):
        one.refresh_from_db()
    assert [one.category for one in (escalated, reviewed, plain)] == ["absent", "absent", "absent"]

    year = CollectionYear.starting(2025)
    codes = [row[4] for row in ssda903.missing_records(local_authority_id=la.pk, year=year)]
    assert codes == ["M", "A", "A"]

    rows = annex_a.list8_rows(local_authority_id=la.pk, as_at=date(2026, 3, 31))
    row = dict(zip(annex_a.COLUMNS, rows[0], strict=True))
    assert (
        row["Number of Episodes the Child has been 'Missing' from their Placement in the last 12 months"] == 1
    )
    assert (
        row["Number of Episodes the Child has been 'Absent' from their Placement in the last 12 months"] == 2
    )

    first, last = date(2025, 4, 1), date(2026, 3, 31)
    assert figure_records("cohort_missing", local_authority=la, date_from=first, date_to=last) == [
        escalated.pk
    ]
    assert figure_records("cohort_absent", local_authority=la, date_from=first, date_to=last) == sorted(
        [reviewed.pk, plain.pk]
    )
    figures = performance_figures(local_authority=la, date_from=first, date_to=last)
    cohorts = {c.key: c for c in figures.cohorts}
    assert (cohorts["missing"].incidents, cohorts["absent"].incidents) == (1, 2)


def camden_worker(la: Organisation) -> User:
    return User.objects.filter(username="camden-worker").first() or member(
        "camden-worker", la, Role.RHI_WORKER
    )


@pytest.mark.django_db
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    initial=CATEGORIES,
    steps=st.lists(st.tuples(CATEGORIES, st.integers(min_value=0, max_value=900)), max_size=5),
    returned=st.none() | st.integers(min_value=1, max_value=3000),
)
def test_every_return_reads_the_rule_for_any_changes_recorded_on_the_episode_page(
    la: Organisation, initial: str, steps: list[tuple[str, int]], returned: int | None
) -> None:
    """Recorded through the service one after another (each at or after the last), the category every return
    reads is the definition's: the latest change at or after the return alone, else missing if missing at any
    instant while away."""
    worker = camden_worker(la)
    child = ChildFactory.create(responsible_la=la, care_period=False)
    returned_at = None if returned is None else START + timedelta(minutes=returned)
    one = MissingEpisodeFactory.create(
        child=child, category=initial, missing_at=START, returned_at=returned_at
    )
    current, at, in_force = initial, START, [(START, initial)]
    for category, gap in steps:
        at += timedelta(minutes=gap)
        if category == current:
            continue
        reclassify(one, category, at, worker)
        current = category
        in_force.append((at, category))
    after = [value for when, value in in_force[1:] if returned_at is not None and when >= returned_at]
    during = {value for when, value in in_force if returned_at is None or when < returned_at or when == START}
    expected = after[-1] if after else ("missing" if "missing" in during else "absent")
    counted = MissingEpisode.objects.annotate(counted=returns_category()).get(pk=one.pk).counted
    assert counted == expected

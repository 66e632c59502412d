"""The performance return's cohorts are named for what they count (issue 13 part 3): "missing from a care
placement" is where the police recorded the episode began; "looked after when the episode began" comes from the
child's periods of care, on the UK date the episode began (the rule of SSDA903 and Annex A).

North, collection year 2025/26:
  P  at home: P1 missing from home Fri 1 Aug 2025; became looked after on Thu 1 Jan 2026; P2 missing from care
     Sat 10 Jan 2026. P1 is not looked after (care began later), P2 is.
  Q  looked after since 2020, care ceased Wed 15 Oct 2025 (DEC: not looked after that day). Q1 Mon 1 Sep 2025
     (looked after); Q2 Wed 15 Oct 10:00, recorded by the police as from a care placement but the day care
     ceased (not looked after); Q3 Mon 3 Nov from home (not).
  R  care began Tue 2 Sep 2025; R1 went missing Mon 1 Sep 23:30 UTC = Tue 2 Sep 00:30 BST: the UK date is 2 Sep,
     so looked after.
Looked after when the episode began: P2, Q1, R1 (children P, Q, R). Not: P1, Q2, Q3 (children P, Q).
"""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Organisation
from missing_episodes.models import CareLegalStatus, CarePeriod, Child, MissingEpisode, MissingFrom
from reporting.performance import figure_records, performance_figures
from tests.factories_domain import ChildFactory, LocalAuthorityFactory, MissingEpisodeFactory
from tests.reporting.performance_world import NOW, YEAR, utc

pytestmark = pytest.mark.django_db


def _care(child: Child, start: date, end: date | None = None) -> None:
    CarePeriod.objects.create(child=child, start_date=start, end_date=end, legal_status=CareLegalStatus.C2)


def _episode(child: Child, when: object, missing_from: str = MissingFrom.HOME) -> MissingEpisode:
    return MissingEpisodeFactory.create(
        child=child, missing_at=when, missing_from=missing_from, was_out_of_area=False
    )


@pytest.fixture
def north() -> Organisation:
    return LocalAuthorityFactory.create(code="831", name="North")


@pytest.fixture
def episodes(north: Organisation) -> dict[str, MissingEpisode]:
    p, q, r = (ChildFactory.create(responsible_la=north, care_period=False) for _ in range(3))
    _care(p, date(2026, 1, 1))
    _care(q, date(2020, 1, 1), date(2025, 10, 15))
    _care(r, date(2025, 9, 2))
    return {
        "p1": _episode(p, utc(2025, 8, 1, 10)),
        "p2": _episode(p, utc(2026, 1, 10, 10), MissingFrom.CARE),
        "q1": _episode(q, utc(2025, 9, 1, 10), MissingFrom.CARE),
        "q2": _episode(q, utc(2025, 10, 15, 9), MissingFrom.CARE),
        "q3": _episode(q, utc(2025, 11, 3, 10)),
        "r1": _episode(r, utc(2025, 9, 1, 23, 30), MissingFrom.CARE),
    }


def test_cohorts_say_whether_the_child_was_looked_after_when_each_episode_began(
    north: Organisation, episodes: dict[str, MissingEpisode]
) -> None:
    cohorts = {row.key: row for row in performance_figures(local_authority=north, now=NOW, **YEAR).cohorts}
    assert (cohorts["looked_after_at_start"].incidents, cohorts["looked_after_at_start"].children) == (3, 3)
    assert (
        cohorts["not_looked_after_at_start"].incidents,
        cohorts["not_looked_after_at_start"].children,
    ) == (3, 2)
    records = figure_records("cohort_looked_after_at_start", local_authority=north, now=NOW, **YEAR)
    assert records == sorted(episodes[k].pk for k in ("p2", "q1", "r1"))


def test_missing_from_a_care_placement_is_the_police_record_not_the_legal_status(
    north: Organisation, episodes: dict[str, MissingEpisode]
) -> None:
    from_care = figure_records("cohort_from_care_in_area", local_authority=north, now=NOW, **YEAR)
    looked_after = figure_records("cohort_looked_after_at_start", local_authority=north, now=NOW, **YEAR)
    assert episodes["q2"].pk in from_care and episodes["q2"].pk not in looked_after  # the day care ceased
    labels = {
        row.key: row.label for row in performance_figures(local_authority=north, now=NOW, **YEAR).cohorts
    }
    assert labels["from_care_in_area"] == "Missing from a care placement, in area"
    assert labels["looked_after_at_start"] == "Looked after when the episode began (periods of care)"


def test_the_looked_after_flag_comes_with_the_rows_in_one_query_whatever_the_number_of_episodes(
    north: Organisation, episodes: dict[str, MissingEpisode]
) -> None:
    with CaptureQueriesContext(connection) as few:
        performance_figures(local_authority=north, now=NOW, **YEAR)
    for index in range(10):
        child = ChildFactory.create(responsible_la=north, care_period=False)
        _care(child, date(2025, 1, 1))
        _episode(child, utc(2025, 12, 1 + index, 10), MissingFrom.CARE)
    with CaptureQueriesContext(connection) as many:
        performance_figures(local_authority=north, now=NOW, **YEAR)
    assert len(many) == len(few)

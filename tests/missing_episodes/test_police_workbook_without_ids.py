"""Issue 14's intake as the police send it, all at once: an Excel workbook with the force's own headings, no
LA child id column, UK dates typed as text and real date cells. The rows import with the right matches, the
ambiguous ones wait in the match-the-child queue with their episodes kept, and a re-import changes nothing."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from django.utils import timezone

from core.csv_import import ImportReport
from core.spreadsheets import open_rows
from missing_episodes.importers import import_episodes
from missing_episodes.models import Child, ChildMatchQuestion, MatchReason, MissingEpisode
from rhi.models import ReturnHomeInterview
from tests.factories_domain import ChildFactory
from tests.missing_episodes.intake import NotificationWorld
from tests.missing_episodes.workbooks import FORCE_HEADINGS, cell_time, workbook_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("intake_clock")]

# The guide's columns this force sends, under its own headings: no la_child_id, as police files have none.
SENT = [column for column in FORCE_HEADINGS if column != "la_child_id"]


def row(reference: str, first: str, last: str, born: object, missing: object) -> list[object]:
    values = {
        "police_force": "E23000014",
        "police_reference": reference,
        "responsible_la": "333",
        "first_name": first,
        "last_name": last,
        "date_of_birth": born,
        "gender": "female",
        "category": "missing",
        "risk_level": "medium",
        "missing_from": "home",
        "missing_at": missing,
        "reported_at": "",
        "returned_at": "02/05/2026 09:30",
        "police_notified_at": "",
        "found_location": "",
    }
    return [values[column] for column in SENT]


def workbook() -> bytes:
    return workbook_bytes(
        [
            [FORCE_HEADINGS[column] for column in SENT],
            # An exact match in other spelling, with a date cell and a UK date-time typed as text.
            row("WM-1", "JORDAN", "Taylor-Brown", cell_time(2011, 5, 17), "01/05/2026 18:00"),
            # Two children of that name and birthday: several.
            row("WM-2", "Sam", "Lee", "20/01/2012", cell_time(2026, 5, 1, 19, 15)),
            # A similar name on the same birthday: near.
            row("WM-3", "Catherine", "Jones", "04/03/2010", "01/05/2026 20:00"),
            # A child the council has never recorded.
            row("WM-4", "Kai", "Brown", "09/09/2010", "2026-05-01T21:00"),
        ]
    )


def import_workbook() -> ImportReport:
    return import_episodes(
        open_rows(io.BytesIO(workbook())),
        columns={column: FORCE_HEADINGS[column] for column in SENT},
    )


@pytest.fixture
def known(world: NotificationWorld) -> dict[str, Child]:
    def child(first: str, last: str, born: date, known_as: str = "") -> Child:
        return ChildFactory.create(
            responsible_la=world.la, first_name=first, last_name=last, date_of_birth=born, known_as=known_as
        )

    return {
        "jordan": child("Jordan", "Taylor Brown", date(2011, 5, 17)),
        "sam1": child("Sam", "Lee", date(2012, 1, 20)),
        "sam2": child("Samuel", "Lee", date(2012, 1, 20), known_as="Sam"),
        "katherine": child("Katherine", "Jones", date(2010, 3, 4)),
    }


def test_a_forces_workbook_without_la_ids_links_queues_and_creates_and_loses_nothing(
    world: NotificationWorld, known: dict[str, Child]
) -> None:
    report = import_workbook()

    assert report.errors == []
    assert (report.created, report.queued_for_matching, report.children_created) == (4, 2, 3)
    episodes = {e.police_reference: e for e in MissingEpisode.objects.select_related("child")}
    assert set(episodes) == {"WM-1", "WM-2", "WM-3", "WM-4"}
    assert episodes["WM-1"].child == known["jordan"]
    # UK dates and date cells are UK local time.
    london = timezone.get_current_timezone()
    assert episodes["WM-1"].missing_at == datetime(2026, 5, 1, 18, 0, tzinfo=london)
    assert episodes["WM-2"].missing_at == datetime(2026, 5, 1, 19, 15, tzinfo=london)
    assert episodes["WM-4"].child.date_of_birth == date(2010, 9, 9)
    questions = {q.episode.police_reference: q for q in ChildMatchQuestion.objects.select_related("episode")}
    assert {ref: q.reason for ref, q in questions.items()} == {
        "WM-2": MatchReason.SEVERAL,
        "WM-3": MatchReason.NEAR,
    }
    assert set(questions["WM-2"].candidates.all()) == {known["sam1"], known["sam2"]}
    for reference in ("WM-2", "WM-3"):  # kept on a provisional child, its clock running from its own times
        rhi = ReturnHomeInterview.objects.get(episode_links__episode=episodes[reference])
        assert rhi.child == questions[reference].provisional_child and rhi.due_at is not None

    again = import_workbook()
    assert (again.unchanged, again.created, again.queued_for_matching) == (4, 0, 0)
    assert ChildMatchQuestion.objects.count() == 2

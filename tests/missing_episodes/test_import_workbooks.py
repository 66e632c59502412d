"""The police spreadsheet as it comes (docs/import-episodes.md): an Excel workbook with a force's own headings,
real date cells and UK dates typed as text, uploaded on the web; its columns matched once and offered again for
the force's next file; good rows kept, bad rows reported by row number and column, a re-import a no-op."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from django.urls import reverse

import missing_episodes.tasks  # noqa: F401 — registers the tasks, so Celery's eager mode runs them
from audit.models import AuditEvent
from config.celery import app
from missing_episodes.column_forms import field_name
from missing_episodes.import_jobs import requeue_lost_import_jobs
from missing_episodes.importers import HEADER
from missing_episodes.models import ColumnMapping, ImportJob, ImportState, MissingEpisode
from tests.missing_episodes.intake import NotificationWorld, problems
from tests.missing_episodes.workbooks import FORCE_HEADINGS, cell_time, workbook_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("intake_clock")]
LONDON = ZoneInfo("Europe/London")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def force_workbook() -> bytes:
    """Rows 2 and 3 are good (real date cells; UK text dates and a number cell for the LA code); row 4 has an
    impossible date; row 5 is blank."""
    headings = [FORCE_HEADINGS[column] for column in FORCE_HEADINGS]
    rows: list[list[Any]] = [
        [
            "E23000014",
            "WM-1",
            "333",
            "C1",
            "Jordan",
            "Taylor",
            cell_time(2011, 5, 17),
            "male",
            "missing",
            "medium",
            "home",
            cell_time(2026, 5, 1, 18, 0),
            None,
            cell_time(2026, 5, 2, 9, 30),
            None,
            "Bus station",
        ],
        [
            "E23000014",
            "WM-2",
            333,
            1002,
            "Alex",
            "Smith",
            "03/09/2012",
            "female",
            "absent",
            "low",
            "care",
            "04/05/2026 17:15",
            "04/05/2026 19:00",
            "05/05/2026 08:00",
            "05/05/2026 10:00",
            "",
        ],
        [
            "E23000014",
            "WM-3",
            "333",
            "C3",
            "Sam",
            "Jones",
            "31/02/2012",
            "male",
            "missing",
            "low",
            "home",
            "31/04/2026 10:00",
            None,
            None,
            None,
            None,
        ],
        [],
    ]
    return workbook_bytes([headings, *rows])


def post_upload(client: Client, content: bytes, *, force: Any = None, name: str = "police.xlsx") -> Any:
    data = {"file": SimpleUploadedFile(name, content, content_type=XLSX), "encoding": "utf-8"}
    if force is not None:
        data["police_force"] = force.pk
    return client.post(reverse("missing_episodes:episode_import"), data)


def post_columns(client: Client, job: ImportJob, columns: dict[str, str], force: Any) -> Any:
    """Submit the matching page; the job it queues runs (Celery eager, once the transaction commits)."""
    data = {"police_force": force.pk} | {field_name(column): heading for column, heading in columns.items()}
    app.conf.task_always_eager = True
    try:
        with TestCase.captureOnCommitCallbacks(execute=True):
            response = client.post(reverse("missing_episodes:import_columns", args=[job.pk]), data)
    finally:
        app.conf.task_always_eager = False
    return response


def offered(response: Any) -> dict[str, str]:
    """The heading each column is offered as on the matching page (columns offered none left out)."""
    form = response.context["form"]
    return {column: form[field_name(column)].value() for column in HEADER if form[field_name(column)].value()}


def test_worker_uploads_a_forces_workbook_matches_its_columns_once_and_they_are_offered_next_time(
    client: Client, world: NotificationWorld
) -> None:
    client.force_login(world.worker)
    response = post_upload(client, force_workbook(), force=world.force)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "missing_episodes:import_columns", args=[job.pk]
    )
    assert job.state == ImportState.COLUMNS and job.police_force == world.force
    assert not MissingEpisode.objects.exists()
    # The job's page leads back to the matching step until the columns are matched.
    assert (
        client.get(reverse("missing_episodes:import_job", args=[job.pk]))["Location"] == response["Location"]
    )

    page = client.get(response["Location"])
    assert page.status_code == 200 and "Match the file's columns" in page.content.decode()
    first_offer = offered(page)
    # Nothing remembered yet: only headings that are a column's name, loosely, are chosen for it.
    assert first_offer["police_reference"] == "Police Reference" and "la_child_id" not in first_offer
    assert first_offer["category"] == "Category" and first_offer["missing_from"] == "Missing from"

    done = post_columns(client, job, FORCE_HEADINGS, world.force)
    assert done["Location"] == reverse("missing_episodes:import_job", args=[job.pk])
    report = client.get(done["Location"])
    job.refresh_from_db()
    assert (job.state, job.created, job.unchanged, job.bad_rows) == ("done", 2, 0, 1)
    assert sorted(problems(report)) == [(4, "date_of_birth"), (4, "missing_at")]
    assert "Enter the time as 01/05/2026 17:30" in report.content.decode()
    first = MissingEpisode.objects.get(police_reference="WM-1")
    assert first.missing_at == datetime(2026, 5, 1, 18, 0, tzinfo=LONDON)
    assert first.child.date_of_birth.isoformat() == "2011-05-17"
    second = MissingEpisode.objects.get(police_reference="WM-2")
    assert second.returned_at == datetime(2026, 5, 5, 8, 0, tzinfo=LONDON)
    assert second.police_notified_at == datetime(2026, 5, 5, 10, 0, tzinfo=LONDON)
    assert (second.child.la_child_id, second.child.date_of_birth.isoformat()) == ("1002", "2012-09-03")

    remembered = ColumnMapping.objects.get(police_force=world.force, kind="episodes")
    assert remembered.mapping == FORCE_HEADINGS and remembered.updated_by == world.worker
    event = AuditEvent.objects.get(object_type="missing_episodes.columnmapping")
    assert event.actor == world.worker and event.detail["police_force"] == world.force.pk
    assert "Jordan" not in str(event.detail) and "Force code" not in str(event.detail)

    # The same force's next file: its headings are offered as matched last time; importing it again saves nothing.
    again = post_upload(client, force_workbook(), force=world.force)
    second_job = ImportJob.objects.exclude(pk=job.pk).get()
    assert offered(client.get(again["Location"])) == FORCE_HEADINGS
    post_columns(client, second_job, FORCE_HEADINGS, world.force)
    second_job.refresh_from_db()
    assert (second_job.created, second_job.updated, second_job.unchanged, second_job.bad_rows) == (0, 0, 2, 1)
    assert MissingEpisode.objects.count() == 2


def test_matching_refuses_a_heading_chosen_twice_and_a_required_column_left_out(
    client: Client, world: NotificationWorld
) -> None:
    client.force_login(world.worker)
    post_upload(client, force_workbook())
    job = ImportJob.objects.get()
    columns = FORCE_HEADINGS | {"la_child_id": "Police Reference", "gender": ""}
    response = post_columns(client, job, columns, world.force)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors[field_name("la_child_id")] == [
        "'Police Reference' is chosen for more than one column: choose it once."
    ]
    assert errors[field_name("police_reference")] and errors[field_name("gender")] == [
        "Choose the file's heading for gender."
    ]
    assert "Error: Match the file" in response.content.decode()
    job.refresh_from_db()
    assert job.state == ImportState.COLUMNS and not ColumnMapping.objects.exists()
    assert not MissingEpisode.objects.exists()


def test_a_workbook_with_the_guides_headings_is_imported_without_the_matching_step(
    client: Client, world: NotificationWorld
) -> None:
    client.force_login(world.worker)
    headings = list(FORCE_HEADINGS)
    row = [
        "E23000014",
        "WM-1",
        333,
        "C1",
        "Jordan",
        "Taylor",
        cell_time(2011, 5, 17),
        "male",
        "missing",
        "medium",
        "home",
        "01/05/2026 18:00",
        None,
        "02/05/2026 09:30",
        None,
        None,
    ]
    app.conf.task_always_eager = True
    try:
        with TestCase.captureOnCommitCallbacks(execute=True):
            response = post_upload(client, workbook_bytes([headings, row]))
    finally:
        app.conf.task_always_eager = False
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("missing_episodes:import_job", args=[job.pk])
    job.refresh_from_db()
    assert (job.state, job.created, job.bad_rows) == ("done", 1, 0)
    assert not job.file


def test_another_providers_worker_cannot_open_or_match_someone_elses_job(
    client: Client, world: NotificationWorld
) -> None:
    client.force_login(world.worker)
    post_upload(client, force_workbook())
    job = ImportJob.objects.get()
    client.force_login(world.stranger)
    assert client.get(reverse("missing_episodes:import_columns", args=[job.pk])).status_code == 404
    assert post_columns(client, job, FORCE_HEADINGS, world.force).status_code == 404
    job.refresh_from_db()
    assert job.state == ImportState.COLUMNS and not ColumnMapping.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("police.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "Excel 97-2003 workbook (.xls)"),
        ("police.xlsx", b"PK\x03\x04 not really", "The workbook cannot be opened"),
        ("police.pdf", b"%PDF-1.4", "The file must be an Excel workbook (.xlsx) or a CSV file (.csv)."),
    ],
    ids=["xls", "damaged", "pdf"],
)
def test_a_file_that_is_not_a_readable_workbook_or_csv_is_a_field_error(
    client: Client, world: NotificationWorld, name: str, content: bytes, message: str
) -> None:
    client.force_login(world.worker)
    response = post_upload(client, content, name=name)
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors["file"])
    assert not ImportJob.objects.exists()


def test_a_file_left_unmatched_a_day_is_deleted_by_the_sweep_and_its_job_failed(
    client: Client, world: NotificationWorld
) -> None:
    client.force_login(world.worker)
    post_upload(client, force_workbook())
    job = ImportJob.objects.get()
    assert job.file
    requeue_lost_import_jobs(now=job.created_at + timedelta(hours=23))
    job.refresh_from_db()
    assert job.state == ImportState.COLUMNS and job.file
    requeue_lost_import_jobs(now=job.created_at + timedelta(days=1, minutes=1))
    job.refresh_from_db()
    assert (job.state, job.error, bool(job.file)) == ("failed", "Columns never matched", False)

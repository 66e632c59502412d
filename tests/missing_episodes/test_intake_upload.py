"""The police spreadsheet upload on the intake pages, through Django's test client: saved and bad rows with line,
column and reason, and refused files."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

import missing_episodes.tasks  # noqa: F401 — registers the tasks, so Celery's eager mode runs them
from audit.models import AuditEvent
from missing_episodes.forms import MAX_UPLOAD_BYTES
from missing_episodes.importers import HEADER
from missing_episodes.models import Child, MissingEpisode
from tests.missing_episodes.intake import (
    NotificationWorld,
    csv_row,
    csv_text,
    problems,
    upload,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("intake_clock")]


def test_upload_reports_saved_and_bad_rows_with_line_column_and_reason(
    client: Client, world: NotificationWorld
) -> None:
    client.force_login(world.worker)
    text = csv_text(
        csv_row(),
        csv_row(
            police_reference="WM-2",
            la_child_id="C2",
            missing_at="2026-05-03T10:00",
            returned_at="2026-05-03T09:00",
        ),
        csv_row(police_reference="WM-3", la_child_id="C3", responsible_la="334"),
    )
    response = upload(client, text.encode())
    assert response.status_code == 200
    html = response.content.decode()
    job = response.context["job"]
    assert (job.state, job.created, job.unchanged, job.bad_rows) == ("done", 1, 0, 2)
    assert problems(response) == [(3, "returned_at"), (4, "responsible_la")]
    assert "Police spreadsheet uploaded" in html and "Refresh" not in response
    assert "The return time must be after the time the child went missing." in html
    assert "You do not record police notifications for this local authority." in html
    assert (
        MissingEpisode.objects.count() == 1
        and not Child.objects.filter(responsible_la=world.other_la).exists()
    )
    event = AuditEvent.objects.get(object_type="missing_episodes.import", detail__state="done")
    assert event.actor == world.worker and event.detail["created"] == 1 and event.detail["bad_rows"] == 2
    # The uploaded file (children's details) is not kept once the job has run.
    assert not job.file

    again = upload(client, text.encode())
    assert (again.context["job"].created, again.context["job"].unchanged) == (0, 1)
    assert MissingEpisode.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("police.xlsx", b"PK\x03\x04", "The workbook cannot be opened"),
        ("police.csv", "police_force\n\xe9".encode("latin-1"), "The file must be saved as UTF-8 CSV"),
        ("police.csv", b"a" * (MAX_UPLOAD_BYTES + 1), "The file must be smaller than 5 MB"),
    ],
)
def test_upload_refuses_non_csv_non_utf8_and_oversized_files_with_a_field_error(
    client: Client, world: NotificationWorld, name: str, content: Any, message: str
) -> None:
    client.force_login(world.worker)
    response = upload(client, content, name)
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors["file"])
    assert "Error: Upload the police spreadsheet" in response.content.decode()
    assert not MissingEpisode.objects.exists()


def test_upload_with_no_file_is_a_field_error(client: Client, world: NotificationWorld) -> None:
    client.force_login(world.worker)
    response = client.post(reverse("missing_episodes:episode_import"), {})
    assert response.context["form"].errors["file"] == ["Choose a spreadsheet to upload."]


def test_upload_line_numbers_stay_right_after_a_refused_multiline_row(
    client: Client, world: NotificationWorld
) -> None:
    client.force_login(world.worker)
    buffer = io.StringIO()
    buffer.write(",".join(HEADER) + "\n")
    refused = csv_row(police_reference="WM-9", responsible_la="334", found_location='"two\nlines"')
    buffer.write(",".join(refused.get(name, "") for name in HEADER) + "\n")
    bad = csv_row(police_reference="WM-10", category="lost")
    buffer.write(",".join(bad.get(name, "") for name in HEADER) + "\n")
    response = upload(client, buffer.getvalue().encode())
    assert problems(response) == [
        (2, "responsible_la"),
        (4, "category"),
    ]

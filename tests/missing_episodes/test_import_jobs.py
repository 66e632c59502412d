"""Web uploads run as background import jobs (missing_episodes.import_jobs): the request only stores the file
and starts the job; the job's page shows progress then the report; a report of tens of thousands of problems is
a summary, the first ones and a CSV of all; an oversized body is refused before it is read; the job row is the
source of truth (an idempotent task, and a sweep that sends a lost job again)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django import Settings

from audit.models import AuditEvent, AuditOutcome
from core.limits import UploadLimitHandler
from missing_episodes.import_jobs import PROBLEMS_SHOWN, requeue_lost_import_jobs, start_import_job
from missing_episodes.models import ImportJob, ImportKind, ImportState, MissingEpisode
from missing_episodes.tasks import run_import
from tests.http import streamed_bytes
from tests.missing_episodes.intake import NotificationWorld, csv_row, csv_text, upload

pytestmark = pytest.mark.django_db


def test_worker_uploads_a_spreadsheet_and_the_request_only_stores_it_and_starts_the_job(
    client: Client, world: NotificationWorld
) -> None:
    client.force_login(world.worker)
    response = client.post(
        reverse("missing_episodes:episode_import"),
        {"file": SimpleUploadedFile("Jordan Taylor.csv", csv_text(csv_row()).encode()), "encoding": "utf-8"},
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("missing_episodes:import_job", args=[job.pk])
    # Nothing imported within the request; the stored name is random, never the (personal) upload name.
    assert job.state == ImportState.QUEUED and not MissingEpisode.objects.exists()
    assert job.file.name is not None
    assert "Jordan" not in job.file.name and job.file.name.endswith(".csv")
    page = client.get(response["Location"])
    assert page["Refresh"] == "2" and "Importing your file" in page.content.decode()


def test_a_file_of_65000_bad_rows_gives_a_short_page_a_summary_and_every_problem_as_csv(
    client: Client, world: NotificationWorld
) -> None:
    client.force_login(world.worker)
    text = csv_text() + "x\n" * 65_000
    page = upload(client, text.encode())
    job = page.context["job"]
    assert (job.state, job.bad_rows, job.problem_count) == (ImportState.DONE, 65_000, 65_000)
    html = page.content.decode()
    assert len(page.context["problems"]) == PROBLEMS_SHOWN and html.count("<tr") < PROBLEMS_SHOWN + 10
    assert len(html) < 60_000
    assert "64900 more problems are in the CSV download." in html
    assert job.problems_by_column == {"row": 65_000}
    download = client.get(reverse("missing_episodes:import_job_problems", args=[job.pk]))
    rows = list(csv.reader(io.StringIO(streamed_bytes(download).decode("utf-8-sig"))))
    assert rows[0] == ["line", "column", "problem"] and len(rows) == 65_001
    assert rows[1][:2] == ["2", "row"] and rows[-1][:2] == ["65001", "row"]
    assert AuditEvent.objects.filter(detail__problems_downloaded=65_000, actor=world.worker).exists()


def test_another_user_gets_404_for_an_import_job_and_it_is_audited(
    client: Client, world: NotificationWorld
) -> None:
    job = start_import_job(
        by=world.worker, kind=ImportKind.EPISODES, upload=SimpleUploadedFile("a.csv", b"x\n")
    )
    client.force_login(world.stranger)
    for name in ("missing_episodes:import_job", "missing_episodes:import_job_problems"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
    assert (
        AuditEvent.objects.filter(
            actor=world.stranger, object_id=str(job.pk), outcome=AuditOutcome.DENIED
        ).count()
        == 2
    )


def test_a_windows_1252_upload_declared_as_such_imports_its_accents(
    client: Client, world: NotificationWorld
) -> None:
    client.force_login(world.worker)
    page = upload(client, csv_text(csv_row(first_name="Zoë")).encode("cp1252"), encoding="windows-1252")
    assert page.context["job"].created == 1
    assert MissingEpisode.objects.get().child.first_name == "Zoë"


def test_a_latin1_upload_declared_utf8_is_refused_up_front_naming_the_first_bad_line(
    client: Client, world: NotificationWorld
) -> None:
    client.force_login(world.worker)
    text = csv_text(csv_row(), csv_row(police_reference="WM-2", la_child_id="C2", first_name="Zoë"))
    page = upload(client, text.encode("latin-1"))
    assert page.status_code == 200 and not ImportJob.objects.exists()
    [message] = page.context["form"].errors["file"]
    assert "line 3 is not valid UTF-8" in message and "Windows-1252" in message


def test_an_oversized_body_is_refused_with_413_before_it_is_read(
    client: Client, world: NotificationWorld, settings: Settings
) -> None:
    client.force_login(world.worker)
    # The test client's body is empty: reading past it raises, so a 413 proves nothing read the 80 MB.
    response = client.post(
        reverse("missing_episodes:episode_import"),
        data=b"",
        content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(80 * 1024 * 1024),
    )
    assert response.status_code == 413 and response["Connection"] == "close"
    assert "The file is too big" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_an_upload_streaming_past_the_limit_is_stopped_by_the_upload_handler(settings: Settings) -> None:
    handler = UploadLimitHandler()
    chunk = b"a" * 65_536

    def stream_past_the_limit() -> None:
        for start in range(0, settings.RHI_MAX_REQUEST_BYTES + len(chunk), len(chunk)):
            assert handler.receive_data_chunk(chunk, start) == chunk

    with pytest.raises(RequestDataTooBig):
        stream_past_the_limit()


def test_a_job_whose_task_was_lost_is_sent_again_by_the_sweep_and_runs_once(
    world: NotificationWorld, eager_celery: None
) -> None:
    job = start_import_job(  # its task is never sent: on_commit does not run inside the test's transaction
        by=world.worker,
        kind=ImportKind.EPISODES,
        upload=SimpleUploadedFile("a.csv", csv_text(csv_row()).encode()),
    )
    assert requeue_lost_import_jobs() == 0  # not stale yet: its task may simply still be queued
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert requeue_lost_import_jobs() == 1
    job.refresh_from_db()
    assert (job.state, job.created) == (ImportState.DONE, 1)
    # A duplicate delivery of the same task changes nothing.
    assert run_import(job.pk) is None
    job.refresh_from_db()
    assert (job.created, MissingEpisode.objects.count()) == (1, 1)


def test_a_job_whose_worker_died_mid_file_is_run_again_and_saves_each_row_once(
    world: NotificationWorld, eager_celery: None
) -> None:
    job = start_import_job(
        by=world.worker,
        kind=ImportKind.EPISODES,
        upload=SimpleUploadedFile("a.csv", csv_text(csv_row()).encode()),
    )
    died = timezone.now() - timedelta(minutes=20)
    ImportJob.objects.filter(pk=job.pk).update(state=ImportState.RUNNING, started_at=died, heartbeat_at=died)
    assert run_import(job.pk) == ImportState.DONE  # a stale heartbeat: the job is claimed again
    assert MissingEpisode.objects.count() == 1

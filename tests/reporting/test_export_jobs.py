"""Export jobs through the web with Celery running tasks eagerly: the job runs, reaches 100%, stores its file,
is audited with its row count, and only a performance lead of the authority may start, follow or download it."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings

from accounts.models import Organisation, Role, User
from audit.models import AuditAction, AuditEvent, AuditOutcome
from missing_episodes.models import Gender, LegalStatus
from reporting.models import ExportJob, ExportState
from tests.factories import user_with_role
from tests.factories_domain import ChildFactory, LocalAuthorityFactory, MissingEpisodeFactory
from tests.http import streamed_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: Settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def la() -> Organisation:
    authority = LocalAuthorityFactory.create(code="202", name="Camden")
    for number in range(3):
        child = ChildFactory.create(
            responsible_la=authority,
            la_child_id=f"J{number}",
            gender=Gender.MALE,
            legal_status=LegalStatus.LOOKED_AFTER,
            date_of_birth=date(2011, 1, 1),
        )
        MissingEpisodeFactory.create(
            child=child,
            missing_at=datetime(2025, 6, 1 + number, 12, tzinfo=UTC),
            returned_at=datetime(2025, 6, 2 + number, 12, tzinfo=UTC),
        )
    return authority


@pytest.fixture
def lead(la: Organisation) -> User:
    return user_with_role(Role.PERFORMANCE_LEAD, organisation=la)


def start(client: Client, la: Any, **overrides: Any) -> Any:
    data = {
        "return_kind": "ssda903-missing",
        "local_authority": la.pk,
        "collection_year": "2025",
        "format": "csv",
    }
    return client.post(reverse("reporting:returns"), data | overrides)


def test_performance_lead_export_runs_to_a_stored_file_and_is_audited(
    client: Client,
    la: Organisation,
    lead: User,
    eager_celery: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    client.force_login(lead)

    with django_capture_on_commit_callbacks(execute=True):
        response = start(client, la)

    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reporting:export_detail", args=[job.pk])
    assert (job.state, job.progress, job.rows) == (ExportState.DONE, 100, 6)  # 3 Missing + 3 Header rows
    assert (job.date_from, job.date_to) == (date(2025, 4, 1), date(2026, 3, 31))
    with zipfile.ZipFile(job.file.open("rb")) as archive:
        names = sorted(archive.namelist())
        missing = list(csv.reader(io.TextIOWrapper(archive.open("export.csv"))))
    assert names == ["export-header.csv", "export.csv"]
    assert missing[0] == ["CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"]
    assert [row[0] for row in missing[1:]] == ["J0", "J1", "J2"]
    done = AuditEvent.objects.get(action=AuditAction.EXPORT, detail__state="done")
    assert (done.actor, done.object_id, done.detail["rows"], done.detail["return"]) == (
        lead,
        str(job.pk),
        6,
        "ssda903-missing",
    )

    page = client.get(reverse("reporting:export_detail", args=[job.pk]))
    assert "Refresh" not in page
    assert b'id="download-link"' in page.content
    download = client.get(reverse("reporting:export_download", args=[job.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].endswith('filename="ssda903-missing-202-20250401-20260331.zip"')
    streamed_bytes(download)
    assert (
        AuditEvent.objects.filter(action=AuditAction.EXPORT, detail__downloaded=True, actor=lead).count() == 1
    )


def test_a_queued_job_page_refreshes_itself_and_shows_progress(
    client: Client, la: Organisation, lead: User
) -> None:
    client.force_login(lead)
    start(
        client, la, return_kind="annex-a-list8", as_at="2026-03-31", format="xlsx"
    )  # not run: no commit here

    job = ExportJob.objects.get()
    page = client.get(reverse("reporting:export_detail", args=[job.pk]))

    assert job.state == ExportState.QUEUED
    assert page["Refresh"] == "2"
    assert b"0% done" in page.content


def test_annex_a_job_writes_xlsx(
    client: Client,
    la: Organisation,
    lead: User,
    eager_celery: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        start(client, la, return_kind="annex-a-list8", as_at="2026-03-31", format="xlsx")

    job = ExportJob.objects.get()
    assert (job.state, job.rows) == (ExportState.DONE, 3)
    assert job.file.name is not None and job.file.name.endswith(".xlsx")


def test_bad_input_shows_field_errors_and_starts_nothing(
    client: Client, la: Organisation, lead: User
) -> None:
    client.force_login(lead)

    response = start(client, la, return_kind="annex-a-list8", as_at="31 March", format="")

    assert response.status_code == 200
    assert response.content.decode().count("govuk-error-message") == 2
    assert "<title>Error: " in response.content.decode()
    assert not ExportJob.objects.exists()


@pytest.mark.parametrize("role", [Role.RHI_WORKER, Role.TEAM_MANAGER, Role.ORG_ADMIN, Role.PARTNER_VIEWER])
def test_anyone_but_a_performance_lead_gets_404_and_an_audited_denial(
    client: Client, la: Organisation, role: Any
) -> None:
    client.force_login(user_with_role(role, organisation=la))

    assert client.get(reverse("reporting:returns")).status_code == 404
    assert start(client, la).status_code == 404
    assert client.get(reverse("reporting:ssda903_validation")).status_code == 404
    assert not ExportJob.objects.exists()
    assert (
        AuditEvent.objects.filter(outcome=AuditOutcome.DENIED, object_type="reporting.returns").count() == 2
    )


def test_a_lead_cannot_export_another_authority_or_see_anothers_job(
    client: Client, la: Organisation, lead: User
) -> None:
    other = LocalAuthorityFactory.create(code="303")
    other_lead = user_with_role(Role.PERFORMANCE_LEAD, organisation=other)
    client.force_login(other_lead)
    response = start(client, la)
    assert response.status_code == 200  # the authority is not among the choices
    assert not ExportJob.objects.exists()

    client.force_login(lead)
    start(client, la)
    job = ExportJob.objects.get()
    client.force_login(other_lead)
    assert client.get(reverse("reporting:export_detail", args=[job.pk])).status_code == 404
    assert client.get(reverse("reporting:export_download", args=[job.pk])).status_code == 404
    colleague = user_with_role(Role.PERFORMANCE_LEAD, organisation=la)
    client.force_login(colleague)
    assert client.get(reverse("reporting:export_detail", args=[job.pk])).status_code == 404


def test_validation_page_lists_failures_with_links_to_the_records(
    client: Client, la: Organisation, lead: User
) -> None:
    child = ChildFactory.create(
        responsible_la=la, la_child_id="V1", gender=Gender.OTHER, legal_status=LegalStatus.LOOKED_AFTER
    )
    episode = MissingEpisodeFactory.create(
        child=child, category="other", missing_at=datetime(2025, 7, 1, tzinfo=UTC)
    )
    client.force_login(lead)

    page = client.get(
        reverse("reporting:ssda903_validation"), {"local_authority": str(la.pk), "collection_year": "2025"}
    )

    text = page.content.decode()
    assert page.status_code == 200
    assert "SEX_UNKNOWN" in text and "MISSING_TYPE" in text  # gender "other" is SEX U, queried by rule 232
    assert reverse("missing_episodes:child_detail", args=[child.pk]) in text
    assert reverse("missing_episodes:episode_detail", args=[episode.pk]) in text
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, object_type="reporting.ssda903_validation"
    ).exists()

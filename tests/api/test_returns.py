"""A council's system runs a statutory return through the API: start the export job, poll its progress,
download the file. The same job and task as the web's returns page; only the council's own returns."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.urls import reverse

from accounts.models import ApiScope
from audit.models import AuditAction, AuditEvent
from reporting.models import ExportJob
from reporting.services import run_export
from tests.api.conftest import as_client, new_client
from tests.factories_domain import LocalAuthorityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def request_body(code: str) -> dict[str, str]:
    return {
        "return_kind": "ssda903-missing",
        "local_authority": code,
        "date_from": "2025-04-01",
        "date_to": "2026-03-31",
        "format": "csv",
    }


def test_council_system_starts_polls_and_downloads_a_return() -> None:
    la = LocalAuthorityFactory.create(code="202")
    api = as_client(new_client(la, [ApiScope.RETURNS_RUN]))
    started = api.post(reverse("api:return-start"), request_body("202"))
    assert started.status_code == 202, started.json()
    job_id = started.json()["id"]
    assert started.json()["state"] == "queued" and started.json()["download_url"] is None
    early = api.get(reverse("api:return-file", args=[job_id]))
    assert early.status_code == 409
    run_export(job_id=job_id)  # what the Celery task does
    polled = api.get(reverse("api:return-detail", args=[job_id])).json()
    assert polled["state"] == "done" and polled["progress"] == 100
    assert polled["download_url"].endswith(reverse("api:return-file", args=[job_id]))
    download = api.get(reverse("api:return-file", args=[job_id]))
    assert download.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert {"export.csv", "export-header.csv"} <= set(archive.namelist())  # the Missing and Header tables
    assert AuditEvent.objects.filter(
        action=AuditAction.EXPORT, object_id=str(job_id), detail__downloaded=True
    ).exists()


def test_council_system_cannot_run_another_councils_return_or_read_its_jobs() -> None:
    mine = LocalAuthorityFactory.create(code="202")
    LocalAuthorityFactory.create(code="203")
    api = as_client(new_client(mine, [ApiScope.RETURNS_RUN]))
    refused = api.post(reverse("api:return-start"), request_body("203"))
    assert refused.status_code == 403 and not ExportJob.objects.exists()
    other = as_client(new_client(LocalAuthorityFactory.create(code="204"), [ApiScope.RETURNS_RUN]))
    job_id = api.post(reverse("api:return-start"), request_body("202")).json()["id"]
    assert other.get(reverse("api:return-detail", args=[job_id])).status_code == 404


def test_a_client_without_returns_run_cannot_start_one() -> None:
    api = as_client(new_client(LocalAuthorityFactory.create(code="202"), [ApiScope.RHI_READ]))
    assert api.post(reverse("api:return-start"), request_body("202")).status_code == 403

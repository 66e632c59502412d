"""Web uploads as background import jobs, with a real Redis and a real Celery worker (issue 17 item 7): the
request answers at once and the worker imports every row; a broker that is down when the file is uploaded
leaves the job queued (the page still answers), and the import sweep sends it once the broker is back."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Commission, Membership, Role, User
from missing_episodes.import_jobs import requeue_lost_import_jobs
from missing_episodes.models import ImportJob, ImportState, MissingEpisode
from rhi.models import ClockPolicy
from tests.factories_domain import LocalAuthorityFactory, PoliceForceFactory, ProviderFactory
from tests.missing_episodes.intake import csv_row, csv_text
from tests.reliability.conftest import CeleryProcess, RedisServer, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
ROWS = 1000


def worker_of_a_commissioned_provider() -> User:
    la = LocalAuthorityFactory.create(code="333", name="Sandwell")
    ClockPolicy.objects.create(local_authority=la, effective_from=date(2020, 1, 1))
    PoliceForceFactory.create(code="E23000014", name="West Midlands Police")
    provider = ProviderFactory.create(name="Safe Return Partnership")
    Commission.objects.create(local_authority=la, provider=provider, starts_on=date(2024, 4, 1))
    user = User.objects.create_user(username="uploader", password="unused-password-1")
    Membership.objects.create(user=user, organisation=provider, role=Role.RHI_WORKER)
    return user


def police_file(rows: int) -> bytes:
    return csv_text(
        *(
            csv_row(
                police_reference=f"WM-R-{n:05d}",
                la_child_id=f"R{n:05d}",
                missing_at="2026-05-01T18:00",
                returned_at="2026-05-02T09:30",
            )
            for n in range(rows)
        )
    ).encode()


def post_upload(client: Client, content: bytes):  # type: ignore[no-untyped-def]
    started = time.monotonic()
    response = client.post(
        reverse("missing_episodes:episode_import"),
        {"file": SimpleUploadedFile("police.csv", content, content_type="text/csv"), "encoding": "utf-8"},
    )
    return response, time.monotonic() - started


def job_state() -> str:
    return ImportJob.objects.get().state


def test_a_big_web_upload_answers_at_once_and_a_real_worker_imports_every_row(
    client: Client,
    celery_env: dict[str, str],
    celery_processes: Callable[..., CeleryProcess],
    in_process_broker: None,
) -> None:
    client.force_login(worker_of_a_commissioned_provider())
    celery_env["DJANGO_MEDIA_ROOT"] = str(settings.MEDIA_ROOT)  # the worker reads the file the web stored
    celery_processes("worker")
    response, seconds = post_upload(client, police_file(ROWS))
    assert response.status_code == 302 and seconds < 10, seconds
    page = client.get(response["Location"])
    assert page.status_code == 200
    wait_for(lambda: job_state() == ImportState.DONE, timeout=540, interval=1, what="the import job")
    job = ImportJob.objects.get()
    assert (job.created, job.bad_rows, MissingEpisode.objects.count()) == (ROWS, 0, ROWS)
    assert not job.file  # the upload is not kept once imported
    assert job.finished_at is not None
    print(f"\n[web upload of {ROWS} rows] request {seconds:.2f} s; job {job.finished_at - job.created_at}")


def test_broker_down_at_upload_the_page_answers_and_the_sweep_sends_the_job_when_it_returns(
    client: Client,
    redis_server: RedisServer,
    celery_env: dict[str, str],
    celery_processes: Callable[..., CeleryProcess],
    in_process_broker: None,
) -> None:
    client.force_login(worker_of_a_commissioned_provider())
    celery_env["DJANGO_MEDIA_ROOT"] = str(settings.MEDIA_ROOT)
    redis_server.stop()
    response, _ = post_upload(client, police_file(20))
    assert response.status_code == 302  # the file is stored and the job recorded: nothing is lost
    assert job_state() == ImportState.QUEUED and not MissingEpisode.objects.exists()

    redis_server.start()
    celery_processes("worker")
    assert requeue_lost_import_jobs(now=timezone.now() + timedelta(minutes=16)) == 1
    wait_for(lambda: job_state() == ImportState.DONE, timeout=120, interval=1, what="the requeued job")
    assert ImportJob.objects.get().created == 20 and MissingEpisode.objects.count() == 20

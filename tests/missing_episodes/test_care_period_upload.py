"""The web upload of periods of care: a council's own RHI worker uploads the file, the request only stores it
and starts an import job, the job's page shows the report and its problems download (formula-like cells made
inert); someone who does not record periods of care for the council gets 404, audited; the job runs the same
importer with the same guarantees, deciding who may import for which council when it runs."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from django.urls import reverse

import missing_episodes.tasks  # noqa: F401 — registers the tasks, so Celery's eager mode runs them
from accounts.models import Commission, Membership, Organisation, Role, User
from audit.models import AuditEvent, AuditOutcome
from config.celery import app
from missing_episodes.care_importers import HEADER, OBJECT_TYPE, no_child
from missing_episodes.models import CarePeriod, ImportJob, ImportKind, ImportState
from missing_episodes.tasks import run_care_period_import
from tests.factories import user_with_role
from tests.factories_domain import ChildFactory, LocalAuthorityFactory, ProviderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    with time_machine.travel(date(2026, 6, 15), tick=False):
        yield


@dataclass(frozen=True)
class UploadWorld:
    la: Organisation
    other_la: Organisation
    worker: User


@pytest.fixture
def world() -> UploadWorld:
    la = LocalAuthorityFactory.create(code="333", name="Sandwell")
    other_la = LocalAuthorityFactory.create(code="334", name="Walsall")
    ChildFactory.create(responsible_la=la, la_child_id="C1001", date_of_birth=date(2011, 5, 17))
    ChildFactory.create(responsible_la=other_la, la_child_id="W77", date_of_birth=date(2012, 1, 1))
    return UploadWorld(la=la, other_la=other_la, worker=user_with_role(Role.RHI_WORKER, organisation=la))


def care_csv(*rows: tuple[str, str, str, str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode()


GOOD = ("C1001", "2025-10-14", "", "C2")


def post(client: Client, text: bytes, la: Organisation, *, run: bool = True) -> Any:
    """Upload on the page; with ``run`` the job it starts runs (Celery eager, once the request commits)."""
    data = {
        "file": SimpleUploadedFile("Jordan Taylor care.csv", text, content_type="text/csv"),
        "encoding": "utf-8",
        "local_authority": str(la.pk),
    }
    app.conf.task_always_eager = run
    try:
        with TestCase.captureOnCommitCallbacks(execute=run):
            return client.post(reverse("missing_episodes:care_period_import"), data)
    finally:
        app.conf.task_always_eager = False


def test_the_councils_worker_uploads_and_the_request_only_stores_the_file_and_starts_the_job(
    client: Client, world: UploadWorld
) -> None:
    client.force_login(world.worker)
    page = client.get(reverse("missing_episodes:care_period_import"))
    assert page.status_code == 200
    assert ",".join(HEADER) in page.content.decode()
    response = post(client, care_csv(GOOD), world.la, run=False)
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("missing_episodes:import_job", args=[job.pk])
    assert (job.kind, job.state, job.local_authority_id) == (
        ImportKind.CARE_PERIODS,
        ImportState.QUEUED,
        world.la.pk,
    )
    assert job.file.name is not None and "Jordan" not in job.file.name
    assert not CarePeriod.objects.exists()

    run_care_period_import(job.pk)  # what the worker does meanwhile
    report = client.get(response["Location"])
    assert report.status_code == 200
    assert report.context["job"].created == 1
    assert "Periods of care imported" in report.content.decode()
    assert CarePeriod.objects.get().start_date == date(2025, 10, 14)


def test_the_report_lists_each_bad_row_and_the_problems_download_is_inert_and_audited(
    client: Client, world: UploadWorld
) -> None:
    client.force_login(world.worker)
    text = care_csv(
        GOOD,
        ("W77", "2025-01-01", "", "C2"),
        ("=HYPERLINK(1)", "2025-01-01", "", "C2"),
        ("C1001", "x", "", "@SUM"),
    )
    response = post(client, text, world.la)
    report = client.get(response["Location"])
    job = report.context["job"]
    assert (job.created, job.bad_rows) == (1, 3)
    assert [(e.line, e.column) for e in report.context["problems"]] == [
        (3, "la_child_id"),
        (4, "la_child_id"),
        (5, "start_date"),
        (5, "legal_status"),
    ]
    assert report.context["problems"][0].reason == no_child(world.la)
    download = client.get(reverse("missing_episodes:import_job_problems", args=[job.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode("utf-8-sig"))))  # type: ignore[attr-defined]
    assert rows[0] == ["line", "column", "problem"]
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    events = AuditEvent.objects.filter(object_type=OBJECT_TYPE, object_id=str(job.pk)).order_by("pk")
    assert [e.detail.get("state") or "download" for e in events] == ["queued", "done", "download"]


def test_a_file_for_a_council_the_user_does_not_record_care_for_is_refused_on_the_form(
    client: Client, world: UploadWorld
) -> None:
    client.force_login(world.worker)
    response = post(client, care_csv(("W77", "2025-01-01", "", "C2")), world.other_la)
    assert response.status_code == 200
    assert "local_authority" in response.context["form"].errors
    assert not ImportJob.objects.exists() and not CarePeriod.objects.exists()


def test_the_job_refuses_every_row_when_the_uploader_no_longer_records_care_for_the_council(
    client: Client, world: UploadWorld
) -> None:
    client.force_login(world.worker)
    post(client, care_csv(GOOD), world.la, run=False)
    Membership.objects.filter(user=world.worker).delete()
    run_care_period_import(ImportJob.objects.get().pk)
    job = ImportJob.objects.get()
    assert (job.state, job.created, job.bad_rows) == (ImportState.DONE, 0, 1)
    assert not CarePeriod.objects.exists()


@pytest.mark.parametrize("who", ["commissioned_provider_worker", "performance_lead", "other_council_manager"])
def test_someone_who_does_not_record_care_for_the_council_gets_404_and_the_denial_is_audited(
    client: Client, world: UploadWorld, who: str
) -> None:
    provider = ProviderFactory.create(name="Safe Return Partnership")
    Commission.objects.create(local_authority=world.la, provider=provider, starts_on=date(2020, 1, 1))
    user = {
        # Care is the council's legal record: not a provider it commissions, nor its figures' lead.
        "commissioned_provider_worker": lambda: user_with_role(Role.RHI_WORKER, organisation=provider),
        "performance_lead": lambda: user_with_role(Role.PERFORMANCE_LEAD, organisation=world.la),
        "other_council_manager": lambda: user_with_role(Role.TEAM_MANAGER, organisation=world.other_la),
    }[who]()
    client.force_login(user)
    if who == "other_council_manager":
        # Walsall's manager has the page, for Walsall: Sandwell is not a choice.
        assert post(client, care_csv(GOOD), world.la).context["form"].errors["local_authority"]
    else:
        assert client.get(reverse("missing_episodes:care_period_import")).status_code == 404
        assert post(client, care_csv(GOOD), world.la).status_code == 404
        assert (
            AuditEvent.objects.filter(
                object_type=OBJECT_TYPE, outcome=AuditOutcome.DENIED, actor=user
            ).count()
            == 2
        )
    assert not ImportJob.objects.exists() and not CarePeriod.objects.exists()


def test_only_the_uploader_follows_the_job(client: Client, world: UploadWorld) -> None:
    client.force_login(world.worker)
    response = post(client, care_csv(GOOD), world.la)
    colleague = user_with_role(Role.TEAM_MANAGER, organisation=world.la)
    client.force_login(colleague)
    assert client.get(response["Location"]).status_code == 404

"""The intake pages' world (tests/missing_episodes/test_intake_views.py, test_intake_upload.py and the import job
tests): Sandwell commissioning a provider, Walsall another, a police force, the provider's worker and the other
provider's (``stranger``); a notification as the form posts it, and police spreadsheets to upload. The dates
make sense with the clock at NOW: the ``intake_clock`` fixture (tests/missing_episodes/conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from django.urls import reverse

from accounts.models import Commission, Organisation, Role, User
from config.celery import app
from missing_episodes.importers import HEADER
from rhi.models import ClockPolicy
from tests.dates import as_boxes
from tests.factories import member
from tests.factories_domain import (
    LocalAuthorityFactory,
    PoliceForceFactory,
    ProviderFactory,
)

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)  # 13:00 in London


@dataclass(frozen=True)
class NotificationWorld:
    la: Organisation
    other_la: Organisation
    force: Organisation
    provider: Organisation
    worker: User
    stranger: User


@dataclass(frozen=True)
class Places:
    """Just the force reporting and the council responsible, for a notification outside the intake world."""

    force: Organisation
    la: Organisation


def build_notification_world() -> NotificationWorld:
    la = LocalAuthorityFactory.create(code="333", name="Sandwell")
    other_la = LocalAuthorityFactory.create(code="334", name="Walsall")
    ClockPolicy.objects.create(local_authority=la, effective_from=date(2020, 1, 1))
    provider = ProviderFactory.create(name="Safe Return Partnership")
    Commission.objects.create(local_authority=la, provider=provider, starts_on=date(2024, 4, 1))
    other_provider = ProviderFactory.create(name="Another Charity")
    Commission.objects.create(local_authority=other_la, provider=other_provider, starts_on=date(2024, 4, 1))
    return NotificationWorld(
        la=la,
        other_la=other_la,
        force=PoliceForceFactory.create(code="E23000014", name="West Midlands Police"),
        provider=provider,
        worker=member("worker", provider, Role.RHI_WORKER),
        stranger=member("stranger", other_provider, Role.RHI_WORKER),
    )


DATE_FIELDS = ("missing_at", "reported_at", "returned_at", "police_notified_at", "date_of_birth")


def notification(world: NotificationWorld | Places, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "police_force": world.force.pk,
        "police_reference": "WM-2026-0000001",
        "category": "missing",
        "risk_level": "medium",
        "missing_from": "home",
        "missing_at": "2026-06-08T18:00",
        "reported_at": "2026-06-08T21:00",
        "returned_at": "2026-06-09T09:30",
        "return_method": "found_by_police",
        "found_location": "Bus station",
        "police_notified_at": "2026-06-09T11:00",
        "responsible_la": world.la.pk,
        "la_child_id": "C1001",
        "first_name": "Jordan",
        "last_name": "Taylor",
        "date_of_birth": "2011-05-17",
        "gender": "male",
    }
    return as_boxes(data | overrides, *DATE_FIELDS)


def errors_of(response: Any) -> dict[str, list[str]]:
    return {name: list(errors) for name, errors in response.context["form"].errors.items()}


def csv_text(*rows: dict[str, str]) -> str:
    lines = [",".join(HEADER)]
    lines += [",".join(row.get(name, "") for name in HEADER) for row in rows]
    return "\n".join(lines) + "\n"


def csv_row(**overrides: str) -> dict[str, str]:
    return {
        "police_force": "E23000014",
        "police_reference": "WM-2026-0000001",
        "responsible_la": "333",
        "la_child_id": "C1001",
        "first_name": "Jordan",
        "last_name": "Taylor",
        "date_of_birth": "2011-05-17",
        "gender": "male",
        "category": "missing",
        "risk_level": "medium",
        "missing_from": "home",
        "missing_at": "2026-05-01T18:00",
        "returned_at": "2026-05-02T09:30",
    } | overrides


def upload(client: Client, content: bytes, name: str = "police.csv", encoding: str = "utf-8") -> Any:
    """Upload the file; the job it starts runs (Celery eager, once the request's transaction commits) and the
    job's page is returned. A refused upload returns the form page."""
    app.conf.task_always_eager = True
    try:
        with TestCase.captureOnCommitCallbacks(execute=True):
            response = client.post(
                reverse("missing_episodes:episode_import"),
                {"file": SimpleUploadedFile(name, content, content_type="text/csv"), "encoding": encoding},
            )
    finally:
        app.conf.task_always_eager = False
    if response.status_code != 302:
        return response
    return client.get(response["Location"])


def problems(response: Any) -> list[tuple[int, str]]:
    return [(e.line, e.column) for e in response.context["problems"]]

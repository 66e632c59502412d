"""No personal data in application logs: requests that fail validation, are refused or import bad rows carry a
child's name and date of birth, and none of it reaches a log line (ids and codes only)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from django.urls import reverse

from accounts.models import Commission, Membership, Organisation, Role, User
from tests.dates import boxes
from tests.factories_domain import LocalAuthorityFactory, PoliceForceFactory, ProviderFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
FIRST, LAST, BORN = "Zephyrine", "Quarrington-Blythe", "2011-05-17"
# Loggers that do not propagate to the root logger (config.settings.LOGGING): capture them too.
OWN_HANDLER_LOGGERS = ("django.request", "django.security", "axes", "weasyprint")


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    # The strictest case: everything at DEBUG, even what the settings quieten.
    caplog.set_level(logging.DEBUG)
    loggers = [logging.getLogger(name) for name in OWN_HANDLER_LOGGERS]
    for logger in loggers:
        caplog.set_level(logging.DEBUG, logger=logger.name)
        logger.addHandler(caplog.handler)
    yield caplog
    for logger in loggers:
        logger.removeHandler(caplog.handler)


@pytest.fixture
def worker() -> User:
    la = LocalAuthorityFactory.create(code="333", name="Sandwell")
    provider = ProviderFactory.create()
    Commission.objects.create(local_authority=la, provider=provider, starts_on=date(2024, 4, 1))
    PoliceForceFactory.create(code="E23000014")
    user = User.objects.create_user(username="worker", password="unused-password-1", organisation=provider)
    Membership.objects.create(user=user, organisation=provider, role=Role.RHI_WORKER)
    return user


def assert_no_personal_data(caplog: pytest.LogCaptureFixture) -> None:
    text = "\n".join(f"{r.name} {r.getMessage()} {r.args!r}" for r in caplog.records)
    for secret in (FIRST, LAST, BORN, "17/05/2011"):
        assert secret not in text, f"{secret!r} reached the logs"


def test_notification_failing_validation_with_a_childs_name_logs_no_name_or_birth_date(
    client: Client, worker: User, logs: pytest.LogCaptureFixture
) -> None:
    client.force_login(worker)
    response = client.post(
        reverse("missing_episodes:episode_new"),
        {
            "police_force": Organisation.objects.get(code="E23000014").pk,
            "police_reference": "WM-1",
            "category": "missing",
            "missing_from": "home",
            **boxes("missing_at", "2026-06-09T18:00"),
            **boxes("returned_at", "2026-06-08T09:30"),  # before going missing: refused
            "responsible_la": Organisation.objects.get(code="333").pk,
            "la_child_id": "C1001",
            "first_name": FIRST,
            "last_name": LAST,
            "date_of_birth": BORN,
            "gender": "not_a_gender",
        },
    )
    assert response.status_code == 200 and "<title>Error: " in response.content.decode()
    assert_no_personal_data(logs)


def test_upload_with_bad_rows_and_a_refused_page_log_no_name_or_birth_date(
    client: Client, worker: User, logs: pytest.LogCaptureFixture, eager_celery: None
) -> None:
    client.force_login(worker)
    header = (
        "police_force,police_reference,responsible_la,la_child_id,first_name,last_name,date_of_birth,gender,"
        "category,risk_level,missing_from,missing_at,reported_at,returned_at,police_notified_at,found_location\n"
    )
    bad = f"E23000014,WM-2,333,C1002,{FIRST},{LAST},{BORN},male,missing,medium,home,2026-13-40T99:00,,,,\n"
    upload = SimpleUploadedFile("episodes.csv", (header + bad).encode(), content_type="text/csv")
    with TestCase.captureOnCommitCallbacks(execute=True):  # the import job runs (Celery eager) on commit
        response = client.post(reverse("missing_episodes:episode_import"), {"file": upload})
    assert response.status_code == 302
    assert client.get(response["Location"]).context["job"].bad_rows == 1
    assert client.get(reverse("missing_episodes:child_detail", args=[999999])).status_code == 404
    assert any(r.name == "django.request" for r in logs.records)  # the capture works: the 404 was logged
    assert_no_personal_data(logs)

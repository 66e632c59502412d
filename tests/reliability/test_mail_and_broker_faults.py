"""Deadline alerts keep flowing through mail server and broker faults (issue 17). Real PostgreSQL, Redis,
Celery workers in the production shape (a worker for the "deadlines" queue alone, one for everything else)
and beat, and real local SMTP servers: one that accepts connections and never answers, one that answers
"try again later", a slow one. Each test prints its figures (run with -s): expected and observed counts and
the worst lateness of an alert after its deadline or the start of the fault, whichever is later."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from alerts.models import AlertKind, DeadlineAlert, EmailStatus, Notification
from missing_episodes.importers import HEADER
from missing_episodes.models import MissingEpisode
from rhi.models import ClockPolicy, ReturnHomeInterview, RHIState
from sharing.models import DeliveryState, WebhookDelivery
from sharing.webhooks import run_webhook_sweep
from tests.factories_domain import ChildFactory, LocalAuthorityFactory, PoliceForceFactory
from tests.reliability.conftest import ROOT, CeleryProcess, RedisServer, wait_for
from tests.reliability.mail import MailServer
from tests.sharing.webhook_world import WebhookCase, submit, subscribe

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
RECOVERY_LIMIT = 120  # seconds: "every due alert recorded within two minutes of the fault"
# Short timeouts so each fault plays out in seconds; production defaults are in config/settings.py.
FAST_MAIL = {
    "EMAIL_TIMEOUT": "1",
    "RHI_EMAIL_RETRY_BACKOFF_SECONDS": "1",
    "RHI_EMAIL_RETRY_BACKOFF_MAX_SECONDS": "2",
    "RHI_EMAIL_TASK_EXPIRES_SECONDS": "10",
    "RHI_EMAIL_TASK_SOFT_TIME_LIMIT": "5",
    "RHI_EMAIL_TASK_TIME_LIMIT": "8",
}
GENERAL_QUEUES = "notifications,webhooks,exports,celery"


# ---------------------------------------------------------------------------------------------------------
# Fixtures and helpers
# ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    server = MailServer()
    yield server
    server.stop()


Start = Callable[..., CeleryProcess]


@pytest.fixture
def start(celery_env: dict[str, str], mail_server: MailServer, tmp_path: Path) -> Iterator[Start]:
    """Start a worker (optionally for some queues only) or beat, with the mail server and FAST_MAIL settings;
    keyword arguments override environment variables."""
    started: list[CeleryProcess] = []

    def start(kind: str, *, queues: str = "", concurrency: int = 2, **env: str) -> CeleryProcess:
        n = len(started)
        environment = celery_env | mail_server.env() | FAST_MAIL | env
        if kind == "worker":
            args = [
                "worker",
                "--loglevel=INFO",
                f"--concurrency={concurrency}",
                f"--hostname=m{n}@%h",
                "--without-gossip",
                "--without-mingle",
                *([f"--queues={queues}"] if queues else []),
            ]
        else:
            args = ["beat", "--loglevel=INFO", f"--schedule={tmp_path / f'mail-beat-{n}'}"]
        process = CeleryProcess(args, environment, tmp_path / f"mail-{kind}-{n}.log").start()
        started.append(process)
        return process

    yield start
    for process in started:
        process.kill()


def production_shape(start: Start, *, general_concurrency: int = 2, **env: str) -> CeleryProcess:
    """docker-compose.yml's workers: the sweep's own worker, the general one, and beat. Returns the general."""
    start("worker", queues="deadlines", concurrency=1, **env)
    general = start("worker", queues=GENERAL_QUEUES, concurrency=general_concurrency, **env)
    start("beat", **env)
    return general


def recipient() -> User:
    return User.objects.create_user(
        username=f"worker-{time.monotonic_ns()}", password="unused-password-1", email="worker@example.invalid"
    )


def make_rhis(count: int, *, due_at: Callable[[int], datetime], worker: User, **fields: Any) -> None:
    child = ChildFactory.create()
    rows = []
    for i in range(count):
        due = due_at(i)
        rows.append(
            ReturnHomeInterview(
                child=child,
                local_authority=child.responsible_la,
                provider=child.responsible_la,
                allocated_worker=worker,
                state=RHIState.ALLOCATED,
                clock_started_at=due - timedelta(hours=72),
                due_at=due,
                due_soon_at=due - timedelta(hours=24),
                **fields,
            )
        )
    ReturnHomeInterview.objects.bulk_create(rows)


class Watch:
    """Samples PostgreSQL for transactions left open ("idle in transaction") while the test waits."""

    def __init__(self) -> None:
        self.worst_hung = 0

    def hung_transactions(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT count(*) FROM pg_stat_activity
                WHERE datname = current_database() AND state LIKE 'idle in transaction%%'
                  AND now() - state_change > interval '2 seconds'
                """
            )
            (count,) = cursor.fetchone()
        self.worst_hung = max(self.worst_hung, count)
        return int(count)

    def until(self, predicate: Callable[[], bool], *, what: str, timeout: float = RECOVERY_LIMIT) -> None:
        def check() -> bool:
            self.hung_transactions()
            return predicate()

        wait_for(check, timeout=timeout, interval=0.3, what=what)


def worst_lateness(since: datetime) -> float:
    """Seconds from each overdue alert's deadline (or ``since``, the start of the fault, if later) to its
    recording."""
    return max(
        ((recorded - max(deadline, since)).total_seconds())
        for recorded, deadline in DeadlineAlert.objects.filter(kind=AlertKind.OVERDUE).values_list(
            "recorded_at", "deadline"
        )
    )


def duplicate_alerts() -> int:
    return DeadlineAlert.objects.values("rhi_id", "kind").annotate(n=Count("pk")).filter(n__gt=1).count()


def emails(status: str) -> int:
    return Notification.objects.filter(email_status=status).count()


def assert_each_email_sent_once(mail_server: MailServer, expected: int) -> None:
    time.sleep(3)  # several more sweeps and workers' turns: nothing may arrive twice late
    references = mail_server.recorder.references()
    assert mail_server.recorder.sent() == expected
    assert sorted(references.values()) == [1] * expected
    assert emails(EmailStatus.SENT) == expected


def report(fault: str, **figures: object) -> None:
    print(f"\n[{fault}] " + ", ".join(f"{name}={value}" for name, value in figures.items()))


# ---------------------------------------------------------------------------------------------------------
# Item 1: a mail server that accepts and never answers
# ---------------------------------------------------------------------------------------------------------


def test_mail_server_that_never_answers_holds_no_lock_and_stops_no_alert_then_each_email_goes_once(
    redis_server: RedisServer, start: Start, mail_server: MailServer
) -> None:
    mail_server.silent()
    fault_started = timezone.now()
    worker = recipient()
    make_rhis(10, due_at=lambda i: fault_started - timedelta(minutes=1 + i), worker=worker)
    # Ten more fall due while the mail server hangs every email worker's connection (they are "due soon"
    # from the start: 30 alerts in all, 20 of them overdue).
    make_rhis(10, due_at=lambda i: fault_started + timedelta(seconds=8 + i), worker=worker)
    production_shape(start)
    watch = Watch()

    watch.until(
        lambda: (
            DeadlineAlert.objects.filter(kind=AlertKind.OVERDUE).count() == 20
            and Notification.objects.filter(email_attempts__gte=1).count() == 30
        ),
        what="every alert recorded and every email tried once against the silent server",
    )
    assert emails(EmailStatus.SENT) == 0 and mail_server.recorder.sent() == 0
    assert not Notification.objects.filter(email_attempts=0).exists()  # each failed attempt was counted
    lateness_during_fault = worst_lateness(fault_started)

    mail_server.answering()
    fault_ended = timezone.now()
    watch.until(lambda: emails(EmailStatus.SENT) == 30, what="all 30 emails once the server answers")
    recovered_in = (timezone.now() - fault_ended).total_seconds()
    assert DeadlineAlert.objects.count() == 30
    assert_each_email_sent_once(mail_server, 30)
    watch.hung_transactions()
    report(
        "silent SMTP",
        alerts_expected=30,
        alerts_recorded=DeadlineAlert.objects.count(),
        duplicates=duplicate_alerts(),
        emails_expected=30,
        emails_sent=mail_server.recorder.sent(),
        worst_lateness_s=round(lateness_during_fault, 1),
        emails_recovered_in_s=round(recovered_in, 1),
        hung_transactions=watch.worst_hung,
    )
    assert duplicate_alerts() == 0
    assert lateness_during_fault < RECOVERY_LIMIT
    assert watch.worst_hung == 0


def test_an_email_task_that_outlives_its_time_limit_is_stopped_and_counted_as_a_failed_attempt(
    redis_server: RedisServer, start: Start, mail_server: MailServer
) -> None:
    mail_server.silent()
    make_rhis(2, due_at=lambda i: timezone.now() - timedelta(minutes=1), worker=recipient())
    # The socket timeout is far longer than the task's soft time limit: the time limit must end the attempt.
    production_shape(
        start, EMAIL_TIMEOUT="60", RHI_EMAIL_TASK_SOFT_TIME_LIMIT="2", RHI_EMAIL_TASK_TIME_LIMIT="4"
    )
    watch = Watch()
    started = time.monotonic()
    watch.until(
        lambda: Notification.objects.filter(email_last_error="SoftTimeLimitExceeded").count() == 2,
        what="both attempts stopped by the soft time limit",
        timeout=40,
    )
    stopped_in = time.monotonic() - started
    report("SMTP hang past the task time limit", attempts_stopped=2, stopped_within_s=round(stopped_in, 1))
    assert emails(EmailStatus.PENDING) + emails(EmailStatus.SENDING) == 2
    assert watch.worst_hung == 0


# ---------------------------------------------------------------------------------------------------------
# Item 5: bounded retries, one mechanism, a visible failed state an administrator retries
# ---------------------------------------------------------------------------------------------------------


def test_mail_server_refusing_every_message_gets_exactly_the_capped_attempts_then_an_admin_retry_sends_once(
    redis_server: RedisServer, start: Start, mail_server: MailServer, in_process_broker: None, client: Client
) -> None:
    mail_server.answering()
    mail_server.recorder.tempfail = True
    make_rhis(10, due_at=lambda i: timezone.now() - timedelta(minutes=1 + i), worker=recipient())
    production_shape(start, RHI_EMAIL_MAX_ATTEMPTS="3")
    watch = Watch()
    watch.until(
        lambda: emails(EmailStatus.FAILED) == 10, what="all 10 emails failed after 3 attempts", timeout=60
    )
    time.sleep(4)  # several more sweeps: a failed email is not tried again by anything
    attempts_at_server = mail_server.recorder.data_commands
    assert attempts_at_server == 30
    assert set(Notification.objects.values_list("email_attempts", flat=True)) == {3}

    mail_server.recorder.tempfail = False
    support = get_user_model().objects.create_superuser(
        username="support", password="unused-password-1", email="support@example.invalid"
    )
    client.force_login(support)
    changelist = reverse("admin:alerts_notification_changelist")
    assert client.get(changelist, {"email_status__exact": "failed"}).status_code == 200
    response = client.post(
        changelist,
        {
            "action": "retry_failed_emails",
            "_selected_action": list(Notification.objects.values_list("pk", flat=True)),
        },
    )
    assert response.status_code == 302
    watch.until(lambda: emails(EmailStatus.SENT) == 10, what="the retried emails", timeout=40)
    assert_each_email_sent_once(mail_server, 10)
    report(
        "SMTP 451 to every message, cap 3",
        emails=10,
        attempts_expected=30,
        attempts_at_server=attempts_at_server,
        failed_visible=10,
        sent_after_admin_retry=mail_server.recorder.sent(),
        duplicates=0,
    )
    assert mail_server.recorder.data_commands == 40


# ---------------------------------------------------------------------------------------------------------
# Item 4: the sweep never queues behind an email backlog, and a backlog is never doubled
# ---------------------------------------------------------------------------------------------------------


def test_alerts_falling_due_behind_an_email_backlog_are_recorded_on_time_and_no_email_task_is_doubled(
    redis_server: RedisServer, start: Start, mail_server: MailServer
) -> None:
    mail_server.answering()
    mail_server.recorder.delay = 0.2  # a slow mail server: the backlog below takes half a minute to drain
    worker = recipient()
    make_rhis(120, due_at=lambda i: timezone.now() - timedelta(minutes=1 + i), worker=worker)
    soon = timezone.now()
    make_rhis(8, due_at=lambda i: soon + timedelta(seconds=12 + i), worker=worker)
    general = production_shape(start, general_concurrency=1, RHI_EMAIL_TASK_EXPIRES_SECONDS="600")
    watch = Watch()
    # 120 overdue now; 8 due soon now and overdue a few seconds into the backlog: 136 alerts and emails.
    watch.until(lambda: DeadlineAlert.objects.count() == 136, what="all 136 alerts", timeout=60)
    late = DeadlineAlert.objects.filter(rhi__due_at__gte=soon, kind=AlertKind.OVERDUE)
    lateness = max((a.recorded_at - a.deadline).total_seconds() for a in late)
    backlog_when_recorded = emails(EmailStatus.PENDING) + emails(EmailStatus.SENDING)
    watch.until(
        lambda: emails(EmailStatus.SENT) == 136, what="the whole backlog sent", timeout=RECOVERY_LIMIT
    )
    assert_each_email_sent_once(mail_server, 136)
    tasks_received = len(
        re.findall(r"Task rhi\.send_notification_email\[[^]]+\] received", general.log_text())
    )
    report(
        "email backlog",
        alerts_expected=136,
        alerts_recorded=DeadlineAlert.objects.count(),
        backlog_when_recorded=backlog_when_recorded,
        worst_lateness_s=round(lateness, 1),
        email_tasks_expected=136,
        email_tasks_run=tasks_received,
        duplicates=duplicate_alerts(),
    )
    assert backlog_when_recorded > 0  # the alerts really did fall due behind a backlog
    assert lateness < 10
    assert tasks_received == 136
    assert duplicate_alerts() == 0 and watch.worst_hung == 0


# ---------------------------------------------------------------------------------------------------------
# Item 3: a broker outage during a sweep, an import and a web request
# ---------------------------------------------------------------------------------------------------------


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_broker_down_during_a_sweep_records_every_kind_and_the_emails_go_when_it_returns(
    redis_server: RedisServer, celery_env: dict[str, str], start: Start, mail_server: MailServer
) -> None:
    mail_server.answering()
    redis_server.stop()
    now = timezone.now()
    worker = recipient()
    make_rhis(5, due_at=lambda i: now - timedelta(minutes=1 + i), worker=worker)  # overdue
    make_rhis(5, due_at=lambda i: now + timedelta(hours=2), worker=worker)  # due soon
    make_rhis(
        5, due_at=lambda i: now + timedelta(hours=40), worker=worker, contact_due_at=now - timedelta(hours=1)
    )
    swept = manage(celery_env, "deadline_sweep")  # the production command, broker down
    assert swept.returncode == 0, swept.stderr[-2000:]
    kinds = dict(DeadlineAlert.objects.values_list("kind").annotate(n=Count("pk")))
    assert kinds == {AlertKind.OVERDUE: 5, AlertKind.DUE_SOON: 5, AlertKind.CONTACT_OVERDUE: 5}
    assert not Notification.objects.filter(email_enqueued_at__isnull=False).exists()  # marked "not queued"

    redis_server.start()
    back = timezone.now()
    start("worker")
    start("beat")
    watch = Watch()
    watch.until(lambda: emails(EmailStatus.SENT) == 15, what="the 15 emails after the broker came back")
    assert_each_email_sent_once(mail_server, 15)
    report(
        "broker down during a sweep",
        alerts_expected=15,
        alerts_recorded=sum(kinds.values()),
        emails_expected=15,
        emails_sent=mail_server.recorder.sent(),
        emails_sent_within_s=round((timezone.now() - back).total_seconds(), 1),
        duplicates=duplicate_alerts(),
    )
    assert duplicate_alerts() == 0 and watch.worst_hung == 0


def waiting_webhook_messages(redis_server: RedisServer) -> int:
    length = redis.Redis.from_url(redis_server.url).llen("webhooks")
    assert isinstance(length, int)  # the synchronous client
    return length


@pytest.fixture
def local_receivers(settings: Any) -> None:
    """The subscriptions point at 127.0.0.1 (nothing is delivered here: only queued)."""
    settings.RHI_WEBHOOK_ALLOW_LOCALHOST = settings.RHI_WEBHOOK_ALLOW_HTTP_LOCALHOST = True


def test_broker_down_during_an_import_imports_every_row_and_the_webhooks_go_when_it_returns(
    redis_server: RedisServer,
    celery_env: dict[str, str],
    in_process_broker: None,
    local_receivers: None,
    tmp_path: Path,
) -> None:
    la = LocalAuthorityFactory.create(code="333")
    ClockPolicy.objects.create(local_authority=la, effective_from="2020-01-01")
    force = PoliceForceFactory.create(code="E23000014")
    subscribe(force, "http://127.0.0.1:9/hook", ["episode.returned"])
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=HEADER, lineterminator="\n")
    writer.writeheader()
    for i in range(5):
        writer.writerow(
            {
                "police_force": "E23000014",
                "police_reference": f"WM-2026-{i:07d}",
                "responsible_la": "333",
                "la_child_id": f"C{1000 + i}",
                "first_name": "Sam",
                "last_name": f"Example{i}",
                "date_of_birth": "2011-05-17",
                "gender": "male",
                "category": "missing",
                "risk_level": "medium",
                "missing_from": "home",
                "missing_at": "2026-11-01T18:00",
                "reported_at": "2026-11-01T21:00",
                "returned_at": "2026-11-02T09:30",
                "police_notified_at": "2026-11-02T11:00",
                "found_location": "",
            }
        )
    path = tmp_path / "episodes.csv"
    path.write_text(buffer.getvalue())
    redis_server.stop()

    imported = manage(celery_env, "import_episodes", str(path))
    assert imported.returncode == 0, imported.stderr[-2000:]
    assert MissingEpisode.objects.count() == 5
    assert WebhookDelivery.objects.filter(state=DeliveryState.PENDING).count() == 5

    redis_server.start()
    assert run_webhook_sweep(now=timezone.now() + timedelta(hours=1)) == 5
    assert waiting_webhook_messages(redis_server) == 5
    report("broker down during an import", rows=5, imported=5, webhooks_pending=5, queued_after_return=5)


def test_broker_down_when_a_manager_approves_the_page_answers_and_the_webhook_goes_later(
    redis_server: RedisServer,
    in_process_broker: None,
    local_receivers: None,
    case: WebhookCase,
    client: Client,
) -> None:
    subscribe(case.provider, "http://127.0.0.1:9/hook", ["rhi.completed"])
    submit(case)
    rhi = case.rhi
    rhi.refresh_from_db()
    redis_server.stop()

    client.force_login(case.manager)
    response = client.post(
        reverse("rhi:review", args=[rhi.pk]), {"decision": "approve", "comments": "", "version": rhi.version}
    )
    assert response.status_code == 302
    rhi.refresh_from_db()
    assert rhi.state == RHIState.APPROVED
    [delivery] = WebhookDelivery.objects.all()
    assert delivery.state == DeliveryState.PENDING

    redis_server.start()
    assert run_webhook_sweep(now=timezone.now() + timedelta(hours=1)) == 1
    assert waiting_webhook_messages(redis_server) == 1
    report("broker down during an approval", status=response.status_code, approved=1, webhook_queued_later=1)

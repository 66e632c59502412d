"""Hand-off notifications (issue 14 item 15) and the managers' digest, sent to a real local SMTP server
(aiosmtpd): an RHI allocated to a worker, a report submitted (to the managers who may approve it), returned
with comments and approved each reach the right people with a link to the record and never the child's name
or date of birth; the digest lists what is overdue, due soon and awaiting approval with links."""

from __future__ import annotations

import email
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings

from accounts.models import Role, Team, User
from alerts.digests import send_manager_digests
from alerts.handoffs import notify_handoff
from alerts.models import EmailStatus, HandoffKind, Notification
from rhi import services as rhi_services
from rhi.models import ReturnHomeInterview, RHIState
from tests.casework import Case, build_case
from tests.factories import member
from tests.factories_domain import ChildFactory, RHIFactory


@dataclass
class Inbox:
    """aiosmtpd handler keeping each message with the addresses it was delivered to."""

    messages: list[tuple[list[str], Message]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.content if isinstance(envelope.content, bytes) else str(envelope.content).encode()
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(raw)))
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        with self.lock:
            return [message for rcpts, message in self.messages if address in rcpts]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def smtp(settings: Settings) -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), ready_timeout=10)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", controller.port, 5
    yield inbox
    controller.stop()


def with_email(user: User) -> User:
    User.objects.filter(pk=user.pk).update(email=f"{user.username}@x.invalid")
    user.refresh_from_db()
    return user


def body(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def assert_no_child_details(message: Message, rhi: ReturnHomeInterview) -> None:
    child = rhi.child
    text = f"{message['Subject']}\n{body(message)}"
    for detail in (child.first_name, child.last_name, child.date_of_birth.strftime("%d/%m/%Y")):
        assert detail not in text
    assert child.date_of_birth.isoformat() not in text


@pytest.fixture
def case(casework_clock: None) -> Case:
    built = build_case()
    with_email(built.worker)
    with_email(built.manager)
    return built


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_celery")
def test_a_manager_allocating_an_rhi_emails_the_new_worker_a_link_and_not_the_child(
    case: Case,
    smtp: Inbox,
    settings: Settings,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    settings.SERVICE_BASE_URL = "https://rhi.example.gov.uk"
    other = with_email(member("second-worker", case.provider, Role.RHI_WORKER, case.team))
    with django_capture_on_commit_callbacks(execute=True):
        rhi_services.allocate_rhi(rhi_id=case.rhi.pk, worker=other, by=case.manager)

    [message] = smtp.to(other.email)
    assert message["Subject"] == f"Return home interviews: RHI allocated to you (RHI-{case.rhi.pk})"
    assert f"https://rhi.example.gov.uk/rhi/{case.rhi.pk}/" in body(message)
    assert_no_child_details(message, case.rhi)
    assert smtp.to(case.manager.email) == []  # who allocated is not told of their own step
    notification = Notification.objects.get(recipient=other, kind=HandoffKind.ALLOCATED)
    assert (notification.rhi_id, notification.email_status) == (case.rhi.pk, EmailStatus.SENT)


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_celery")
def test_a_worker_submitting_a_report_emails_the_managers_who_may_approve_it_not_another_team(
    case: Case, smtp: Inbox, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    south = Team.objects.create(organisation=case.provider, name="South")
    south_manager = with_email(member("south-manager", case.provider, Role.TEAM_MANAGER, south))
    with django_capture_on_commit_callbacks(execute=True):
        rhi_services.submit_for_approval(rhi_id=case.rhi.pk, by=case.worker)

    [message] = smtp.to(case.manager.email)
    assert "Report waiting for your approval" in message["Subject"]
    assert f"/rhi/{case.rhi.pk}/" in body(message)
    assert_no_child_details(message, case.rhi)
    assert smtp.to(south_manager.email) == []
    assert smtp.to(case.worker.email) == []


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_celery")
def test_a_manager_returning_a_report_emails_its_author_without_the_comments(
    case: Case, smtp: Inbox, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    rhi_services.submit_for_approval(rhi_id=case.rhi.pk, by=case.worker)
    comments = "Jordan's cousin's address is missing from the locations."
    with django_capture_on_commit_callbacks(execute=True):
        rhi_services.return_for_changes(rhi_id=case.rhi.pk, by=case.manager, comments=comments)

    [message] = smtp.to(case.worker.email)
    assert "Report returned with comments" in message["Subject"]
    assert f"/rhi/{case.rhi.pk}/" in body(message)
    assert "cousin" not in body(message)  # the comments are read in the service, never in an email
    assert_no_child_details(message, case.rhi)


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_celery")
def test_a_manager_approving_a_report_emails_the_worker_who_wrote_it(
    case: Case, smtp: Inbox, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    rhi_services.submit_for_approval(rhi_id=case.rhi.pk, by=case.worker)
    with django_capture_on_commit_callbacks(execute=True):
        rhi_services.approve(rhi_id=case.rhi.pk, by=case.manager)

    [message] = smtp.to(case.worker.email)
    assert "Report approved" in message["Subject"]
    assert f"/rhi/{case.rhi.pk}/" in body(message)
    assert_no_child_details(message, case.rhi)
    assert smtp.to(case.manager.email) == []


@pytest.mark.django_db
def test_a_hand_off_delivered_twice_notifies_each_person_once(case: Case) -> None:
    at = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
    first = notify_handoff(rhi_id=case.rhi.pk, kind="allocated", by_id=case.manager.pk, at=at)
    again = notify_handoff(rhi_id=case.rhi.pk, kind="allocated", by_id=case.manager.pk, at=at)
    assert (len(first), again) == (1, [])
    assert Notification.objects.filter(kind=HandoffKind.ALLOCATED, recipient=case.worker).count() == 1


@pytest.mark.django_db
def test_the_managers_digest_lists_overdue_due_soon_and_awaiting_approval_rhis_with_links(
    case: Case, smtp: Inbox
) -> None:
    now = datetime(2026, 6, 10, 7, 30, tzinfo=UTC)  # 08:30 BST
    rhi_services.submit_for_approval(rhi_id=case.rhi.pk, by=case.worker)
    overdue: ReturnHomeInterview = RHIFactory.create(
        child=ChildFactory.create(),
        provider=case.provider,
        team=case.team,
        clock_started_at=now - timedelta(hours=74),
        state=RHIState.ALLOCATED,
        allocated_worker=case.worker,
        due_at=now - timedelta(hours=2),
        due_soon_at=now - timedelta(hours=26),
    )
    assert send_manager_digests(now=now) == 1

    [message] = smtp.to(case.manager.email)
    text = body(message)
    assert "Overdue: 1" in text and f"RHI-{overdue.pk}: /rhi/{overdue.pk}/" in text
    assert "Awaiting your approval: 1" in text and f"RHI-{case.rhi.pk}: /rhi/{case.rhi.pk}/" in text
    assert "The deadline dashboard: /dashboard/" in text
    assert_no_child_details(message, case.rhi)

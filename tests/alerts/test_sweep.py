"""The deadline sweep records each alert once, tells the right people, and emails them after commit."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from pytest_django import DjangoCaptureOnCommitCallbacks

from accounts.api_client_services import create_client
from accounts.models import Membership, Role
from alerts.digests import send_manager_digests
from alerts.emails import send_notification_email
from alerts.models import AlertKind, DeadlineAlert, DigestSent, EmailStatus, Notification
from alerts.sweep import run_deadline_sweep
from referrals.models import Referral
from rhi.models import ReturnHomeInterview, RHIState
from tests.alerts.world import NOW, ProviderTeams, user
from tests.factories_domain import ChildFactory, RHIFactory


def alerts_for(rhi: ReturnHomeInterview) -> set[str]:
    return set(DeadlineAlert.objects.filter(rhi=rhi).values_list("kind", flat=True))


def recipients(rhi: ReturnHomeInterview, kind: str) -> set[str]:
    return set(Notification.objects.filter(rhi=rhi, kind=kind).values_list("recipient__username", flat=True))


@pytest.mark.django_db
def test_sweep_records_due_soon_and_overdue_once_and_nothing_the_second_time(teams: ProviderTeams) -> None:
    on_track = teams.rhi_due(due_in=timedelta(hours=30))
    due_soon = teams.rhi_due(due_in=timedelta(hours=5))
    overdue = teams.rhi_due(due_in=timedelta(hours=-1))
    not_started = RHIFactory.create(provider=teams.provider, state=RHIState.UNALLOCATED)

    first = run_deadline_sweep(now=NOW)
    second = run_deadline_sweep(now=NOW)

    assert alerts_for(on_track) == set() and alerts_for(not_started) == set()
    assert alerts_for(due_soon) == {AlertKind.DUE_SOON}
    # Found already past its deadline: the overdue alert, not a stale "due soon".
    assert alerts_for(overdue) == {AlertKind.OVERDUE}
    assert first.recorded[AlertKind.DUE_SOON] == 1 and first.recorded[AlertKind.OVERDUE] == 1
    assert second.total_recorded == 0
    assert DeadlineAlert.objects.count() == 2


@pytest.mark.django_db
def test_due_soon_goes_to_the_allocated_worker_and_a_breach_also_to_the_teams_manager(
    teams: ProviderTeams,
) -> None:
    due_soon = teams.rhi_due(due_in=timedelta(hours=5))
    overdue = teams.rhi_due(due_in=timedelta(hours=-1))
    run_deadline_sweep(now=NOW)
    assert recipients(due_soon, AlertKind.DUE_SOON) == {"worker"}
    assert recipients(overdue, AlertKind.OVERDUE) == {"worker", "manager"}


@pytest.mark.django_db
def test_a_providers_api_client_is_never_alerted_like_a_manager(teams: ProviderTeams) -> None:
    admin = user("orgadmin", organisation=teams.provider)
    Membership.objects.create(user=admin, organisation=teams.provider, role=Role.ORG_ADMIN)
    client = create_client(
        organisation=teams.provider, name="Case system", scopes=["rhi:read"], expires_at=None, by=admin
    ).client
    assert Membership.objects.filter(user=client.user, role=Role.TEAM_MANAGER).exists()
    overdue = teams.rhi_due(due_in=timedelta(hours=-1))
    run_deadline_sweep(now=NOW)
    assert recipients(overdue, AlertKind.OVERDUE) == {"worker", "manager"}


@pytest.mark.django_db
def test_unallocated_rhi_due_soon_goes_to_the_team_manager_not_other_teams(teams: ProviderTeams) -> None:
    rhi = teams.rhi_due(due_in=timedelta(hours=5), allocated=False)
    run_deadline_sweep(now=NOW)
    assert recipients(rhi, AlertKind.DUE_SOON) == {"manager"}


@pytest.mark.django_db
def test_interviewed_rhi_raises_no_clock_alerts(teams: ProviderTeams) -> None:
    rhi = teams.rhi_due(due_in=timedelta(hours=-5))
    rhi.state = RHIState.DRAFTING
    rhi.save()
    run_deadline_sweep(now=NOW)
    assert alerts_for(rhi) == set()


@pytest.mark.django_db
def test_contact_deadline_breach_alerts_until_contact_is_made(teams: ProviderTeams) -> None:
    waiting = teams.rhi_due(due_in=timedelta(hours=40), contact_due_in=timedelta(hours=-2))
    contacted = teams.rhi_due(due_in=timedelta(hours=40), contact_due_in=timedelta(hours=-2))
    contacted.state = RHIState.CONTACTING
    contacted.save()
    run_deadline_sweep(now=NOW)
    assert alerts_for(waiting) == {AlertKind.CONTACT_OVERDUE}
    assert alerts_for(contacted) == set()


@pytest.mark.django_db
def test_unacknowledged_referral_escalates_once_to_its_author_and_managers(teams: ProviderTeams) -> None:
    rhi = teams.rhi_due(due_in=timedelta(hours=40))
    referral = Referral.objects.create(
        rhi=rhi,
        service="camhs",
        reason="Low mood",
        created_by=teams.worker,
        sent_at=NOW - timedelta(days=3),
        acknowledgement_due_at=NOW - timedelta(hours=1),
    )
    run_deadline_sweep(now=NOW)
    run_deadline_sweep(now=NOW)
    alert = DeadlineAlert.objects.get(referral=referral)
    assert alert.kind == AlertKind.REFERRAL_UNACKNOWLEDGED
    assert set(alert.notifications.values_list("recipient__username", flat=True)) == {"worker", "manager"}


@pytest.mark.django_db
def test_deadline_sweep_command_prints_what_it_recorded(
    teams: ProviderTeams, capsys: pytest.CaptureFixture[str]
) -> None:
    teams.rhi_due(due_in=timedelta(hours=-3))
    with time_machine.travel(NOW, tick=False):
        call_command("deadline_sweep")
        call_command("deadline_sweep")
    first, second = capsys.readouterr().out.strip().splitlines()
    assert '"overdue": 1' in first and '"overdue": 0' in second


@pytest.mark.django_db
def test_notification_email_is_sent_after_commit_once_and_carries_no_personal_data(
    teams: ProviderTeams,
    eager_celery: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    child = ChildFactory.create(first_name="Jordan", last_name="Taylor")
    rhi = teams.rhi_due(due_in=timedelta(hours=-1))
    rhi.child = child
    rhi.save()
    with django_capture_on_commit_callbacks(execute=True):
        run_deadline_sweep(now=NOW)
    assert sorted(m.to[0] for m in mail.outbox) == ["manager@x.invalid", "worker@x.invalid"]
    assert all("Jordan" not in m.body and "Taylor" not in m.body for m in mail.outbox)
    assert f"RHI-{rhi.pk}" in mail.outbox[0].body
    assert set(Notification.objects.values_list("email_status", flat=True)) == {EmailStatus.SENT}
    # A duplicate delivery of the email task sends nothing more.
    assert send_notification_email(notification_id=Notification.objects.earliest("pk").pk) is False
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_manager_digest_is_sent_once_a_day_from_seven_uk_time(teams: ProviderTeams) -> None:
    teams.rhi_due(due_in=timedelta(hours=-7))  # due at 05:00 UTC, before the digest goes
    early = datetime(2026, 6, 10, 5, 30, tzinfo=UTC)  # 06:30 BST
    assert send_manager_digests(now=early) == 0
    assert send_manager_digests(now=early + timedelta(hours=1)) == 2
    assert send_manager_digests(now=early + timedelta(hours=3)) == 0
    assert DigestSent.objects.count() == 2
    body = next(m.body for m in mail.outbox if m.to == ["manager@x.invalid"])
    assert "Overdue: 1" in body


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and SKIP LOCKED need PostgreSQL")
def test_ten_concurrent_sweeps_record_each_alert_exactly_once(teams: ProviderTeams) -> None:
    rhis = [teams.rhi_due(due_in=timedelta(hours=h)) for h in (-30, -5, -1, 2, 10, 20, 50)]
    errors: list[BaseException] = []

    def sweep() -> None:
        try:
            run_deadline_sweep(now=NOW)
        except BaseException as exc:  # pragma: no cover - surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert DeadlineAlert.objects.count() == 6
    for rhi in rhis:
        kinds = list(DeadlineAlert.objects.filter(rhi=rhi).values_list("kind", flat=True))
        assert len(kinds) == len(set(kinds))
    assert Notification.objects.filter(kind=AlertKind.OVERDUE).count() == 3 * 2


@pytest.mark.django_db
def test_long_overdue_acknowledgements_from_history_do_not_raise_alerts(teams: ProviderTeams) -> None:
    rhi = teams.rhi_due(due_in=timedelta(hours=40))
    Referral.objects.create(
        rhi=rhi,
        service="camhs",
        reason="Imported from last year's spreadsheet",
        created_by=teams.worker,
        sent_at=NOW - timedelta(days=400),
        acknowledgement_due_at=NOW - timedelta(days=398),
    )
    assert run_deadline_sweep(now=NOW).recorded[AlertKind.REFERRAL_UNACKNOWLEDGED] == 0

"""Every page that shows a child, an RHI, a report, an episode or a referral records exactly one ALLOWED view
event for someone entitled to it, and exactly one DENIED event (with a 404 or 403) for an unrelated user."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts.models import Role, Team, User
from audit.models import AuditAction, AuditEvent, AuditOutcome
from missing_episodes.models import Child, MissingEpisode, Placement
from referrals.models import Referral
from referrals.services import make_referral
from rhi import services
from rhi.models import ReturnHomeInterview
from rhi.services.findings import record_consent
from tests.factories import member
from tests.factories_domain import (
    ChildFactory,
    LocalAuthorityFactory,
    MissingEpisodeFactory,
    ProviderFactory,
)

pytestmark = pytest.mark.django_db
RETURNED = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 6, 5, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@dataclass(frozen=True)
class CoverageCase:
    rhi: ReturnHomeInterview
    child: Child
    episode: MissingEpisode
    referral: Referral
    placement: Placement
    worker: User
    manager: User
    la_worker: User
    stranger: User


@pytest.fixture
def case() -> CoverageCase:
    """An approved RHI with a referral, worked by a provider's worker and approved by its manager."""
    la = LocalAuthorityFactory.create(code="333")
    provider = ProviderFactory.create()
    team = Team.objects.create(organisation=provider, name="North")
    worker = member("worker", provider, Role.RHI_WORKER, team)
    manager = member("manager", provider, Role.TEAM_MANAGER, team)
    child = ChildFactory.create(responsible_la=la)
    placement = Placement.objects.create(
        child=child,
        placement_type="foster_care",
        host_la=LocalAuthorityFactory.create(code="330"),
        start_date=date(2026, 1, 1),
    )
    episode = MissingEpisodeFactory.create(
        child=child, missing_at=RETURNED - timedelta(hours=20), returned_at=RETURNED
    )
    rhi = services.open_rhi_for_returned_episode(episode=episode)
    rhi.provider = provider
    rhi.save()
    services.allocate_rhi(rhi_id=rhi.pk, worker=worker, by=manager)
    services.log_contact_attempt(
        rhi_id=rhi.pk,
        by=worker,
        attempted_at=RETURNED + timedelta(hours=2),
        method="phone",
        contact_with="child",
        outcome="spoke",
    )
    services.record_offer(
        rhi_id=rhi.pk, by=worker, offered_at=RETURNED + timedelta(hours=3), offered_to="child", method="phone"
    )
    services.record_interview(
        rhi_id=rhi.pk,
        by=worker,
        interview={
            "held_at": RETURNED + timedelta(hours=24),
            "location_type": "home",
            "interviewer_independence": "independent_provider",
            "child_choice_of_interviewer": "yes",
        },
    )
    record_consent(
        rhi_id=rhi.pk, by=worker, consent="given", share_without_consent=False, expected_version=None
    )
    services.submit_for_approval(rhi_id=rhi.pk, by=worker)
    services.approve(rhi_id=rhi.pk, by=manager)
    referral = make_referral(
        rhi_id=rhi.pk,
        by=worker,
        service="early_help",
        recipient_name="Early help hub",
        reason="Support at school.",
        risk_indicators=[],
        sent_at=None,
    )
    la_worker = member("laworker", la, Role.RHI_WORKER)
    stranger = member("stranger", ProviderFactory.create(), Role.TEAM_MANAGER)
    return CoverageCase(
        rhi=rhi,
        child=child,
        episode=episode,
        referral=referral,
        placement=placement,
        worker=worker,
        manager=manager,
        la_worker=la_worker,
        stranger=stranger,
    )


# (url name, the case's object giving the id, the fixture user allowed to see it)
PAGES = [
    ("rhi:detail", "rhi", "worker"),
    ("missing_episodes:child_detail", "child", "worker"),
    ("missing_episodes:episode_detail", "episode", "worker"),
    ("referrals:new", "rhi", "worker"),
    ("referrals:mark_sent", "referral", "worker"),
    ("referrals:acknowledge", "referral", "worker"),
    ("referrals:outcome", "referral", "worker"),
    ("audit:rhi", "rhi", "manager"),
    ("audit:child", "child", "manager"),
    ("sharing_out_of_area:record", "placement", "la_worker"),
]


def events_during(client: Client, user: User, url: str, expected_status: int) -> list[tuple[str, str]]:
    client.force_login(user)
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    response = client.get(url)
    assert response.status_code == expected_status, url
    return list(
        AuditEvent.objects.filter(pk__gt=before, actor=user).order_by("pk").values_list("action", "outcome")
    )


@pytest.mark.parametrize(("name", "target", "allowed"), PAGES)
def test_allowed_user_viewing_a_page_records_exactly_one_allowed_view(
    client: Client, case: CoverageCase, name: str, target: str, allowed: str
) -> None:
    url = reverse(name, args=[getattr(case, target).pk])
    assert events_during(client, getattr(case, allowed), url, 200) == [
        (AuditAction.VIEW, AuditOutcome.ALLOWED)
    ]


@pytest.mark.parametrize(("name", "target", "allowed"), PAGES)
def test_unrelated_user_gets_404_and_exactly_one_denied_event(
    client: Client, case: CoverageCase, name: str, target: str, allowed: str
) -> None:
    url = reverse(name, args=[getattr(case, target).pk])
    assert events_during(client, case.stranger, url, 404) == [(AuditAction.VIEW, AuditOutcome.DENIED)]


def test_report_pdf_download_records_one_view_and_a_stranger_one_denial(
    client: Client, case: CoverageCase
) -> None:
    url = reverse("rhi:report_download", args=[case.rhi.pk, "full_report"])
    assert events_during(client, case.worker, url, 200) == [(AuditAction.VIEW, AuditOutcome.ALLOWED)]
    assert events_during(client, case.stranger, url, 404) == [(AuditAction.VIEW, AuditOutcome.DENIED)]


def test_seeing_the_rhi_but_not_working_on_it_is_a_denied_referral_step(
    client: Client, case: CoverageCase
) -> None:
    other_worker = member("other", case.rhi.provider, Role.RHI_WORKER, case.rhi.team)
    url = reverse("referrals:mark_sent", args=[case.referral.pk])
    assert events_during(client, other_worker, url, 403) == [(AuditAction.VIEW, AuditOutcome.DENIED)]


def test_denied_allocation_of_an_unseen_rhi_is_audited(client: Client, case: CoverageCase) -> None:
    client.force_login(case.stranger)
    response = client.post(reverse("rhi:allocate", args=[case.rhi.pk]), {"worker": case.worker.pk})
    assert response.status_code == 404
    assert AuditEvent.objects.filter(
        actor=case.stranger, outcome=AuditOutcome.DENIED, object_id=str(case.rhi.pk)
    ).exists()

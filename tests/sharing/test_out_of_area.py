"""Out-of-area children: the placing LA is told automatically of each episode, return and RHI outcome, and
offered the approved report when consent allows; host LA and host police notifications of a placement are
recorded, and a list shows the placements where either is missing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts.models import Organisation, Role, Team, User
from audit.models import AuditAction, AuditEvent, AuditOutcome
from missing_episodes.importers import import_episodes_text
from missing_episodes.models import Child, MissingEpisode, Placement
from missing_episodes.services import record_episode
from rhi import services
from rhi.models import ReturnHomeInterview, RHIState
from rhi.services.findings import record_consent
from sharing.models import ConsentState, Disclosure, DisclosureEvent, DisclosureLevel, LawfulBasis
from sharing.out_of_area import placements_without_notification
from tests.browser.axe import assert_no_axe_violations
from tests.browser.helpers import expect_error_summary_title, fill_date, sign_in
from tests.dates import boxes
from tests.factories import MEMBER_PASSWORD, member
from tests.factories_domain import (
    ChildFactory,
    LocalAuthorityFactory,
    PlacementFactory,
    PoliceForceFactory,
    ProviderFactory,
)

pytestmark = pytest.mark.django_db
# Friday before the spring bank holiday (Monday 25 May 2026): two working days on is the end of Wednesday 27th.
NOW = datetime(2026, 5, 22, 12, 0, tzinfo=UTC)
MISSING = datetime(2026, 5, 20, 18, 0, tzinfo=UTC)
RETURNED = datetime(2026, 5, 21, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@dataclass(frozen=True)
class OutOfAreaWorld:
    """Sandwell placing one child (``away``) in Birmingham, in West Midlands Police's area, and one at home."""

    placing: Organisation
    host: Organisation
    force: Organisation
    away: Child
    home: Child


@dataclass(frozen=True)
class OutOfAreaCase(OutOfAreaWorld):
    """The world, with the away child's RHI handled by the host LA's in-house team."""

    rhi: ReturnHomeInterview
    worker: User
    manager: User


@dataclass(frozen=True)
class Placements:
    away: Placement
    half: Placement


@pytest.fixture
def world() -> OutOfAreaWorld:
    placing = LocalAuthorityFactory.create(code="333", name="Sandwell")
    host = LocalAuthorityFactory.create(code="330", name="Birmingham")
    force = PoliceForceFactory.create(code="E23000014", name="West Midlands Police")
    away = ChildFactory.create(responsible_la=placing, la_child_id="SAN-1")
    PlacementFactory.create(child=away, host_la=host, police_force_area=force, start_date=date(2026, 1, 5))
    home = ChildFactory.create(responsible_la=placing, la_child_id="SAN-2")
    PlacementFactory.create(child=home, host_la=placing, start_date=date(2026, 1, 5))
    return OutOfAreaWorld(placing=placing, host=host, force=force, away=away, home=home)


def report(world: OutOfAreaWorld, child: Child, reference: str, **fields: Any) -> Any:
    return record_episode(
        child=child,
        police_force=world.force,
        police_reference=reference,
        fields={"category": "missing", "missing_from": "care", "missing_at": MISSING} | fields,
    )


def automatic(**lookup: Any) -> list[Disclosure]:
    return list(Disclosure.objects.filter(shared_by__isnull=True, **lookup).order_by("pk"))


def test_out_of_area_childs_episode_notifies_the_placing_authority_exactly_once(
    world: OutOfAreaWorld,
) -> None:
    result = report(world, world.away, "WM-1")
    report(world, world.away, "WM-1")  # the same notification again: unchanged
    [notice] = automatic(episode=result.episode)
    assert notice.recipient_organisation == world.placing
    assert (notice.level, notice.event) == (DisclosureLevel.NOTIFICATION, DisclosureEvent.EPISODE_REPORTED)
    assert notice.lawful_basis == LawfulBasis.PUBLIC_TASK
    assert notice.consent_state == ConsentState.NOT_REQUIRED
    # Two working days, skipping the weekend and the bank holiday: the end of Wednesday 27 May (UK time).
    assert notice.acknowledgement_due_at == datetime(2026, 5, 27, 22, 59, 59, 999999, tzinfo=UTC)
    shared = AuditEvent.objects.get(action=AuditAction.SHARE, object_id=str(notice.pk))
    assert shared.detail["automatic"] is True and shared.level == DisclosureLevel.NOTIFICATION


def test_recording_the_return_later_notifies_the_placing_authority_once_more(world: OutOfAreaWorld) -> None:
    episode = report(world, world.away, "WM-1").episode
    report(world, world.away, "WM-1", returned_at=RETURNED)
    report(world, world.away, "WM-1", returned_at=RETURNED)
    events = [d.event for d in automatic(episode=episode)]
    assert events == [DisclosureEvent.EPISODE_REPORTED, DisclosureEvent.EPISODE_RETURNED]


def test_in_area_childs_episode_notifies_nobody(world: OutOfAreaWorld) -> None:
    episode = report(world, world.home, "WM-2", returned_at=RETURNED).episode
    assert Disclosure.objects.filter(episode=episode).count() == 0


def test_reimporting_the_same_file_creates_no_second_notification(world: OutOfAreaWorld) -> None:
    text = (
        "police_force,police_reference,responsible_la,la_child_id,first_name,last_name,date_of_birth,gender,"
        "category,risk_level,missing_from,missing_at,reported_at,returned_at,police_notified_at,found_location\n"
        f"E23000014,WM-9,333,SAN-1,{world.away.first_name},{world.away.last_name},2011-05-17,male,"
        "missing,medium,care,2026-05-20T19:00,,2026-05-21T10:00,,\n"
    )
    first = import_episodes_text(text)
    second = import_episodes_text(text)
    assert (first.created, second.unchanged) == (1, 1)
    episode = MissingEpisode.objects.get(police_reference="WM-9")
    assert [d.event for d in automatic(episode=episode)] == [DisclosureEvent.EPISODE_REPORTED]


# --- RHI outcomes ---------------------------------------------------------------------------------------


@pytest.fixture
def rhi_case(world: OutOfAreaWorld) -> OutOfAreaCase:
    """An out-of-area child's RHI, handled by the host LA's in-house team, interviewed and in draft."""
    episode = report(world, world.away, "WM-1", returned_at=RETURNED).episode
    rhi = episode.rhi_link.rhi
    assert rhi.local_authority == world.host and rhi.provider == world.host
    team = Team.objects.create(organisation=world.host, name="Missing team")
    worker = member("worker", world.host, Role.RHI_WORKER, team)
    manager = member("manager", world.host, Role.TEAM_MANAGER, team)
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
    return OutOfAreaCase(**vars(world), rhi=rhi, worker=worker, manager=manager)


def interview_and_approve(case: OutOfAreaCase, *, consent: str, override: str = "") -> None:
    rhi_id, worker = case.rhi.pk, case.worker
    services.record_interview(
        rhi_id=rhi_id,
        by=worker,
        interview={
            "held_at": RETURNED + timedelta(hours=24),
            "location_type": "home",
            "interviewer_independence": "independent_provider",
            "child_choice_of_interviewer": "yes",
        },
    )
    record_consent(
        rhi_id=rhi_id,
        by=worker,
        consent=consent,
        share_without_consent=bool(override),
        justification=override,
        expected_version=None,
    )
    services.submit_for_approval(rhi_id=rhi_id, by=worker)
    approved = services.approve(rhi_id=rhi_id, by=case.manager)
    assert approved.state == RHIState.APPROVED


def rhi_disclosures(case: OutOfAreaCase) -> list[tuple[str, str, str]]:
    return [
        (d.level, d.event, d.consent_state)
        for d in automatic(rhi=case.rhi, episode__isnull=True, recipient_organisation=case.placing)
    ]


def test_approved_rhi_with_consent_notifies_and_offers_the_report_to_the_placing_authority(
    rhi_case: OutOfAreaCase,
) -> None:
    interview_and_approve(rhi_case, consent="given")
    assert rhi_disclosures(rhi_case) == [
        (DisclosureLevel.NOTIFICATION, DisclosureEvent.RHI_OUTCOME, ConsentState.NOT_REQUIRED),
        (DisclosureLevel.FULL_REPORT, DisclosureEvent.REPORT_OFFERED, ConsentState.GIVEN),
    ]


def test_refused_consent_without_override_sends_the_notification_only(rhi_case: OutOfAreaCase) -> None:
    interview_and_approve(rhi_case, consent="refused")
    assert rhi_disclosures(rhi_case) == [
        (DisclosureLevel.NOTIFICATION, DisclosureEvent.RHI_OUTCOME, ConsentState.NOT_REQUIRED)
    ]


def test_refused_consent_with_a_justified_override_offers_the_report(rhi_case: OutOfAreaCase) -> None:
    interview_and_approve(rhi_case, consent="refused", override="Risk of serious harm from an adult.")
    report_disclosure = automatic(rhi=rhi_case.rhi, level=DisclosureLevel.FULL_REPORT)[0]
    assert report_disclosure.consent_state == ConsentState.REFUSED_OVERRIDDEN
    assert report_disclosure.override_justification == "Risk of serious harm from an adult."


def test_declined_rhi_notifies_the_placing_authority_of_the_outcome(rhi_case: OutOfAreaCase) -> None:
    services.record_decline(
        rhi_id=rhi_case.rhi.pk, by=rhi_case.worker, declined_by="child", reason="not_wanted"
    )
    assert rhi_disclosures(rhi_case) == [
        (DisclosureLevel.NOTIFICATION, DisclosureEvent.RHI_OUTCOME, ConsentState.NOT_REQUIRED)
    ]


def test_steps_before_an_outcome_notify_nobody(rhi_case: OutOfAreaCase) -> None:
    services.record_acceptance(rhi_id=rhi_case.rhi.pk, by=rhi_case.worker)
    assert rhi_disclosures(rhi_case) == []


# --- Host notifications of placements -------------------------------------------------------------------


@pytest.fixture
def placements(world: OutOfAreaWorld) -> Placements:
    notified = ChildFactory.create(responsible_la=world.placing, la_child_id="SAN-3")
    PlacementFactory.create(
        child=notified,
        host_la=world.host,
        start_date=date(2026, 2, 1),
        host_la_notified_at=NOW - timedelta(days=90),
        host_police_notified_at=NOW - timedelta(days=90),
    )
    half = ChildFactory.create(responsible_la=world.placing, la_child_id="SAN-4")
    half_placement = PlacementFactory.create(
        child=half, host_la=world.host, start_date=date(2026, 3, 1), host_la_notified_at=NOW
    )
    ended = ChildFactory.create(responsible_la=world.placing, la_child_id="SAN-5")
    PlacementFactory.create(
        child=ended, host_la=world.host, start_date=date(2025, 1, 1), end_date=date(2025, 6, 1)
    )
    return Placements(away=world.away.placements.get(), half=half_placement)


def test_placements_list_shows_only_current_out_of_area_placements_missing_a_notification(
    world: OutOfAreaWorld, placements: Placements
) -> None:
    lead = member("lead", world.placing, Role.PERFORMANCE_LEAD)
    host_viewer = member("viewer", world.host, Role.PARTNER_VIEWER)
    expected = [placements.away.pk, placements.half.pk]
    assert [p.pk for p in placements_without_notification(lead)] == expected
    assert [p.pk for p in placements_without_notification(host_viewer)] == expected
    elsewhere = member("elsewhere", LocalAuthorityFactory.create(code="201"), Role.PERFORMANCE_LEAD)
    assert list(placements_without_notification(elsewhere)) == []


def listed(response: Any) -> list[str]:
    return re.findall(
        r"Record notifications<span class=\"govuk-visually-hidden\"> for child ([\w-]+)<",
        response.content.decode(),
    )


def test_la_worker_records_both_notifications_and_the_placement_leaves_the_list(
    client: Client, world: OutOfAreaWorld, placements: Placements
) -> None:
    worker = member("laworker", world.placing, Role.RHI_WORKER)
    client.force_login(worker)
    listing = client.get(reverse("sharing_out_of_area:unnotified"))
    assert listing.status_code == 200
    assert listed(listing) == ["SAN-1", "SAN-4"]
    url = reverse("sharing_out_of_area:record", args=[placements.away.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            **boxes("host_la_notified_at", "2026-01-06T10:00"),
            **boxes("host_police_notified_at", "2026-01-06T11:30"),
        },
    )
    assert response.status_code == 302
    placement = placements.away
    placement.refresh_from_db()
    assert placement.host_la_notified_at == datetime(2026, 1, 6, 10, 0, tzinfo=UTC)
    assert placement.host_police_notified_at == datetime(2026, 1, 6, 11, 30, tzinfo=UTC)
    assert listed(client.get(reverse("sharing_out_of_area:unnotified"))) == ["SAN-4"]
    assert AuditEvent.objects.filter(
        action=AuditAction.UPDATE, object_type="missing_episodes.placement", object_id=str(placement.pk)
    ).exists()


def test_recording_a_future_or_empty_notification_shows_errors_and_saves_nothing(
    client: Client, world: OutOfAreaWorld, placements: Placements
) -> None:
    client.force_login(member("laworker", world.placing, Role.RHI_WORKER))
    url = reverse("sharing_out_of_area:record", args=[placements.away.pk])
    empty = client.post(
        url,
        {**boxes("host_la_notified_at", ""), **boxes("host_police_notified_at", "")},
    )
    assert empty.status_code == 200 and "<title>Error: " in empty.content.decode()
    future = client.post(
        url,
        {
            **boxes("host_la_notified_at", "2026-06-30T10:00"),
            **boxes("host_police_notified_at", ""),
        },
    )
    assert "The time the host local authority was told cannot be in the future." in future.content.decode()
    placements.away.refresh_from_db()
    assert placements.away.host_la_notified_at is None


def test_unrelated_user_gets_404_for_a_placement_and_it_is_audited_as_denied(
    client: Client, world: OutOfAreaWorld, placements: Placements
) -> None:
    stranger = member("stranger", LocalAuthorityFactory.create(code="201"), Role.TEAM_MANAGER)
    client.force_login(stranger)
    url = reverse("sharing_out_of_area:record", args=[placements.away.pk])
    assert client.post(url, {**boxes("host_la_notified_at", "2026-01-06T10:00")}).status_code == 404
    assert AuditEvent.objects.filter(
        actor=stranger, outcome=AuditOutcome.DENIED, object_id=str(placements.away.pk)
    ).exists()
    placements.away.refresh_from_db()
    assert placements.away.host_la_notified_at is None


def test_provider_staff_without_an_la_role_do_not_get_the_placements_list(
    client: Client, world: OutOfAreaWorld
) -> None:
    client.force_login(member("charity", ProviderFactory.create(), Role.TEAM_MANAGER))
    assert client.get(reverse("sharing_out_of_area:unnotified")).status_code == 404


# --- In the browser -------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_la_worker_records_placement_notifications_in_the_browser(
    page: Any, world: OutOfAreaWorld, placements: Placements
) -> None:
    member("laworker", world.placing, Role.RHI_WORKER)
    sign_in(page, "laworker", MEMBER_PASSWORD)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Placement notifications").click()
    page.get_by_role("heading", name="Placements with no recorded notification").wait_for()
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Record notifications for child SAN-1").click()
    page.get_by_role("heading", name="Record placement notifications").wait_for()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Record when they were told").click()
    page.get_by_role("heading", name="There is a problem").wait_for()
    expect_error_summary_title(page)
    assert_no_axe_violations(page)
    fill_date(page, "When was the host local authority told?", datetime(2026, 1, 6, 10, 0, tzinfo=UTC))
    fill_date(page, "When was the host police force told?", datetime(2026, 1, 6, 11, 30, tzinfo=UTC))
    page.get_by_role("button", name="Record when they were told").click()
    page.get_by_role("heading", name="Placements with no recorded notification").wait_for()
    assert page.get_by_role("link", name="Record notifications for child SAN-1").count() == 0
    assert page.get_by_role("link", name="Record notifications for child SAN-4").count() == 1
    assert_no_axe_violations(page)

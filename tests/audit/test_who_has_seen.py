"""'Who has seen this record': team managers who can see the record and org admins of the organisation that
owns it read its audit trail, newest first, a keyset page at a time, filtered by month; anyone else gets 404."""

from __future__ import annotations

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
from audit.selectors import child_targets, month_bounds, rhi_targets, who_has_seen
from missing_episodes.models import Child
from rhi.models import ReturnHomeInterview
from tests.browser.axe import assert_no_axe_violations
from tests.factories import member
from tests.factories_domain import ChildFactory, LocalAuthorityFactory, ProviderFactory, RHIFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
RHI_TYPE = "rhi.returnhomeinterview"


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@dataclass(frozen=True)
class SeenCase:
    la: Organisation
    provider: Organisation
    child: Child
    rhi: ReturnHomeInterview
    manager: User
    worker: User
    la_admin: User


@pytest.fixture
def case() -> SeenCase:
    la = LocalAuthorityFactory.create(code="333", name="Sandwell")
    provider = ProviderFactory.create(name="Safe Return Partnership")
    team = Team.objects.create(organisation=provider, name="North")
    child = ChildFactory.create(responsible_la=la)
    rhi = RHIFactory.create(child=child, provider=provider, team=team)
    return SeenCase(
        la=la,
        provider=provider,
        child=child,
        rhi=rhi,
        manager=member("manager", provider, Role.TEAM_MANAGER, team, first_name="Morgan", last_name="Lee"),
        worker=member("worker", provider, Role.RHI_WORKER, team, first_name="Priya", last_name="Shah"),
        la_admin=member("laadmin", la, Role.ORG_ADMIN),
    )


def seen(user: User | None, obj: Any, at: datetime, outcome: str = AuditOutcome.ALLOWED) -> AuditEvent:
    return AuditEvent.objects.create(
        at=at,
        actor=user,
        actor_organisation_id=user.organisation_id if user else None,
        action=AuditAction.VIEW,
        outcome=outcome,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        level="full",
    )


def test_manager_sees_who_viewed_the_rhi_with_name_organisation_level_and_outcome(
    client: Client, case: SeenCase
) -> None:
    seen(case.worker, case.rhi, NOW - timedelta(hours=2))
    stranger = member("stranger", ProviderFactory.create(name="Elsewhere"), Role.RHI_WORKER, first_name="Ola")
    seen(stranger, case.rhi, NOW - timedelta(hours=1), AuditOutcome.DENIED)
    client.force_login(case.manager)
    response = client.get(reverse("audit:rhi", args=[case.rhi.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Priya Shah" in page and "Safe Return Partnership" in page and "Elsewhere" in page
    assert page.index("Ola") < page.index("Priya Shah")  # newest first
    assert "Denied" in page
    # 10:00 UTC in June is 11:00 in London.
    assert "10 Jun 2026 11:00:00" in page
    assert AuditEvent.objects.filter(
        actor=case.manager, object_type="audit.who_has_seen", object_id=f"rhi:{case.rhi.pk}"
    ).exists()


def test_org_admin_of_the_responsible_la_reads_the_childs_trail_without_a_link_to_the_case(
    client: Client, case: SeenCase
) -> None:
    seen(case.worker, case.child, NOW - timedelta(days=1))
    client.force_login(case.la_admin)
    response = client.get(reverse("audit:child", args=[case.child.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Priya Shah" in page
    assert case.child.first_name not in page
    assert reverse("missing_episodes:child_detail", args=[case.child.pk]) not in page


def test_worker_and_unrelated_admin_get_404_and_it_is_audited_as_denied(
    client: Client, case: SeenCase
) -> None:
    other_admin = member("otheradmin", LocalAuthorityFactory.create(code="201"), Role.ORG_ADMIN)
    for user, name, obj in [(case.worker, "audit:rhi", "rhi"), (other_admin, "audit:child", "child")]:
        client.force_login(user)
        assert client.get(reverse(name, args=[getattr(case, obj).pk])).status_code == 404
        assert AuditEvent.objects.filter(actor=user, outcome=AuditOutcome.DENIED).count() == 1


def test_month_filter_shows_who_looked_at_the_child_this_month(client: Client, case: SeenCase) -> None:
    seen(case.worker, case.child, datetime(2026, 5, 31, 22, 30, tzinfo=UTC))  # 23:30 London: May
    seen(case.manager, case.child, datetime(2026, 5, 31, 23, 30, tzinfo=UTC))  # 00:30 London: June
    june, july = month_bounds(date(2026, 6, 1))
    rows, _ = who_has_seen(child_targets(case.child.pk), since=june, until=july)
    assert [row.actor_name for row in rows] == ["Morgan Lee"]
    client.force_login(case.manager)
    page = client.get(reverse("audit:child", args=[case.child.pk]), {"month": "2026-05"}).content.decode()
    assert "Priya Shah" in page and "Morgan Lee</td>" not in page


def test_trail_pages_by_keyset_without_repeating_or_skipping_rows(case: SeenCase) -> None:
    start = NOW - timedelta(days=3)
    for n in range(60):
        # Pairs of events at the same instant: the id breaks the tie.
        seen(case.worker, case.rhi, start + timedelta(minutes=n // 2))
    targets = rhi_targets(case.rhi.pk)
    first, cursor = who_has_seen(targets, limit=25)
    second, cursor2 = who_has_seen(targets, limit=25, cursor=cursor)
    third, cursor3 = who_has_seen(targets, limit=25, cursor=cursor2)
    assert (len(first), len(second), len(third), cursor3) == (25, 25, 10, None)
    times = [row.at for row in first + second + third]
    assert times == sorted(times, reverse=True)


def test_trail_page_links_to_older_events_and_the_next_page_continues(client: Client, case: SeenCase) -> None:
    for n in range(55):
        seen(case.worker, case.rhi, NOW - timedelta(minutes=n + 1))
    client.force_login(case.manager)
    url = reverse("audit:rhi", args=[case.rhi.pk])
    first = client.get(url)
    assert first.content.decode().count("Priya Shah") == 50
    assert first.context["next_query"]
    second = client.get(f"{url}?{first.context['next_query']}")
    assert second.content.decode().count("Priya Shah") == 5


def test_rhi_page_links_to_the_trail_for_a_manager_only(client: Client, case: SeenCase) -> None:
    client.force_login(case.manager)
    assert 'id="who-has-seen-link"' in client.get(reverse("rhi:detail", args=[case.rhi.pk])).content.decode()
    client.force_login(case.worker)
    assert (
        'id="who-has-seen-link"' not in client.get(reverse("rhi:detail", args=[case.rhi.pk])).content.decode()
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_manager_opens_who_has_seen_from_the_rhi_page_in_the_browser(page: Any, case: SeenCase) -> None:
    seen(case.worker, case.rhi, NOW - timedelta(hours=2))
    seen(case.worker, case.rhi, datetime(2026, 5, 12, 9, 0, tzinfo=UTC))
    page.goto("/accounts/sign-in/")
    page.get_by_label("Username").fill("manager")
    page.get_by_label("Password").fill("unused-password-1")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Home", level=1).wait_for()
    page.goto(reverse("rhi:detail", args=[case.rhi.pk]))
    page.get_by_role("link", name="Who has seen this record").click()
    page.get_by_role("heading", name=f"Who has seen RHI-{case.rhi.pk}").wait_for()
    assert page.locator("#who-has-seen tbody tr").count() >= 3  # two views, plus the manager's own
    assert_no_axe_violations(page)
    page.get_by_label("Month").select_option("2026-05")
    page.get_by_role("button", name="Show who has seen it").click()
    page.get_by_role("caption").filter(has_text="In May 2026").wait_for()
    assert page.locator("#who-has-seen tbody tr").count() == 1
    assert_no_axe_violations(page)


def test_child_trail_includes_views_of_the_childs_rhi_not_only_the_child_page(
    client: Client, case: SeenCase
) -> None:
    seen(case.worker, case.rhi, NOW - timedelta(hours=2))  # opened the RHI, not the child's page
    rows, _ = who_has_seen(child_targets(case.child.pk))
    assert [(row.actor_name, row.record) for row in rows] == [("Priya Shah", f"RHI {case.rhi.pk}")]
    client.force_login(case.manager)
    page = client.get(reverse("audit:child", args=[case.child.pk])).content.decode()
    assert "Priya Shah" in page and f"RHI {case.rhi.pk}" in page

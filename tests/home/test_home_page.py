"""The home page gathers its panels once (home.selectors), and asks the policy who sees what was shared: a
worker or manager of an organisation that received a disclosure is shown it, as police and partner viewers are."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organisation
from home.selectors import SHARED_SECTION, home_sections
from sharing.models import ConsentState, Disclosure, DisclosureLevel, LawfulBasis
from tests.factories_domain import MissingEpisodeFactory
from tests.home.people import People

pytestmark = pytest.mark.django_db


def share_with(organisation: Organisation, *, overdue: bool) -> Disclosure:
    episode = MissingEpisodeFactory.create()
    return Disclosure.objects.create(
        child=episode.child,
        episode=episode,
        level=DisclosureLevel.NOTIFICATION,
        recipient_organisation=organisation,
        lawful_basis=LawfulBasis.PUBLIC_TASK,
        consent_state=ConsentState.NOT_REQUIRED,
        acknowledgement_due_at=timezone.now() + timedelta(days=-1 if overdue else 3),
    )


def test_a_provider_worker_whose_organisation_received_a_disclosure_sees_it_counted_on_home(
    client: Client, people: People, provider: Organisation
) -> None:
    share_with(provider, overdue=True)
    share_with(provider, overdue=False)
    client.force_login(people.provider_worker)

    html = client.get(reverse("home")).content.decode()

    assert (
        "Shared with your organisation</a>: 2 items, <strong>2</strong> waiting for you to acknowledge"
        in html
    )
    assert "1 overdue" in html


def test_a_manager_is_shown_the_shared_section_after_their_role_section(people: People) -> None:
    assert home_sections(people.provider_manager) == ["team_manager", SHARED_SECTION]


def test_police_and_partner_viewers_keep_their_own_shared_counts_and_get_no_second_section(
    client: Client, people: People, council: Organisation
) -> None:
    share_with(council, overdue=False)
    assert home_sections(people.police) == ["police"]
    assert home_sections(people.partner_viewer) == ["partner_viewer"]
    client.force_login(people.partner_viewer)

    html = client.get(reverse("home")).content.decode()

    assert "Shared with your authority</a>: 1 item, <strong>1</strong> waiting" in html
    assert "Shared with your organisation" not in html


def test_people_who_may_not_open_shared_with_you_get_no_shared_section(people: People) -> None:
    for user in (
        people.performance_lead,
        people.la_admin,
        people.provider_admin,
        people.support,
        people.no_role,
    ):
        assert SHARED_SECTION not in home_sections(user)

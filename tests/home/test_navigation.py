"""The navigation offers an entry exactly to the people its page admits (review disagreement 4): each entry is
decided by the same policy question as its page, so nobody is shown a link that refuses them, and nobody who may
open a page lacks its link. "Shared with you" was the case that differed: workers and managers of an organisation
that received a disclosure may open /shared/, and now they are offered it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.home.people import People

pytestmark = pytest.mark.django_db

# Every entry the navigation can offer (besides Home, offered to everyone signed in, and the support admin,
# offered to staff): its text and the page it links to.
ENTRIES = {
    "Deadline dashboard": "rhi:dashboard",
    "Clock policies": "rhi:policies",
    "Placement notifications": "sharing_out_of_area:unnotified",
    "Shared with you": "sharing:shared",
    "Episodes in your area": "sharing:police_episodes",
    "Performance dashboard": "performance:dashboard",
    "Statutory returns": "reporting:returns",
    "API clients": "accounts:api_clients",
    "Webhooks": "sharing_webhooks:list",
}


def offered(client: Client) -> set[str]:
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return {item["text"] for item in response.context["navigation_items"]}


def test_every_navigation_entry_is_offered_exactly_to_the_people_its_page_admits(
    client: Client, people: People
) -> None:
    mismatches = []
    for name, user in people.by_name().items():
        client.force_login(user)
        shown = offered(client)
        for text, view_name in ENTRIES.items():
            admitted = client.get(reverse(view_name)).status_code == 200
            if admitted != (text in shown):
                mismatches.append(
                    (
                        name,
                        text,
                        "admitted" if admitted else "refused",
                        "offered" if text in shown else "not offered",
                    )
                )
    assert mismatches == []


def test_a_provider_worker_and_manager_are_offered_shared_with_you_and_may_open_it(
    client: Client, people: People
) -> None:
    for user in (people.provider_worker, people.provider_manager):
        client.force_login(user)
        assert "Shared with you" in offered(client)
        assert client.get(reverse("sharing:shared")).status_code == 200


def test_people_who_may_not_open_shared_with_you_are_not_offered_it(client: Client, people: People) -> None:
    for user in (
        people.performance_lead,
        people.la_admin,
        people.provider_admin,
        people.support,
        people.no_role,
    ):
        client.force_login(user)
        assert "Shared with you" not in offered(client)
        assert client.get(reverse("sharing:shared")).status_code in (403, 404)


def test_only_staff_are_offered_the_support_admin(client: Client, people: People) -> None:
    for name, user in people.by_name().items():
        client.force_login(user)
        assert ("Support admin" in offered(client)) == (name == "support"), name

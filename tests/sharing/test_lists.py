"""The police and partner lists (issue 14 item 14): a "not acknowledged" filter and an order by due time,
links named by the child's initials and police reference, an exact police reference search in a POST body
(never in the URL), paging past the first 100 by keyset, and bad parameters answered 400."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.db.models import Model
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from missing_episodes.models import MissingEpisode
from sharing.models import Disclosure
from sharing.selectors import PAGE_SIZE
from tests.casework import share, sharing_case
from tests.factories_domain import MissingEpisodeFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("casework_clock")]


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def copies(disclosure: Disclosure, count: int, **changes: Any) -> list[Disclosure]:
    """``count`` more disclosures like this one, shared a minute apart before it (a quick way to fill pages)."""
    made = []
    for n in range(1, count + 1):
        fields = {
            f.attname: getattr(disclosure, f.attname)
            for f in Disclosure._meta.concrete_fields
            if not f.primary_key
        }
        fields["shared_at"] = disclosure.shared_at - timedelta(minutes=n)
        made.append(Disclosure(**(fields | changes)))
    return Disclosure.objects.bulk_create(made)


def detail_links(body: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'href="/shared/(\d+)/"', body)]


def next_link(body: str) -> str | None:
    found = re.search(r'href="(\?[^"]*)" rel="next"', body)
    return found.group(1).replace("&amp;", "&") if found else None


def pks(objects: list[Disclosure] | list[MissingEpisode] | list[Model]) -> list[int]:
    return [o.pk for o in objects]


def test_police_coordinator_sees_links_named_by_initials_and_police_reference_not_view() -> None:
    case = sharing_case()
    disclosure = share(case)
    body = signed_in(case.police).get(reverse("sharing:shared")).content.decode()
    link = re.search(rf'href="/shared/{disclosure.pk}/">([^<]*)<', body)
    assert link is not None
    assert link.group(1) == f"JQ, {case.episode.police_reference}"
    assert ">View<" not in body


def test_partner_viewer_filters_to_not_acknowledged_and_the_acknowledged_one_is_left_out() -> None:
    case = sharing_case()
    first = share(case, level="notification", recipient_organisation_id=case.la.pk)
    done, waiting = copies(first, 2)
    Disclosure.objects.filter(pk=done.pk).update(acknowledged_at=done.shared_at, acknowledged_by=case.partner)
    client = signed_in(case.partner)
    assert set(detail_links(client.get(reverse("sharing:shared")).content.decode())) == {
        first.pk,
        done.pk,
        waiting.pk,
    }
    awaiting = client.get(reverse("sharing:shared"), {"show": "awaiting"}).content.decode()
    assert detail_links(awaiting) == [first.pk, waiting.pk]


def test_police_coordinator_orders_by_acknowledgement_due_soonest_with_no_due_time_last() -> None:
    case = sharing_case()
    newest = share(case)
    middle, oldest = copies(newest, 2)
    due = newest.shared_at + timedelta(days=2)
    Disclosure.objects.filter(pk=oldest.pk).update(acknowledgement_due_at=due + timedelta(days=1))
    Disclosure.objects.filter(pk=middle.pk).update(acknowledgement_due_at=due - timedelta(days=1))
    Disclosure.objects.filter(pk=newest.pk).update(acknowledgement_due_at=None)
    body = signed_in(case.police).get(reverse("sharing:shared"), {"sort": "due"}).content.decode()
    assert detail_links(body) == [middle.pk, oldest.pk, newest.pk]


def test_police_coordinator_pages_past_the_first_100_by_keyset_in_both_orders() -> None:
    case = sharing_case()
    newest = share(case)
    everything = [newest, *copies(newest, PAGE_SIZE + 4)]
    client = signed_in(case.police)
    for params in ({}, {"sort": "due"}, {"show": "awaiting", "sort": "due"}):
        seen: list[int] = []
        query: str | None = "?" + "&".join(f"{k}={v}" for k, v in params.items())
        pages = 0
        while query is not None:
            body = client.get(reverse("sharing:shared") + query).content.decode()
            seen += detail_links(body)
            query = next_link(body)
            pages += 1
            assert query is None or "after=" in query
        assert pages == 2
        assert sorted(seen) == sorted(pks(everything)) and len(seen) == len(set(seen))
    first_page = client.get(reverse("sharing:shared")).content.decode()
    assert detail_links(first_page)[:2] == [newest.pk, everything[1].pk]


def test_police_coordinator_finds_a_disclosure_by_exact_police_reference_in_a_post_body() -> None:
    case = sharing_case()
    disclosure = share(case)
    elsewhere = MissingEpisodeFactory.create(police_force=case.force)
    other = copies(
        disclosure,
        1,
        rhi_id=None,
        episode_id=elsewhere.pk,
        child_id=elsewhere.child_id,
        level="notification",
    )[0]
    client = signed_in(case.police)
    reference = case.episode.police_reference
    found = client.post(reverse("sharing:shared"), {"reference": reference})
    assert found.status_code == 200
    assert detail_links(found.content.decode()) == [disclosure.pk]
    assert other.pk in detail_links(client.get(reverse("sharing:shared")).content.decode())
    by_episode = client.post(reverse("sharing:shared"), {"reference": elsewhere.police_reference})
    assert detail_links(by_episode.content.decode()) == [other.pk]
    partial = client.post(reverse("sharing:shared"), {"reference": reference[:-1]}).content.decode()
    assert detail_links(partial) == [] and "has that police reference" in partial
    # The reference never reaches a URL or the audit trail.
    assert not any(reference in str(e.detail) for e in AuditEvent.objects.filter(actor=case.police))


@pytest.mark.parametrize(
    ("method", "data", "message"),
    [
        ("get", {"show": "everything"}, "Select a valid choice"),
        ("get", {"sort": "<script>"}, "Select a valid choice"),
        ("get", {"after": "99999999999999999999999"}, "That page link is not valid"),
        ("get", {"after": "-1"}, "That page link is not valid"),
        ("post", {"reference": ""}, "Enter a police reference"),
        ("post", {"reference": "=HYPERLINK(1)"}, "Enter the police reference as the force gives it"),
        ("post", {"reference": "A" * 41}, "Police reference must be 40 characters or fewer"),
    ],
)
def test_bad_list_parameters_get_400_with_the_message_not_500(
    method: str, data: dict[str, str], message: str
) -> None:
    case = sharing_case()
    share(case)
    for route in ("sharing:shared", "sharing:police_episodes"):
        response = getattr(signed_in(case.police), method)(reverse(route), data)
        assert response.status_code == 400, route
        assert message in response.content.decode()
        assert "There is a problem" in response.content.decode()


def test_police_coordinator_pages_through_episodes_past_the_latest_100_and_searches_one() -> None:
    case = sharing_case()
    older = MissingEpisodeFactory.create_batch(
        PAGE_SIZE, police_force=case.force, missing_at=case.episode.missing_at - timedelta(days=3)
    )
    client = signed_in(case.police)
    first = client.get(reverse("sharing:police_episodes")).content.decode()
    query = next_link(first)
    assert query is not None and re.fullmatch(r"\?after=\d+", query)
    second = client.get(reverse("sharing:police_episodes") + query).content.decode()
    references = [e.police_reference for e in [case.episode, *older]]
    shown_first = [r for r in references if r in first]
    shown_second = [r for r in references if r in second]
    assert len(shown_first) == PAGE_SIZE and len(shown_second) == 1
    assert case.episode.police_reference in first and next_link(second) is None
    found = client.post(reverse("sharing:police_episodes"), {"reference": older[7].police_reference})
    body = found.content.decode()
    assert older[7].police_reference in body
    assert sum(r in body for r in references) == 1

"""The "match the child" queue's pages and the other channels without an LA child id (issue 14 item 1): the web
form finds the child by name and date of birth for the person to choose, the upload reports the rows queued,
the queue and its decision page (audited, 404 for anyone else's), and the team manager's home panel with the
count and the oldest row's age."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

import missing_episodes.tasks  # noqa: F401 — registers the tasks, so Celery's eager mode runs them
from accounts.models import Role
from audit.models import AuditEvent
from missing_episodes.importers import import_episodes_text
from missing_episodes.models import Child, ChildMatchQuestion, MatchStatus, MissingEpisode
from tests.factories import member
from tests.factories_domain import ChildFactory
from tests.missing_episodes.intake import NOW, NotificationWorld, csv_row, csv_text, notification, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("intake_clock")]


def two_sams(world: NotificationWorld) -> list[Child]:
    return [
        ChildFactory.create(
            responsible_la=world.la, first_name="Sam", last_name="Lee", date_of_birth=date(2012, 1, 20)
        ),
        ChildFactory.create(
            responsible_la=world.la,
            first_name="Samuel",
            last_name="Lee",
            known_as="Sam",
            date_of_birth=date(2012, 1, 20),
        ),
    ]


def queue_a_sam() -> ChildMatchQuestion:
    import_episodes_text(
        csv_text(csv_row(la_child_id="", first_name="sam", last_name="LEE", date_of_birth="2012-01-20"))
    )
    return ChildMatchQuestion.objects.get()


def test_web_form_without_an_la_child_id_offers_the_name_matches_and_a_new_child_keeps_the_id_blank(
    client: Client, world: NotificationWorld
) -> None:
    existing = ChildFactory.create(
        responsible_la=world.la,
        first_name="Jordan",
        last_name="Taylor-Smith",
        date_of_birth=date(2011, 5, 17),
    )
    client.force_login(world.worker)
    response = client.post(
        reverse("missing_episodes:episode_new"), notification(world, la_child_id="", last_name="Taylor Smith")
    )
    assert response.templates[0].name == "missing_episodes/episode_choose_child.html"
    assert f'value="{existing.pk}"' in response.content.decode()
    assert "no LA child ID given" in response.content.decode()

    response = client.post(
        reverse("missing_episodes:episode_new"),
        notification(
            world, la_child_id="", last_name="Taylor Smith", child_choice_step="1", child_choice="new"
        ),
    )
    assert response.status_code == 302
    new_child = MissingEpisode.objects.get().child
    assert new_child != existing and new_child.la_child_id == ""
    assert not ChildMatchQuestion.objects.exists()  # the person has decided: nothing is queued


def test_upload_of_a_police_file_without_la_ids_reports_the_rows_waiting_to_be_matched(
    client: Client, world: NotificationWorld
) -> None:
    two_sams(world)
    client.force_login(world.worker)
    content = csv_text(
        csv_row(
            police_reference="WM-1",
            la_child_id="",
            first_name="Sam",
            last_name="Lee",
            date_of_birth="2012-01-20",
        ),
        csv_row(police_reference="WM-2", la_child_id="", first_name="Robin", last_name="New"),
    ).encode()
    page = upload(client, content)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="rows-to-match">1' in html
    assert reverse("missing_episodes:match_queue") in html
    assert MissingEpisode.objects.count() == 2


def test_worker_matches_a_queued_row_from_the_queue_and_it_is_audited(
    client: Client, world: NotificationWorld
) -> None:
    sams = two_sams(world)
    question = queue_a_sam()
    client.force_login(world.worker)
    listing = client.get(reverse("missing_episodes:match_queue"))
    assert listing.status_code == 200
    assert reverse("missing_episodes:match_question", args=[question.pk]) in listing.content.decode()

    provisional = question.provisional_child
    assert provisional is not None
    child_page = client.get(reverse("missing_episodes:child_detail", args=[provisional.pk])).content.decode()
    assert 'id="waiting-to-match"' in child_page
    assert reverse("missing_episodes:match_question", args=[question.pk]) in child_page

    page = client.get(reverse("missing_episodes:match_question", args=[question.pk]))
    html = page.content.decode()
    assert "Samuel Lee (known as Sam)" in html and f'value="{sams[0].pk}"' in html

    refused = client.post(reverse("missing_episodes:match_question", args=[question.pk]), {})
    assert refused.status_code == 200 and "Choose the child" in refused.content.decode()

    done = client.post(
        reverse("missing_episodes:match_question", args=[question.pk]), {"child_choice": str(sams[1].pk)}
    )
    assert done.status_code == 302
    question.refresh_from_db()
    assert question.status == MatchStatus.MATCHED and question.episode.child == sams[1]
    assert AuditEvent.objects.filter(
        object_type="missing_episodes.childmatchquestion", object_id=str(question.pk), action="view"
    ).exists()
    assert client.get(reverse("missing_episodes:match_question", args=[question.pk])).status_code == 404


def test_another_councils_worker_gets_404_for_the_question_and_an_empty_queue(
    client: Client, world: NotificationWorld
) -> None:
    two_sams(world)
    question = queue_a_sam()
    client.force_login(world.stranger)
    assert client.get(reverse("missing_episodes:match_question", args=[question.pk])).status_code == 404
    assert "No children are waiting" in client.get(reverse("missing_episodes:match_queue")).content.decode()


def test_team_managers_home_shows_how_many_children_wait_and_the_oldest_ones_age(
    client: Client, world: NotificationWorld
) -> None:
    manager = member("manager", world.provider, Role.TEAM_MANAGER)
    client.force_login(manager)
    assert "No children are waiting to be matched" in client.get(reverse("home")).content.decode()
    two_sams(world)
    with time_machine.travel(NOW - timedelta(hours=5), tick=False):
        queue_a_sam()
    html = client.get(reverse("home")).content.decode()
    assert "Children to match (1)" in html
    assert "The oldest has waited 5\xa0hours" in html
    assert reverse("missing_episodes:match_queue") in html

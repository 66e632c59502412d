"""Recording a police notification, the duplicate-child step, an episode's page with its return form, and
the police spreadsheet upload, through Django's test client."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.test import Client
from django.urls import reverse

import missing_episodes.tasks  # noqa: F401 — registers the tasks, so Celery's eager mode runs them
from access.episodes import visible_children
from access.memberships import intake_authority_ids
from accounts.models import Commission, Role, Team
from audit.models import AuditEvent, AuditOutcome
from missing_episodes.models import Child, MissingEpisode, PossibleDuplicate
from rhi.models import ReturnHomeInterview
from tests.dates import boxes
from tests.factories import member
from tests.factories_domain import (
    ChildFactory,
    MissingEpisodeFactory,
)
from tests.missing_episodes.intake import (
    NotificationWorld,
    errors_of,
    notification,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("intake_clock")]


# --- who may record -----------------------------------------------------------------------------------------


def test_provider_worker_records_for_commissioning_las_and_in_house_team_for_its_own_la(
    world: NotificationWorld,
) -> None:
    in_house = member("la.worker", world.other_la, Role.RHI_WORKER)
    assert intake_authority_ids(world.worker) == {world.la.pk}
    assert intake_authority_ids(in_house) == {world.other_la.pk}
    lead = member("lead", world.la, Role.PERFORMANCE_LEAD)
    assert intake_authority_ids(lead) == set()


def test_ended_commission_no_longer_gives_intake_rights(world: NotificationWorld) -> None:
    Commission.objects.filter(provider=world.provider).update(ends_on=date(2026, 5, 31))
    assert intake_authority_ids(world.worker) == set()


def test_user_without_intake_authority_gets_404_for_the_form_and_the_upload(
    client: Client, world: NotificationWorld
) -> None:
    lead = member("lead", world.la, Role.PERFORMANCE_LEAD)
    client.force_login(lead)
    assert client.get(reverse("missing_episodes:episode_new")).status_code == 404
    assert client.get(reverse("missing_episodes:episode_import")).status_code == 404
    assert AuditEvent.objects.filter(actor=lead, outcome=AuditOutcome.DENIED).count() == 2


def test_responsible_la_choices_are_only_the_users_intake_authorities(
    client: Client, world: NotificationWorld
) -> None:
    client.force_login(world.worker)
    response = client.get(reverse("missing_episodes:episode_new"))
    assert list(response.context["form"].fields["responsible_la"].queryset) == [world.la]
    response = client.post(
        reverse("missing_episodes:episode_new"), notification(world, responsible_la=world.other_la.pk)
    )
    assert "responsible_la" in errors_of(response)
    assert not Child.objects.exists()


# --- recording ----------------------------------------------------------------------------------------------


def test_worker_records_a_returned_child_and_the_rhi_opens_with_its_clock(
    client: Client, world: NotificationWorld
) -> None:
    client.force_login(world.worker)
    response = client.post(reverse("missing_episodes:episode_new"), notification(world))
    episode = MissingEpisode.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("missing_episodes:episode_detail", args=[episode.pk])
    assert episode.child.la_child_id == "C1001" and episode.child.responsible_la == world.la
    assert episode.returned_at == datetime(2026, 6, 9, 8, 30, tzinfo=UTC)  # 09:30 BST
    assert episode.source == "manual"
    rhi = ReturnHomeInterview.objects.get()
    assert rhi.provider == world.provider
    assert rhi.due_at == datetime(2026, 6, 12, 8, 30, tzinfo=UTC)  # 72 hours from the return
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "Police notification WM-2026-0000001 recorded." in html
    assert reverse("rhi:detail", args=[rhi.pk]) in html
    assert reverse("missing_episodes:child_detail", args=[episode.child.pk]) in html
    assert AuditEvent.objects.filter(object_id=str(episode.pk), action="view", outcome="allowed").count() == 1


def test_child_still_missing_is_shown_and_recording_the_return_opens_the_rhi(
    client: Client, world: NotificationWorld
) -> None:
    client.force_login(world.worker)
    client.post(
        reverse("missing_episodes:episode_new"),
        notification(world, returned_at="", return_method="", found_location="", police_notified_at=""),
    )
    episode = MissingEpisode.objects.get()
    assert episode.is_open and not ReturnHomeInterview.objects.exists()
    url = reverse("missing_episodes:episode_detail", args=[episode.pk])
    page = client.get(url)
    assert "Still missing" in page.content.decode() and page.context["return_form"] is not None

    stamp = page.context["return_form"].initial["stamp"]
    response = client.post(
        reverse("missing_episodes:episode_record_return", args=[episode.pk]),
        {
            **boxes("returned_at", "2026-06-10T08:00"),
            "return_method": "returned_self",
            "stamp": stamp,
        },
    )
    assert response.status_code == 302 and response["Location"] == url
    episode.refresh_from_db()
    assert episode.returned_at == datetime(2026, 6, 10, 7, 0, tzinfo=UTC)
    assert episode.return_method == "returned_self"
    assert episode.reported_at is not None  # untouched by the return form
    rhi = ReturnHomeInterview.objects.get()
    assert rhi.clock_started_at == episode.returned_at
    after = client.get(url)
    assert after.context["return_form"] is None and "Still missing" not in after.content.decode()


def test_return_before_the_child_went_missing_is_a_field_error_on_the_return_form(
    client: Client, world: NotificationWorld
) -> None:
    child = ChildFactory.create(responsible_la=world.la)
    episode = MissingEpisodeFactory.create(
        child=child,
        returned_at=None,
        missing_at=datetime(2026, 6, 9, 12, tzinfo=UTC),
        police_force=world.force,
    )
    client.force_login(world.worker)
    stamp = episode.updated_at.isoformat()
    response = client.post(
        reverse("missing_episodes:episode_record_return", args=[episode.pk]),
        {**boxes("returned_at", "2026-06-09T08:00"), "stamp": stamp},
    )
    assert response.status_code == 200
    assert "returned_at" in response.context["return_form"].errors
    assert "Error: " in response.content.decode()
    episode.refresh_from_db()
    assert episode.returned_at is None


def test_return_recorded_from_a_stale_page_is_refused_not_overwritten(
    client: Client, world: NotificationWorld
) -> None:
    child = ChildFactory.create(responsible_la=world.la)
    episode = MissingEpisodeFactory.create(
        child=child,
        returned_at=None,
        missing_at=datetime(2026, 6, 9, 12, tzinfo=UTC),
        police_force=world.force,
    )
    client.force_login(world.worker)
    stale = episode.updated_at.isoformat()
    MissingEpisode.objects.filter(pk=episode.pk).update(
        found_location="Library", updated_at=datetime(2026, 6, 10, 11, 59, tzinfo=UTC)
    )
    response = client.post(
        reverse("missing_episodes:episode_record_return", args=[episode.pk]),
        {
            **boxes("returned_at", "2026-06-10T08:00"),
            "found_location": "Bus station",
            "stamp": stale,
        },
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this episode" in html
    # What the worker typed is still in the form, which now carries the current stamp: saving again works.
    form = response.context["return_form"]
    assert (
        form["found_location"].value() == "Bus station"
        and 'name="returned_at_time" type="text" value="08:00"' in html
    )
    episode.refresh_from_db()
    assert episode.returned_at is None and form["stamp"].value() == episode.updated_at.isoformat()
    again = client.post(
        reverse("missing_episodes:episode_record_return", args=[episode.pk]),
        {
            **boxes("returned_at", "2026-06-10T08:00"),
            "found_location": "Bus station",
            "stamp": form["stamp"].value(),
        },
    )
    assert again.status_code == 302
    episode.refresh_from_db()
    assert episode.found_location == "Bus station"


def test_worker_who_loses_the_race_to_record_the_return_keeps_what_they_typed(
    client: Client, world: NotificationWorld
) -> None:
    child = ChildFactory.create(responsible_la=world.la)
    episode = MissingEpisodeFactory.create(
        child=child,
        returned_at=None,
        missing_at=datetime(2026, 6, 9, 12, tzinfo=UTC),
        police_force=world.force,
    )
    stamp = episode.updated_at.isoformat()
    rival = member("rival.worker", world.provider, Role.RHI_WORKER)
    client.force_login(rival)
    won = client.post(
        reverse("missing_episodes:episode_record_return", args=[episode.pk]),
        {**boxes("returned_at", "2026-06-10T08:00"), "stamp": stamp},
    )
    assert won.status_code == 302
    client.force_login(world.worker)
    response = client.post(
        reverse("missing_episodes:episode_record_return", args=[episode.pk]),
        {
            **boxes("returned_at", "2026-06-10T09:15"),
            "return_method": "found_by_police",
            "found_location": "Friend's flat in Aston",
            "stamp": stamp,
        },
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "already recorded" in html and "What you entered (not saved)" in html
    assert "Friend&#x27;s flat in Aston" in html and "10 6 2026 09:15" in html
    episode.refresh_from_db()
    assert episode.returned_at == datetime(2026, 6, 10, 7, 0, tzinfo=UTC) and episode.found_location == ""


def test_return_before_missing_on_the_new_form_is_a_field_error_and_nothing_is_saved(
    client: Client, world: NotificationWorld
) -> None:
    client.force_login(world.worker)
    response = client.post(
        reverse("missing_episodes:episode_new"), notification(world, returned_at="2026-06-08T17:00")
    )
    assert response.status_code == 200
    assert errors_of(response) == {
        "returned_at": ["The return time must be after the time the child went missing."]
    }
    assert "Error: Record a police notification" in response.content.decode()
    assert not Child.objects.exists() and not MissingEpisode.objects.exists()
    # What was typed is kept.
    assert response.context["form"]["first_name"].value() == "Jordan"


def test_time_in_the_future_is_a_field_error(client: Client, world: NotificationWorld) -> None:
    client.force_login(world.worker)
    response = client.post(
        reverse("missing_episodes:episode_new"),
        notification(world, returned_at="2026-06-11T09:00", police_notified_at=""),
    )
    assert errors_of(response)["returned_at"] == ["The return time cannot be in the future."]
    assert not MissingEpisode.objects.exists() and not Child.objects.exists()


def test_duplicate_police_reference_is_a_field_error(client: Client, world: NotificationWorld) -> None:
    MissingEpisodeFactory.create(police_force=world.force, police_reference="WM-2026-0000001")
    client.force_login(world.worker)
    response = client.post(reverse("missing_episodes:episode_new"), notification(world))
    assert list(errors_of(response)) == ["police_reference"]
    assert MissingEpisode.objects.count() == 1


def test_overlapping_episode_of_the_same_child_is_a_field_error(
    client: Client, world: NotificationWorld
) -> None:
    child = ChildFactory.create(
        responsible_la=world.la, la_child_id="C1001", first_name="Jordan", last_name="Taylor"
    )
    MissingEpisodeFactory.create(
        child=child,
        police_force=world.force,
        missing_at=datetime(2026, 6, 8, 12, tzinfo=UTC),
        returned_at=None,
    )
    client.force_login(world.worker)
    response = client.post(
        reverse("missing_episodes:episode_new"),
        notification(world, child_choice_step="1", child_choice=str(child.pk)),
    )
    assert errors_of(response) == {
        "missing_at": ["This overlaps another episode of the same child: check the times."]
    }
    assert MissingEpisode.objects.count() == 1


def test_bad_input_gives_field_errors_not_a_crash(client: Client, world: NotificationWorld) -> None:
    client.force_login(world.worker)
    response = client.post(
        reverse("missing_episodes:episode_new"),
        {
            "police_force": "999999",
            "missing_at": "yesterday",
            **boxes("date_of_birth", "2099-01-01"),
            "category": "x",
        },
    )
    assert response.status_code == 200
    errors = errors_of(response)
    assert {
        "police_force",
        "missing_at",
        "date_of_birth",
        "category",
        "police_reference",
        "first_name",
    } <= set(errors)
    # Optional (issue 14): a police notification rarely gives the council's id.
    assert "la_child_id" not in errors


# --- the duplicate-choice step ------------------------------------------------------------------------------


def test_same_name_and_birth_date_asks_which_child_keeping_everything_typed(
    client: Client, world: NotificationWorld
) -> None:
    existing = ChildFactory.create(
        responsible_la=world.la,
        la_child_id="OLD-7",
        first_name="Jordan",
        last_name="Taylor",
        date_of_birth=date(2011, 5, 17),
    )
    client.force_login(world.worker)
    response = client.post(reverse("missing_episodes:episode_new"), notification(world))
    assert response.status_code == 200
    assert response.templates[0].name == "missing_episodes/episode_choose_child.html"
    html = response.content.decode()
    assert "This is the same child: Jordan Taylor" in html
    assert "None of these – create a new child record" in html
    assert 'type="hidden" name="found_location" value="Bus station"' in html
    assert 'type="hidden" name="returned_at_time" value="09:30"' in html
    assert not MissingEpisode.objects.exists()

    response = client.post(
        reverse("missing_episodes:episode_new"),
        notification(world, child_choice_step="1", child_choice=str(existing.pk)),
    )
    assert response.status_code == 302
    episode = MissingEpisode.objects.get()
    assert episode.child == existing and Child.objects.count() == 1
    assert episode.found_location == "Bus station"


def test_choosing_none_of_these_creates_a_new_child_flagged_as_a_possible_duplicate(
    client: Client, world: NotificationWorld
) -> None:
    existing = ChildFactory.create(
        responsible_la=world.la,
        la_child_id="OLD-7",
        first_name="Jordan",
        last_name="Taylor",
        date_of_birth=date(2011, 5, 17),
    )
    client.force_login(world.worker)
    response = client.post(
        reverse("missing_episodes:episode_new"),
        notification(world, child_choice_step="1", child_choice="new"),
    )
    assert response.status_code == 302
    new_child = Child.objects.exclude(pk=existing.pk).get()
    assert new_child.la_child_id == "C1001"
    assert PossibleDuplicate.objects.filter(child_a=existing, child_b=new_child).exists()


def test_not_choosing_on_the_second_step_is_an_error_and_saves_nothing(
    client: Client, world: NotificationWorld
) -> None:
    ChildFactory.create(
        responsible_la=world.la, first_name="Jordan", last_name="Taylor", date_of_birth=date(2011, 5, 17)
    )
    client.force_login(world.worker)
    response = client.post(
        reverse("missing_episodes:episode_new"), notification(world, child_choice_step="1")
    )
    assert "child_choice" in response.context["choice_form"].errors
    assert "Error: " in response.content.decode()
    assert not MissingEpisode.objects.exists()


def test_a_known_la_child_id_cannot_be_made_a_new_child(client: Client, world: NotificationWorld) -> None:
    ChildFactory.create(responsible_la=world.la, la_child_id="C1001", first_name="Jordan", last_name="Taylor")
    client.force_login(world.worker)
    response = client.post(
        reverse("missing_episodes:episode_new"),
        notification(world, child_choice_step="1", child_choice="new"),
    )
    assert list(errors_of(response)) == ["la_child_id"]
    assert not MissingEpisode.objects.exists()


def test_children_of_other_authorities_are_never_offered_as_matches(
    client: Client, world: NotificationWorld
) -> None:
    ChildFactory.create(
        responsible_la=world.other_la,
        first_name="Jordan",
        last_name="Taylor",
        date_of_birth=date(2011, 5, 17),
    )
    client.force_login(world.worker)
    response = client.post(reverse("missing_episodes:episode_new"), notification(world))
    assert response.status_code == 302  # straight through: the other LA's child is not visible
    assert MissingEpisode.objects.get().child.responsible_la == world.la


# --- the episode page ---------------------------------------------------------------------------------------


def test_other_organisations_worker_gets_404_for_the_episode_and_it_is_audited(
    client: Client, world: NotificationWorld
) -> None:
    episode = MissingEpisodeFactory.create(
        child=ChildFactory.create(responsible_la=world.la), police_force=world.force
    )
    client.force_login(world.stranger)
    response = client.get(reverse("missing_episodes:episode_detail", args=[episode.pk]))
    assert response.status_code == 404
    assert AuditEvent.objects.filter(
        actor=world.stranger, object_id=str(episode.pk), outcome=AuditOutcome.DENIED
    ).exists()
    response = client.post(
        reverse("missing_episodes:episode_record_return", args=[episode.pk]),
        {**boxes("returned_at", "2026-06-10T08:00")},
    )
    assert response.status_code == 404


def test_worker_in_a_team_sees_the_episode_but_no_link_to_an_rhi_outside_their_queue(
    client: Client, world: NotificationWorld
) -> None:
    team = Team.objects.create(organisation=world.provider, name="North")
    team_worker = member("team.worker", world.provider, Role.RHI_WORKER, team)
    client.force_login(world.worker)
    client.post(reverse("missing_episodes:episode_new"), notification(world))
    episode = MissingEpisode.objects.get()
    # Taken by another team (while unallocated and team-less it is the shared intake queue, seen by all).
    south = Team.objects.create(organisation=world.provider, name="South")
    ReturnHomeInterview.objects.filter(episodes=episode).update(team=south)
    client.force_login(team_worker)
    response = client.get(reverse("missing_episodes:episode_detail", args=[episode.pk]))
    assert response.status_code == 200
    assert response.context["rhi"] is not None and response.context["rhi_visible"] is False
    assert episode.child in visible_children(team_worker)

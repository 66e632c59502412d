"""Changes within an episode (issue 14 item 3): the police reclassify an episode (absent to missing, or back) or
re-grade its risk. Each change is kept with the time the police made it, who recorded it and by which channel
(the web form, a CSV re-import, the API, the episode page), audited, shown on the episode's timeline, and read
by the returns' one rule; the RHI duty follows the existing services."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from core.exceptions import ActionNotAllowed
from missing_episodes.corrections import correct_episode_time
from missing_episodes.episode_changes import StaleChangeError, reclassify_episode
from missing_episodes.importers import import_episodes_text
from missing_episodes.models import EpisodeChange, EpisodeSource, MissingEpisode
from missing_episodes.services import ChildDetails, EpisodeResult, record_notification
from rhi.models import ReturnHomeInterview
from tests.missing_episodes.intake import NOW, NotificationWorld, csv_row, csv_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("intake_clock")]

MISSING = datetime(2026, 6, 8, 17, 0, tzinfo=UTC)
ESCALATED = datetime(2026, 6, 8, 23, 0, tzinfo=UTC)
RETURNED = datetime(2026, 6, 9, 8, 30, tzinfo=UTC)


def notify(world: NotificationWorld, *, by: Any = None, **fields: Any) -> MissingEpisode:
    reclassified_at = fields.pop("reclassified_at", None)
    result = record_notification(
        details=ChildDetails(
            responsible_la=world.la,
            la_child_id="C1001",
            first_name="Jordan",
            last_name="Taylor",
            date_of_birth=date(2011, 5, 17),
        ),
        police_force=world.force,
        police_reference="WM-2026-0000001",
        fields={"category": "absent", "risk_level": "low", "missing_from": "home", "missing_at": MISSING}
        | fields,
        source=EpisodeSource.MANUAL,
        by=by if by is not None else world.worker,
        reclassified_at=reclassified_at,
    )
    assert isinstance(result, EpisodeResult)
    return result.episode


def changes_of(episode: MissingEpisode) -> list[tuple[str, str, str, datetime, str]]:
    return [
        (c.field, c.old_value, c.new_value, c.changed_at, c.source)
        for c in EpisodeChange.objects.filter(episode=episode)
    ]


def test_notification_sent_again_with_a_new_category_and_risk_keeps_both_changes_with_the_police_time(
    world: NotificationWorld,
) -> None:
    episode = notify(world)
    assert not EpisodeChange.objects.exists()  # a new episode has no changes

    notify(world, category="missing", risk_level="high", reclassified_at=ESCALATED)

    assert changes_of(episode) == [
        ("category", "absent", "missing", ESCALATED, "manual"),
        ("risk_level", "low", "high", ESCALATED, "manual"),
    ]
    change = EpisodeChange.objects.filter(episode=episode).first()
    assert change is not None and change.recorded_by == world.worker and change.recorded_at == NOW
    events = AuditEvent.objects.filter(object_id=str(episode.pk), detail__step="reclassified")
    assert [e.detail for e in events] == [
        {
            "step": "reclassified",
            "field": "category",
            "old": "absent",
            "new": "missing",
            "changed_at": ESCALATED.isoformat(),
            "source": "manual",
        }
    ]
    assert AuditEvent.objects.filter(object_id=str(episode.pk), detail__step="risk_regraded").count() == 1


def test_a_change_without_a_time_is_dated_when_it_was_recorded(world: NotificationWorld) -> None:
    notify(world)
    episode = notify(world, risk_level="medium")
    assert changes_of(episode) == [("risk_level", "low", "medium", NOW, "manual")]


def test_the_same_notification_again_records_no_change(world: NotificationWorld) -> None:
    notify(world)
    notify(world)
    notify(world, reclassified_at=ESCALATED)  # a time with nothing changed is not a change
    assert not EpisodeChange.objects.exists()


@pytest.mark.parametrize(
    ("when", "message"),
    [
        (MISSING - timedelta(minutes=1), "must be after the child was last seen"),
        (NOW + timedelta(minutes=1), "cannot be in the future"),
    ],
)
def test_a_change_timed_outside_the_episode_is_refused_and_nothing_is_saved(
    world: NotificationWorld, when: datetime, message: str
) -> None:
    episode = notify(world)
    with pytest.raises(ValidationError) as refused:
        notify(world, category="missing", reclassified_at=when)
    assert message in refused.value.message_dict["reclassified_at"][0]
    episode.refresh_from_db()
    assert episode.category == "absent" and not EpisodeChange.objects.exists()


def test_a_change_timed_before_the_last_change_of_that_field_is_refused(world: NotificationWorld) -> None:
    notify(world)
    notify(world, category="missing", reclassified_at=ESCALATED)
    with pytest.raises(ValidationError) as refused:
        notify(world, category="absent", reclassified_at=ESCALATED - timedelta(hours=1))
    assert "after the last change of it already recorded (09/06/2026 00:00)" in str(
        refused.value.message_dict["reclassified_at"][0]
    )
    # The risk grade has no change yet: an earlier time is fine for it.
    episode = notify(
        world, category="missing", risk_level="high", reclassified_at=ESCALATED - timedelta(hours=1)
    )
    assert [c[0] for c in changes_of(episode)] == ["risk_level", "category"]


def test_a_csv_reimport_with_a_new_category_records_the_change_from_the_import(
    world: NotificationWorld,
) -> None:
    first = import_episodes_text(csv_text(csv_row(category="absent", risk_level="low", returned_at="")))
    assert first.created == 1
    second = import_episodes_text(csv_text(csv_row(category="missing", risk_level="low", returned_at="")))
    assert (second.updated, second.errors) == (1, [])
    episode = MissingEpisode.objects.get()
    assert changes_of(episode) == [("category", "absent", "missing", NOW, "import")]
    assert EpisodeChange.objects.get().recorded_by is None  # an operator's command-line import


def test_the_episode_page_form_records_a_reclassification_with_its_time(world: NotificationWorld) -> None:
    episode = notify(world)
    rows = reclassify_episode(
        episode_id=episode.pk,
        expected_updated_at=episode.updated_at.isoformat(),
        category="missing",
        risk_level="low",
        changed_at=ESCALATED,
        by=world.worker,
    )
    assert [(r.field, r.old_value, r.new_value, r.changed_at) for r in rows] == [
        ("category", "absent", "missing", ESCALATED)
    ]
    episode.refresh_from_db()
    assert episode.category == "missing" and episode.category_in_returns == "missing"


def test_the_form_refuses_nothing_changed_a_stale_page_and_someone_not_recording_the_episode(
    world: NotificationWorld,
) -> None:
    episode = notify(world)
    stamp = episode.updated_at.isoformat()
    with pytest.raises(ValidationError) as same:
        reclassify_episode(
            episode_id=episode.pk,
            expected_updated_at=stamp,
            category="absent",
            risk_level="low",
            changed_at=None,
            by=world.worker,
        )
    assert "category" in same.value.message_dict
    with pytest.raises(StaleChangeError):
        reclassify_episode(
            episode_id=episode.pk,
            expected_updated_at="2020-01-01T00:00:00+00:00",
            category="missing",
            risk_level="low",
            changed_at=None,
            by=world.worker,
        )
    with pytest.raises(ActionNotAllowed):
        reclassify_episode(
            episode_id=episode.pk,
            expected_updated_at=stamp,
            category="missing",
            risk_level="low",
            changed_at=None,
            by=world.stranger,
        )
    assert not EpisodeChange.objects.exists()


def test_reclassified_to_missing_while_away_then_back_to_absent_counts_as_missing_in_the_returns(
    world: NotificationWorld,
) -> None:
    notify(world)
    notify(world, category="missing", reclassified_at=ESCALATED)
    episode = notify(world, category="absent", reclassified_at=ESCALATED + timedelta(hours=2))
    notify(world, category="absent", returned_at=RETURNED)
    episode.refresh_from_db()
    assert (episode.category, episode.category_in_returns) == ("absent", "missing")


def test_a_reclassification_after_the_return_decides_the_whole_episode(world: NotificationWorld) -> None:
    notify(world, category="missing", returned_at=RETURNED)
    episode = notify(
        world, category="absent", returned_at=RETURNED, reclassified_at=RETURNED + timedelta(hours=1)
    )
    assert episode.category_in_returns == "absent"


def test_correcting_the_return_time_to_before_a_reclassification_changes_what_the_returns_count(
    world: NotificationWorld,
) -> None:
    notify(world, category="missing", returned_at=RETURNED)
    episode = notify(
        world, category="absent", returned_at=RETURNED, reclassified_at=RETURNED + timedelta(hours=1)
    )
    assert episode.category_in_returns == "absent"
    episode.refresh_from_db()
    correct_episode_time(
        episode_id=episode.pk,
        field="returned_at",
        value=RETURNED + timedelta(hours=3),
        reason="police_corrected",
        explanation="The force's log.",
        expected_updated_at=episode.updated_at.isoformat(),
        by=world.worker,
    )
    episode.refresh_from_db()
    # The change to absent now came while the child was still away, after being missing: missing.
    assert episode.category_in_returns == "missing"


def test_an_rhi_is_owed_on_return_whether_the_episode_was_absent_then_missing_or_missing_then_absent(
    world: NotificationWorld,
) -> None:
    """The RHI duty does not depend on the category (docs/episode-changes.md): the return opens the RHI through
    the one service either way, and a reclassification after the return neither opens a second nor closes it."""
    notify(world)
    notify(world, category="missing", reclassified_at=ESCALATED)
    episode = notify(world, category="missing", returned_at=RETURNED)
    rhi = ReturnHomeInterview.objects.get(child=episode.child)
    assert rhi.episode_links.get().episode == episode
    notify(world, category="absent", returned_at=RETURNED)
    assert ReturnHomeInterview.objects.get(child=episode.child).pk == rhi.pk
    assert ReturnHomeInterview.objects.get(pk=rhi.pk).state == rhi.state


# --- the page -------------------------------------------------------------------------------------------


def page(world: NotificationWorld, episode: MissingEpisode, user: Any = None) -> Any:
    client = Client()
    client.force_login(user or world.worker)
    return client


def test_the_episode_page_shows_each_change_on_its_timeline_with_who_recorded_it(
    world: NotificationWorld,
) -> None:
    notify(world)
    episode = notify(world, category="missing", risk_level="high", reclassified_at=ESCALATED)
    response = page(world, episode).get(reverse("missing_episodes:episode_detail", args=[episode.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    timeline = [(e.kind, e.title, e.detail) for e in response.context["timeline"]]
    assert timeline == [
        ("missing", "Last seen", "Absent, risk grade: Low"),
        ("changed", "Reclassified", "Absent to Missing"),
        ("changed", "Risk grade changed", "Low to High"),
    ]
    row = html.split('data-change="category"', 1)[1].split("</tr>", 1)[0]
    assert f"by {world.worker}" in row and "(Entered in the app)" in row  # who, and by which channel


def test_a_worker_records_a_change_on_the_episode_page(world: NotificationWorld) -> None:
    episode = notify(world)
    client = page(world, episode)
    url = reverse("missing_episodes:episode_reclassify", args=[episode.pk])
    response = client.post(
        url,
        {
            "change-category": "missing",
            "change-risk_level": "high",
            "change-reclassified_at": "2026-06-09T00:00",  # London time: 23:00 UTC
            "change-stamp": episode.updated_at.isoformat(),
        },
    )
    assert response.status_code == 302
    assert changes_of(episode) == [
        ("category", "absent", "missing", ESCALATED, "manual"),
        ("risk_level", "low", "high", ESCALATED, "manual"),
    ]


def test_a_bad_change_on_the_episode_page_shows_field_errors_and_saves_nothing(
    world: NotificationWorld,
) -> None:
    episode = notify(world)
    response = page(world, episode).post(
        reverse("missing_episodes:episode_reclassify", args=[episode.pk]),
        {
            "change-category": "missing",
            "change-risk_level": "low",
            "change-reclassified_at": "2026-06-01T10:00",
            "change-stamp": episode.updated_at.isoformat(),
        },
    )
    assert response.status_code == 200
    form = response.context["reclassify_form"]
    assert "after the child was last seen" in form.errors["reclassified_at"][0]
    assert "There is a problem" in response.content.decode()
    assert not EpisodeChange.objects.exists()


def test_someone_else_changed_the_episode_first_the_form_comes_back_with_409(
    world: NotificationWorld,
) -> None:
    episode = notify(world)
    response = page(world, episode).post(
        reverse("missing_episodes:episode_reclassify", args=[episode.pk]),
        {
            "change-category": "missing",
            "change-risk_level": "low",
            "change-stamp": "2020-01-01T00:00:00+00:00",
        },
    )
    assert response.status_code == 409
    assert "Someone else changed this episode" in response.content.decode()
    assert not EpisodeChange.objects.exists()


def test_a_worker_of_another_provider_cannot_see_the_episode_or_its_changes(world: NotificationWorld) -> None:
    notify(world)
    episode = notify(world, category="missing")
    client = page(world, episode, user=world.stranger)
    assert client.get(reverse("missing_episodes:episode_detail", args=[episode.pk])).status_code == 404
    response = client.post(
        reverse("missing_episodes:episode_reclassify", args=[episode.pk]),
        {"change-category": "absent", "change-stamp": episode.updated_at.isoformat()},
    )
    assert response.status_code == 404
    assert EpisodeChange.objects.count() == 1


def test_a_csv_row_gives_the_time_of_the_reclassification_and_a_bad_time_is_reported_by_line_and_column(
    world: NotificationWorld,
) -> None:
    import_episodes_text(csv_text(csv_row(category="absent", risk_level="low", returned_at="")))
    bad = import_episodes_text(
        csv_text(csv_row(category="missing", risk_level="low", returned_at="", reclassified_at="yesterday"))
    )
    assert [(e.line, e.column) for e in bad.errors] == [(2, "reclassified_at")]
    early = import_episodes_text(
        csv_text(
            csv_row(category="missing", risk_level="low", returned_at="", reclassified_at="2026-04-01T10:00")
        )
    )
    assert [(e.line, e.column) for e in early.errors] == [(2, "reclassified_at")]
    good = import_episodes_text(
        csv_text(
            csv_row(category="missing", risk_level="low", returned_at="", reclassified_at="2026-05-01T22:00")
        )
    )
    assert (good.updated, good.errors) == (1, [])
    episode = MissingEpisode.objects.get()
    assert changes_of(episode) == [
        ("category", "absent", "missing", datetime(2026, 5, 1, 21, 0, tzinfo=UTC), "import")
    ]


def test_the_childs_page_timeline_lists_the_reclassification_beside_the_episode(
    world: NotificationWorld,
) -> None:
    notify(world)
    episode = notify(world, category="missing", reclassified_at=ESCALATED)
    response = page(world, episode).get(reverse("missing_episodes:child_detail", args=[episode.child_id]))
    entries = [(e.title, e.detail) for e in response.context["page"].entries if e.title == "Reclassified"]
    assert entries == [("Reclassified", "Absent to Missing")]

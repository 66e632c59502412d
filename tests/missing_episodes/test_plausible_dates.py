"""Plausible dates (issue 14 item 5): one set of rules (missing_episodes.plausibility, through
services.check_episode) for the web form, the CSV import and the API. Impossible orders are refused with a
message naming the field; an age over 25 at the episode is asked about and saved once confirmed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from access.memberships import intake_authority_ids
from missing_episodes import plausibility
from missing_episodes.importers import import_episodes_text
from missing_episodes.models import Child, MissingEpisode
from tests.missing_episodes.intake import (
    NotificationWorld,
    csv_row,
    csv_text,
    errors_of,
    notification,
)

pytestmark = pytest.mark.django_db

BASE = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
# Hypothesis takes naive bounds for aware datetimes (it adds the zone it draws).
NAIVE_FROM = datetime(2000, 1, 1, tzinfo=UTC).replace(tzinfo=None)
NAIVE_TO = datetime(2026, 6, 1, tzinfo=UTC).replace(tzinfo=None)
moments = st.none() | st.integers(min_value=-72 * 60, max_value=72 * 60).map(
    lambda minutes: BASE + timedelta(minutes=minutes)
)


@given(missing_at=moments, reported_at=moments, returned_at=moments, notified_at=moments)
def test_the_ordering_rules_refuse_exactly_the_times_before_the_child_went_missing(
    missing_at: datetime | None,
    reported_at: datetime | None,
    returned_at: datetime | None,
    notified_at: datetime | None,
) -> None:
    times = {
        "missing_at": missing_at,
        "reported_at": reported_at,
        "returned_at": returned_at,
        "police_notified_at": notified_at,
    }
    errors = plausibility.time_errors(times, now=BASE + timedelta(days=30))
    for name in ("reported_at", "returned_at", "police_notified_at"):
        value = times[name]
        expected = missing_at is not None and value is not None and value < missing_at
        assert (name in errors) == expected, (name, times, errors)
    assert "missing_at" not in errors


@given(
    offset=st.integers(min_value=-10_000, max_value=10_000),
    name=st.sampled_from(sorted(plausibility.TIME_NAMES)),
)
def test_a_time_after_now_is_refused_naming_its_field_and_a_minute_of_clock_drift_is_not(
    offset: int, name: str
) -> None:
    now = BASE
    value = now + timedelta(seconds=offset)
    errors = plausibility.time_errors({name: value}, now=now)
    if offset > 60:
        assert errors == {name: plausibility.future_message(name)}
    else:
        assert errors == {}


@given(
    born=st.dates(min_value=date(1900, 1, 1), max_value=date(2026, 6, 1)),
    missing=st.datetimes(min_value=NAIVE_FROM, max_value=NAIVE_TO, timezones=st.just(UTC)),
)
def test_a_child_born_on_or_after_the_missing_day_is_refused_and_any_earlier_birth_is_not(
    born: date, missing: datetime
) -> None:
    refused = plausibility.birth_error(born, missing) is not None
    assert refused == (born >= timezone.localdate(missing))


def test_the_return_time_in_the_future_is_named_on_the_web_form(
    client: Client, world: NotificationWorld, intake_clock: None
) -> None:
    client.force_login(world.worker)
    response = client.post(
        reverse("missing_episodes:episode_new"),
        notification(world, returned_at="2026-06-11T09:00", police_notified_at="2026-06-11T10:00"),
    )
    errors = errors_of(response)
    assert errors["returned_at"] == ["The return time cannot be in the future."]
    assert errors["police_notified_at"] == ["The police notification time cannot be in the future."]
    assert not MissingEpisode.objects.exists() and not Child.objects.exists()


def test_a_police_notification_before_the_child_went_missing_is_refused_on_the_web_form(
    client: Client, world: NotificationWorld, intake_clock: None
) -> None:
    client.force_login(world.worker)
    response = client.post(
        reverse("missing_episodes:episode_new"),
        notification(world, missing_at="2026-06-08T18:00", police_notified_at="2026-06-08T10:00"),
    )
    assert errors_of(response)["police_notified_at"] == [
        "The police notification time cannot be before the child was last seen."
    ]
    assert not MissingEpisode.objects.exists() and not Child.objects.exists()


def test_a_child_born_the_day_they_went_missing_is_refused_on_the_date_of_birth(
    client: Client, world: NotificationWorld, intake_clock: None
) -> None:
    client.force_login(world.worker)
    response = client.post(
        reverse("missing_episodes:episode_new"), notification(world, date_of_birth="2026-06-08")
    )
    assert errors_of(response)["date_of_birth"] == [
        "The date of birth must be before the day the child went missing."
    ]
    assert not Child.objects.exists()


def test_a_worker_is_asked_to_confirm_a_date_of_birth_making_the_child_over_25_then_it_is_saved(
    client: Client, world: NotificationWorld, intake_clock: None
) -> None:
    client.force_login(world.worker)
    url = reverse("missing_episodes:episode_new")
    asked = client.post(url, notification(world, date_of_birth="1900-01-01"))
    assert errors_of(asked)["date_of_birth"] == [
        "The child would have been 126 at the episode: check the date of birth, or confirm it is right."
    ]
    assert 'name="confirm_age"' in asked.content.decode()
    assert not Child.objects.exists()
    confirmed = client.post(url, notification(world, date_of_birth="1900-01-01", confirm_age="on"))
    assert confirmed.status_code == 302
    assert Child.objects.get().date_of_birth == date(1900, 1, 1)


def test_a_plausible_notification_does_not_show_the_age_question(
    client: Client, world: NotificationWorld, intake_clock: None
) -> None:
    client.force_login(world.worker)
    response = client.get(reverse("missing_episodes:episode_new"))
    assert 'name="confirm_age"' not in response.content.decode()


def test_the_csv_import_gives_each_implausible_row_its_own_reason_and_keeps_the_good_ones(
    world: NotificationWorld, intake_clock: None
) -> None:
    text = csv_text(
        csv_row(police_reference="WM-1", la_child_id="C1", police_notified_at="2026-05-01T10:00"),
        csv_row(police_reference="WM-2", la_child_id="C2", date_of_birth="2026-05-01"),
        csv_row(police_reference="WM-3", la_child_id="C3", date_of_birth="1900-01-01"),
        csv_row(police_reference="WM-4", la_child_id="C4", date_of_birth="1900-01-01", confirm_age="yes"),
        csv_row(police_reference="WM-5", la_child_id="C5", returned_at="2026-06-11T09:00"),
        csv_row(police_reference="WM-6", la_child_id="C6"),
    )
    report = import_episodes_text(
        text, by=world.worker, allowed_authority_ids=intake_authority_ids(world.worker)
    )
    reasons = {(e.line, e.column): e.reason for e in report.errors}
    assert reasons == {
        (2, "police_notified_at"): "The police notification time cannot be before the child was last seen.",
        (3, "date_of_birth"): "The date of birth must be before the day the child went missing.",
        (4, "date_of_birth"): "The child would have been 126 at the episode: check the date of birth, or "
        "confirm it is right. To keep it, put yes in the row's confirm_age column.",
        (6, "returned_at"): "The return time cannot be in the future.",
    }
    assert set(MissingEpisode.objects.values_list("police_reference", flat=True)) == {"WM-4", "WM-6"}

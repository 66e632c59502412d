"""Structural rules on children, placements and episodes hold in the database, not only in forms."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Organisation, OrganisationKind
from missing_episodes.models import Child, MissingEpisode, Placement, PossibleDuplicate
from tests.db import assert_refused_by_database
from tests.factories_domain import (
    ChildFactory,
    LocalAuthorityFactory,
    MissingEpisodeFactory,
    PlacementFactory,
    PoliceForceFactory,
)

pytestmark = pytest.mark.django_db


def test_local_authority_without_three_digit_code_is_refused_by_database_and_clean() -> None:
    assert_refused_by_database(
        Organisation.objects.create, name="Nowhere", kind=OrganisationKind.LOCAL_AUTHORITY, code="12"
    )
    with pytest.raises(ValidationError) as excinfo:
        Organisation(name="Nowhere", kind=OrganisationKind.LOCAL_AUTHORITY, code="12").clean()
    assert "code" in excinfo.value.message_dict


def test_police_force_needs_an_ons_code() -> None:
    assert_refused_by_database(
        Organisation.objects.create, name="Force", kind=OrganisationKind.POLICE_FORCE, code="WMP"
    )
    Organisation.objects.create(
        name="West Midlands Police", kind=OrganisationKind.POLICE_FORCE, code="E23000014"
    )


def test_two_local_authorities_cannot_share_a_code() -> None:
    LocalAuthorityFactory.create(code="330")
    assert_refused_by_database(
        Organisation.objects.create, name="Copy", kind=OrganisationKind.LOCAL_AUTHORITY, code="330"
    )


def test_la_child_id_is_unique_within_the_responsible_la_but_not_across_las() -> None:
    la_a, la_b = LocalAuthorityFactory.create(code="330"), LocalAuthorityFactory.create(code="333")
    ChildFactory.create(responsible_la=la_a, la_child_id="X1")
    ChildFactory.create(responsible_la=la_b, la_child_id="X1")
    assert_refused_by_database(ChildFactory, responsible_la=la_a, la_child_id="X1")


def test_child_born_in_the_future_fails_validation() -> None:
    child = ChildFactory.build(
        responsible_la=LocalAuthorityFactory.create(), date_of_birth=timezone.localdate() + timedelta(days=1)
    )
    with pytest.raises(ValidationError) as excinfo:
        child.full_clean()
    assert "date_of_birth" in excinfo.value.message_dict


def test_child_str_shows_initials_not_name() -> None:
    child = ChildFactory.create(first_name="Jordan", last_name="Taylor", la_child_id="B77")
    assert str(child) == "Child JT (B77)"
    assert "Jordan" not in str(child)


def test_only_one_current_placement_per_child() -> None:
    placement = PlacementFactory.create()
    assert_refused_by_database(PlacementFactory, child=placement.child, start_date=date(2025, 6, 1))
    placement.end_date = date(2025, 5, 31)
    placement.save()
    PlacementFactory.create(child=placement.child, start_date=date(2025, 6, 1))
    assert Placement.objects.filter(child=placement.child).count() == 2


def test_placement_ending_before_it_starts_is_refused() -> None:
    assert_refused_by_database(PlacementFactory, start_date=date(2025, 6, 1), end_date=date(2025, 5, 1))


def test_placement_is_out_of_area_when_host_differs_from_responsible_la() -> None:
    placement = PlacementFactory.create()
    assert placement.is_out_of_area is False
    placement.host_la = LocalAuthorityFactory.create(code="860")
    assert placement.is_out_of_area is True


def test_return_before_going_missing_is_refused_by_database_with_a_field_error_from_clean() -> None:
    start = datetime(2026, 5, 1, 18, 0, tzinfo=UTC)
    assert_refused_by_database(
        MissingEpisodeFactory, missing_at=start, returned_at=start - timedelta(minutes=1)
    )
    episode = MissingEpisodeFactory.build(
        child=ChildFactory.create(),
        police_force=PoliceForceFactory.create(),
        missing_at=start,
        returned_at=start - timedelta(hours=1),
    )
    episode.responsible_la = episode.child.responsible_la
    with pytest.raises(ValidationError) as excinfo:
        episode.full_clean()
    assert excinfo.value.message_dict["returned_at"] == [
        "The return time must be after the time the child went missing."
    ]


def test_times_in_the_future_fail_validation() -> None:
    episode = MissingEpisodeFactory.build(
        child=ChildFactory.create(),
        police_force=PoliceForceFactory.create(),
        missing_at=timezone.now() + timedelta(hours=2),
        returned_at=None,
    )
    episode.responsible_la = episode.child.responsible_la
    with pytest.raises(ValidationError) as excinfo:
        episode.full_clean()
    assert "missing_at" in excinfo.value.message_dict


def test_police_reference_is_unique_per_force_but_may_repeat_across_forces() -> None:
    force_a, force_b = (
        PoliceForceFactory.create(code="E23000014"),
        PoliceForceFactory.create(code="E23000015"),
    )
    MissingEpisodeFactory.create(police_force=force_a, police_reference="R-1")
    MissingEpisodeFactory.create(police_force=force_b, police_reference="R-1")
    assert_refused_by_database(MissingEpisodeFactory, police_force=force_a, police_reference="R-1")


def test_blank_police_reference_may_repeat() -> None:
    MissingEpisodeFactory.create(police_reference="")
    MissingEpisodeFactory.create(police_reference="")
    assert MissingEpisode.objects.filter(police_reference="").count() == 2


def test_police_reference_without_force_is_refused() -> None:
    assert_refused_by_database(MissingEpisodeFactory, police_force=None, police_reference="R-9")


def test_safe_and_well_check_before_return_is_refused() -> None:
    episode = MissingEpisodeFactory.create()
    assert episode.returned_at is not None
    assert_refused_by_database(
        MissingEpisode.objects.filter(pk=episode.pk).update,
        safe_and_well_at=episode.returned_at - timedelta(hours=1),
    )


def test_still_missing_episode_is_open() -> None:
    assert MissingEpisodeFactory.create(returned_at=None).is_open is True


def test_possible_duplicate_pair_is_stored_once_in_order() -> None:
    a, b = ChildFactory.create(), ChildFactory.create()
    low, high = sorted([a, b], key=lambda c: c.pk)
    PossibleDuplicate.objects.create(child_a=low, child_b=high, reason="name_and_dob")
    assert_refused_by_database(
        PossibleDuplicate.objects.create, child_a=high, child_b=low, reason="name_and_dob"
    )
    assert_refused_by_database(
        PossibleDuplicate.objects.create, child_a=low, child_b=high, reason="police_reference"
    )
    assert Child.objects.count() == 2

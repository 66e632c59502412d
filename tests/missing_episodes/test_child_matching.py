"""Police notifications without an LA child id (issue 14 item 1): the child is matched by name and date of
birth within the responsible LA (case, accents, hyphens and known-as names do not count); one exact match
links, several or a near match keep the episode on a provisional child in the "match the child" queue, none
makes a new child; a person then picks the child or confirms a new one, and nothing is lost on the way."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import Role
from audit.models import AuditEvent
from core.exceptions import ActionNotAllowed, TransitionError
from missing_episodes.importers import import_episodes_text
from missing_episodes.match_queue import confirm_new_child, match_to_child
from missing_episodes.matching import match_child, normalise_name, swapped_day_and_month
from missing_episodes.models import (
    Child,
    ChildMatchQuestion,
    DuplicateStatus,
    MatchReason,
    MatchStatus,
    MissingEpisode,
    PossibleDuplicate,
)
from rhi.models import ReturnHomeInterview
from tests.factories import member
from tests.factories_domain import ChildFactory
from tests.missing_episodes.intake import NotificationWorld, csv_row, csv_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("intake_clock")]

# --- Names compare whatever their case, accents, hyphens, apostrophes and spaces ------------------------------

LATIN = st.text(
    alphabet=st.characters(min_codepoint=ord("a"), max_codepoint=ord("z")), min_size=1, max_size=12
)
ACCENTS = ["\u0301", "\u0300", "\u0308", "\u0302", "\u0327"]  # acute, grave, diaeresis, circumflex, cedilla


@st.composite
def spelt_differently(draw: st.DrawFn, name: str) -> str:
    """``name`` as another system might write it: other case, accents, hyphens, apostrophes and spaces."""
    out = []
    for letter in name:
        letter = letter.upper() if draw(st.booleans()) else letter
        if draw(st.booleans()):
            letter += draw(st.sampled_from(ACCENTS))
        out.append(letter)
        if draw(st.integers(0, 4)) == 0:
            out.append(draw(st.sampled_from(["-", "'", " ", "\u2019", "."])))
    return unicodedata.normalize(draw(st.sampled_from(["NFC", "NFD"])), "".join(out))


@given(data=st.data(), name=LATIN)
def test_a_name_spelt_with_other_case_accents_hyphens_or_spaces_normalises_to_the_same(
    data: st.DataObject, name: str
) -> None:
    assert normalise_name(data.draw(spelt_differently(name))) == normalise_name(name) == name


@given(first=st.text(min_size=1, max_size=20), last=st.text(min_size=1, max_size=20))
def test_normalising_any_text_never_fails_and_is_stable(first: str, last: str) -> None:
    once = normalise_name(first + last)
    assert normalise_name(once) == once


def test_examples_of_the_same_name() -> None:
    assert normalise_name("Zoë O'Brien-Smith") == normalise_name("ZOE OBRIEN SMITH") == "zoeobriensmith"
    assert normalise_name("Siobhán") == normalise_name("siobhan")
    assert normalise_name("Jean-Luc") == normalise_name("Jean Luc")


def test_day_and_month_swap_only_when_it_is_another_real_date() -> None:
    assert swapped_day_and_month(date(2011, 5, 7)) == date(2011, 7, 5)
    assert swapped_day_and_month(date(2011, 5, 17)) is None
    assert swapped_day_and_month(date(2011, 5, 5)) is None


# --- The one matching rule -------------------------------------------------------------------------------------


def test_one_exact_match_by_accent_hyphen_and_known_as_name(world: NotificationWorld) -> None:
    child = ChildFactory.create(
        responsible_la=world.la,
        first_name="Zoë",
        last_name="O'Brien-Smith",
        known_as="Zed",
        date_of_birth=date(2011, 5, 17),
    )
    for first, last in [("zoe", "OBRIEN SMITH"), ("Zed", "O Brien Smith")]:
        found = match_child(
            responsible_la=world.la, first_name=first, last_name=last, date_of_birth=date(2011, 5, 17)
        )
        assert found.child == child
        assert found.question is None


def test_two_children_with_the_same_name_and_birthday_are_several_and_another_councils_do_not_count(
    world: NotificationWorld,
) -> None:
    twins = [
        ChildFactory.create(
            responsible_la=world.la, first_name="Sam", last_name="Lee", date_of_birth=date(2012, 1, 20)
        )
        for _ in range(2)
    ]
    ChildFactory.create(
        responsible_la=world.other_la, first_name="Sam", last_name="Lee", date_of_birth=date(2012, 1, 20)
    )
    found = match_child(
        responsible_la=world.la, first_name="SAM", last_name="lee", date_of_birth=date(2012, 1, 20)
    )
    assert found.child is None
    assert found.question == MatchReason.SEVERAL
    assert found.candidates == twins


def test_a_similar_name_or_a_swapped_day_and_month_is_a_near_match_and_a_different_one_is_none(
    world: NotificationWorld,
) -> None:
    katherine = ChildFactory.create(
        responsible_la=world.la, first_name="Katherine", last_name="Jones", date_of_birth=date(2010, 3, 4)
    )
    near_name = match_child(
        responsible_la=world.la, first_name="Catherine", last_name="Jones", date_of_birth=date(2010, 3, 4)
    )
    assert (near_name.child, near_name.question, near_name.near) == (None, MatchReason.NEAR, [katherine])
    swapped = match_child(
        responsible_la=world.la, first_name="Katherine", last_name="Jones", date_of_birth=date(2010, 4, 3)
    )
    assert (swapped.question, swapped.near) == (MatchReason.NEAR, [katherine])
    other = match_child(
        responsible_la=world.la, first_name="Kai", last_name="Brown", date_of_birth=date(2010, 3, 4)
    )
    assert other.candidates == [] and other.question is None


# --- A police file with no LA ids --------------------------------------------------------------------------------


def police_file() -> str:
    """Four rows without LA ids: an exact match (other spelling), two children of that name, a near name, and a
    child the council has never recorded."""
    return csv_text(
        csv_row(police_reference="WM-1", la_child_id="", first_name="JORDAN", last_name="Taylor-Brown"),
        csv_row(
            police_reference="WM-2",
            la_child_id="",
            first_name="Sam",
            last_name="Lee",
            date_of_birth="2012-01-20",
        ),
        csv_row(
            police_reference="WM-3",
            la_child_id="",
            first_name="Catherine",
            last_name="Jones",
            date_of_birth="2010-03-04",
        ),
        csv_row(
            police_reference="WM-4",
            la_child_id="",
            first_name="Kai",
            last_name="Brown",
            date_of_birth="2010-09-09",
        ),
    )


@pytest.fixture
def known(world: NotificationWorld) -> dict[str, Child]:
    return {
        "jordan": ChildFactory.create(
            responsible_la=world.la,
            first_name="Jordan",
            last_name="Taylor Brown",
            date_of_birth=date(2011, 5, 17),
        ),
        "sam1": ChildFactory.create(
            responsible_la=world.la, first_name="Sam", last_name="Lee", date_of_birth=date(2012, 1, 20)
        ),
        "sam2": ChildFactory.create(
            responsible_la=world.la,
            first_name="Samuel",
            last_name="Lee",
            known_as="Sam",
            date_of_birth=date(2012, 1, 20),
        ),
        "katherine": ChildFactory.create(
            responsible_la=world.la, first_name="Katherine", last_name="Jones", date_of_birth=date(2010, 3, 4)
        ),
    }


def test_a_police_csv_with_no_la_ids_links_the_exact_match_queues_the_ambiguous_and_loses_nothing(
    world: NotificationWorld, known: dict[str, Child]
) -> None:
    report = import_episodes_text(police_file())

    assert report.errors == []
    assert (report.created, report.queued_for_matching, report.children_created) == (4, 2, 3)
    assert "2 saved and waiting for a person to match the child" in report.summary()
    episodes = {e.police_reference: e for e in MissingEpisode.objects.select_related("child")}
    assert set(episodes) == {"WM-1", "WM-2", "WM-3", "WM-4"}  # nothing lost
    assert episodes["WM-1"].child == known["jordan"]
    assert episodes["WM-4"].child.la_child_id == "" and not episodes["WM-4"].child.match_questions.exists()
    questions = {q.episode.police_reference: q for q in ChildMatchQuestion.objects.select_related("episode")}
    assert set(questions) == {"WM-2", "WM-3"}
    assert questions["WM-2"].reason == MatchReason.SEVERAL
    assert set(questions["WM-2"].candidates.all()) == {known["sam1"], known["sam2"]}
    assert questions["WM-3"].reason == MatchReason.NEAR
    assert list(questions["WM-3"].candidates.all()) == [known["katherine"]]
    for reference in ("WM-2", "WM-3"):
        # The episode is on the provisional child, with its RHI and clock running from its own times.
        provisional = episodes[reference].child
        assert provisional not in known.values() and provisional.la_child_id == ""
        assert questions[reference].provisional_child == provisional
        rhi = ReturnHomeInterview.objects.get(episode_links__episode=episodes[reference])
        assert rhi.child == provisional and rhi.due_at is not None

    again = import_episodes_text(police_file())
    assert (again.unchanged, again.created, again.queued_for_matching, again.children_created) == (4, 0, 0, 0)
    assert ChildMatchQuestion.objects.count() == 2


def test_a_person_matching_the_queued_row_moves_the_episode_and_its_rhi_and_removes_the_provisional_child(
    world: NotificationWorld, known: dict[str, Child]
) -> None:
    import_episodes_text(police_file())
    question = ChildMatchQuestion.objects.get(episode__police_reference="WM-2")
    provisional = question.provisional_child
    assert provisional is not None
    episode = question.episode
    rhi = ReturnHomeInterview.objects.get(episode_links__episode=episode)
    due_before = rhi.due_at

    match_to_child(question_id=question.pk, child_id=known["sam2"].pk, by=world.worker, note="Known as Sam.")

    question.refresh_from_db()
    episode.refresh_from_db()
    rhi.refresh_from_db()
    assert (question.status, question.chosen_child, question.decided_by) == (
        MatchStatus.MATCHED,
        known["sam2"],
        world.worker,
    )
    assert episode.child == known["sam2"] and rhi.child == known["sam2"]
    assert episode.child_la_id == known["sam2"].responsible_la_id  # the copy the lists read (migration 0012)
    assert rhi.due_at == due_before  # the clock runs from the episode's own times
    assert not Child.objects.filter(pk=provisional.pk).exists()
    steps = list(
        AuditEvent.objects.filter(
            object_type="missing_episodes.childmatchquestion", object_id=str(question.pk)
        )
        .order_by("pk")
        .values_list("detail__step", flat=True)
    )
    assert steps == ["match_queued", "matched"]
    assert AuditEvent.objects.filter(
        object_type="missing_episodes.child", object_id=str(provisional.pk), action="delete"
    ).exists()
    # A re-import finds the episode where the person put it.
    assert import_episodes_text(police_file()).unchanged == 4


def test_a_person_confirming_a_new_child_keeps_it_and_settles_the_duplicate_flags(
    world: NotificationWorld, known: dict[str, Child]
) -> None:
    import_episodes_text(police_file())
    question = ChildMatchQuestion.objects.get(episode__police_reference="WM-2")
    provisional = question.provisional_child
    assert provisional is not None
    assert (
        PossibleDuplicate.objects.filter(child_b=provisional, status=DuplicateStatus.OPEN).count() == 1
    )  # sam1

    confirm_new_child(question_id=question.pk, by=world.worker)

    question.refresh_from_db()
    assert question.status == MatchStatus.NEW_CHILD and question.provisional_child == provisional
    assert question.episode.child == provisional
    assert not PossibleDuplicate.objects.filter(child_b=provisional, status=DuplicateStatus.OPEN).exists()
    with pytest.raises(TransitionError):
        confirm_new_child(question_id=question.pk, by=world.worker)


def test_only_a_candidate_can_be_chosen_and_only_by_the_councils_own_workers(
    world: NotificationWorld, known: dict[str, Child]
) -> None:
    import_episodes_text(police_file())
    question = ChildMatchQuestion.objects.get(episode__police_reference="WM-2")
    with pytest.raises(ValidationError):
        match_to_child(question_id=question.pk, child_id=known["jordan"].pk, by=world.worker)
    with pytest.raises(ActionNotAllowed):
        match_to_child(question_id=question.pk, child_id=known["sam1"].pk, by=world.stranger)
    police_user = member("coordinator", world.force, Role.POLICE)
    with pytest.raises(ActionNotAllowed):
        confirm_new_child(question_id=question.pk, by=police_user)
    question.refresh_from_db()
    assert question.status == MatchStatus.OPEN


def test_matching_to_a_child_whose_episode_overlaps_is_refused_and_nothing_moves(
    world: NotificationWorld, known: dict[str, Child]
) -> None:
    import_episodes_text(
        csv_text(
            csv_row(
                police_reference="WM-OLD",
                la_child_id=known["sam1"].la_child_id,
                first_name="Sam",
                last_name="Lee",
                date_of_birth="2012-01-20",
            ),
        )
    )
    import_episodes_text(police_file())
    question = ChildMatchQuestion.objects.get(episode__police_reference="WM-2")
    with pytest.raises(ValidationError) as refused:
        match_to_child(question_id=question.pk, child_id=known["sam1"].pk, by=world.worker)
    assert "missing_at" in refused.value.message_dict
    question.refresh_from_db()
    assert question.status == MatchStatus.OPEN and question.episode.child == question.provisional_child

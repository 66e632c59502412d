"""Writing case notes (casenotes.services.add_case_note): who may, what is refused with which field's message,
corrections that never change the original, and the audit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditAction, AuditEvent
from casenotes.models import MAX_TEXT_LENGTH, CaseNote, NoteKind
from casenotes.services import add_case_note
from core.exceptions import ActionNotAllowed
from tests.casework import NOW, Case, build_case, sharing_case
from tests.factories import member

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("casework_clock")]

YESTERDAY = NOW - timedelta(days=1)


def note(case: Case, **kwargs: object) -> CaseNote:
    data: dict[str, object] = {
        "child_id": case.child.pk,
        "by": case.worker,
        "occurred_at": YESTERDAY,
        "kind": NoteKind.PHONE_CALL,
        "text": "Spoke to her foster carer: home by 9 every night this week.",
    } | kwargs
    return add_case_note(**data)  # type: ignore[arg-type]


def field_errors(excinfo: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return excinfo.value.message_dict


def test_the_allocated_worker_adds_a_note_written_for_their_organisation_and_audited() -> None:
    case = build_case()

    saved = note(case)

    assert (saved.child, saved.author, saved.organisation) == (case.child, case.worker, case.provider)
    assert saved.occurred_at == YESTERDAY and saved.created_at == NOW
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="casenotes.casenote")
    assert event.object_id == str(saved.pk) and event.actor == case.worker
    assert event.detail == {"kind": "phone_call", "child": case.child.pk}  # codes only, never the text


def test_a_contact_in_the_future_is_refused_on_its_field() -> None:
    case = build_case()

    with pytest.raises(ValidationError) as excinfo:
        note(case, occurred_at=NOW + timedelta(hours=1))

    assert field_errors(excinfo) == {"occurred_at": ["The date and time of the contact must be in the past."]}
    assert not CaseNote.objects.exists()


def test_a_few_minutes_of_clock_difference_is_not_the_future() -> None:
    case = build_case()
    assert note(case, occurred_at=NOW + timedelta(minutes=2)).pk


def test_a_contact_before_the_child_was_born_is_refused() -> None:
    case = build_case()
    born = datetime.combine(case.child.date_of_birth, datetime.min.time(), tzinfo=UTC)

    with pytest.raises(ValidationError) as excinfo:
        note(case, occurred_at=born - timedelta(days=2))

    assert field_errors(excinfo) == {
        "occurred_at": ["The date and time of the contact must be after the child was born."]
    }


def test_empty_text_an_unknown_kind_and_a_future_time_are_all_reported_at_once() -> None:
    case = build_case()

    with pytest.raises(ValidationError) as excinfo:
        note(case, text="   \n", kind="gossip", occurred_at=NOW + timedelta(days=1))

    assert set(field_errors(excinfo)) == {"text", "kind", "occurred_at"}
    assert field_errors(excinfo)["text"] == ["Enter the note."]


@pytest.mark.parametrize("extra", [-1, 0, 1, 2000])
def test_a_note_up_to_the_limit_is_kept_and_one_character_more_is_refused(extra: int) -> None:
    case = build_case()
    text = "x" * (MAX_TEXT_LENGTH + extra)

    if extra > 0:
        with pytest.raises(ValidationError) as excinfo:
            note(case, text=text)
        assert field_errors(excinfo) == {"text": ["The note must be 5,000 characters or fewer."]}
    else:
        assert len(note(case, text=text).text) == MAX_TEXT_LENGTH + extra


def test_a_police_coordinator_and_a_partner_viewer_who_received_the_report_may_not_add_notes() -> None:
    case = sharing_case()

    for outsider in (case.police, case.partner):
        with pytest.raises(ActionNotAllowed):
            note(case, by=outsider)
    assert not CaseNote.objects.exists()


def test_the_author_corrects_a_note_with_a_new_note_and_the_original_is_unchanged() -> None:
    case = build_case()
    original = note(case, text="Spoke to her mum.")

    correction = note(case, text="Spoke to her aunt, not her mum.", corrects_id=original.pk)

    original.refresh_from_db()
    assert original.text == "Spoke to her mum."
    assert correction.corrects == original
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_id=str(correction.pk))
    assert event.detail["corrects"] == original.pk


def test_correcting_a_correction_corrects_the_original() -> None:
    case = build_case()
    original = note(case)
    first = note(case, corrects_id=original.pk, text="First correction.")

    second = note(case, corrects_id=first.pk, text="Second correction.")

    assert second.corrects == original


def test_a_manager_of_the_authors_team_corrects_a_note_but_another_worker_may_not() -> None:
    case = build_case()
    original = note(case)
    colleague = member("colleague", case.provider, "rhi_worker", case.team)

    assert note(case, by=case.manager, corrects_id=original.pk).corrects == original
    with pytest.raises(ActionNotAllowed):
        note(case, by=colleague, corrects_id=original.pk)


def test_a_note_of_another_child_cannot_be_corrected_through_this_child() -> None:
    case = build_case()
    other = build_case(prefix="other-")
    foreign = note(other, by=other.worker)

    with pytest.raises(ValidationError) as excinfo:
        note(case, corrects_id=foreign.pk)

    assert "corrects" in field_errors(excinfo)

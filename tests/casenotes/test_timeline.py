"""The child's timeline (casenotes.timeline.child_timeline): one list newest first across episodes, RHIs,
referrals, disclosures, flags and notes; filtered by kind; paged by keyset without skipping or repeating; and
each record at the viewer's level."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casenotes.models import CaseNote, NoteKind
from casenotes.services import add_case_note
from casenotes.timeline import Kind, Position, child_timeline, parse_cursor
from missing_episodes.models import ChildFlag
from rhi.models import Outcome
from tests.casework import NOW, RETURNED, Case, build_case, refer, share, sharing_case
from tests.factories_domain import ProviderFactory, RHIFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("casework_clock")]


def note(case: Case, days_after_return: float, text: str = "Called her foster carer.") -> CaseNote:
    return add_case_note(
        child_id=case.child.pk,
        by=case.worker,
        occurred_at=RETURNED + timedelta(days=days_after_return),
        kind=NoteKind.PHONE_CALL,
        text=text,
    )


def test_every_kind_of_record_is_merged_newest_first() -> None:
    case = sharing_case()
    share(case)
    refer(case)  # sent 22 May 14:00
    note(case, -3, "Before she went missing.")
    note(case, 5, "After the interview.")
    ChildFlag.objects.create(
        child=case.child,
        kind="cce",
        reason="County lines",
        set_by=case.manager,
        set_at=RETURNED + timedelta(days=3),
        review_on=(NOW + timedelta(days=90)).date(),
    )

    page = child_timeline(case.worker, case.child)

    positions = [entry.position for entry in page.entries]
    assert positions == sorted(positions, reverse=True)
    assert {entry.kind for entry in page.entries} == set(Kind)
    # Shared and opened now; then the note 5 days after, the flag 3 days after, the referral, the return, the
    # disappearance and the note before it.
    assert [entry.kind for entry in page.entries] == [
        Kind.DISCLOSURES,
        Kind.RHIS,
        Kind.NOTES,
        Kind.FLAGS,
        Kind.REFERRALS,
        Kind.EPISODES,
        Kind.EPISODES,
        Kind.NOTES,
    ]
    assert (
        page.entries[2].detail == "After the interview."
        and page.entries[-1].detail == "Before she went missing."
    )
    assert page.older is None


def test_a_filter_keeps_only_the_kinds_asked_for() -> None:
    case = build_case()
    refer(case)
    note(case, 2)

    page = child_timeline(case.worker, case.child, kinds=[Kind.NOTES, Kind.REFERRALS])

    assert [entry.kind for entry in page.entries] == [Kind.NOTES, Kind.REFERRALS]


def test_show_older_pages_through_everything_once_even_when_times_tie() -> None:
    case = build_case()
    for day in range(7):
        note(case, day)
    # Three notes at the very same moment as one already there: the cursor's rank and id break the tie.
    for _ in range(3):
        note(case, 3)
    everything = child_timeline(case.worker, case.child).entries

    seen: list[Position] = []
    cursor: Position | None = None
    while True:
        page = child_timeline(case.worker, case.child, before=cursor, limit=3)
        assert len(page.entries) <= 3
        seen.extend(entry.position for entry in page.entries)
        if page.older is None:
            break
        cursor = parse_cursor(page.older)

    assert seen == [entry.position for entry in everything]
    assert len(seen) == len(set(seen)) == 10 + 3  # notes, the RHI, missing and returned


def test_an_unusable_cursor_starts_again_from_the_newest() -> None:
    for raw in (
        "",
        "nonsense",
        "2026-13-01T00:00:00Z~7~1",
        "2026-05-01T00:00:00Z~777~1",
        "x~1~99999999999999999999",
    ):
        assert parse_cursor(raw) is None
    position = Position(at=NOW, rank=7, pk=12)
    assert parse_cursor(position.cursor()) == position


def test_another_providers_rhi_shows_without_a_link_or_its_outcome() -> None:
    case = build_case()
    other = RHIFactory.create(
        child=case.child, provider=ProviderFactory.create(), outcome=Outcome.UNABLE_TO_CONTACT
    )

    entries = {
        entry.rhi.pk: entry
        for entry in child_timeline(case.worker, case.child).entries
        if entry.rhi and entry.kind == Kind.RHIS
    }

    assert entries[case.rhi.pk].rhi_full is True
    assert entries[other.pk].rhi_full is False
    assert "outcome" not in entries[other.pk].detail


def test_corrected_notes_are_marked_and_the_correction_says_so() -> None:
    case = build_case()
    original = note(case, 1, "Spoke to her mum.")
    add_case_note(
        child_id=case.child.pk,
        by=case.worker,
        occurred_at=original.occurred_at,
        kind=NoteKind.PHONE_CALL,
        text="Spoke to her aunt.",
        corrects_id=original.pk,
    )

    notes = child_timeline(case.worker, case.child, kinds=[Kind.NOTES]).entries

    assert [(entry.title, entry.detail, entry.extra["corrected"]) for entry in notes] == [
        ("Correction: Phone call", "Spoke to her aunt.", False),
        ("Phone call", "Spoke to her mum.", True),
    ]


def test_a_page_costs_the_same_queries_however_long_the_childs_history() -> None:
    case = sharing_case()
    share(case)
    refer(case)
    note(case, 1)
    child_timeline(case.worker, case.child, limit=5)  # the user's memberships are cached on the first call

    with CaptureQueriesContext(connection) as short:
        child_timeline(case.worker, case.child, limit=5)
    for day in range(2, 30):
        note(case, day / 2)
    with CaptureQueriesContext(connection) as long:
        page = child_timeline(case.worker, case.child, limit=5)

    assert len(page.entries) == 5 and page.older is not None
    assert len(long.captured_queries) == len(short.captured_queries)

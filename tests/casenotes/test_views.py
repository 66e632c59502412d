"""The timeline and case note pages through Django's test client: a worker adds a note and sees it; a future
time is a field error on the form; a bad filter is a 400 page; the print version holds the notes; every page
view is audited; a partner who only received a disclosure gets 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditAction, AuditEvent, AuditOutcome
from casenotes.models import CaseNote, NoteKind
from casenotes.services import add_case_note
from tests.casework import NOW, build_case, share, sharing_case
from tests.dates import date_boxes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("casework_clock")]


def test_a_worker_adds_a_note_and_finds_it_on_the_timeline(client: Client) -> None:
    case = build_case()
    client.force_login(case.worker)

    response = client.post(
        reverse("casenotes:note_new", args=[case.child.pk]),
        {
            "kind": "visit",
            **date_boxes("occurred_at", NOW - timedelta(hours=3)),
            "text": "Home visit: calm, back at school.",
        },
    )

    assert response.status_code == 302 and response["Location"] == reverse(
        "casenotes:timeline", args=[case.child.pk]
    )
    html = client.get(response["Location"]).content.decode()
    assert "Home visit: calm, back at school." in html and "Case note added." in html
    note = CaseNote.objects.get()
    assert (note.kind, note.author) == (NoteKind.VISIT, case.worker)


def test_the_new_note_form_starts_at_now_in_the_date_and_time_box(client: Client) -> None:
    case = build_case()
    client.force_login(case.worker)

    html = client.get(reverse("casenotes:note_new", args=[case.child.pk])).content.decode()

    now = timezone.localtime(NOW)
    assert 'class="govuk-date-input"' in html and 'type="datetime-local"' not in html
    assert f'value="{now:%H:%M}"' in html and f'value="{now.year}"' in html


def test_a_time_in_the_future_is_shown_on_its_field_and_nothing_is_saved(client: Client) -> None:
    case = build_case()
    client.force_login(case.worker)

    response = client.post(
        reverse("casenotes:note_new", args=[case.child.pk]),
        {"kind": "visit", **date_boxes("occurred_at", NOW + timedelta(days=1)), "text": "Tomorrow's visit."},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html and 'href="#id_occurred_at' in html
    assert "The date and time of the contact must be in the past." in html
    assert not CaseNote.objects.exists()


def test_a_note_over_the_limit_is_refused_with_the_govuk_length_message(client: Client) -> None:
    case = build_case()
    client.force_login(case.worker)

    response = client.post(
        reverse("casenotes:note_new", args=[case.child.pk]),
        {"kind": "other", **date_boxes("occurred_at", NOW - timedelta(hours=1)), "text": "x" * 5001},
    )

    assert "The note must be 5,000 characters or fewer." in response.content.decode()
    assert 'data-maxlength="5000"' in response.content.decode()
    assert not CaseNote.objects.exists()


@pytest.mark.parametrize("query", ["kind=gossip", "kind=notes&kind=%00", "before=" + "9" * 300])
def test_a_bad_filter_is_a_400_page_not_an_error(client: Client, query: str) -> None:
    case = build_case()
    client.force_login(case.worker)

    for name in ("casenotes:timeline", "casenotes:timeline_print"):
        response = client.get(reverse(name, args=[case.child.pk]) + "?" + query)
        assert response.status_code == 400, name
        assert "There is a problem" in response.content.decode()


def test_an_unusable_show_older_cursor_starts_from_the_newest(client: Client) -> None:
    case = build_case()
    client.force_login(case.worker)

    response = client.get(reverse("casenotes:timeline", args=[case.child.pk]) + "?before=not-a-cursor")

    assert response.status_code == 200 and f"RHI-{case.rhi.pk} opened" in response.content.decode()


def test_the_filter_and_the_print_version_show_only_the_kinds_asked_for(client: Client) -> None:
    case = build_case()
    add_case_note(
        child_id=case.child.pk,
        by=case.worker,
        occurred_at=NOW - timedelta(days=1),
        kind="phone_call",
        text="Rang mum.",
    )
    client.force_login(case.worker)

    filtered = client.get(
        reverse("casenotes:timeline", args=[case.child.pk]) + "?kind=notes"
    ).content.decode()
    printed = client.get(
        reverse("casenotes:timeline_print", args=[case.child.pk]) + "?kind=notes"
    ).content.decode()

    for html in (filtered, printed):
        assert "Rang mum." in html and f"RHI-{case.rhi.pk} opened" not in html
    assert "Showing case notes." in " ".join(printed.split()).replace(". Printed", ".")
    assert reverse("casenotes:timeline_print", args=[case.child.pk]) + "?kind=notes" in filtered


def test_each_view_of_the_timeline_is_audited_with_the_page(client: Client) -> None:
    case = build_case()
    client.force_login(case.worker)

    client.get(reverse("casenotes:timeline", args=[case.child.pk]))
    client.get(reverse("casenotes:timeline_print", args=[case.child.pk]))

    pages = [
        event.detail["page"]
        for event in AuditEvent.objects.filter(
            action=AuditAction.VIEW, object_id=str(case.child.pk)
        ).order_by("pk")
    ]
    assert pages == ["timeline", "timeline_print"]


def test_police_and_a_partner_who_received_the_report_get_404_and_the_refusal_is_audited(
    client: Client,
) -> None:
    case = sharing_case()
    share(case)
    add_case_note(
        child_id=case.child.pk,
        by=case.worker,
        occurred_at=NOW - timedelta(days=1),
        kind="other",
        text="Private.",
    )

    for outsider in (case.police, case.partner):
        client.force_login(outsider)
        for name in ("casenotes:timeline", "casenotes:timeline_print", "casenotes:note_new"):
            response = client.get(reverse(name, args=[case.child.pk]))
            assert response.status_code == 404, (name, outsider.username)
            assert "Private." not in response.content.decode()
    assert AuditEvent.objects.filter(outcome=AuditOutcome.DENIED, object_id=str(case.child.pk)).count() == 6


def test_a_worker_who_did_not_write_a_note_may_not_correct_it(client: Client) -> None:
    case = build_case()
    note = add_case_note(
        child_id=case.child.pk,
        by=case.manager,
        occurred_at=NOW - timedelta(days=1),
        kind="other",
        text="Manager's.",
    )
    client.force_login(case.worker)
    url = reverse("casenotes:note_correct", args=[case.child.pk, note.pk])

    assert client.get(url).status_code == 403
    assert (
        client.post(url, {"kind": "other", **date_boxes("occurred_at", NOW), "text": "Changed."}).status_code
        == 403
    )
    assert CaseNote.objects.count() == 1
    timeline = client.get(reverse("casenotes:timeline", args=[case.child.pk])).content.decode()
    assert url not in timeline  # no "Correct" link offered


def test_the_author_corrects_a_note_and_both_stay_on_the_timeline(client: Client) -> None:
    case = build_case()
    note = add_case_note(
        child_id=case.child.pk,
        by=case.worker,
        occurred_at=NOW - timedelta(days=1),
        kind="other",
        text="Mum rang.",
    )
    client.force_login(case.worker)
    url = reverse("casenotes:note_correct", args=[case.child.pk, note.pk])
    form = client.get(url).content.decode()
    assert "Mum rang." in form and f'value="{timezone.localtime(note.occurred_at):%H:%M}"' in form

    response = client.post(
        url, {"kind": "phone_call", **date_boxes("occurred_at", note.occurred_at), "text": "Aunt rang."}
    )

    assert response.status_code == 302
    html = client.get(reverse("casenotes:timeline", args=[case.child.pk])).content.decode()
    assert "Mum rang." in html and "Aunt rang." in html and "Corrected" in html

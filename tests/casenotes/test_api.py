"""Case notes through the REST API (casenotes.api): a provider's system adds a note once per Idempotency-Key and
lists the child's notes; field errors are 400s; a client without the case-notes scopes gets 403 and a police
force's system 404 (audited)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import ApiScope
from audit.models import AuditEvent, AuditOutcome
from casenotes.models import CaseNote
from casenotes.services import add_case_note
from tests.api.conftest import as_client, new_client
from tests.casework import NOW, build_case, sharing_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("casework_clock")]

NOTES_SCOPES: list[str] = [ApiScope.CASE_NOTES_READ, ApiScope.CASE_NOTES_WRITE]
BODY = {
    "kind": "phone_call",
    "occurred_at": (NOW - timedelta(hours=2)).isoformat(),
    "text": "Rang her carer.",
}


def test_a_providers_system_adds_a_note_once_per_key_and_lists_it() -> None:
    case = build_case()
    api = as_client(new_client(case.provider, NOTES_SCOPES))
    url = reverse("api:case-note-list", args=[case.child.pk])

    first = api.post(url, BODY, **{"Idempotency-Key": "note-1"})
    again = api.post(url, BODY, **{"Idempotency-Key": "note-1"})

    assert first.status_code == 201, first.content
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert CaseNote.objects.count() == 1
    listed = api.get(url).json()
    assert [(n["kind"], n["text"], n["organisation"]) for n in listed["results"]] == [
        ("phone_call", "Rang her carer.", case.provider.name)
    ]
    assert listed["next"] is None


def test_a_future_time_and_an_overlong_note_are_400s_on_their_fields() -> None:
    case = build_case()
    api = as_client(new_client(case.provider, NOTES_SCOPES))
    url = reverse("api:case-note-list", args=[case.child.pk])

    future = api.post(
        url, BODY | {"occurred_at": (NOW + timedelta(days=1)).isoformat()}, **{"Idempotency-Key": "a"}
    )
    long = api.post(url, BODY | {"text": "x" * 5001}, **{"Idempotency-Key": "b"})
    not_text = api.post(url, BODY | {"text": 12}, **{"Idempotency-Key": "c"})

    assert future.status_code == 400 and future.json()["errors"][0]["field"] == "occurred_at"
    assert long.status_code == 400 and long.json()["errors"][0]["field"] == "text"
    assert not_text.status_code == 400
    assert not CaseNote.objects.exists()


def test_a_client_without_the_case_notes_scopes_is_refused() -> None:
    case = build_case()
    api = as_client(new_client(case.provider, [ApiScope.CHILDREN_READ]))
    url = reverse("api:case-note-list", args=[case.child.pk])

    assert api.get(url).status_code == 403
    assert api.post(url, BODY, **{"Idempotency-Key": "k"}).status_code == 403
    assert not CaseNote.objects.exists()


def test_a_police_forces_system_gets_404_even_with_the_scopes() -> None:
    case = sharing_case()
    add_case_note(child_id=case.child.pk, by=case.worker, occurred_at=NOW, kind="other", text="Private.")
    api = as_client(new_client(case.force, NOTES_SCOPES))
    url = reverse("api:case-note-list", args=[case.child.pk])

    assert api.get(url).status_code == 404
    assert api.post(url, BODY, **{"Idempotency-Key": "k"}).status_code == 404
    assert AuditEvent.objects.filter(outcome=AuditOutcome.DENIED, object_id=str(case.child.pk)).count() == 2
    assert CaseNote.objects.count() == 1


def test_a_worker_correcting_their_managers_note_through_the_api_is_refused(client: Client) -> None:
    case = build_case()
    note = add_case_note(
        child_id=case.child.pk, by=case.manager, occurred_at=NOW, kind="other", text="Manager's."
    )
    client.force_login(case.worker)

    response = client.post(
        reverse("api:case-note-list", args=[case.child.pk]),
        data=BODY | {"corrects": note.pk},
        content_type="application/json",
    )

    assert response.status_code == 403
    assert CaseNote.objects.count() == 1

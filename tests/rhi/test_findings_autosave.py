"""The findings page saves a draft in the background (frontend/autosave.mjs) so a long write-up survives the
idle timeout: through the same service as 'Save draft', answering JSON, never moving the state, refusing a
stale version with 409 and an invalid answer with 422 (nothing saved)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from rhi.models import Interview, Location, RHIState
from tests.rhi.journey import JourneyCase, current, findings_data, to_drafting

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("journey_clock")]


def autosave(client: Client, the_case: Any, data: dict, *, version: int | None = None) -> Any:
    rhi = current(the_case)
    payload = {"version": rhi.version if version is None else version, "save_draft": "1"} | data
    return client.post(reverse("rhi:findings", args=[rhi.pk]), payload, HTTP_X_AUTOSAVE="1")


def test_worker_autosave_saves_the_draft_and_returns_the_new_version(
    client: Client, allocated: JourneyCase
) -> None:
    to_drafting(client, allocated)
    before = current(allocated).version

    response = autosave(client, allocated, findings_data(child_words="Half-way through typing"))

    assert response.status_code == 200
    body = response.json()
    assert body["saved"] is True and body["version"] == before + 1 == current(allocated).version
    assert Interview.objects.get(rhi=allocated.rhi).child_words == "Half-way through typing"
    assert Location.objects.filter(rhi=allocated.rhi).count() == 2
    assert current(allocated).state == RHIState.DRAFTING


def test_autosave_after_someone_else_saved_is_refused_with_409_and_nothing_changes(
    client: Client, allocated: JourneyCase
) -> None:
    to_drafting(client, allocated)
    stale = current(allocated).version
    autosave(client, allocated, findings_data(child_words="Theirs"))

    response = autosave(client, allocated, findings_data(child_words="Mine"), version=stale)

    assert response.status_code == 409 and response.json()["reason"] == "stale"
    assert Interview.objects.get(rhi=allocated.rhi).child_words == "Theirs"


def test_autosave_with_an_invalid_answer_saves_nothing_and_answers_422(
    client: Client, allocated: JourneyCase
) -> None:
    to_drafting(client, allocated)
    before = current(allocated).version

    response = autosave(client, allocated, findings_data(**{"associates-0-approximate_age": "about twenty"}))

    assert response.status_code == 422
    assert current(allocated).version == before
    assert Interview.objects.get(rhi=allocated.rhi).child_words == ""


def test_autosave_by_a_signed_out_browser_is_sent_to_sign_in_and_saves_nothing(
    client: Client, allocated: JourneyCase
) -> None:
    to_drafting(client, allocated)
    before = current(allocated).version
    client.logout()

    response = autosave(client, allocated, findings_data())

    assert response.status_code == 302 and "/accounts/sign-in/" in response["Location"]
    assert current(allocated).version == before

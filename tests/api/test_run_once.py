"""api.idempotency.run_once: one run per (client, Idempotency-Key); a write that loses a race answers 409 in the
caller's words, since only the endpoint knows what clashed."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory

from accounts.models import ApiClient, ApiScope, User
from api.errors import Conflict
from api.idempotency import run_once
from api.models import IdempotencyKey
from tests.api.conftest import new_client
from tests.factories_domain import PoliceForceFactory

pytestmark = pytest.mark.django_db

BODY = {"police_reference": "PR-1"}


@pytest.fixture
def force_client() -> ApiClient:
    return new_client(PoliceForceFactory.create(), [ApiScope.EPISODES_WRITE]).client


def call_with_key(client: ApiClient, key: str, body: dict[str, Any]) -> Request:
    """The request as the API view sees it once the client's token is accepted."""
    http = APIRequestFactory().post("/api/v1/episodes/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    request = Request(http, parsers=[JSONParser()])
    request.user = client.user
    request.auth = client
    return request


def takes_a_taken_username() -> Response:
    """A handler whose write clashes with a row another request committed first (a unique constraint)."""
    User.objects.create_user(username="taken", password="unused-password-1")
    return Response({"made": True}, status=201)


@pytest.mark.parametrize(
    "message",
    [
        "Another request recorded this police reference at the same moment: read the episode.",
        "Another request acknowledged this disclosure at the same moment.",
    ],
)
def test_a_write_that_loses_a_race_answers_409_in_the_callers_words(
    force_client: ApiClient, message: str
) -> None:
    User.objects.create_user(username="taken", password="unused-password-1")

    with pytest.raises(Conflict) as refused:
        run_once(
            request=call_with_key(force_client, "race-1", BODY),
            handle=takes_a_taken_username,
            conflict_message=message,
        )

    assert str(refused.value.detail) == message
    assert refused.value.status_code == 409
    assert not IdempotencyKey.objects.filter(client=force_client).exists()  # nothing stored against the key


def test_a_retry_after_a_lost_race_runs_again_and_later_retries_replay_its_answer(
    force_client: ApiClient,
) -> None:
    User.objects.create_user(username="taken", password="unused-password-1")
    with pytest.raises(Conflict):
        run_once(
            request=call_with_key(force_client, "race-2", BODY),
            handle=takes_a_taken_username,
            conflict_message="Clashed.",
        )
    runs: list[int] = []

    def record() -> Response:
        runs.append(1)
        return Response({"made": len(runs)}, status=201)

    first = run_once(request=call_with_key(force_client, "race-2", BODY), handle=record, conflict_message="-")
    again = run_once(request=call_with_key(force_client, "race-2", BODY), handle=record, conflict_message="-")

    assert (first.status_code, first.data) == (201, {"made": 1})
    assert (again.status_code, again.data, again["Idempotent-Replayed"]) == (201, {"made": 1}, "true")
    assert runs == [1]


def test_a_caller_that_wraps_run_once_in_its_own_transaction_is_refused(force_client: ApiClient) -> None:
    # The key's lock, the handler's writes and the stored answer must commit together, and only then.
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        run_once(
            request=call_with_key(force_client, "nested-1", BODY),
            handle=lambda: Response({}, status=201),
            conflict_message="-",
        )

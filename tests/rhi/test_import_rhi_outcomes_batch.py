"""import_rhi_outcomes' batch path (issue 18 part 4; rhi.services.history_batch): for any file of outcome rows
(new outcomes, corrections and repeats of imported ones, a bunched RHI given two outcomes, an RHI recorded or
worked on in the app, an episode without an RHI, bad rows) it leaves the database as the per-row path does,
with the same report; its statements do not grow with the rows."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from accounts.models import Organisation, Role
from audit.models import AuditEvent
from core.csv_import import ImportReport
from missing_episodes.services import parse_local_datetime
from rhi import importers
from rhi.importers import import_rhi_outcomes_text
from rhi.models import ClockPolicy, Interview, RepeatRule, ReturnHomeInterview, StateTransition
from rhi.services import allocate_rhi, history_batch, record_decline, record_offer
from tests.factories import user_with_role
from tests.rhi.history_rows import at, episode_row, import_episodes, outcome_row, outcomes, returned, rhi_of

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 20, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def history(la: Organisation) -> None:
    """Episodes 1-4 of their own children; 5 and 6 of one child, bunched into one RHI; 7 with an outcome
    recorded in the app; 8 with its RHI being worked on; 9 returned but without an RHI; 10 still missing;
    1 and 2 already given imported outcomes (a later row corrects or repeats them)."""
    ClockPolicy.objects.filter(local_authority=la).update(repeat_rule=RepeatRule.BUNCH_FROM_LATEST)
    import_episodes(*(episode_row(n) for n in (1, 2, 3, 4, 7, 8, 9)))
    import_episodes(episode_row(5, child="C5"), episode_row(6, child="C5"))
    import_episodes(episode_row(10) | {"returned_at": ""})
    manager = user_with_role(Role.TEAM_MANAGER, organisation=la)
    worker = user_with_role(Role.RHI_WORKER, organisation=la)
    live = rhi_of(7)
    allocate_rhi(rhi_id=live.pk, worker=worker, by=manager)
    offered_at = parse_local_datetime(at(returned(7) + timedelta(hours=3)))
    assert offered_at is not None
    record_offer(rhi_id=live.pk, by=worker, offered_at=offered_at, offered_to="parent_carer", method="phone")
    record_decline(rhi_id=live.pk, by=worker, declined_by="parent_carer", reason="parent_refused")
    allocate_rhi(rhi_id=rhi_of(8).pk, worker=worker, by=manager)
    without = rhi_of(9)
    without.episode_links.all().delete()
    without.transitions.all().delete()
    without.delete()
    report = import_rhi_outcomes_text(outcomes(outcome_row(1), outcome_row(2, "declined")), bulk=False)
    assert report.errors == []


def _sorted(rows: Iterable[Any]) -> list[Any]:
    return sorted(rows, key=repr)


def state() -> dict[str, list[Any]]:
    """The rows an outcome import writes, keyed by the episodes' references (ids differ between runs)."""
    key = {
        rhi.pk: tuple(sorted(rhi.episodes.values_list("police_reference", flat=True)))
        for rhi in ReturnHomeInterview.objects.all()
    }
    return {
        "rhis": _sorted(
            (
                key[r.pk],
                r.state,
                r.state_changed_at,
                r.outcome,
                r.outcome_recorded_at,
                r.offered_at,
                r.offered_to,
                r.offer_method,
                r.declined_by,
                r.decline_reason,
                r.decline_reason_text,
                r.not_offered_reason,
                r.not_offered_text,
                r.source,
                r.version,
                r.updated_at,
                r.due_at,
                r.policy_id,
            )
            for r in ReturnHomeInterview.objects.all()
        ),
        "interviews": _sorted(
            (
                key[i.rhi_id],
                i.held_at,
                i.location_type,
                i.interviewer_name,
                i.interviewer_independence,
                i.child_choice_of_interviewer,
                i.updated_at,
            )
            for i in Interview.objects.all()
        ),
        "transitions": _sorted(
            (key[t.rhi_id], t.from_state, t.to_state, t.at, t.by_id, t.note)
            for t in StateTransition.objects.all()
        ),
        "audit": _sorted(
            (
                a.action,
                a.object_type,
                key.get(int(a.object_id)) if a.object_type == "rhi.returnhomeinterview" else "other",
                sorted(a.detail.items()),
                a.actor_id,
                a.at,
            )
            for a in AuditEvent.objects.all()
        ),
    }


def outcome(text: str, *, bulk: bool) -> tuple[ImportReport, dict[str, list[Any]]]:
    with transaction.atomic():
        report = import_rhi_outcomes_text(text, bulk=bulk)
        result = (report, state())
        transaction.set_rollback(True)
    return result


rows = st.builds(
    lambda n, kind, bad: (
        outcome_row(n, kind)
        | ({"outcome": "maybe"} if bad == 1 else {})
        | ({"offered_at": at(returned(n) - timedelta(hours=2))} if bad == 2 and kind != "not_offered" else {})
    ),
    n=st.integers(1, 10),
    kind=st.sampled_from(["accepted", "declined", "not_offered", "unable_to_contact"]),
    bad=st.sampled_from([0, 0, 0, 0, 1, 2]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@example(  # a bunched RHI twice (different outcomes: the second refused), then the same child's repeat
    rows=[outcome_row(5), outcome_row(6, "declined"), outcome_row(3), outcome_row(6)], batch_size=500
)
@example(  # corrections and repeats of imported outcomes; the app's RHIs; no RHI yet; still missing
    rows=[
        outcome_row(1, "declined"),
        outcome_row(2, "declined"),
        outcome_row(7),
        outcome_row(8),
        outcome_row(9, "unable_to_contact"),
        outcome_row(10),
        outcome_row(4, "not_offered"),
    ],
    batch_size=3,
)
@given(rows=st.lists(rows, min_size=1, max_size=12), batch_size=st.sampled_from([3, 500]))
def test_property_the_batch_path_leaves_the_database_as_the_per_row_path_does(
    history: None, monkeypatch: pytest.MonkeyPatch, rows: list[dict[str, str]], batch_size: int
) -> None:
    monkeypatch.setattr(importers, "BATCH_SIZE", batch_size)
    text = outcomes(*rows)
    per_row = outcome(text, bulk=False)
    batch = outcome(text, bulk=True)
    assert batch[0] == per_row[0]
    for table, expected in per_row[1].items():
        assert batch[1][table] == expected, table


def test_new_outcomes_take_the_same_statements_for_4_rows_as_for_40(la: Organisation) -> None:
    import_episodes(*(episode_row(n) for n in range(1, 41)))
    counts = []
    for size in (4, 40):
        kinds = ["accepted", "declined", "not_offered", "unable_to_contact"]
        text = outcomes(*(outcome_row(n, kinds[n % 4]) for n in range(1, size + 1)))
        with transaction.atomic(), CaptureQueriesContext(connection) as queries:
            report = import_rhi_outcomes_text(text)
            transaction.set_rollback(True)
        assert (report.created, report.errors) == (size, [])
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1] <= 15


def test_a_process_that_dies_in_a_batch_write_keeps_whole_batches_and_a_second_run_finishes_the_file(
    la: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_episodes(*(episode_row(n) for n in range(1, 7)))
    monkeypatch.setattr(importers, "BATCH_SIZE", 3)
    real = history_batch.record_events
    writes = []

    def dies_in_the_second_batch(events: Any) -> None:
        writes.append(1)
        if len(writes) == 2:
            raise MemoryError("the worker is killed")
        real(events)

    monkeypatch.setattr(history_batch, "record_events", dies_in_the_second_batch)
    text = outcomes(*(outcome_row(n) for n in range(1, 7)))
    with pytest.raises(MemoryError):
        import_rhi_outcomes_text(text)
    assert [rhi_of(n).outcome for n in range(1, 7)] == ["accepted"] * 3 + [""] * 3
    monkeypatch.setattr(history_batch, "record_events", real)
    report = import_rhi_outcomes_text(text)
    assert (report.created, report.unchanged, report.errors) == (3, 3, [])


def test_a_batch_the_database_refuses_is_recorded_row_by_row(
    la: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_episodes(*(episode_row(n) for n in range(1, 4)))

    def refused(*args: Any, **kwargs: Any) -> None:
        raise IntegrityError("a constraint only the database knows")

    monkeypatch.setattr(history_batch, "record_events", refused)
    report = import_rhi_outcomes_text(outcomes(*(outcome_row(n, "declined") for n in range(1, 4))))
    assert (report.created, report.errors) == (3, [])
    assert [rhi_of(n).state for n in range(1, 4)] == ["declined"] * 3

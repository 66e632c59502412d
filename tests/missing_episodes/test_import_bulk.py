"""The bulk path of import_episodes (issue 18 part 4; missing_episodes.bulk_intake): for any file of rows about
known children (new episodes, re-sent ones, bad rows, rows only a person or the per-row path can place) the
bulk path leaves the database exactly as the per-row path does; its statements per row do not grow with the
rows; a process that dies in a bulk write keeps whole batches; a batch the database refuses is redone row by
row."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from audit.models import AuditEvent
from core.csv_import import ImportReport
from missing_episodes import bulk_intake, importers
from missing_episodes.importers import import_episodes_text
from missing_episodes.models import (
    Child,
    ChildMatchQuestion,
    MissingEpisode,
    PendingEpisodeLink,
    PossibleDuplicate,
)
from rhi.models import ClockPolicy, ReturnHomeInterview, RHIEpisode, StateTransition
from rhi.services import open_rhi_for_returned_episode
from sharing import secret_box
from sharing.models import Disclosure, OutboxEvent, WebhookDelivery, WebhookSubscription
from tests.factories_domain import (
    ChildFactory,
    LocalAuthorityFactory,
    MissingEpisodeFactory,
    PlacementFactory,
)
from tests.missing_episodes.intake import NotificationWorld
from tests.missing_episodes.test_import_episodes import ImportOrganisations, as_csv, orgs, row

pytestmark = pytest.mark.django_db
__all__ = ["orgs"]

NOW = datetime(2026, 6, 20, 12, 0, tzinfo=UTC)
# The known children: K0-K3 plain; K4 and K5 share a name and date of birth (a row without an id is a question
# for a person); K6 lives in another LA's area (out of area: a disclosure); K7 has an RHI before its interview.
KNOWN = 8
# Children nobody knows (K8, K9): the file's rows make them. Another LA has a child with K8's name and date of
# birth (a possible duplicate, which a person decides).
UNKNOWN = 2


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def known(orgs: ImportOrganisations) -> list[Child]:
    children = [
        ChildFactory.create(
            responsible_la=orgs.la,
            la_child_id=f"K{n}",
            first_name="Twin" if n in (4, 5) else f"Kim{chr(ord('a') + n)}",
            last_name="Known",
            date_of_birth=date(2011, 3, 1 + (0 if n in (4, 5) else n)),
        )
        for n in range(KNOWN)
    ]
    PlacementFactory.create(child=children[6], host_la=LocalAuthorityFactory.create(code="444"))
    ChildFactory.create(
        responsible_la=LocalAuthorityFactory.create(code="555"),
        la_child_id="ELSEWHERE",
        first_name="KIMI",
        last_name="known",
        date_of_birth=date(2011, 3, 1 + KNOWN),
    )
    earlier = MissingEpisodeFactory.create(
        child=children[7],
        responsible_la=orgs.la,
        missing_at=datetime(2026, 4, 1, 9, tzinfo=UTC),
        returned_at=datetime(2026, 4, 1, 12, tzinfo=UTC),
    )
    with transaction.atomic():
        open_rhi_for_returned_episode(episode=earlier)
    MissingEpisodeFactory.create(
        child=children[0],
        responsible_la=orgs.la,
        police_force=orgs.force,
        police_reference="WM-KNOWN-1",
        missing_at=datetime(2026, 5, 20, 9, tzinfo=UTC),
        returned_at=datetime(2026, 5, 20, 10, tzinfo=UTC),
    )
    return children


def known_row(
    child: int, reference: int, day: int, *, returned: bool, with_id: bool = True
) -> dict[str, str]:
    """A row about known child ``child`` (or, from KNOWN on, a child nobody knows)."""
    names = {
        "first_name": "Twin" if child in (4, 5) else f"Kim{chr(ord('a') + child)}",
        "last_name": "Known",
        "date_of_birth": f"2011-03-{1 + (0 if child in (4, 5) else child):02d}",
    }
    start = f"2026-05-{day:02d}T10:00"
    return row(
        police_reference=f"WM-KNOWN-{reference}",
        la_child_id=f"K{child}" if with_id else "",
        missing_at=start,
        returned_at=f"2026-05-{day:02d}T15:00" if returned else "",
        police_notified_at=f"2026-05-{day:02d}T15:30" if returned else "",
        **names,
    )


def _key(model: type[Model], pk: Any, keys: dict[tuple[str, str], Any]) -> Any:
    return keys.get((model._meta.label_lower, str(pk)), model._meta.label_lower)


def state() -> dict[str, list[Any]]:
    """The database's rows, with every id replaced by a key both paths give alike (ids differ: the sequences
    of a rolled-back run are not rolled back)."""
    child_key = {
        c.pk: (c.la_child_id, c.first_name, c.last_name, c.date_of_birth, c.gender, c.created_at)
        for c in Child.objects.all()
    }
    episodes = list(MissingEpisode.objects.order_by("pk"))
    episode_key = {e.pk: e.police_reference or f"#{e.missing_at}" for e in episodes}
    linked: dict[int, list[str]] = {}
    for link in RHIEpisode.objects.order_by("episode__missing_at"):
        linked.setdefault(link.rhi_id, []).append(episode_key[link.episode_id])
    rhi_key = {pk: tuple(refs) for pk, refs in linked.items()}
    keys: dict[tuple[str, str], Any] = {("missing_episodes.child", str(k)): v for k, v in child_key.items()}
    keys |= {("missing_episodes.missingepisode", str(k)): v for k, v in episode_key.items()}
    keys |= {("rhi.returnhomeinterview", str(k)): v for k, v in rhi_key.items()}

    def detail(value: dict[str, Any]) -> dict[str, Any]:
        return {
            name: episode_key.get(v, v) if name in ("episode", "bunched_episode") else v
            for name, v in value.items()
        }

    return {
        "children": sorted(child_key.values(), key=repr),
        "episodes": sorted(
            (
                (
                    episode_key[e.pk],
                    child_key[e.child_id],
                    e.responsible_la_id,
                    e.police_force_id,
                    e.source,
                    e.category,
                    e.category_in_returns,
                    e.risk_level,
                    e.missing_from,
                    e.missing_at,
                    e.reported_at,
                    e.returned_at,
                    e.return_method,
                    e.found_location,
                    e.police_notified_at,
                    e.placement_id,
                    e.host_la_id,
                    e.was_out_of_area,
                    e.created_at,
                    e.updated_at,
                )
                for e in episodes
            ),
            key=repr,
        ),
        "rhis": sorted(
            (
                (
                    rhi_key.get(r.pk),
                    child_key[r.child_id],
                    r.local_authority_id,
                    r.provider_id,
                    r.policy_id,
                    r.policy_snapshot,
                    r.state,
                    r.state_changed_at,
                    r.clock_started_at,
                    r.contact_due_at,
                    r.due_at,
                    r.due_soon_at,
                    r.version,
                    r.created_at,
                    r.updated_at,
                )
                for r in ReturnHomeInterview.objects.all()
            ),
            key=repr,
        ),
        "links": sorted(
            (
                (
                    episode_key[link.episode_id],
                    rhi_key[link.rhi_id],
                    link.counts_for_timeliness,
                    link.linked_at,
                )
                for link in RHIEpisode.objects.all()
            ),
            key=repr,
        ),
        "transitions": sorted(
            (
                (rhi_key.get(t.rhi_id), t.from_state, t.to_state, t.at, t.by_id, t.note)
                for t in StateTransition.objects.all()
            ),
            key=repr,
        ),
        "audit": sorted(
            (
                (
                    a.action,
                    a.object_type,
                    keys.get((a.object_type, a.object_id), "other"),
                    detail(a.detail),
                    a.actor_id,
                    a.at,
                )
                for a in AuditEvent.objects.all()
            ),
            key=repr,
        ),
        "outbox": sorted(
            (
                (
                    o.event_type,
                    o.object_type,
                    keys.get((o.object_type, str(o.object_id)), "other"),
                    episode_key.get(o.payload.get("episode_id")),
                    rhi_key.get(o.payload.get("rhi_id")),
                    o.payload.get("returned_at"),
                    o.created_at,
                )
                for o in OutboxEvent.objects.all()
            ),
            key=repr,
        ),
        "others": [
            WebhookDelivery.objects.count(),
            sorted(
                (
                    d.event,
                    episode_key.get(d.episode_id or 0),
                    child_key[d.child_id],
                    d.recipient_organisation_id,
                    d.level,
                    d.shared_at,
                    d.acknowledgement_due_at,
                    d.lawful_basis,
                    d.consent_state,
                )
                for d in Disclosure.objects.all()
            ),
            ChildMatchQuestion.objects.count(),
            PendingEpisodeLink.objects.count(),
            PossibleDuplicate.objects.count(),
        ],
    }


def outcome(text: str, *, bulk: bool) -> tuple[ImportReport, dict[str, list[Any]]]:
    with transaction.atomic():
        report = import_episodes_text(text, bulk=bulk)
        result = (report, state())
        transaction.set_rollback(True)
    return result


known_rows = st.builds(
    lambda child, reference, day, returned, with_id, bad: (
        known_row(child, reference, day, returned=returned, with_id=with_id)
        | ({"category": "lost"} if bad == 1 else {})
        | ({"returned_at": f"2026-05-{day:02d}T09:00"} if bad == 2 and returned else {})
    ),
    # Mostly the plain known children, sometimes the twins, the out-of-area child, the one with an RHI, or a
    # child nobody knows.
    child=st.integers(0, KNOWN + UNKNOWN - 1),
    reference=st.integers(1, 30),
    day=st.integers(1, 28),
    returned=st.booleans(),
    with_id=st.booleans(),
    bad=st.sampled_from([0, 0, 0, 0, 1, 2]),
)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# The cases the bulk path leaves to the per-row path, each followed by a later row of the same child.
@example(  # joins the RHI K7 already has; then K7's next episode
    rows=[
        known_row(7, 2, 3, returned=True),
        known_row(7, 3, 5, returned=True),
        known_row(1, 4, 5, returned=True),
    ],
    repeat_rule="bunch_from_latest",
    batch_size=500,
    listening="",
)
@example(  # a twin without an id (a question for a person), then a twin with one; an unknown child
    rows=[
        known_row(4, 2, 3, returned=True, with_id=False),
        known_row(5, 3, 5, returned=True),
        known_row(8, 4, 2, returned=True),
    ],
    repeat_rule="bunch_from_first",
    batch_size=500,
    listening="",
)
@example(  # out of area: the placing LA's notification, in bulk; and when someone listens for it
    rows=[
        known_row(6, 2, 3, returned=True),
        known_row(6, 3, 5, returned=True),
        known_row(6, 4, 7, returned=False),
    ],
    repeat_rule="bunch_from_latest",
    batch_size=500,
    listening="",
)
@example(
    rows=[known_row(6, 2, 3, returned=True), known_row(1, 3, 5, returned=True)],
    repeat_rule="separate",
    batch_size=500,
    listening="disclosure.made",
)
@example(  # out of area; a return someone listens for; an update; an overlap
    rows=[
        known_row(6, 2, 3, returned=True),
        known_row(6, 3, 5, returned=False),
        known_row(2, 4, 7, returned=True),
        known_row(0, 1, 20, returned=True),
        known_row(0, 5, 20, returned=True),
        known_row(0, 6, 21, returned=True),
    ],
    repeat_rule="bunch_from_latest",
    batch_size=3,
    listening="episode.returned",
)
@example(  # new children: by id twice, then without it (the second and third find the first's child)
    rows=[
        known_row(8, 2, 3, returned=True),
        known_row(8, 3, 5, returned=True),
        known_row(8, 4, 7, returned=True, with_id=False),
        known_row(9, 5, 7, returned=False, with_id=False),
        known_row(9, 6, 9, returned=True, with_id=False),
    ],
    repeat_rule="bunch_from_latest",
    batch_size=500,
    listening="",
)
@example(  # a new child without an id, then with one (a second child, a possible duplicate); across batches
    rows=[
        known_row(9, 2, 3, returned=True, with_id=False),
        known_row(9, 3, 5, returned=True),
        known_row(8, 4, 7, returned=True, with_id=False),
        known_row(8, 5, 7, returned=True, with_id=False),
        known_row(8, 6, 11, returned=True),
    ],
    repeat_rule="separate",
    batch_size=3,
    listening="",
)
@example(  # a new child's first row refused (returned before it went missing), then its later rows
    rows=[
        known_row(9, 2, 3, returned=True) | {"returned_at": "2026-05-03T09:00"},
        known_row(9, 3, 5, returned=True),
        known_row(9, 4, 7, returned=True, with_id=False),
    ],
    repeat_rule="bunch_from_first",
    batch_size=500,
    listening="episode.returned",
)
@given(
    rows=st.lists(known_rows, min_size=1, max_size=14),
    repeat_rule=st.sampled_from(["separate", "bunch_from_latest", "bunch_from_first"]),
    batch_size=st.sampled_from([3, 500]),
    listening=st.sampled_from(["", "", "episode.returned", "disclosure.made"]),
)
def test_property_the_bulk_path_leaves_the_database_as_the_per_row_path_does(
    orgs: ImportOrganisations,
    known: list[Child],
    monkeypatch: pytest.MonkeyPatch,
    rows: list[dict[str, str]],
    repeat_rule: str,
    batch_size: int,
    listening: str,
) -> None:
    monkeypatch.setattr(importers, "BATCH_SIZE", batch_size)
    with transaction.atomic():
        ClockPolicy.objects.filter(local_authority=orgs.la).update(repeat_rule=repeat_rule)
        if listening:
            WebhookSubscription.objects.create(
                organisation=orgs.la,
                url="https://la.example.invalid/hook",
                secret_ciphertext=secret_box.encrypt("s" * 40),
                event_types=[listening],
            )
        text = as_csv(*rows)
        per_row = outcome(text, bulk=False)
        bulk = outcome(text, bulk=True)
        transaction.set_rollback(True)
    assert bulk[0] == per_row[0]
    for table, expected in per_row[1].items():
        assert bulk[1][table] == expected, table


def many_rows(count: int) -> list[dict[str, str]]:
    """``count`` new episodes of the known plain children, each a day apart, every one returned but the last
    of one child; one in five without the LA child id (matched by name and date of birth)."""
    return [
        known_row(n % 4, 100 + n, 1 + n // 4, returned=n != count - 1, with_id=n % 5 != 4)
        for n in range(count)
    ]


def test_new_episodes_of_known_children_take_the_same_statements_for_8_rows_as_for_48(
    orgs: ImportOrganisations, known: list[Child]
) -> None:
    ClockPolicy.objects.filter(local_authority=orgs.la).update(repeat_rule="bunch_from_latest")
    counts = []
    for size in (8, 48):
        with transaction.atomic(), CaptureQueriesContext(connection) as queries:
            report = import_episodes_text(as_csv(*many_rows(size)))
            transaction.set_rollback(True)
        assert (report.created, report.errors) == (size, [])
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1] <= 25


def new_children_rows(count: int) -> list[dict[str, str]]:
    """``count`` rows about children nobody knows, two episodes each (the second row finds the child the first
    made); every other child without the LA child id (matched by name and date of birth)."""
    return [
        row(
            police_reference=f"WM-NEW-{n}",
            la_child_id="" if (n // 2) % 2 else f"N{n // 2}",
            first_name=f"New{n // 2}",
            last_name="Child",
            date_of_birth=f"2012-{1 + (n // 2) % 12:02d}-{1 + n // 24:02d}",
            missing_at=f"2026-05-{1 + n % 2:02d}T10:00",
            returned_at=f"2026-05-{1 + n % 2:02d}T15:00",
            police_notified_at=f"2026-05-{1 + n % 2:02d}T15:30",
        )
        for n in range(count)
    ]


def test_rows_of_children_nobody_knows_take_the_same_statements_for_8_rows_as_for_48(
    orgs: ImportOrganisations, known: list[Child]
) -> None:
    counts = []
    for size in (8, 48):
        with transaction.atomic(), CaptureQueriesContext(connection) as queries:
            report = import_episodes_text(as_csv(*new_children_rows(size)))
            made = Child.objects.filter(last_name="Child").count()
            transaction.set_rollback(True)
        assert (report.created, report.children_created, made, report.errors) == (
            size,
            size // 2,
            size // 2,
            [],
        )
        counts.append(len(queries.captured_queries) - 1)
    assert counts[0] == counts[1] <= 30


def test_the_bulk_path_writes_what_the_per_row_path_would_for_a_plain_file(
    orgs: ImportOrganisations, known: list[Child]
) -> None:
    ClockPolicy.objects.filter(local_authority=orgs.la).update(repeat_rule="bunch_from_first")
    text = as_csv(*many_rows(40))
    per_row, bulk = outcome(text, bulk=False), outcome(text, bulk=True)
    assert bulk == per_row
    assert bulk[0].created == 40 and bulk[1]["rhis"]


def test_a_process_that_dies_in_a_bulk_write_keeps_whole_batches_and_a_second_run_finishes_the_file(
    orgs: ImportOrganisations, known: list[Child], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importers, "BATCH_SIZE", 4)
    rows = many_rows(12)
    real = bulk_intake.record_events
    writes = []

    def dies_in_the_second_batch(events: Any) -> None:
        writes.append(1)
        if len(writes) == 2:
            raise MemoryError("the worker is killed")
        real(events)

    monkeypatch.setattr(bulk_intake, "record_events", dies_in_the_second_batch)
    with pytest.raises(MemoryError):
        import_episodes_text(as_csv(*rows))
    assert sorted(
        MissingEpisode.objects.filter(police_reference__startswith="WM-KNOWN-1").values_list(
            "police_reference", flat=True
        )
    ) == ["WM-KNOWN-1", "WM-KNOWN-100", "WM-KNOWN-101", "WM-KNOWN-102", "WM-KNOWN-103"]
    # The first batch's audit events with it, none of the second's.
    assert AuditEvent.objects.filter(object_type="missing_episodes.missingepisode").count() == 4

    monkeypatch.setattr(bulk_intake, "record_events", real)
    report = import_episodes_text(as_csv(*rows))
    assert (report.created, report.unchanged, report.errors) == (8, 4, [])
    assert MissingEpisode.objects.filter(police_reference__startswith="WM-KNOWN-1").count() == 13


def test_a_batch_the_database_refuses_is_recorded_row_by_row(
    orgs: ImportOrganisations, known: list[Child], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(*args: Any, **kwargs: Any) -> None:
        raise IntegrityError("a constraint only the database knows")

    monkeypatch.setattr(bulk_intake, "record_events", refused)
    text = as_csv(*many_rows(6))
    report = import_episodes_text(text)
    assert (report.created, report.errors) == (6, [])
    assert MissingEpisode.objects.filter(police_reference__startswith="WM-KNOWN-10").count() == 6


@pytest.mark.parametrize("who", ["worker", "stranger"])
def test_an_upload_by_a_provider_worker_or_a_stranger_is_saved_by_the_bulk_path_as_by_the_per_row_path(
    world: NotificationWorld, who: str
) -> None:
    # The commissioned provider's worker, and another provider's (whose notifications about the council's
    # children wait as pending links); the LA commissions a provider, so the new RHIs go to it.
    for n in range(4):
        ChildFactory.create(
            responsible_la=world.la,
            la_child_id=f"K{n}",
            first_name=f"Kim{chr(ord('a') + n)}",
            last_name="Known",
            date_of_birth=date(2011, 3, 1 + n),
        )
    # And a child nobody knows: made by the first row; the second is the uploader's own new child's.
    text = as_csv(*many_rows(12), known_row(8, 200, 27, returned=True), known_row(8, 201, 28, returned=True))
    by = world.worker if who == "worker" else world.stranger
    with transaction.atomic():
        per_row = import_episodes_text(text, by=by, bulk=False), state()
        transaction.set_rollback(True)
    with transaction.atomic():
        bulk = import_episodes_text(text, by=by), state()
        transaction.set_rollback(True)
    assert bulk == per_row
    assert (bulk[0].created, bulk[0].pending, bulk[0].children_created) == (
        (14, 0, 1) if who == "worker" else (1, 13, 1)
    )

"""import_rhi_outcomes: past outcomes matched to episodes by force + reference; good rows saved, bad rows
reported by line and column, re-import and dry run change nothing, nothing half-written, never a crash."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Organisation, Role
from audit.models import AuditEvent
from missing_episodes.models import MissingEpisode
from missing_episodes.services import parse_local_datetime
from rhi.importers import HEADER, import_rhi_outcomes_text
from rhi.models import (
    ClockPolicy,
    Interview,
    RecordSource,
    RepeatRule,
    ReturnHomeInterview,
    RHIState,
)
from rhi.services import allocate_rhi, record_decline, record_offer
from tests.factories import user_with_role
from tests.rhi.history_rows import (
    DOCS,
    at,
    episode_row,
    import_episodes,
    outcome_row,
    outcomes,
    returned,
    rhi_of,
    snapshot,
)

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------------------------------------
# Good rows
# ---------------------------------------------------------------------------------------------------------


def test_accepted_row_closes_the_rhi_as_imported_approved_with_its_interview_in_uk_time(
    la: Organisation,
) -> None:
    import_episodes(episode_row(1))
    report = import_rhi_outcomes_text(
        outcomes(outcome_row(1, interview_held_at="2025-01-05T12:00", interview_location=""))
    )
    assert (report.created, report.errors) == (1, [])
    rhi = rhi_of(1)
    assert (rhi.state, rhi.outcome, rhi.source) == (RHIState.APPROVED, "accepted", RecordSource.IMPORT)
    assert rhi.approved_by is None and rhi.submitted_by is None
    interview = Interview.objects.get(rhi=rhi)
    assert interview.held_at == datetime(2025, 1, 5, 12, 0, tzinfo=UTC)  # GMT in January
    assert interview.location_type == ""  # blank is "not known"
    assert interview.interviewer_independence == "independent_provider"
    transition = rhi.transitions.order_by("at", "pk").last()
    assert transition is not None
    assert (transition.from_state, transition.to_state, transition.note) == (
        RHIState.UNALLOCATED,
        RHIState.APPROVED,
        "Imported from history",
    )
    event = (
        AuditEvent.objects.filter(object_type="rhi.returnhomeinterview", object_id=str(rhi.pk))
        .order_by("pk")
        .last()
    )
    assert event is not None
    assert event.detail == {
        "step": "imported_history",
        "result": "created",
        "outcome": "accepted",
        "interview": True,
        "source": "import",
    }


def test_declined_by_a_parent_row_records_who_declined_and_why(la: Organisation) -> None:
    import_episodes(episode_row(1))
    report = import_rhi_outcomes_text(outcomes(outcome_row(1, "declined")))
    assert report.created == 1
    rhi = rhi_of(1)
    assert (rhi.state, rhi.declined_by, rhi.decline_reason) == (
        RHIState.DECLINED,
        "parent_carer",
        "parent_refused",
    )
    assert rhi.offered_at == parse_local_datetime(at(returned(1) + timedelta(hours=3)))
    assert not Interview.objects.filter(rhi=rhi).exists()


def test_an_episode_with_a_return_but_no_rhi_gets_one_opened_under_the_policy(la: Organisation) -> None:
    import_episodes(episode_row(1))
    rhi = rhi_of(1)
    link = rhi.episode_links.get()
    rhi.episode_links.all().delete()
    rhi.transitions.all().delete()
    rhi.delete()
    report = import_rhi_outcomes_text(outcomes(outcome_row(1, "unable_to_contact")))
    assert report.created == 1
    opened = ReturnHomeInterview.objects.get(episode_links__episode_id=link.episode_id)
    assert opened.state == RHIState.UNABLE_TO_CONTACT
    assert opened.policy_snapshot["complete_length"] == 72 and opened.due_at is not None


def test_the_documented_example_imports_cleanly_after_a_dry_run_and_twice_changes_nothing(
    la: Organisation, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("import_episodes", str(DOCS / "examples" / "rhi_outcomes_episodes.csv"))
    example = str(DOCS / "examples" / "rhi_outcomes.csv")
    call_command("import_rhi_outcomes", example, "--dry-run")
    assert not ReturnHomeInterview.objects.exclude(state=RHIState.UNALLOCATED).exists()
    call_command("import_rhi_outcomes", example, "--strict")
    call_command("import_rhi_outcomes", example, "--strict")
    lines = [line for line in capsys.readouterr().out.splitlines() if "created" in line]
    assert lines[-3:] == [
        "Dry run, nothing saved. Would be: 10 created, 0 updated, 0 unchanged, 0 rows with errors",
        "10 created, 0 updated, 0 unchanged, 0 rows with errors",
        "0 created, 0 updated, 10 unchanged, 0 rows with errors",
    ]
    parent = ReturnHomeInterview.objects.get(episodes__police_reference="WM-2024-0031002")
    assert (parent.declined_by, parent.decline_reason) == ("parent_carer", "parent_refused")
    assert Interview.objects.count() == 4


# ---------------------------------------------------------------------------------------------------------
# Bad rows, each rule
# ---------------------------------------------------------------------------------------------------------

BAD_ROWS = [
    ({"police_force": "E99999999"}, "police_force", "known police force"),
    ({"police_reference": "WM-NOPE"}, "police_reference", "No episode with this police force and reference"),
    ({"police_reference": ""}, "police_reference", "Enter the police reference"),
    ({"outcome": "lost"}, "outcome", "is not one of"),
    ({"outcome": ""}, "outcome", "Enter the outcome"),
    ({"offered_to": "grandparent"}, "offered_to", "is not one of"),
    ({"interviewer_independence": "friend"}, "interviewer_independence", "is not one of"),
    ({"offered_at": "last Tuesday"}, "offered_at", "ISO 8601"),
    ({"interview_held_at": ""}, "interview_held_at", "Enter when the interview was held"),
    ({"offered_at": "2025-01-02T08:00"}, "offered_at", "before the child returned"),
    ({"interview_held_at": "2025-01-02T08:00"}, "interview_held_at", "before the child returned"),
    ({"interview_held_at": "2099-01-01T10:00"}, "interview_held_at", "in the future"),
    ({"offered_at": "2025-01-09T16:00"}, "offered_at", "offer cannot be after the interview"),
    ({"decline_reason": "not_wanted"}, "decline_reason", "Leave this blank when the outcome is accepted"),
]


@pytest.mark.parametrize(("overrides", "column", "message"), BAD_ROWS)
def test_a_bad_accepted_row_is_reported_with_line_column_and_reason_and_the_good_row_kept(
    la: Organisation, overrides: Any, column: Any, message: Any
) -> None:
    import_episodes(episode_row(1), episode_row(2))
    report = import_rhi_outcomes_text(outcomes(outcome_row(1), outcome_row(2, **overrides)))
    assert report.created == 1
    assert [(e.line, e.column) for e in report.errors] == [(3, column)]
    assert message in report.errors[0].reason
    assert rhi_of(2).state == RHIState.UNALLOCATED


DECLINE_AND_NOT_OFFERED_RULES = [
    ("declined", {"declined_by": ""}, "declined_by", "who declined"),
    ("declined", {"decline_reason": ""}, "decline_reason", "why the interview was declined"),
    ("declined", {"decline_reason": "other"}, "decline_reason_text", "Say why"),
    ("declined", {"interview_held_at": "2025-01-06T10:00"}, "interview_held_at", "Leave this blank"),
    ("not_offered", {"not_offered_reason": ""}, "not_offered_reason", "Enter why"),
    ("not_offered", {"not_offered_reason": "other"}, "not_offered_text", "Say why"),
    ("not_offered", {"offered_at": "2025-01-06T10:00"}, "offered_at", "Leave this blank"),
    ("unable_to_contact", {"declined_by": "child"}, "declined_by", "Leave this blank"),
]


@pytest.mark.parametrize(("kind", "overrides", "column", "message"), DECLINE_AND_NOT_OFFERED_RULES)
def test_what_each_outcome_needs_and_excludes_is_checked(
    la: Organisation, kind: Any, overrides: Any, column: Any, message: Any
) -> None:
    import_episodes(episode_row(1))
    report = import_rhi_outcomes_text(outcomes(outcome_row(1, kind, **overrides)))
    assert [(e.line, e.column) for e in report.errors] == [(2, column)]
    assert message in report.errors[0].reason
    assert rhi_of(1).state == RHIState.UNALLOCATED


def test_an_episode_still_missing_has_no_rhi_and_its_row_is_refused(la: Organisation) -> None:
    import_episodes(episode_row(1) | {"returned_at": ""})
    report = import_rhi_outcomes_text(outcomes(outcome_row(1, "not_offered")))
    assert [(e.line, e.column) for e in report.errors] == [(2, "row")]
    assert "no return recorded" in report.errors[0].reason
    assert not ReturnHomeInterview.objects.exists()


def test_line_numbers_count_multi_line_cells_like_the_csv_reader(la: Organisation) -> None:
    import_episodes(episode_row(1), episode_row(2))
    text = outcomes(
        outcome_row(
            1, "declined", decline_reason="other", decline_reason_text='Said:\n"leave it"\nthen left'
        ),
        outcome_row(2, outcome="lost"),
    )
    report = import_rhi_outcomes_text(text)
    assert report.created == 1
    assert [(e.line, e.column) for e in report.errors] == [(5, "outcome")]
    assert rhi_of(1).decline_reason_text == 'Said:\n"leave it"\nthen left'


def test_a_wrong_header_is_reported_once_and_nothing_is_saved(la: Organisation) -> None:
    import_episodes(episode_row(1))
    report = import_rhi_outcomes_text("police_force,police_reference,outcome\nE23000014,WM-H-0001,declined\n")
    assert len(report.errors) == 1 and report.errors[0].line == 1
    assert rhi_of(1).state == RHIState.UNALLOCATED


def test_two_rows_giving_one_bunched_rhi_different_outcomes_refuse_the_second(la: Organisation) -> None:
    ClockPolicy.objects.filter(local_authority=la).update(repeat_rule=RepeatRule.BUNCH_FROM_LATEST)
    import_episodes(episode_row(1, child="C1"), episode_row(2, child="C1"))
    assert ReturnHomeInterview.objects.count() == 1
    text = outcomes(outcome_row(2, "declined"), outcome_row(1, "unable_to_contact"))
    first = import_rhi_outcomes_text(text)
    assert first.created == 1
    assert [(e.line, e.column) for e in first.errors] == [(3, "outcome")]
    assert "line 2" in first.errors[0].reason
    second = import_rhi_outcomes_text(text)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 1)


# ---------------------------------------------------------------------------------------------------------
# Re-import, corrections, live records, dry run, crashes
# ---------------------------------------------------------------------------------------------------------


def test_reimporting_the_same_file_changes_nothing(la: Organisation) -> None:
    import_episodes(episode_row(1), episode_row(2), episode_row(3))
    text = outcomes(outcome_row(1), outcome_row(2, "declined"), outcome_row(3, "not_offered"))
    first = import_rhi_outcomes_text(text)
    before = snapshot()
    second = import_rhi_outcomes_text(text)
    assert (first.created, second.created, second.updated, second.unchanged) == (3, 0, 0, 3)
    assert snapshot()[:3] == before[:3]


def test_a_uk_time_in_the_repeated_autumn_hour_reimports_unchanged(la: Organisation) -> None:
    import_episodes(episode_row(1) | {"missing_at": "2025-10-25T18:00", "returned_at": "2025-10-26T00:30"})
    row = outcome_row(1, "declined", offered_at="2025-10-26T01:30")  # 01:30 happens twice that night
    assert import_rhi_outcomes_text(outcomes(row)).created == 1
    again = import_rhi_outcomes_text(outcomes(row))
    assert (again.updated, again.unchanged) == (0, 1)
    assert rhi_of(1).offered_at == datetime(2025, 10, 26, 0, 30, tzinfo=UTC)  # the first, BST


def test_a_later_import_corrects_imported_history_and_removes_an_interview_no_longer_held(
    la: Organisation,
) -> None:
    import_episodes(episode_row(1))
    import_rhi_outcomes_text(outcomes(outcome_row(1)))
    report = import_rhi_outcomes_text(outcomes(outcome_row(1, "declined")))
    assert report.updated == 1
    rhi = rhi_of(1)
    assert (rhi.state, rhi.outcome) == (RHIState.DECLINED, "declined")
    assert not Interview.objects.filter(rhi=rhi).exists()
    last = rhi.transitions.order_by("at", "pk").last()
    assert last is not None and last.note == "Imported from history (corrected)"


def test_an_outcome_recorded_live_in_the_service_is_never_overwritten(la: Organisation) -> None:
    import_episodes(episode_row(1), episode_row(2))
    manager = user_with_role(Role.TEAM_MANAGER, organisation=la)
    worker = user_with_role(Role.RHI_WORKER, organisation=la)
    live = rhi_of(1)
    allocate_rhi(rhi_id=live.pk, worker=worker, by=manager)
    offered_at = parse_local_datetime(at(returned(1) + timedelta(hours=3)))
    assert offered_at is not None
    record_offer(rhi_id=live.pk, by=worker, offered_at=offered_at, offered_to="parent_carer", method="phone")
    record_decline(rhi_id=live.pk, by=worker, declined_by="parent_carer", reason="parent_refused")
    allocate_rhi(rhi_id=rhi_of(2).pk, worker=worker, by=manager)
    before = snapshot()

    report = import_rhi_outcomes_text(outcomes(outcome_row(1), outcome_row(2)))
    assert [(e.line, e.column) for e in report.errors] == [(2, "outcome"), (3, "outcome")]
    assert "already recorded in the service" in report.errors[0].reason
    assert "already being worked on in the service" in report.errors[1].reason
    assert snapshot() == before
    same = import_rhi_outcomes_text(outcomes(outcome_row(1, "declined")))
    assert (same.unchanged, same.errors) == (1, [])
    assert rhi_of(1).source == RecordSource.APP


def test_a_dry_run_changes_nothing_and_reports_what_the_real_run_then_does(la: Organisation) -> None:
    import_episodes(*(episode_row(n) for n in range(1, 6)))
    import_rhi_outcomes_text(outcomes(outcome_row(1), outcome_row(2, "declined")))
    text = outcomes(
        outcome_row(1),  # unchanged
        outcome_row(2, "unable_to_contact"),  # corrected
        outcome_row(3, "not_offered"),  # new
        outcome_row(4),  # new
        outcome_row(5, outcome="lost"),  # bad
    )
    before = snapshot()
    dry = import_rhi_outcomes_text(text, dry_run=True)
    assert snapshot() == before  # not even an audit event is kept
    real = import_rhi_outcomes_text(text)
    assert (dry.created, dry.updated, dry.unchanged, dry.errors) == (2, 1, 1, real.errors)
    assert (real.created, real.updated, real.unchanged) == (2, 1, 1)
    assert rhi_of(3).state == RHIState.NOT_OFFERED


def test_a_row_the_database_refuses_mid_file_is_reported_half_writes_nothing_and_the_rest_run(
    la: Organisation,
) -> None:
    import_episodes(episode_row(1), episode_row(2), episode_row(3))
    # Crafted: an interview row already hanging off episode 2's unworked RHI. Saving the imported interview
    # violates the one-interview-per-RHI constraint in the middle of that row's writes.
    crafted = rhi_of(2)
    version = crafted.version
    held_at = parse_local_datetime(at(returned(2) + timedelta(hours=5)))
    assert held_at is not None
    Interview.objects.create(
        rhi=crafted,
        held_at=held_at,
        location_type="home",
        interviewer_name="Someone",
        interviewer_independence="police",
        child_choice_of_interviewer="yes",
    )
    report = import_rhi_outcomes_text(outcomes(outcome_row(1), outcome_row(2), outcome_row(3)))
    assert [(e.line, e.column) for e in report.errors] == [(3, "row")]
    assert "could not be saved" in report.errors[0].reason
    assert rhi_of(1).state == RHIState.APPROVED
    crafted.refresh_from_db()
    assert (crafted.state, crafted.outcome, crafted.source, crafted.version) == (
        RHIState.UNALLOCATED,
        "",
        RecordSource.APP,
        version,
    )
    assert list(crafted.transitions.values_list("note", flat=True)) == [""]
    assert rhi_of(3).state == RHIState.APPROVED  # the rows after it still ran


text_cells = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=30)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kind=st.sampled_from(["accepted", "declined", "not_offered", "unable_to_contact"]),
    cells=st.fixed_dictionaries({name: st.one_of(st.just(""), text_cells) for name in HEADER}),
    keep=st.sets(st.sampled_from(HEADER)),
)
def test_property_any_row_is_either_saved_whole_or_reported_never_a_crash(
    la: Organisation, kind: Any, cells: Any, keep: Any
) -> None:
    if not MissingEpisode.objects.exists():
        import_episodes(episode_row(1))
    mixed = outcome_row(1, kind) | {k: v for k, v in cells.items() if k not in keep}
    before = snapshot()
    report = import_rhi_outcomes_text(outcomes(mixed))
    if report.errors:
        assert all(e.line == 2 and e.reason for e in report.errors)
        assert snapshot()[:3] == before[:3]
    elif all(not value.strip() for value in mixed.values()):
        assert report.rows_ok == 0
    else:
        assert report.rows_ok == 1
        rhi = rhi_of(1)
        assert rhi.state in (
            RHIState.APPROVED,
            RHIState.DECLINED,
            RHIState.NOT_OFFERED,
            RHIState.UNABLE_TO_CONTACT,
        )
        assert Interview.objects.filter(rhi=rhi).exists() == (rhi.outcome == "accepted")

"""import_rhi_outcomes: past outcomes matched to episodes by force + reference; good rows saved, bad rows
reported by line and column, re-import and dry run change nothing, nothing half-written, never a crash; the
web upload; and a demo history that imports cleanly and shows up in the returns."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Commission, Role
from audit.models import AuditEvent, AuditOutcome
from missing_episodes.importers import import_episodes_text
from missing_episodes.models import Child, LegalStatus, MissingEpisode
from missing_episodes.services import parse_local_datetime
from reporting.annex_a import list8_rows
from reporting.performance import performance_figures
from rhi.importers import HEADER, import_rhi_outcomes_text
from rhi.models import (
    ClockPolicy,
    Interview,
    RecordSource,
    RepeatRule,
    ReturnHomeInterview,
    RHIState,
    StateTransition,
)
from rhi.services import allocate_rhi, record_decline, record_offer
from tests.factories import user_with_role
from tests.factories_domain import LocalAuthorityFactory, PoliceForceFactory, ProviderFactory

pytestmark = pytest.mark.django_db
DOCS = Path(__file__).resolve().parents[2] / "docs"
FORCE = "E23000014"


@pytest.fixture
def la():
    la = LocalAuthorityFactory(code="333", name="Sandwell")
    ClockPolicy.objects.create(local_authority=la, effective_from=date(2020, 1, 1))
    PoliceForceFactory(code=FORCE, name="West Midlands Police")
    return la


def episode_row(n: int, *, child: str | None = None, day: int | None = None) -> dict[str, str]:
    """Episode n of the import_episodes format: returned at 09:00 the day after it started (2025)."""
    start = datetime(2025, 1, 1, 18, 0) + timedelta(days=3 * (day if day is not None else n))
    return {
        "police_force": FORCE,
        "police_reference": f"WM-H-{n:04d}",
        "responsible_la": "333",
        "la_child_id": child or f"C{n:04d}",
        "first_name": "Jordan",
        "last_name": f"Taylor{child or n}",
        "date_of_birth": "2011-05-17",
        "gender": "male",
        "category": "missing",
        "risk_level": "medium",
        "missing_from": "home",
        "missing_at": start.isoformat(timespec="minutes"),
        "reported_at": "",
        "returned_at": (start + timedelta(hours=15)).isoformat(timespec="minutes"),
        "police_notified_at": "",
        "found_location": "",
    }


def import_episodes(*rows: dict[str, str]) -> None:
    from missing_episodes.importers import HEADER as EPISODE_HEADER

    report = import_episodes_text(as_csv(EPISODE_HEADER, *rows))
    assert report.errors == [], report.errors


def returned(n: int) -> datetime:
    return datetime(2025, 1, 1, 18, 0) + timedelta(days=3 * n, hours=15)


def at(moment: datetime) -> str:
    return moment.isoformat(timespec="minutes")


def outcome_row(n: int, kind: str = "accepted", **overrides: str) -> dict[str, str]:
    row = dict.fromkeys(HEADER, "") | {"police_force": FORCE, "police_reference": f"WM-H-{n:04d}"}
    back = returned(n)
    if kind == "accepted":
        row |= {
            "offered_at": at(back + timedelta(hours=3)),
            "offered_to": "child",
            "offer_method": "phone",
            "outcome": "accepted",
            "interview_held_at": at(back + timedelta(hours=30)),
            "interview_location": "home",
            "interviewer_independence": "independent_provider",
            "child_choice_of_interviewer": "yes",
        }
    elif kind == "declined":
        row |= {
            "offered_at": at(back + timedelta(hours=3)),
            "offered_to": "parent_carer",
            "offer_method": "phone",
            "outcome": "declined",
            "declined_by": "parent_carer",
            "decline_reason": "parent_refused",
        }
    elif kind == "not_offered":
        row |= {"outcome": "not_offered", "not_offered_reason": "in_custody"}
    else:
        row |= {"outcome": kind}
    return row | overrides


def as_csv(header: list[str], *rows: dict[str, str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def outcomes(*rows: dict[str, str]) -> str:
    return as_csv(HEADER, *rows)


def rhi_of(n: int) -> ReturnHomeInterview:
    return ReturnHomeInterview.objects.get(episodes__police_reference=f"WM-H-{n:04d}")


def snapshot() -> tuple[object, ...]:
    """Everything an import could change, to compare before and after."""
    return (
        sorted(
            ReturnHomeInterview.objects.values_list(
                "pk", "state", "outcome", "offered_at", "declined_by", "decline_reason", "source", "version"
            )
        ),
        sorted(Interview.objects.values_list("rhi_id", "held_at", "interviewer_independence")),
        StateTransition.objects.count(),
        AuditEvent.objects.count(),
    )


# ---------------------------------------------------------------------------------------------------------
# Good rows
# ---------------------------------------------------------------------------------------------------------


def test_accepted_row_closes_the_rhi_as_imported_approved_with_its_interview_in_uk_time(la):
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
    assert event.detail == {
        "step": "imported_history",
        "result": "created",
        "outcome": "accepted",
        "interview": True,
        "source": "import",
    }


def test_declined_by_a_parent_row_records_who_declined_and_why(la):
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


def test_an_episode_with_a_return_but_no_rhi_gets_one_opened_under_the_policy(la):
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


def test_the_documented_example_imports_cleanly_after_a_dry_run_and_twice_changes_nothing(la, capsys):
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
    la, overrides, column, message
):
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
def test_what_each_outcome_needs_and_excludes_is_checked(la, kind, overrides, column, message):
    import_episodes(episode_row(1))
    report = import_rhi_outcomes_text(outcomes(outcome_row(1, kind, **overrides)))
    assert [(e.line, e.column) for e in report.errors] == [(2, column)]
    assert message in report.errors[0].reason
    assert rhi_of(1).state == RHIState.UNALLOCATED


def test_an_episode_still_missing_has_no_rhi_and_its_row_is_refused(la):
    import_episodes(episode_row(1) | {"returned_at": ""})
    report = import_rhi_outcomes_text(outcomes(outcome_row(1, "not_offered")))
    assert [(e.line, e.column) for e in report.errors] == [(2, "row")]
    assert "no return recorded" in report.errors[0].reason
    assert not ReturnHomeInterview.objects.exists()


def test_line_numbers_count_multi_line_cells_like_the_csv_reader(la):
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


def test_a_wrong_header_is_reported_once_and_nothing_is_saved(la):
    import_episodes(episode_row(1))
    report = import_rhi_outcomes_text("police_force,police_reference,outcome\nE23000014,WM-H-0001,declined\n")
    assert len(report.errors) == 1 and report.errors[0].line == 1
    assert rhi_of(1).state == RHIState.UNALLOCATED


def test_two_rows_giving_one_bunched_rhi_different_outcomes_refuse_the_second(la):
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


def test_reimporting_the_same_file_changes_nothing(la):
    import_episodes(episode_row(1), episode_row(2), episode_row(3))
    text = outcomes(outcome_row(1), outcome_row(2, "declined"), outcome_row(3, "not_offered"))
    first = import_rhi_outcomes_text(text)
    before = snapshot()
    second = import_rhi_outcomes_text(text)
    assert (first.created, second.created, second.updated, second.unchanged) == (3, 0, 0, 3)
    assert snapshot()[:3] == before[:3]


def test_a_uk_time_in_the_repeated_autumn_hour_reimports_unchanged(la):
    import_episodes(episode_row(1) | {"missing_at": "2025-10-25T18:00", "returned_at": "2025-10-26T00:30"})
    row = outcome_row(1, "declined", offered_at="2025-10-26T01:30")  # 01:30 happens twice that night
    assert import_rhi_outcomes_text(outcomes(row)).created == 1
    again = import_rhi_outcomes_text(outcomes(row))
    assert (again.updated, again.unchanged) == (0, 1)
    assert rhi_of(1).offered_at == datetime(2025, 10, 26, 0, 30, tzinfo=UTC)  # the first, BST


def test_a_later_import_corrects_imported_history_and_removes_an_interview_no_longer_held(la):
    import_episodes(episode_row(1))
    import_rhi_outcomes_text(outcomes(outcome_row(1)))
    report = import_rhi_outcomes_text(outcomes(outcome_row(1, "declined")))
    assert report.updated == 1
    rhi = rhi_of(1)
    assert (rhi.state, rhi.outcome) == (RHIState.DECLINED, "declined")
    assert not Interview.objects.filter(rhi=rhi).exists()
    assert rhi.transitions.order_by("at", "pk").last().note == "Imported from history (corrected)"


def test_an_outcome_recorded_live_in_the_service_is_never_overwritten(la):
    import_episodes(episode_row(1), episode_row(2))
    manager = user_with_role(Role.TEAM_MANAGER, organisation=la)
    worker = user_with_role(Role.RHI_WORKER, organisation=la)
    live = rhi_of(1)
    allocate_rhi(rhi_id=live.pk, worker=worker, by=manager)
    offered_at = parse_local_datetime(at(returned(1) + timedelta(hours=3)))
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


def test_a_dry_run_changes_nothing_and_reports_what_the_real_run_then_does(la):
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


def test_a_row_the_database_refuses_mid_file_is_reported_half_writes_nothing_and_the_rest_run(la):
    import_episodes(episode_row(1), episode_row(2), episode_row(3))
    # Crafted: an interview row already hanging off episode 2's unworked RHI. Saving the imported interview
    # violates the one-interview-per-RHI constraint in the middle of that row's writes.
    crafted = rhi_of(2)
    version = crafted.version
    Interview.objects.create(
        rhi=crafted,
        held_at=parse_local_datetime(at(returned(2) + timedelta(hours=5))),
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


text_cells = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kind=st.sampled_from(["accepted", "declined", "not_offered", "unable_to_contact"]),
    cells=st.fixed_dictionaries({name: st.one_of(st.just(""), text_cells) for name in HEADER}),
    keep=st.sets(st.sampled_from(HEADER)),
)
def test_property_any_row_is_either_saved_whole_or_reported_never_a_crash(la, kind, cells, keep):
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


# ---------------------------------------------------------------------------------------------------------
# The web upload
# ---------------------------------------------------------------------------------------------------------


def upload(client, text: str, *, dry_run: bool):
    """Upload on the web page; the job it starts runs (Celery eager, once the request commits) and the
    job's page is returned. A refused upload returns the form page."""
    import rhi.tasks  # noqa: F401 - registers the import task here, so Celery's eager mode runs it
    from config.celery import app

    data: dict[str, object] = {
        "file": SimpleUploadedFile("history.csv", text.encode(), content_type="text/csv"),
        "encoding": "utf-8",
    }
    if dry_run:
        data["dry_run"] = "on"
    app.conf.task_always_eager = True
    try:
        with TestCase.captureOnCommitCallbacks(execute=True):
            response = client.post(reverse("rhi:import_history"), data)
    finally:
        app.conf.task_always_eager = False
    if response.status_code != 302:
        return response
    return client.get(response["Location"])


def test_team_manager_checks_with_a_dry_run_then_imports(client, la):
    provider = ProviderFactory(name="Safe Return Partnership")
    Commission.objects.create(local_authority=la, provider=provider, starts_on=date(2020, 1, 1))
    other_la = LocalAuthorityFactory(code="334", name="Walsall")
    import_episodes(episode_row(1), episode_row(2), episode_row(3) | {"responsible_la": "334"})
    assert MissingEpisode.objects.filter(responsible_la=other_la).count() == 1
    manager = user_with_role(Role.TEAM_MANAGER, organisation=provider)
    client.force_login(manager)
    page = client.get(reverse("rhi:import_history"))
    assert page.status_code == 200 and page.context["form"]["dry_run"].value() is True
    text = outcomes(outcome_row(1), outcome_row(2, "declined"), outcome_row(3))

    checked = upload(client, text, dry_run=True)
    assert checked.status_code == 200
    assert "nothing was saved" in checked.content.decode()
    job = checked.context["job"]
    assert (job.created, job.bad_rows, job.dry_run) == (2, 1, True)
    assert [(e.line, e.column) for e in checked.context["problems"]] == [(4, "police_reference")]
    assert "local authorities you import history for" in checked.context["problems"][0].reason
    assert not ReturnHomeInterview.objects.exclude(state=RHIState.UNALLOCATED).exists()

    saved = upload(client, text, dry_run=False)
    assert saved.context["job"].created == 2
    assert "RHI history imported" in saved.content.decode()
    assert rhi_of(2).state == RHIState.DECLINED
    assert rhi_of(3).state == RHIState.UNALLOCATED
    events = list(
        AuditEvent.objects.filter(object_type="rhi.history_import", detail__state="done").order_by("pk")
    )
    assert [(e.detail["dry_run"], e.detail["created"], e.detail["bad_rows"]) for e in events] == [
        (True, 2, 1),
        (False, 2, 1),
    ]


def test_performance_lead_of_the_la_may_import_its_history(client, la):
    import_episodes(episode_row(1))
    client.force_login(user_with_role(Role.PERFORMANCE_LEAD, organisation=la))
    response = upload(client, outcomes(outcome_row(1, "not_offered")), dry_run=False)
    assert response.context["job"].created == 1


def test_a_worker_of_another_provider_gets_404_and_the_denial_is_audited(client, la):
    import_episodes(episode_row(1))
    other = ProviderFactory(name="Another Charity")
    Commission.objects.create(local_authority=la, provider=other, starts_on=date(2020, 1, 1))
    worker = user_with_role(Role.RHI_WORKER, organisation=ProviderFactory(name="Third Charity"))
    client.force_login(worker)
    assert client.get(reverse("rhi:import_history")).status_code == 404
    assert upload(client, outcomes(outcome_row(1)), dry_run=False).status_code == 404
    assert rhi_of(1).state == RHIState.UNALLOCATED
    assert (
        AuditEvent.objects.filter(
            object_type="rhi.history_import", outcome=AuditOutcome.DENIED, actor=worker
        ).count()
        == 2
    )


def test_an_upload_that_is_not_csv_is_refused_in_the_error_summary(client, la):
    client.force_login(user_with_role(Role.PERFORMANCE_LEAD, organisation=la))
    response = client.post(
        reverse("rhi:import_history"),
        {"file": SimpleUploadedFile("history.xlsx", b"PK\x03\x04", content_type="application/octet-stream")},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in html and "must be a CSV file" in html


# ---------------------------------------------------------------------------------------------------------
# The demo: a year of history imports cleanly and shows up in the returns
# ---------------------------------------------------------------------------------------------------------


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def test_demo_history_imports_cleanly_and_is_counted_in_the_returns(tmp_path, capsys):
    la = LocalAuthorityFactory(code="330", name="Birmingham")
    ClockPolicy.objects.create(local_authority=la, effective_from=date(2020, 1, 1))
    PoliceForceFactory(code=FORCE, name="West Midlands Police")
    args = ["--la", "330", "--years", "1", "--per-year", "60", "--seed", "7", "--until", "2026-03-31"]
    call_command("make_demo_history", *args, "--out", str(tmp_path / "a"))
    call_command("make_demo_history", *args, "--out", str(tmp_path / "b"))
    for name in ("episodes.csv", "rhi_outcomes.csv"):  # deterministic for a seed
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    episodes = read_csv(tmp_path / "a" / "episodes.csv")
    rows = read_csv(tmp_path / "a" / "rhi_outcomes.csv")
    assert 40 <= len(episodes) == len(rows) <= 60

    call_command("import_episodes", str(tmp_path / "a" / "episodes.csv"))
    call_command("import_rhi_outcomes", str(tmp_path / "a" / "rhi_outcomes.csv"), "--strict")
    out = [line for line in capsys.readouterr().out.splitlines() if "created" in line]
    assert out[-2].endswith("0 rows with errors") and out[-1] == (
        f"{len(rows)} created, 0 updated, 0 unchanged, 0 rows with errors"
    )

    result = performance_figures(local_authority=la, date_from=date(2025, 4, 1), date_to=date(2026, 3, 31))
    returned_at = {e["police_reference"]: parse_local_datetime(e["returned_at"]) for e in episodes}
    by_outcome = {kind: [r for r in rows if r["outcome"] == kind] for kind in ("accepted", "declined")}
    assert result.incidents == len(episodes)
    assert result.counts["offered"] == sum(1 for r in rows if r["offered_at"])
    assert result.counts["accepted"] == result.counts["carried_out"] == len(by_outcome["accepted"])
    assert result.counts["declined"] == len(by_outcome["declined"])
    assert result.counts["declined_by_parent"] == sum(
        1 for r in by_outcome["declined"] if r["declined_by"] == "parent_carer"
    )
    for code, _label, by_child, by_parent in result.declines:
        declined = [r for r in by_outcome["declined"] if r["decline_reason"] == code]
        assert (by_child, by_parent) == (
            sum(1 for r in declined if r["declined_by"] == "child"),
            sum(1 for r in declined if r["declined_by"] == "parent_carer"),
        )
    in_time = sum(
        1
        for r in by_outcome["accepted"]
        if parse_local_datetime(r["interview_held_at"]) - returned_at[r["police_reference"]]
        <= timedelta(hours=72)
    )
    assert 0 < in_time < len(by_outcome["accepted"])
    assert result.counts["own__in_time"] == in_time
    assert result.counts["own__late"] == len(by_outcome["accepted"]) - in_time
    assert sum(count for _code, _label, count in result.independence) == len(by_outcome["accepted"])

    # Annex A list 8: the children looked after; the outcome of each child's last missing episode.
    Child.objects.filter(responsible_la=la).update(legal_status=LegalStatus.LOOKED_AFTER)
    outcome_of = {r["police_reference"]: r for r in rows}
    last: dict[str, dict[str, str]] = {}
    for episode in episodes:  # in order of going missing
        if episode["category"] == "missing":
            last[episode["la_child_id"]] = outcome_of[episode["police_reference"]]
    expected = {
        child: (
            "Y" if row["offered_at"] or row["outcome"] in ("accepted", "declined") else "N",
            "Y" if row["outcome"] == "accepted" else "N",
        )
        for child, row in last.items()
    }
    list8 = {
        row[0]: (row[11], row[12]) for row in list8_rows(local_authority_id=la.pk, as_at=date(2026, 3, 31))
    }
    assert {child: list8[child] for child in expected} == expected
    assert {"Y"} <= {accepted for _offered, accepted in expected.values()}


def test_one_latin1_byte_in_a_history_file_is_a_bad_row_and_windows_1252_imports_it_whole(
    la, tmp_path, capsys
):
    import_episodes(*(episode_row(n) for n in range(1, 6)))
    text = outcomes(
        *(
            outcome_row(n, "declined", decline_reason_text="Père a dit non" if n == 3 else "")
            for n in range(1, 6)
        )
    )
    path = tmp_path / "history.csv"
    path.write_bytes(text.encode("latin-1"))
    call_command("import_rhi_outcomes", str(path), "--dry-run")
    out = capsys.readouterr().out
    assert "line 4, column row: This row has characters that are not valid UTF-8" in out
    assert "Would be: 4 created, 0 updated, 0 unchanged, 1 rows with errors" in out
    call_command("import_rhi_outcomes", str(path), "--encoding", "windows-1252")
    assert "5 created, 0 updated, 0 unchanged, 0 rows with errors" in capsys.readouterr().out
    assert ReturnHomeInterview.objects.filter(decline_reason_text="Père a dit non").count() == 1

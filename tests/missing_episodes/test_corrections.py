"""Correcting an episode's times and a child's date of birth (issue 14 item 4): who may, the reason, the audit
event with old and new values, the RHI's deadlines recalculated through the one service with a note when the
due time moved, and an approved report that keeps what it said and shows the later correction."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from accounts.models import Commission
from audit.models import AuditEvent, AuditOutcome
from core.exceptions import ActionNotAllowed
from missing_episodes.corrections import StaleRecordError, correct_date_of_birth, correct_episode_time
from missing_episodes.models import Child, EpisodeSource, FactCorrection, MissingEpisode
from missing_episodes.services import ChildDetails, EpisodeResult, ImplausibleAge, record_notification
from rhi import reports
from rhi.clock import ClockRules, compute_deadlines
from rhi.models import ReportKind, ReturnHomeInterview, StateTransition
from tests.casework import build_case
from tests.dates import boxes
from tests.missing_episodes.intake import NOW, NotificationWorld

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("intake_clock")]

MISSING = datetime(2026, 6, 8, 17, 0, tzinfo=UTC)
RETURNED = datetime(2026, 6, 9, 8, 30, tzinfo=UTC)
LATER_RETURN = datetime(2026, 6, 9, 15, 0, tzinfo=UTC)


def returned_episode(world: NotificationWorld, **fields: Any) -> MissingEpisode:
    result = record_notification(
        details=ChildDetails(
            responsible_la=world.la,
            la_child_id="C1001",
            first_name="Jordan",
            last_name="Taylor",
            date_of_birth=date(2011, 5, 17),
        ),
        police_force=world.force,
        police_reference="WM-2026-0000001",
        fields={"category": "missing", "missing_from": "home", "missing_at": MISSING, "returned_at": RETURNED}
        | fields,
        source=EpisodeSource.MANUAL,
        by=world.worker,
    )
    assert isinstance(result, EpisodeResult)
    return result.episode


def correct_return(episode: MissingEpisode, by: Any, value: datetime | None = LATER_RETURN, **kw: Any) -> Any:
    episode.refresh_from_db()
    return correct_episode_time(
        episode_id=episode.pk,
        field="returned_at",
        value=value,
        reason=kw.pop("reason", "typed_wrongly"),
        explanation=kw.pop("explanation", "The police log says 16:00."),
        expected_updated_at=kw.pop("stamp", episode.updated_at.isoformat()),
        by=by,
        **kw,
    )


def test_worker_corrects_a_return_time_and_the_due_time_moves_with_a_note_and_an_audited_old_and_new(
    world: NotificationWorld,
) -> None:
    episode = returned_episode(world)
    rhi = ReturnHomeInterview.objects.get(child=episode.child)
    rules = ClockRules.from_snapshot(rhi.policy_snapshot)
    assert rhi.due_at == compute_deadlines(rules, returned_at=RETURNED, police_notified_at=None).due

    result = correct_return(episode, world.worker)

    rhi.refresh_from_db()
    expected = compute_deadlines(rules, returned_at=LATER_RETURN, police_notified_at=None).due
    assert rhi.due_at == expected and result.due_moved.new_due == expected
    episode.refresh_from_db()
    assert episode.returned_at == LATER_RETURN
    correction = FactCorrection.objects.get()
    assert (correction.field, correction.old_value, correction.new_value) == (
        "returned_at",
        "2026-06-09T08:30:00+00:00",
        "2026-06-09T15:00:00+00:00",
    )
    event = AuditEvent.objects.get(object_type="missing_episodes.missingepisode", detail__step="corrected")
    assert event.actor == world.worker and event.outcome == AuditOutcome.ALLOWED
    assert event.detail == {
        "step": "corrected",
        "field": "returned_at",
        "old": "2026-06-09T08:30:00+00:00",
        "new": "2026-06-09T15:00:00+00:00",
        "reason": "typed_wrongly",
        "correction": correction.pk,
    }
    assert "police log" not in str(event.detail)  # the explanation may name people: never audited
    note = StateTransition.objects.get(rhi=rhi, note__startswith="Due time moved")
    assert note.by == world.worker and "'returned or found at' was corrected" in note.note
    assert AuditEvent.objects.filter(
        object_type="rhi.returnhomeinterview", detail__step="due_moved_by_correction"
    ).exists()


def test_a_correction_that_does_not_move_the_due_time_leaves_no_note(world: NotificationWorld) -> None:
    episode = returned_episode(world)
    correct_episode_time(
        episode_id=episode.pk,
        field="missing_at",
        value=MISSING - timedelta(hours=2),
        reason="police_corrected",
        explanation="Force sent the right time.",
        expected_updated_at=episode.updated_at.isoformat(),
        by=world.worker,
    )
    assert FactCorrection.objects.count() == 1
    assert not StateTransition.objects.filter(note__startswith="Due time moved").exists()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (MISSING - timedelta(hours=1), "The return time must be after the time the child went missing."),
        (datetime(2026, 6, 11, 9, 0, tzinfo=UTC), "The return time cannot be in the future."),
        (RETURNED, "This is the return time already recorded: enter the corrected one."),
        (None, "Enter the corrected return time."),
    ],
)
def test_an_implausible_corrected_return_time_is_refused_naming_the_field_and_nothing_changes(
    world: NotificationWorld, value: datetime | None, message: str
) -> None:
    episode = returned_episode(world)
    with pytest.raises(ValidationError) as refused:
        correct_return(episode, world.worker, value=value)
    assert refused.value.message_dict == {"returned_at": [message]}
    episode.refresh_from_db()
    assert episode.returned_at == RETURNED and not FactCorrection.objects.exists()


def test_a_correction_needs_a_reason_and_an_explanation(world: NotificationWorld) -> None:
    episode = returned_episode(world)
    with pytest.raises(ValidationError) as refused:
        correct_return(episode, world.worker, reason="", explanation="  ")
    assert set(refused.value.message_dict) == {"reason", "explanation"}


def test_a_provider_not_commissioned_by_the_childs_council_may_not_correct(world: NotificationWorld) -> None:
    episode = returned_episode(world)
    with pytest.raises(ActionNotAllowed):
        correct_return(episode, world.stranger)
    assert not FactCorrection.objects.exists()


def test_a_correction_made_on_a_stale_page_is_refused(world: NotificationWorld) -> None:
    episode = returned_episode(world)
    stale = episode.updated_at.isoformat()
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        correct_return(episode, world.worker)
    with pytest.raises(StaleRecordError):
        correct_return(episode, world.worker, value=LATER_RETURN + timedelta(hours=1), stamp=stale)


def test_a_date_of_birth_on_or_after_the_first_missing_day_is_refused(world: NotificationWorld) -> None:
    episode = returned_episode(world)
    child = episode.child
    with pytest.raises(ValidationError) as refused:
        correct_date_of_birth(
            child_id=child.pk,
            value=date(2026, 6, 8),
            reason="typed_wrongly",
            explanation="Birth certificate.",
            expected_updated_at=child.updated_at.isoformat(),
            by=world.worker,
        )
    assert refused.value.message_dict == {
        "date_of_birth": [
            "The date of birth must be before the day the child first went missing (08/06/2026)."
        ]
    }


def test_a_date_of_birth_making_the_child_over_25_is_asked_about_then_saved_and_audited(
    world: NotificationWorld,
) -> None:
    child = returned_episode(world).child
    kwargs: dict[str, Any] = {
        "child_id": child.pk,
        "value": date(1990, 5, 17),
        "reason": "later_information",
        "explanation": "Birth certificate seen.",
        "expected_updated_at": child.updated_at.isoformat(),
        "by": world.worker,
    }
    with pytest.raises(ImplausibleAge):
        correct_date_of_birth(**kwargs)
    correct_date_of_birth(**kwargs, confirm_age=True)
    assert Child.objects.get().date_of_birth == date(1990, 5, 17)
    event = AuditEvent.objects.get(object_type="missing_episodes.child", detail__step="corrected")
    assert (event.detail["old"], event.detail["new"]) == ("2011-05-17", "1990-05-17")


def test_the_episode_page_offers_the_corrections_and_the_form_saves_one(
    client: Client, world: NotificationWorld
) -> None:
    episode = returned_episode(world)
    client.force_login(world.worker)
    page = client.get(reverse("missing_episodes:episode_detail", args=[episode.pk])).content.decode()
    url = reverse("missing_episodes:episode_correct", args=[episode.pk, "returned_at"])
    assert url in page
    form = client.get(url)
    assert form.status_code == 200
    missing_reason = client.post(
        url, {**boxes("value", "2026-06-09T16:00"), "stamp": episode.updated_at.isoformat()}
    )
    assert missing_reason.status_code == 200
    assert "Choose why this is being corrected." in missing_reason.content.decode()
    saved = client.post(
        url,
        {
            **boxes("value", "2026-06-09T16:00"),
            "reason": "typed_wrongly",
            "explanation": "Police log.",
            "stamp": episode.updated_at.isoformat(),
        },
        follow=True,
    )
    assert "The return time is corrected." in saved.content.decode()
    assert "<strong>Returned or found at</strong>: 09/06/2026 09:30 corrected to 09/06/2026 16:00" in (
        saved.content.decode()
    )
    episode.refresh_from_db()
    assert episode.returned_at == LATER_RETURN


def test_someone_who_may_not_correct_sees_no_link_and_gets_404_for_a_child_they_cannot_see(
    client: Client, world: NotificationWorld
) -> None:
    episode = returned_episode(world)
    client.force_login(world.stranger)
    url = reverse("missing_episodes:episode_correct", args=[episode.pk, "returned_at"])
    assert client.get(url).status_code == 404
    assert client.post(url, {**boxes("value", "2026-06-09T16:00")}).status_code == 404
    assert AuditEvent.objects.filter(actor=world.stranger, outcome=AuditOutcome.DENIED).count() == 2


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True)
    return re.sub(r"\s+", " ", out.stdout)


def test_an_approved_report_keeps_the_approved_return_time_and_says_it_was_corrected_later(
    client: Client, media: Path, tmp_path: Path
) -> None:
    case = build_case(approve=True)
    Commission.objects.create(
        local_authority=case.child.responsible_la, provider=case.provider, starts_on=date(2020, 1, 1)
    )
    episode = case.rhi.episode_links.get().episode
    approved_return = episode.returned_at
    assert approved_return is not None
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        correct_episode_time(
            episode_id=episode.pk,
            field="returned_at",
            value=approved_return + timedelta(hours=3),
            reason="police_corrected",
            explanation="Force corrected it.",
            expected_updated_at=episode.updated_at.isoformat(),
            by=case.manager,
        )
    rhi = ReturnHomeInterview.objects.get(pk=case.rhi.pk)
    context = reports._context(rhi, ReportKind.FULL_REPORT)
    assert context["episodes"][0].returned_at == approved_return
    # The report's copy is not saved: the episode keeps the corrected time.
    assert MissingEpisode.objects.get(pk=episode.pk).returned_at == approved_return + timedelta(hours=3)
    text = pdf_text(reports.render_report_pdf(rhi, ReportKind.FULL_REPORT), tmp_path)
    assert "Facts corrected after approval on 11 June 2026" in text
    assert "Returned or found at: 21/05/2026 10:00 when approved, corrected to 21/05/2026 13:00" in text
    client.force_login(case.manager)
    page = client.get(reverse("rhi:detail", args=[rhi.pk])).content.decode()
    assert "Facts corrected after approval on 11 June 2026" in page

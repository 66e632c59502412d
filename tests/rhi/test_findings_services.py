"""The draft report services: findings (with places, people and risks), consent to share and corrections to the
interview details. None changes the state; all refuse a stale version, the wrong person and a frozen report."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError

from accounts.models import Organisation, Role, Team, User
from audit.models import AuditEvent
from rhi import services
from rhi.models import Associate, Location, ReturnHomeInterview, RHIState, RiskIndicatorFinding
from rhi.services import ActionNotAllowed, StaleVersionError, TransitionError
from tests.factories import member
from tests.factories_domain import ChildFactory, MissingEpisodeFactory, ProviderFactory

pytestmark = pytest.mark.django_db
RETURNED = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 6, 3, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@dataclass(frozen=True)
class DraftingCase:
    rhi: ReturnHomeInterview
    worker: User
    manager: User
    provider: Organisation
    team: Team


@pytest.fixture
def drafting() -> DraftingCase:
    """An RHI whose interview is recorded: the report is in draft."""
    provider = ProviderFactory.create()
    team = Team.objects.create(organisation=provider, name="North")
    child = ChildFactory.create()
    episode = MissingEpisodeFactory.create(
        child=child, missing_at=RETURNED - timedelta(hours=20), returned_at=RETURNED
    )
    rhi = services.open_rhi_for_returned_episode(episode=episode)
    rhi.provider = provider
    rhi.save()
    worker = member("worker", provider, Role.RHI_WORKER, team)
    manager = member("manager", provider, Role.TEAM_MANAGER, team)
    services.allocate_rhi(rhi_id=rhi.pk, worker=worker, by=manager)
    services.record_offer(
        rhi_id=rhi.pk, by=worker, offered_at=RETURNED + timedelta(hours=2), offered_to="child", method="phone"
    )
    services.record_interview(
        rhi_id=rhi.pk,
        by=worker,
        interview={
            "held_at": RETURNED + timedelta(hours=26),
            "location_type": "home",
            "interviewer_independence": "independent_provider",
            "child_choice_of_interviewer": "yes",
        },
    )
    rhi.refresh_from_db()
    return DraftingCase(rhi=rhi, worker=worker, manager=manager, provider=provider, team=team)


def version(case: DraftingCase) -> int:
    case.rhi.refresh_from_db()
    return case.rhi.version


def save(case: DraftingCase, *, by: Any = None, expected_version: Any = None, **kwargs: Any) -> Any:
    args = {
        "findings": {
            "child_words": "  I stayed at Jay's.  ",
            "push_factors": ["bullying"],
            "harm_experienced": False,
        },
        "risk_indicators": ["cce", "missing_with_others"],
        "risk_notes": {"cce": "Asked to carry a bag."},
        "locations": [
            {
                "description": "Flat above the chip shop",
                "place_type": "address",
                "town": "Luton",
                "postcode": "LU1 1AA",
            },
            {"description": "Bus station", "place_type": "transport", "town": "Luton", "postcode": ""},
        ],
        "associates": [{"name": "Jay", "approximate_age": 19, "is_adult": True, "relationship": "Friend"}],
    } | kwargs
    return services.save_findings(
        rhi_id=case.rhi.pk,
        by=by or case.worker,
        expected_version=version(case) if expected_version is None else expected_version,
        **args,
    )


def test_worker_saves_findings_with_places_people_and_risks_without_changing_state(
    drafting: DraftingCase,
) -> None:
    before = version(drafting)
    interview = save(drafting)
    rhi = drafting.rhi
    rhi.refresh_from_db()
    assert rhi.state == RHIState.DRAFTING and rhi.version == before + 1
    assert interview.child_words == "I stayed at Jay's." and interview.push_factors == ["bullying"]
    assert sorted(Location.objects.filter(rhi=rhi).values_list("description", flat=True)) == [
        "Bus station",
        "Flat above the chip shop",
    ]
    assert list(Associate.objects.filter(rhi=rhi).values_list("name", "is_adult")) == [("Jay", True)]
    assert dict(RiskIndicatorFinding.objects.filter(rhi=rhi).values_list("indicator", "notes")) == {
        "cce": "Asked to carry a bag.",
        "missing_with_others": "",
    }
    event = AuditEvent.objects.filter(object_id=str(rhi.pk), detail__step="findings").get()
    assert event.detail["locations"] == 2 and "Jay" not in str(event.detail)


def test_saving_again_replaces_the_places_people_and_risks(drafting: DraftingCase) -> None:
    save(drafting)
    save(drafting, locations=[{"description": "Park"}], associates=[], risk_indicators=[], risk_notes={})
    rhi = drafting.rhi
    assert list(Location.objects.filter(rhi=rhi).values_list("description", "place_type")) == [
        ("Park", "other")
    ]
    assert not Associate.objects.filter(rhi=rhi).exists()
    assert not RiskIndicatorFinding.objects.filter(rhi=rhi).exists()


def test_stale_findings_are_refused_and_nothing_is_written(drafting: DraftingCase) -> None:
    stale = version(drafting)
    save(drafting)
    with pytest.raises(StaleVersionError):
        save(drafting, expected_version=stale, locations=[])
    assert Location.objects.filter(rhi=drafting.rhi).count() == 2


def test_unknown_codes_and_bad_rows_are_refused_with_field_errors_and_nothing_is_written(
    drafting: DraftingCase,
) -> None:
    with pytest.raises(ValidationError) as bad_code:
        save(drafting, findings={"push_factors": ["not-a-code"]})
    assert "push_factors" in bad_code.value.message_dict
    with pytest.raises(ValidationError) as bad_row:
        save(drafting, locations=[{"description": "Park"}, {"description": ""}])
    assert "locations-1-description" in bad_row.value.message_dict
    with pytest.raises(ValidationError):
        save(drafting, findings={"state": "approved"})
    assert not Location.objects.filter(rhi=drafting.rhi).exists()


def test_someone_who_cannot_work_on_the_rhi_cannot_save_findings(drafting: DraftingCase) -> None:
    colleague = member("colleague", drafting.provider, Role.RHI_WORKER, drafting.team)
    with pytest.raises(ActionNotAllowed):
        save(drafting, by=colleague)


def test_submitted_and_approved_reports_are_frozen(drafting: DraftingCase) -> None:
    rhi, worker, manager = drafting.rhi, drafting.worker, drafting.manager
    services.record_consent(
        rhi_id=rhi.pk,
        by=worker,
        consent="given",
        share_without_consent=False,
        expected_version=version(drafting),
    )
    services.submit_for_approval(rhi_id=rhi.pk, by=worker)
    with pytest.raises(TransitionError, match="waiting for a manager"):
        save(drafting)
    services.approve(rhi_id=rhi.pk, by=manager)
    for attempt in (
        lambda: save(drafting, by=manager),
        lambda: services.record_consent(
            rhi_id=rhi.pk, by=manager, consent="refused", share_without_consent=False, expected_version=None
        ),
        lambda: services.update_interview_details(
            rhi_id=rhi.pk, by=manager, details={"others_present": "x"}, expected_version=None
        ),
    ):
        with pytest.raises(TransitionError, match="approved"):
            attempt()


def test_consent_override_needs_a_justification_and_records_who_decided(drafting: DraftingCase) -> None:
    rhi, manager = drafting.rhi, drafting.manager
    with pytest.raises(ValidationError) as missing:
        services.record_consent(
            rhi_id=rhi.pk,
            by=manager,
            consent="refused",
            share_without_consent=True,
            expected_version=version(drafting),
        )
    assert "consent_override_justification" in missing.value.message_dict
    services.record_consent(
        rhi_id=rhi.pk,
        by=manager,
        consent="refused",
        share_without_consent=True,
        justification="Risk of serious harm from exploitation.",
        expected_version=version(drafting),
    )
    rhi.refresh_from_db()
    assert rhi.share_without_consent and rhi.consent_override_by == manager and rhi.state == RHIState.DRAFTING


def test_withdrawing_the_override_clears_the_justification(drafting: DraftingCase) -> None:
    rhi, worker = drafting.rhi, drafting.worker
    services.record_consent(
        rhi_id=rhi.pk,
        by=worker,
        consent="refused",
        share_without_consent=True,
        justification="Risk.",
        expected_version=None,
    )
    services.record_consent(
        rhi_id=rhi.pk, by=worker, consent="given", share_without_consent=False, expected_version=None
    )
    rhi.refresh_from_db()
    assert not rhi.share_without_consent and rhi.consent_override_justification == ""
    assert rhi.consent_override_by is None


def test_interview_details_are_corrected_but_not_to_before_the_return_or_the_future(
    drafting: DraftingCase,
) -> None:
    rhi, worker = drafting.rhi, drafting.worker
    interview = services.update_interview_details(
        rhi_id=rhi.pk,
        by=worker,
        details={
            "held_at": RETURNED + timedelta(hours=5),
            "location_type": "school",
            "others_present": "Teacher",
        },
        expected_version=version(drafting),
    )
    assert interview.location_type == "school" and interview.held_at == RETURNED + timedelta(hours=5)
    for when in (RETURNED - timedelta(hours=1), NOW + timedelta(hours=2)):
        with pytest.raises(ValidationError) as bad:
            services.update_interview_details(
                rhi_id=rhi.pk, by=worker, details={"held_at": when}, expected_version=version(drafting)
            )
        assert "held_at" in bad.value.message_dict

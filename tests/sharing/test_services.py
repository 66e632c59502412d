"""Sharing an approved RHI through sharing.services: who may share what with whom, consent and its override,
the acknowledgement deadline (2 working days), acknowledging, revoking, and the sweep's escalation of a
disclosure nobody acknowledged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from access.levels import Level, rhi_level
from accounts.models import Role
from alerts.models import AlertKind, DeadlineAlert, Notification
from alerts.sweep import run_deadline_sweep
from audit.models import AuditEvent
from sharing import services
from sharing.models import ConsentState, Disclosure, DisclosureLevel
from tests.casework import ACK_DUE, NOW, build_case, share, sharing_case
from tests.factories import member
from tests.factories_domain import LocalAuthorityFactory, PoliceForceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("casework_clock")]


def test_manager_shares_the_intelligence_summary_with_the_police_force_and_it_is_audited() -> None:
    case = sharing_case()
    disclosure = share(case)
    assert disclosure.consent_state == ConsentState.GIVEN
    assert disclosure.shared_by == case.manager and disclosure.shared_at == NOW
    assert disclosure.child == case.child and disclosure.recipient_organisation == case.force
    assert disclosure.acknowledgement_due_at == ACK_DUE
    event = AuditEvent.objects.get(object_type="sharing.disclosure", object_id=str(disclosure.pk))
    assert (event.action, event.level, event.actor) == ("share", "intelligence_summary", case.manager)
    assert event.detail["recipient_organisation"] == case.force.pk
    assert rhi_level(case.police, case.rhi) == Level.INTELLIGENCE_SUMMARY


def test_allocated_worker_may_share_but_another_providers_manager_may_not() -> None:
    case = sharing_case()
    assert share(case, by=case.worker).shared_by == case.worker
    stranger = member("stranger", case.la, Role.TEAM_MANAGER)
    with pytest.raises(services.ActionNotAllowed):
        share(case, by=stranger, level=DisclosureLevel.NOTIFICATION)


def test_police_cannot_receive_the_full_report() -> None:
    case = sharing_case()
    with pytest.raises(ValidationError) as excinfo:
        share(case, level=DisclosureLevel.FULL_REPORT)
    assert "never the full report" in excinfo.value.message_dict["level"][0]
    assert not Disclosure.objects.exists()


def test_the_intelligence_summary_goes_only_to_a_police_force() -> None:
    case = sharing_case()
    with pytest.raises(ValidationError) as excinfo:
        share(case, recipient_organisation_id=case.la.pk)
    assert "police force" in excinfo.value.message_dict["level"][0]


def test_only_an_approved_rhi_is_shared() -> None:
    case = build_case(consent="given")
    force = case.rhi.episodes.get().police_force
    assert force is not None
    with pytest.raises(services.TransitionError):
        services.share(
            rhi_id=case.rhi.pk,
            by=case.manager,
            recipient_organisation_id=force.pk,
            level=DisclosureLevel.NOTIFICATION,
            lawful_basis="public_task",
        )


def test_consent_refused_needs_an_override_justification_and_a_basis_other_than_consent() -> None:
    case = sharing_case(consent="refused")
    with pytest.raises(ValidationError) as missing:
        share(case)
    assert "without the child's consent" in missing.value.message_dict["override_justification"][0]
    with pytest.raises(ValidationError) as basis:
        share(case, lawful_basis="consent", override_justification="Risk of serious harm.")
    assert "lawful_basis" in basis.value.message_dict
    assert not Disclosure.objects.exists()
    disclosure = share(case, override_justification="  Risk of serious harm from an adult associate. ")
    assert disclosure.consent_state == ConsentState.REFUSED_OVERRIDDEN
    assert disclosure.override_justification == "Risk of serious harm from an adult associate."


def test_the_override_recorded_on_the_rhi_is_used_when_none_is_given() -> None:
    case = sharing_case(
        consent="not_asked",
        share_without_consent=True,
        consent_override_justification="Child at immediate risk of exploitation.",
    )
    disclosure = share(case)
    assert disclosure.consent_state == ConsentState.NOT_SOUGHT
    assert disclosure.override_justification == "Child at immediate risk of exploitation."


def test_a_notification_needs_no_consent() -> None:
    case = sharing_case(consent="refused")
    disclosure = share(case, level=DisclosureLevel.NOTIFICATION, recipient_organisation_id=case.la.pk)
    assert disclosure.consent_state == ConsentState.NOT_REQUIRED and disclosure.override_justification == ""


def test_the_same_level_is_not_shared_twice_with_one_organisation() -> None:
    case = sharing_case()
    share(case)
    with pytest.raises(ValidationError) as excinfo:
        share(case)
    assert "already been shared" in excinfo.value.message_dict["recipient_organisation"][0]


def test_recipient_acknowledges_once_and_nobody_else_can() -> None:
    case = sharing_case()
    disclosure = share(case)
    other_force = member("elsewhere", PoliceForceFactory.create(), Role.POLICE)
    for outsider in (other_force, case.manager, case.partner):
        with pytest.raises(services.ActionNotAllowed):
            services.acknowledge(disclosure_id=disclosure.pk, by=outsider)
    acknowledged = services.acknowledge(disclosure_id=disclosure.pk, by=case.police)
    assert acknowledged.acknowledged_at == NOW and acknowledged.acknowledged_by == case.police
    with pytest.raises(services.TransitionError):
        services.acknowledge(disclosure_id=disclosure.pk, by=case.police)
    assert (
        AuditEvent.objects.filter(
            object_type="sharing.disclosure", object_id=str(disclosure.pk), detail__step="acknowledged"
        ).count()
        == 1
    )


def test_revoking_needs_the_sharer_or_a_provider_manager_and_a_reason_and_ends_access_at_once() -> None:
    case = sharing_case()
    disclosure = share(case, by=case.worker)
    with pytest.raises(services.ActionNotAllowed):
        services.revoke(disclosure_id=disclosure.pk, by=case.police, reason="Mine now")
    with pytest.raises(ValidationError):
        services.revoke(disclosure_id=disclosure.pk, by=case.manager, reason="  ")
    revoked = services.revoke(disclosure_id=disclosure.pk, by=case.manager, reason="Sent to the wrong force.")
    assert revoked.revoked_by == case.manager and revoked.revoked_at == NOW
    assert rhi_level(case.police, case.rhi) == Level.NONE
    with pytest.raises(services.TransitionError):
        services.revoke(disclosure_id=disclosure.pk, by=case.worker, reason="Again")
    with pytest.raises(services.ActionNotAllowed):
        services.acknowledge(disclosure_id=disclosure.pk, by=case.police)


def test_sweep_escalates_an_unacknowledged_disclosure_once_to_the_sharer_and_provider_managers() -> None:
    case = sharing_case()
    other_manager = member("othermanager", case.provider, Role.TEAM_MANAGER)
    disclosure = share(case, by=case.worker)
    acknowledged = share(case, level=DisclosureLevel.NOTIFICATION, recipient_organisation_id=case.la.pk)
    services.acknowledge(disclosure_id=acknowledged.pk, by=case.partner)
    kind = AlertKind.DISCLOSURE_UNACKNOWLEDGED

    run_deadline_sweep(now=ACK_DUE - timedelta(minutes=1))
    assert not DeadlineAlert.objects.filter(kind=kind).exists()

    after = ACK_DUE + timedelta(minutes=1)
    first = run_deadline_sweep(now=after)
    second = run_deadline_sweep(now=after + timedelta(hours=1))
    alert = DeadlineAlert.objects.get(kind=kind)
    assert alert.disclosure_id == disclosure.pk and alert.deadline == ACK_DUE
    assert first.recorded[kind] == 1 and second.recorded[kind] == 0
    recipients = set(Notification.objects.filter(alert=alert).values_list("recipient__username", flat=True))
    # The sharer and the provider's managers (managers without a team, or of the RHI's team).
    assert recipients == {case.worker.username, case.manager.username, other_manager.username}
    assert case.police.username not in recipients


def test_a_revoked_disclosure_is_not_escalated() -> None:
    case = sharing_case()
    disclosure = share(case)
    services.revoke(disclosure_id=disclosure.pk, by=case.manager, reason="Shared in error.")
    run_deadline_sweep(now=ACK_DUE + timedelta(minutes=1))
    assert not DeadlineAlert.objects.filter(kind=AlertKind.DISCLOSURE_UNACKNOWLEDGED).exists()


def test_placing_authority_partner_viewer_gets_the_full_report_level() -> None:
    case = sharing_case()
    share(case, level=DisclosureLevel.FULL_REPORT, recipient_organisation_id=case.la.pk)
    assert rhi_level(case.partner, case.rhi) == Level.FULL
    unrelated = member("unrelated", LocalAuthorityFactory.create(code="999"), Role.PARTNER_VIEWER)
    assert rhi_level(unrelated, case.rhi) == Level.NONE

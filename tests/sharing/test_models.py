from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from sharing.models import ConsentState, Disclosure, DisclosureLevel
from tests.factories_domain import LocalAuthorityFactory, MissingEpisodeFactory, RHIFactory

pytestmark = pytest.mark.django_db


def disclosure(**kwargs: object) -> Disclosure:
    rhi = RHIFactory.create()
    defaults: dict[str, object] = {
        "child": rhi.child,
        "rhi": rhi,
        "level": DisclosureLevel.FULL_REPORT,
        "recipient_organisation": LocalAuthorityFactory.create(code="860"),
        "lawful_basis": "public_task",
        "consent_state": ConsentState.GIVEN,
    }
    return Disclosure.objects.create(**(defaults | kwargs))


def test_sharing_without_consent_needs_a_justification() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        disclosure(consent_state=ConsentState.REFUSED_OVERRIDDEN)
    assert disclosure(consent_state=ConsentState.REFUSED_OVERRIDDEN, override_justification="Risk to life").pk


def test_report_levels_need_an_rhi_but_a_notification_can_be_about_an_episode() -> None:
    episode = MissingEpisodeFactory.create()
    with pytest.raises(IntegrityError), transaction.atomic():
        disclosure(rhi=None, episode=episode, child=episode.child, level=DisclosureLevel.INTELLIGENCE_SUMMARY)
    note = disclosure(
        rhi=None,
        episode=episode,
        child=episode.child,
        level=DisclosureLevel.NOTIFICATION,
        consent_state=ConsentState.NOT_REQUIRED,
    )
    assert note.pk


def test_revocation_needs_a_reason_and_clean_says_so() -> None:
    with pytest.raises(ValidationError) as excinfo:
        Disclosure(
            level=DisclosureLevel.NOTIFICATION,
            consent_state=ConsentState.GIVEN,
            revoked_at="2026-05-01T00:00Z",
        ).clean()
    assert "revoke_reason" in excinfo.value.message_dict

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User
from referrals.models import Referral
from tests.factories_domain import RHIFactory

pytestmark = pytest.mark.django_db
SENT = datetime(2026, 5, 2, 10, tzinfo=UTC)


def make_referral(**kwargs: object) -> Referral:
    author = User.objects.get_or_create(username="referrer")[0]
    defaults: dict[str, object] = {
        "rhi": RHIFactory.create(),
        "service": "camhs",
        "reason": "Low mood",
        "created_by": author,
    }
    return Referral.objects.create(**(defaults | kwargs))


def test_referral_acknowledged_before_it_was_sent_is_refused() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make_referral(sent_at=SENT, acknowledged_at=SENT - timedelta(hours=1))
    with pytest.raises(IntegrityError), transaction.atomic():
        make_referral(sent_at=None, acknowledged_at=SENT)


def test_referral_without_reason_is_refused() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make_referral(reason="")


def test_referral_clean_explains_acknowledgement_order() -> None:
    referral = Referral(
        service="camhs", reason="x", sent_at=SENT, acknowledged_at=SENT - timedelta(minutes=5)
    )
    with pytest.raises(ValidationError) as excinfo:
        referral.clean()
    assert "acknowledged_at" in excinfo.value.message_dict


def test_acknowledged_referral_is_saved() -> None:
    referral = make_referral(
        sent_at=SENT,
        acknowledgement_due_at=SENT + timedelta(days=2),
        acknowledged_at=SENT + timedelta(days=1),
    )
    assert Referral.objects.get(pk=referral.pk).acknowledged_at == SENT + timedelta(days=1)

"""The referral form's "Sent earlier" follow-up (a conditional reveal, issue 14 item 8): its time is asked
for, and checked, only when the answer is "Sent earlier"; hidden under another answer it is ignored."""

from __future__ import annotations

from referrals.forms import ReferralForm

BASE = {"service": "camhs", "recipient_name": "CAMHS duty team", "reason": "Low mood since returning."}


def test_a_time_left_in_the_hidden_follow_up_is_ignored_when_the_referral_is_sent_now() -> None:
    form = ReferralForm({**BASE, "sent_when": "now", "sent_at": "not a time"}, recorded_indicators=[])
    assert form.is_valid(), form.errors
    assert form.cleaned_data["sent_at"] is None


def test_sent_earlier_without_a_time_asks_for_it_by_name() -> None:
    form = ReferralForm({**BASE, "sent_when": "earlier"}, recorded_indicators=[])
    assert not form.is_valid()
    assert form.errors["sent_at"] == ["Enter when the referral was sent."]

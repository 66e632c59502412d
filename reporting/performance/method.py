"""The method paragraph of the performance return: how it was counted, generated from the policy in force at
the end of the period (or ``rhi.selectors.rules_without_policy`` when there is none)."""

from __future__ import annotations

from collections.abc import Mapping

from accounts.models import Organisation
from rhi.clock import describe_rules
from rhi.models import ClockPolicy, RepeatRule
from rhi.selectors import clock_rules_for_policy, rules_without_policy

NATION_WORDS: Mapping[str, str] = {
    "ENG": "England",
    "WLS": "Wales",
    "SCT": "Scotland",
    "NIR": "Northern Ireland",
}
_BUNCHING_WORDS: Mapping[str, str] = {
    RepeatRule.SEPARATE: "Each episode has its own RHI and its own clock, so no episode is excluded for bunching.",
    RepeatRule.BUNCH_FROM_LATEST: "When a child goes missing again before the interview, the episodes are "
    "addressed in one RHI whose clock restarts at the latest return; the earlier episodes count as offered and "
    "carried out with that RHI but are excluded from timeliness.",
    RepeatRule.BUNCH_FROM_FIRST: "When a child goes missing again before the interview, the episodes are "
    "addressed in one RHI whose clock keeps running from the first return; the later episodes count as offered "
    "and carried out with that RHI but are excluded from timeliness.",
}


def method_paragraph(policy: ClockPolicy | None, *, organisation: Organisation | None = None) -> str:
    """How the return was counted, from the policy: basis, unit, length, bank holidays and bunching."""
    rules = clock_rules_for_policy(policy) if policy is not None else rules_without_policy(organisation)
    if policy is None:
        opening = "No clock policy is recorded, so the statutory default is used. "
    else:
        opening = f"Own policy, in force from {policy.effective_from:%d/%m/%Y}. "
    sentences = [opening + describe_rules(rules)]
    closures = f" and {len(rules.closure_days)} local closure day(s)" if rules.closure_days else ""
    sentences.append(
        f"Working days exclude weekends and {NATION_WORDS.get(rules.nation, rules.nation)} bank holidays{closures}."
    )
    sentences.append(_BUNCHING_WORDS[policy.repeat_rule if policy is not None else RepeatRule.SEPARATE])
    sentences.append(
        "Each RHI is timed under the policy recorded on it when it was opened (a later policy change never "
        "rewrites history). When a child went missing again before the interview and a later RHI took the "
        "first one over (superseded), that later RHI answers for the earlier episode: it counts as offered, "
        "accepted, declined or carried out as the later RHI was, and is excluded from timeliness, whose clock "
        "ran from the later episode (Annex A answers the same way). An episode counts in the period in which it started; it is in time when the "
        "interview was held at or before the due time; an episode without the timestamp its definition starts "
        "from is counted as 'clock not started', never estimated. The six standard definitions time the same "
        "episodes from the return or the police notification, in 72 hours, 3 calendar days or 3 working days."
    )
    return " ".join(sentences)

"""The method paragraph of the performance return: how it was counted, generated from the policy in force at
the end of the period (or ``rhi.selectors.rules_without_policy`` when there is none)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from accounts.models import Organisation
from reporting.performance.suppression import percent, suppress
from reporting.performance.timeliness import OtherCommission
from rhi.clock import Basis, Unit, describe_rules
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


_BASIS_WORDS: Mapping[str, str] = {
    Basis.RETURN: "from the return",
    Basis.POLICE_NOTIFICATION: "from the police notification",
}
_UNIT_WORDS: Mapping[str, str] = {
    Unit.HOURS: "hours",
    Unit.CALENDAR_DAYS: "calendar days",
    Unit.WORKING_DAYS: "working days",
}


@dataclass(frozen=True)
class TimedElsewhere:
    """How many of an LA's own episodes were timed under another commission's policy, how many of those with
    a different basis or unit from its own, and those by the rules they were timed under."""

    incidents: int
    episodes: int
    differ: int
    by_rules: tuple[tuple[str, int], ...]

    @classmethod
    def of(cls, other: Mapping[int, OtherCommission], *, incidents: int) -> TimedElsewhere:
        by_rules = Counter(
            f"{_BASIS_WORDS[entry.rules.basis]}, {entry.rules.complete_length} "
            f"{_UNIT_WORDS[entry.rules.complete_unit]}"
            for entry in other.values()
            if entry.differs
        )
        return cls(
            incidents=incidents,
            episodes=len(other),
            differ=sum(by_rules.values()),
            by_rules=tuple(sorted(by_rules.items(), key=lambda item: (-item[1], item[0]))),
        )

    @property
    def note(self) -> str:
        """The own-policy row's note: "N episodes timed under another commission's policy (M with a different
        basis or unit)", small numbers suppressed; blank when there are none."""
        if not self.episodes:
            return ""
        return (
            f"{suppress(self.episodes)} episodes timed under another commission's policy "
            f"({suppress(self.differ)} with a different basis or unit)"
        )

    @property
    def _share(self) -> str:
        small = isinstance(suppress(self.episodes), str) or isinstance(suppress(self.incidents), str)
        return "–" if small else percent(self.episodes, self.incidents)

    @property
    def sentence(self) -> str:
        if not self.episodes:
            return "No episode of this return was timed under another commission's policy."
        rules = "; ".join(f"{words}: {suppress(n)}" for words, n in self.by_rules)
        return (
            "A child placed in another LA's area is interviewed by that LA's commissioned service, so the RHI is "
            f"timed under that commission's policy: {suppress(self.episodes)} of this return's "
            f"{suppress(self.incidents)} episodes ({self._share}) were "
            f"timed under another commission's policy, {suppress(self.differ)} of them with a different basis "
            f"or unit from this LA's own" + (f" ({rules})." if rules else ".") + " The own-policy figures "
            "therefore mix policies; the six standard definitions time every episode by the same rules and are "
            "the like-for-like comparison."
        )


def method_paragraph(
    policy: ClockPolicy | None,
    *,
    organisation: Organisation | None = None,
    timed_elsewhere: TimedElsewhere | None = None,
) -> str:
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
    if timed_elsewhere is not None:
        sentences.append(timed_elsewhere.sentence)
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

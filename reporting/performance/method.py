"""The method paragraph of the performance return: how it was counted, generated from the policy in force at
the end of the period (or ``rhi.selectors.rules_without_policy`` when there is none), and the own-policy row's
label.

Words with figures in them (how many episodes were timed under another commission's policy, and of how many)
are written only from the published cells: ``TimedElsewhere`` declares its counts and their sums, so
``reporting.performance.tables.published_cells`` protects them in the same ``protect`` as every table, and the
label and the paragraph print what that decided ("<5", "[c]"), never a raw count."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from accounts.models import Organisation
from reporting.performance.suppression import CellKey, Relation, Shown, at_least, percent, sums
from reporting.performance.timeliness import OWN_LABEL, OtherCommission
from rhi.clock import Basis, ClockRules, Unit, describe_rules
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

ELSEWHERE = "timed_elsewhere"
ELSEWHERE_EPISODES: CellKey = (ELSEWHERE, "all", "episodes")
ELSEWHERE_DIFFER: CellKey = (ELSEWHERE, "all", "different_basis_or_unit")
Published = Mapping[CellKey, Shown]


def _rules_key(words: str) -> CellKey:
    return (ELSEWHERE, words, "episodes")


def _share(numerator: Shown, denominator: Shown) -> str:
    """A percentage of two published counts: "–" when either is withheld (shown as numbers, they are the
    counts themselves)."""
    if isinstance(numerator, str) or isinstance(denominator, str):
        return "–"
    return percent(numerator, denominator)


@dataclass(frozen=True)
class Prose:
    """Words with figures in them, as a table cell: written from the published cells only."""

    render: Callable[[Published], str]


def rules_words(rules: ClockRules) -> str:
    """The rules an episode was timed under, as the method paragraph words them ("from return, 72 hours")."""
    return f"{_BASIS_WORDS[rules.basis]}, {rules.complete_length} {_UNIT_WORDS[rules.complete_unit]}"


@dataclass(frozen=True)
class TimedElsewhere:
    """How many of an LA's own episodes were timed under another commission's policy, how many of those with
    a different basis or unit from its own, and those by the rules they were timed under (in the order of
    their words: ordered by count, the list would rank withheld numbers)."""

    episodes: int
    differ: int
    by_rules: tuple[tuple[str, int], ...]

    @classmethod
    def of(cls, other: Mapping[int, OtherCommission]) -> TimedElsewhere:
        by_rules = Counter(rules_words(entry.rules) for entry in other.values() if entry.differs)
        return cls.of_counts(episodes=len(other), by_rules=by_rules)

    @classmethod
    def of_counts(cls, *, episodes: int, by_rules: Mapping[str, int]) -> TimedElsewhere:
        """From the counts themselves (the kept facts, ``kept_read``): ``by_rules`` keyed by ``rules_words``."""
        by_rules = {words: n for words, n in by_rules.items() if n}
        return cls(episodes=episodes, differ=sum(by_rules.values()), by_rules=tuple(sorted(by_rules.items())))

    def cells(self) -> dict[CellKey, int]:
        """The counts the label and the paragraph print, as cells for ``protect``."""
        return {
            ELSEWHERE_EPISODES: self.episodes,
            ELSEWHERE_DIFFER: self.differ,
            **{_rules_key(words): n for words, n in self.by_rules},
        }

    def relations(self, incidents: CellKey) -> list[Relation]:
        """The sums a reader knows: they are among the return's episodes (``incidents``); those with a
        different basis or unit among them, and made of the counts by rules."""
        return [
            at_least(incidents, [ELSEWHERE_EPISODES]),
            at_least(ELSEWHERE_EPISODES, [ELSEWHERE_DIFFER]),
            sums(ELSEWHERE_DIFFER, [_rules_key(words) for words, _ in self.by_rules]),
        ]

    def note(self, shown: Published) -> str:
        """The own-policy row's note: "N episodes timed under another commission's policy (M with a different
        basis or unit)", as published; blank when there are none."""
        if shown[ELSEWHERE_EPISODES] == 0:
            return ""
        return (
            f"{shown[ELSEWHERE_EPISODES]} episodes timed under another commission's policy "
            f"({shown[ELSEWHERE_DIFFER]} with a different basis or unit)"
        )

    def own_label(self, shown: Published) -> str:
        note = self.note(shown)
        return f"{OWN_LABEL}; {note}" if note else OWN_LABEL

    def label_cell(self) -> Prose:
        return Prose(self.own_label)

    def sentence(self, shown: Published, *, incidents: CellKey) -> str:
        episodes, total = shown[ELSEWHERE_EPISODES], shown[incidents]
        if episodes == 0:
            return "No episode of this return was timed under another commission's policy."
        share = _share(episodes, total)
        rules = "; ".join(f"{words}: {shown[_rules_key(words)]}" for words, _ in self.by_rules)
        return (
            "A child placed in another LA's area is interviewed by that LA's commissioned service, so the RHI is "
            f"timed under that commission's policy: {episodes} of this return's {total} episodes ({share}) were "
            f"timed under another commission's policy, {shown[ELSEWHERE_DIFFER]} of them with a different basis "
            f"or unit from this LA's own" + (f" ({rules})." if rules else ".") + " The own-policy figures "
            "therefore mix policies; the six standard definitions time every episode by the same rules and are "
            "the like-for-like comparison."
        )


def method_paragraph(
    policy: ClockPolicy | None,
    *,
    organisation: Organisation | None = None,
    timed_elsewhere: str = "",
) -> str:
    """How the return was counted, from the policy: basis, unit, length, bank holidays and bunching, with
    ``timed_elsewhere`` (``TimedElsewhere.sentence``, written from the published cells) after the bunching."""
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
    if timed_elsewhere:
        sentences.append(timed_elsewhere)
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

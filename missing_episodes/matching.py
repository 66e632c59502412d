"""Which of the council's children a notification without an LA child id is about (issue 14 item 1): a police
file carries the child's name and date of birth, not the council's id. The one rule for every channel (the web
form, the CSV/xlsx import, the API), called by ``missing_episodes.services.record_notification`` and by the web
form's "choose the child" step.

Names are compared normalised (``normalise_name``): case, accents, hyphens, apostrophes and spaces do not count,
and the child's known-as name counts as a first name. Only the responsible LA's children born on that day (or
on the day with day and month swapped) are read, through the (responsible_la, date_of_birth) index, and
compared here.

- exact: the same date of birth, the same last name and the same first or known-as name (or the same whole
  name, however it is split between first and last);
- near: the same date of birth and similar names (one starts with the other, or they differ by a letter or
  two), or the exact name with the day and month of birth swapped.

One exact match links; several exact matches, or near matches only, go to the "match the child" queue; none
makes a new child.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from difflib import SequenceMatcher

from accounts.models import Organisation
from missing_episodes.models import Child, MatchReason

# How alike two normalised names must be to count as near (difflib's ratio: 1.0 is identical). 0.8 lets a
# letter's difference in a longer name through ("jayden"/"jaden", "catherine"/"katherine"), not "jack"/"jake".
NEAR_RATIO = 0.8


def normalise_name(value: str) -> str:
    """A name as compared: case-folded, accents removed (NFKD, combining marks dropped), and only letters and
    digits kept, so "Zoë O'Brien-Smith" and "ZOE OBRIEN SMITH" compare equal."""
    # Case-folded after the decomposition as well: NFKD can give capitals (e.g. "🄰" is "A").
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", value).casefold())
    return "".join(ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch))


def swapped_day_and_month(born: date) -> date | None:
    """The date with day and month swapped (a US-style date read as UK), or None when that is no other date."""
    if born.day > 12 or born.day == born.month:
        return None
    try:
        return born.replace(month=born.day, day=born.month)
    except ValueError:
        return None


def _similar(a: str, b: str) -> bool:
    if not a or not b:
        return False
    return a.startswith(b) or b.startswith(a) or SequenceMatcher(None, a, b).ratio() >= NEAR_RATIO


@dataclass(frozen=True)
class _Names:
    first: str
    last: str
    known_as: str = ""

    @classmethod
    def of(cls, child: Child) -> _Names:
        return cls(
            normalise_name(child.first_name), normalise_name(child.last_name), normalise_name(child.known_as)
        )

    @property
    def given(self) -> set[str]:
        return {name for name in (self.first, self.known_as) if name}


def _exact(given: _Names, child: _Names) -> bool:
    if given.last == child.last and given.first in child.given:
        return True
    return bool(given.first + given.last) and given.first + given.last == child.first + child.last


def _near(given: _Names, child: _Names) -> bool:
    return _similar(given.last, child.last) and any(_similar(given.first, name) for name in child.given)


@dataclass(frozen=True)
class ChildMatch:
    """What the name and date of birth found: ``exact`` and ``near`` candidates (each in pk order)."""

    exact: list[Child] = field(default_factory=list)
    near: list[Child] = field(default_factory=list)

    @property
    def child(self) -> Child | None:
        """The one child to link to: a single exact match."""
        return self.exact[0] if len(self.exact) == 1 else None

    @property
    def question(self) -> MatchReason | None:
        """Why a person must decide, if they must: several exact matches, or near ones only."""
        if len(self.exact) > 1:
            return MatchReason.SEVERAL
        if not self.exact and self.near:
            return MatchReason.NEAR
        return None

    @property
    def candidates(self) -> list[Child]:
        return [*self.exact, *self.near]


def match_child(
    *, responsible_la: Organisation | int, first_name: str, last_name: str, date_of_birth: date
) -> ChildMatch:
    """The responsible LA's children these details may describe (see the module's docstring)."""
    la_id = responsible_la if isinstance(responsible_la, int) else responsible_la.pk
    children = Child.objects.filter(
        responsible_la_id=la_id, date_of_birth__in=candidate_days(date_of_birth)
    ).select_related("responsible_la")
    return classify_match(
        children.order_by("pk"), first_name=first_name, last_name=last_name, date_of_birth=date_of_birth
    )


def candidate_days(date_of_birth: date) -> list[date]:
    """The dates of birth whose children are read for a match: the day given, and with day and month swapped."""
    swapped = swapped_day_and_month(date_of_birth)
    return [date_of_birth] if swapped is None else [date_of_birth, swapped]


def classify_match(
    children: Iterable[Child], *, first_name: str, last_name: str, date_of_birth: date
) -> ChildMatch:
    """Sort the children read for these details (the responsible LA's, born on a ``candidate_days`` day, in pk
    order) into exact and near matches: ``match_child``'s rule, which the bulk import applies to its batch's
    read (``bulk_intake``)."""
    given = _Names(normalise_name(first_name), normalise_name(last_name))
    exact: list[Child] = []
    near: list[Child] = []
    for child in children:
        names = _Names.of(child)
        if child.date_of_birth == date_of_birth:
            if _exact(given, names):
                exact.append(child)
            elif _near(given, names):
                near.append(child)
        elif _exact(given, names):
            near.append(child)
    return ChildMatch(exact=exact, near=near)

"""Which category an episode is counted under in the returns when the police changed it during the episode
(issue 14 item 3; docs/returns.md, "Reclassified episodes"). The one rule, for every return: the SSDA903 Missing
table, Annex A list 8 and the performance return all read ``returns_category()``, which reads what
``category_for_returns`` decided (stored on the episode by ``missing_episodes.episode_changes``).

The rule: an episode is **missing** in the returns if the child was classified missing at any time between
being last seen and returning (the category at the start, and every reclassification timed before the return);
otherwise absent. A reclassification timed at or after the return is the police's later view of the whole
episode (a review, or a corrected record sent again): the latest such one decides it alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import CharField, F, Value
from django.db.models.functions import Coalesce, NullIf

from missing_episodes.models import EpisodeCategory


@dataclass(frozen=True)
class CategoryChange:
    changed_at: datetime
    old_value: str
    new_value: str


def category_for_returns(
    *, category: str, changes: Sequence[CategoryChange], returned_at: datetime | None
) -> str:
    """The category the returns count the episode under. ``category`` is the episode's category now;
    ``changes`` its category changes in the order the police made them (``changed_at``, then as recorded)."""
    if not changes:
        return category
    later = [change for change in changes if returned_at is not None and change.changed_at >= returned_at]
    if later:
        return later[-1].new_value
    held = {changes[0].old_value, *(change.new_value for change in changes)}
    return EpisodeCategory.MISSING if EpisodeCategory.MISSING in held else EpisodeCategory.ABSENT


def returns_category(prefix: str = "") -> Coalesce:
    """The category every return counts an episode under, as a query expression (``prefix`` e.g. "episode__"
    from an RHI's link): what the rule stored once the category changed, else the category itself."""
    return Coalesce(
        NullIf(F(f"{prefix}category_in_returns"), Value("")),
        F(f"{prefix}category"),
        output_field=CharField(),
    )

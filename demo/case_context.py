"""The in-memory shape of a generated case: a child, their placements and episodes, and a scenario's fixed
episode. Built by ``demo.cases.CaseGenerator``, read by the RHI engine and the scenarios."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .world import ForceCtx, LACtx


def eighteenth_birthday(dob: date) -> date:
    if dob.month == 2 and dob.day == 29:
        return date(dob.year + 18, 3, 1)
    return dob.replace(year=dob.year + 18)


@dataclass
class PlacementCtx:
    id: int
    host: LACtx
    start: date
    end: date | None

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass
class ChildCtx:
    id: int
    la: LACtx
    first_name: str
    last_name: str
    date_of_birth: date
    gender: str
    looked_after: bool
    profile: str | None  # 'cce', 'cse', 'self_harm', 'substance_misuse' or None
    social_worker_name: str
    duplicate_of: int | None = None  # an earlier child elsewhere with the same name and date of birth
    # A looked-after child who came into care during the history: the day care started (episodes before it
    # were from home, and no placement covers them).
    care_from: date | None = None
    placements: list[PlacementCtx] = field(default_factory=list)

    def age_on(self, day: date) -> float:
        return (day - self.date_of_birth).days / 365.25


@dataclass
class EpisodeCtx:
    id: int
    child: ChildCtx
    missing_at: datetime
    returned_at: datetime | None
    police_notified_at: datetime | None
    police_force: ForceCtx | None
    host: LACtx  # the authority the child was living in, which delivers the RHI
    out_of_area: bool
    risk_level: str
    missing_from: str
    return_method: str
    created_at: datetime
    # When the RHI service learned of the return; None if it has not yet (or the child is still missing).
    rhi_created_at: datetime | None


@dataclass
class EpisodeOverride:
    """Fixes what a scenario needs (the dashboards' guaranteed content); everything else stays random."""

    missing_at: datetime
    returned_at: datetime | None
    police_notified: bool = True
    risk_level: str = "medium"
    # Reported absent (low risk), then escalated by the police to missing (high risk) two hours after the
    # episode was recorded: its page's timeline shows both changes (docs/episode-changes.md).
    escalated: bool = False

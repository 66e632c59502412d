"""Hand-written recent cases for the demo teams, so every dashboard state is on screen whatever the seed.

Random data alone leaves it to chance whether, say, a report is "returned for changes" at the anchor's
midday. These children returned a set number of hours before "now" and their RHIs have reached a set
step, so the Birmingham in-house team and the Safe Return Partnership's Black Country team always show
unallocated, allocated, contacting, offered, accepted, drafting, submitted and returned RHIs, some on
track, some due soon and some overdue, plus a clock that has not started and a child still missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from .case_context import EpisodeOverride
from .cases import CaseGenerator
from .children_to_match import add_children_to_match
from .reference import BIRMINGHAM, SANDWELL, WALSALL
from .rhi_plans import ScenarioSpec
from .world import World

Steps = tuple[tuple[str, float], ...]

_ALLOCATED: Steps = (("allocate", 1),)
_OFFERED: Steps = (("allocate", 1), ("contact_ok", 4), ("offer", 4.5))
_ACCEPTED: Steps = (*_OFFERED, ("accept", 10))


@dataclass(frozen=True)
class Scenario:
    label: str
    hours_since_return: float
    steps: Steps
    worker: str | None = None  # username; None: the team's first worker
    police_notified: bool = True
    risk_level: str = "medium"


COMMON: tuple[Scenario, ...] = (
    Scenario("unallocated, on track", 5, ()),
    Scenario("unallocated, overdue", 80, ()),
    Scenario("allocated, due soon", 58, _ALLOCATED),
    Scenario("contacting, on track", 30, (("allocate", 2), ("contact", 6), ("contact", 20))),
    Scenario("contacting, overdue", 90, (("allocate", 4), ("contact", 10), ("contact", 40), ("contact", 70))),
    Scenario("offered", 40, _OFFERED, risk_level="high"),
    Scenario("accepted, due soon", 60, (*_ACCEPTED[:-1], ("accept", 20))),
    Scenario("drafting", 50, (*_ACCEPTED, ("interview", 40))),
    Scenario("submitted", 110, (*_ACCEPTED, ("interview", 60), ("submit", 90))),
    Scenario("returned for changes", 150, (*_ACCEPTED, ("interview", 50), ("submit", 80), ("return", 120))),
)
# Per team: which authority each common scenario belongs to, and the extras that policy makes possible.
TEAMS: dict[str, tuple[tuple[str, ...], str, tuple[tuple[str, Scenario], ...]]] = {
    "birmingham": ((BIRMINGHAM,), "la.worker", ()),
    "black-country": (
        (SANDWELL, WALSALL),
        "worker",
        (
            # Sandwell counts from the police notification: without one the clock has not started.
            (SANDWELL, Scenario("clock not started", 20, _ALLOCATED, worker="worker", police_notified=False)),
            # Walsall wants first contact within 24 hours.
            (WALSALL, Scenario("contact overdue", 30, _ALLOCATED, worker="worker2")),
        ),
    ),
}
STILL_MISSING_HOURS = 30


def add_scenarios(cases: CaseGenerator, world: World) -> int:
    now, written = world.span.now, 0
    for _team, (codes, default_worker, extras) in TEAMS.items():
        las = [world.las_by_code[code] for code in codes if code in world.las_by_code]
        if not las:
            continue
        planned = [(las[i % len(las)], s) for i, s in enumerate(COMMON)] + [
            (world.las_by_code[code], s) for code, s in extras if code in world.las_by_code
        ]
        for la, scenario in planned:
            returned_at = now - timedelta(hours=scenario.hours_since_return)
            missing_hours = 6 + scenario.hours_since_return % 11
            worker_id = world.user_ids[scenario.worker or default_worker]
            written += cases.generate_child(
                la,
                override=EpisodeOverride(
                    missing_at=returned_at - timedelta(hours=missing_hours),
                    returned_at=returned_at,
                    police_notified=scenario.police_notified,
                    risk_level=scenario.risk_level,
                ),
                scenario=ScenarioSpec(steps=scenario.steps, worker_id=worker_id),
            )
        # And a child who is still missing (no RHI yet: the clock starts at the return), first reported absent
        # and escalated by the police: the episode's timeline shows the reclassification.
        written += cases.generate_child(
            las[0],
            override=EpisodeOverride(
                missing_at=now - timedelta(hours=STILL_MISSING_HOURS),
                returned_at=None,
                risk_level="high",
                escalated=True,
            ),
        )
    return written + add_children_to_match(cases, world)

"""An RHI's plan: the timeline of lifecycle events decided up front (``demo.rhis.RHIEngine`` plans it and replays
the part before "now"), and which event moves the RHI to which state."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rhi.clock import BunchedLink, clock_episode

if TYPE_CHECKING:
    from .case_context import ChildCtx, EpisodeCtx
    from .world import LACtx, PolicyCtx

# Lifecycle: which event moves an RHI to which state.
STATE_AFTER: dict[str, str] = {
    "allocate": "allocated",
    "offer": "offered",
    "accept": "accepted",
    "interview": "drafting",
    "submit": "submitted",
    "return": "returned",
    "approve": "approved",
    "decline": "declined",
    "unable": "unable_to_contact",
    "not_offered": "not_offered",
    "cancel": "cancelled",
    "supersede": "superseded",
}
OUTCOME_AFTER: dict[str, str] = {
    "decline": "declined",
    "unable": "unable_to_contact",
    "not_offered": "not_offered",
    "cancel": "cancelled",
    "supersede": "superseded",
}


@dataclass
class Event:
    at: datetime
    kind: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class ScenarioSpec:
    """A hand-written timeline (hours after the return) for the dashboards' guaranteed content."""

    steps: tuple[tuple[str, float], ...]
    worker_id: int | None = None


@dataclass(frozen=True)
class Link:
    """An episode the RHI addresses, when it was linked, and whether it counts for timeliness."""

    episode: EpisodeCtx
    linked_at: datetime
    counts: bool = True


@dataclass
class Plan:
    id: int
    child: ChildCtx
    la: LACtx
    policy: PolicyCtx
    created_at: datetime
    worker_id: int
    manager_id: int
    events: list[Event]
    links: list[Link]
    clock_episode: EpisodeCtx
    # Until when a repeat episode acts on this plan (the interview, or the closing decision); None: never.
    pivot: datetime | None
    superseded_by: int | None = None

    def bunch(self, episode: EpisodeCtx, linked_at: datetime, link: BunchedLink) -> None:
        """A repeat episode joins this RHI, linked as ``rhi.clock.bunched_link`` says (the service's rule), and
        the clock runs from the episode ``rhi.clock.clock_episode`` picks under the RHI's own repeat rule."""
        if not link.earlier_keep_counting:
            self.links = [replace(old, counts=False) for old in self.links]
        self.links.append(Link(episode, linked_at, link.counts))
        counted = sorted((x.episode for x in self.links if x.counts), key=lambda e: (e.missing_at, e.id))
        self.clock_episode = clock_episode(self.policy.repeat_rule, counted) or self.clock_episode

    def drop_after(self, moment: datetime) -> None:
        self.events = [e for e in self.events if e.at <= moment]

    def pause(self, moment: datetime, resume: datetime) -> None:
        """The child went missing again at ``moment``; the work picks up again at ``resume``."""
        shift = resume - moment
        for event in self.events:
            if event.at > moment:
                event.at += shift
        if self.pivot is not None:
            self.pivot += shift

"""``seed_demo``: build the whole demo data set from one seed and one anchor date.

Deterministic: one ``random.Random(seed)`` drives everything, primary keys are assigned here, every time is
placed relative to the anchor's midday, and the password hash uses a fixed salt. So the same seed and anchor
into an empty database give byte-identical data. Memory stays bounded: rows are written every few thousand,
one child (and everything about them) at a time.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date

from django.db import connection, models, transaction
from django.utils import timezone

from accounts.models import Commission, Membership, Organisation, Team, User
from missing_episodes.models import (
    CarePeriod,
    Child,
    ChildFlag,
    ChildMatchQuestion,
    EpisodeChange,
    MissingEpisode,
    Placement,
    PossibleDuplicate,
)
from referrals.models import Referral
from reporting.performance.kept import marks_paused_while_nothing_is_built
from rhi.models import (
    Associate,
    ClockPolicy,
    ContactAttempt,
    Interview,
    Location,
    ReturnHomeInterview,
    ReviewDecision,
    RHIEpisode,
    RiskIndicatorFinding,
    StateTransition,
)
from sharing.models import Disclosure

from .case_notes import add_case_notes
from .cases import CaseGenerator
from .reference import SIZES
from .rhis import RHIEngine
from .scenarios import add_scenarios
from .timeutil import Span, default_anchor
from .world import WorldBuilder
from .writer import IdAllocator, RowWriter, indexes_built_after

# Parents before children: rows are written in this order, so every reference already exists.
MODEL_ORDER: list[type[models.Model]] = [
    Organisation,
    Team,
    User,
    Membership,
    Commission,
    ClockPolicy,
    Child,
    CarePeriod,
    Placement,
    ChildFlag,
    PossibleDuplicate,
    MissingEpisode,
    EpisodeChange,
    ChildMatchQuestion,
    ChildMatchQuestion.candidates.through,
    ReturnHomeInterview,
    RHIEpisode,
    StateTransition,
    ContactAttempt,
    Interview,
    RiskIndicatorFinding,
    Location,
    Associate,
    ReviewDecision,
    Referral,
    Disclosure,
]


class DemoSeedError(RuntimeError):
    """The database is not in a state the demo can be seeded into."""


@dataclass(frozen=True)
class SeedResult:
    created: bool
    size: str
    seed: int
    anchor: date
    counts: dict[str, int]
    seconds: float
    used_copy: bool = False


Log = Callable[[str], None]


def seed_demo(
    *, size: str = "small", seed: int = 1, anchor: date | None = None, log: Log | None = None
) -> SeedResult:
    """Seed the demo data set. Returns without changes if organisations exist already (re-running is harmless)."""
    config = SIZES[size]
    say: Log = log or (lambda _message: None)
    # The wall clock is read once, and only to choose the default anchor.
    anchor = anchor or default_anchor(timezone.now())
    if Organisation.objects.exists():
        return SeedResult(False, size, seed, anchor, {}, 0.0)

    started = time.perf_counter()
    span = Span.for_anchor(anchor, config.years)
    rng = random.Random(seed)
    use_copy = config.needs_postgresql and connection.vendor == "postgresql"
    with transaction.atomic():
        if use_copy:
            # Check references per statement rather than queueing millions of deferred checks to COMMIT.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        ids = IdAllocator(MODEL_ORDER)
        writer = RowWriter(MODEL_ORDER, use_copy=use_copy, flush_every=20_000 if use_copy else 5_000)
        world = WorldBuilder(config, rng=rng, span=span, writer=writer, ids=ids).build()
        taken = sorted(
            User.objects.filter(username__in=list(world.user_ids)).values_list("username", flat=True)[:5]
        )
        if taken:
            raise DemoSeedError(f"Demo usernames already exist ({', '.join(taken)}); use an empty database.")
        writer.flush()
        engine = RHIEngine(world, rng=rng, writer=writer, ids=ids)
        cases = CaseGenerator(world, rng=rng, writer=writer, ids=ids, rhis=engine)
        # The bulk of the rows go in without secondary indexes (built once after them) at the sizes written by
        # COPY; the scenarios after them read through the services, with every index back.
        # (The marks are paused only at the COPY sizes: their references are checked as rows arrive, so no
        # deferred trigger event is pending when the triggers are altered.)
        paused = marks_paused_while_nothing_is_built() if use_copy else nullcontext()
        with indexes_built_after(MODEL_ORDER if use_copy else []), paused:
            for number, la in enumerate(world.las, start=1):
                written = cases.generate_la(la)
                if len(world.las) > 5:
                    say(
                        f"  {number:3d}/{len(world.las)} {la.ref.name} ({la.ref.code}): {written:,} episodes, "
                        f"{time.perf_counter() - started:,.0f} s"
                    )
            writer.flush()
            if use_copy:
                say(f"  building indexes, {time.perf_counter() - started:,.0f} s")
        add_scenarios(cases, world)
        writer.flush()
        writer.reset_sequences()
        add_case_notes(world)
    if connection.vendor == "postgresql":
        # Fresh statistics at every size: the planner has only ever seen empty tables, and with none a join
        # over RHI links plans as nested loops over whole tables (a test's replay waited half an hour on one).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    counts = {model._meta.label: writer.counts[model] for model in MODEL_ORDER}
    return SeedResult(True, size, seed, anchor, counts, time.perf_counter() - started, use_copy)

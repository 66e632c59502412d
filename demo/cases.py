"""Children, their placements and flags, possible duplicates and missing episodes.

Shape (the national picture in the background reports): mostly adolescents; about two thirds of episodes
belong to children who go missing repeatedly; ~45% of episodes are from care, and ~38% of looked-after
children live outside their own authority; returns mostly within 1–48 hours; police notifications usually
hours to two days after the return, sometimes never recorded (a data gap the clock must show).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from missing_episodes.models import Child, EpisodeChange, MissingEpisode, Placement

from .case_context import ChildCtx, EpisodeCtx, EpisodeOverride, PlacementCtx, eighteenth_birthday
from .case_records import ChildRecords
from .people import (
    CHILDRENS_HOMES,
    FEMALE_FIRST_NAMES,
    LAST_NAMES,
    MALE_FIRST_NAMES,
    NEUTRAL_FIRST_NAMES,
    POSTCODE_DISTRICTS,
)
from .random_tools import Weighted, chance, hours
from .reference import PREFERRED_HOSTS
from .rows import Rows
from .timeutil import LONDON, local_moment
from .world import LACtx, World

if TYPE_CHECKING:
    from .rhi_plans import ScenarioSpec
    from .rhis import RHIEngine
    from .writer import IdAllocator, RowWriter

# Episodes per child: ~70% of children go missing once in the period, a few 13+ times; so about two thirds
# of episodes belong to children who go missing repeatedly (63–65% in the ECRC FOI analysis).
EPISODE_COUNTS = Weighted([((1, 1), 0.70), ((2, 3), 0.13), ((4, 6), 0.09), ((7, 12), 0.06), ((13, 25), 0.02)])
# Age at the first episode in the period: mostly adolescents, peak 14–16.
AGE_AT_FIRST = Weighted(
    [(8, 1), (9, 1), (10, 2), (11, 3), (12, 6), (13, 10), (14, 16), (15, 19), (16, 18), (17, 11)]
)
GENDER = Weighted([("male", 0.5), ("female", 0.48), ("other", 0.01), ("not_known", 0.01)])
# Local hour a child goes missing: mostly afternoons and evenings.
MISSING_HOUR = Weighted(
    list(enumerate([3, 2, 1, 1, 1, 1, 1, 1, 2, 3, 3, 3, 3, 4, 5, 6, 7, 8, 9, 9, 9, 8, 6, 4]))
)
# How long they are gone (hours): most back within 1–48 h, a long tail of days.
DURATION = Weighted(
    [((0.5, 1), 0.05), ((1, 12), 0.45), ((12, 48), 0.33), ((48, 168), 0.13), ((168, 504), 0.04)]
)
RETURN_METHOD = Weighted(
    [
        ("returned_self", 0.45),
        ("found_by_police", 0.25),
        ("returned_by_carer", 0.15),
        ("returned_by_other", 0.1),
        ("not_known", 0.05),
    ]
)
RISK_USUAL = Weighted(
    [("low", 0.45), ("medium", 0.42), ("high", 0.06), ("no_apparent_risk", 0.05), ("", 0.02)]
)
RISK_EXPLOITED = Weighted([("low", 0.2), ("medium", 0.5), ("high", 0.28), ("", 0.02)])
RISK_ABSENT = Weighted([("no_apparent_risk", 0.6), ("low", 0.4)])
PLACEMENT_TYPE = Weighted(
    [
        ("childrens_home", 0.40),
        ("foster_care", 0.33),
        ("semi_independent", 0.12),
        ("kinship", 0.06),
        ("placed_with_parents", 0.03),
        ("residential_school", 0.02),
        ("secure", 0.01),
        ("other", 0.03),
    ]
)


@dataclass
class AfterReturn:
    """What is known once a child is back (all blank while still missing)."""

    return_method: str = ""
    found_location: str = ""
    notified_at: datetime | None = None
    safe_and_well_at: datetime | None = None
    safe_and_well_by: str = ""


class CaseGenerator(ChildRecords):
    def __init__(
        self, world: World, *, rng: random.Random, writer: RowWriter, ids: IdAllocator, rhis: RHIEngine
    ) -> None:
        self.world = world
        self.rng = rng
        self.writer = writer
        self.ids = ids
        self.rhis = rhis
        self.rows = Rows(world.span.now)
        self.now = world.span.now
        self.start = world.span.start
        self.episodes_written = 0
        self.rules_episodes = {}
        # Recently generated children from other authorities: a few are recorded again elsewhere (same name
        # and date of birth), which the duplicate check flags for a person to decide.
        self.duplicate_donors: list[tuple[int, str, str, str, date, str]] = []

    # -- public ------------------------------------------------------------------------------------------

    def generate_la(self, la: LACtx) -> int:
        written = 0
        while written < la.episodes_target:
            written += self.generate_child(la)
            self.writer.maybe_flush()
        return written

    def generate_child(
        self, la: LACtx, *, override: EpisodeOverride | None = None, scenario: ScenarioSpec | None = None
    ) -> int:
        rng = self.rng
        if override is None:
            low, high = EPISODE_COUNTS.pick(rng)
            count = rng.randint(low, high)
            mean_gap_days = rng.uniform(5, 40)
            # Sequences start before the period too (episodes before it are not recorded), so episodes are
            # spread evenly over the period instead of thinning out at either end.
            lead = timedelta(days=min(count * mean_gap_days * 0.5, 365))
            window = (self.now - self.start + lead).total_seconds()
            first_at = self.start - lead + timedelta(seconds=rng.uniform(0, window))
        else:
            count, mean_gap_days, first_at = 1, 30.0, override.missing_at

        child = self._new_child(la, first_at, count, looked_after=None if override is None else False)
        times = self._episode_times(child, first_at, count, mean_gap_days, override)
        if not times:
            return 0  # aged out or ran past "now" before a first episode: nothing to record
        child.id = self.ids.next(Child)
        if child.looked_after and child.id % 7 == 0 and len(times) > 1:
            # One looked-after child in seven came into care on the day of their middle episode (derived from
            # the id, not drawn, so the random stream is unchanged).
            child.care_from = times[len(times) // 2][0].astimezone(LONDON).date()
        self._place(child, times)
        episodes = [
            self._episode(child, missing_at, returned_at, override) for missing_at, returned_at in times
        ]
        self._write_child(child, episodes)
        self._flags(child, episodes)
        self._notify_placing_authority(child, episodes)
        self.rhis.simulate_child(child, episodes, scenario=scenario)
        self.episodes_written += len(episodes)
        return len(episodes)

    # -- the child ---------------------------------------------------------------------------------------

    def _new_child(self, la: LACtx, first_at: datetime, count: int, *, looked_after: bool | None) -> ChildCtx:
        rng = self.rng
        first_day = first_at.astimezone(LONDON).date()
        gender = GENDER.pick(rng)
        names = (
            MALE_FIRST_NAMES
            if gender == "male"
            else FEMALE_FIRST_NAMES
            if gender == "female"
            else NEUTRAL_FIRST_NAMES
        )
        first_name, last_name = rng.choice(names), rng.choice(LAST_NAMES)
        age_days = int((AGE_AT_FIRST.pick(rng) + rng.random()) * 365.25)
        dob = first_day - timedelta(days=age_days)
        duplicate_of = None
        donors = self.duplicate_donors
        if donors and chance(rng, 0.03):
            donor = donors[rng.randrange(len(donors))]
            donor_age = (first_day - donor[4]).days / 365.25
            if donor[1] != la.ref.code and 10 <= donor_age < 17.5:
                duplicate_of = donor[0]
                first_name, last_name, dob, gender = donor[2], donor[3], donor[4], donor[5]
        if looked_after is None:
            p_lac = 0.27 if count == 1 else 0.45 if count <= 3 else 0.66
            looked_after = chance(rng, p_lac)
        if looked_after and gender not in ("male", "female"):
            # A looked-after child's sex is on the LA's record (SSDA903 SEX is 1 or 2); chosen without drawing
            # from the generator so every other value stays as the seed decides.
            gender = "female" if len(first_name) % 2 else "male"
        profile = None
        # Exploitation and other risks concentrate in children who go missing often.
        scale = 1 + min(count, 10) / 4
        r = rng.random()
        cce, cse = (0.05, 0.01) if gender == "male" else (0.015, 0.06)
        if r < cce * scale:
            profile = "cce"
        elif r < (cce + cse) * scale:
            profile = "cse"
        elif r < (cce + cse + 0.03) * scale:
            profile = "self_harm"
        elif r < (cce + cse + 0.06) * scale:
            profile = "substance_misuse"
        sw_first = rng.choice(FEMALE_FIRST_NAMES if chance(rng, 0.7) else MALE_FIRST_NAMES)
        return ChildCtx(
            id=0,  # allocated once the child turns out to have an episode in the period
            la=la,
            first_name=first_name,
            last_name=last_name,
            date_of_birth=dob,
            gender=gender,
            looked_after=looked_after,
            profile=profile,
            social_worker_name=f"{sw_first} {rng.choice(LAST_NAMES)}",
            duplicate_of=duplicate_of,
        )

    def _episode_times(
        self,
        child: ChildCtx,
        first_at: datetime,
        count: int,
        mean_gap_days: float,
        override: EpisodeOverride | None,
    ) -> list[tuple[datetime, datetime | None]]:
        if override is not None:
            return [(override.missing_at, override.returned_at)]
        rng, now = self.rng, self.now
        eighteenth = eighteenth_birthday(child.date_of_birth)
        times: list[tuple[datetime, datetime | None]] = []
        earliest = first_at
        for _ in range(count):
            day = earliest.astimezone(LONDON).date()
            missing_at = local_moment(day, MISSING_HOUR.pick(rng), rng.randrange(60))
            if missing_at < earliest:
                missing_at = earliest + hours(rng, 0, 6)
            if missing_at >= now or missing_at.astimezone(LONDON).date() >= eighteenth:
                break
            low, high = DURATION.pick(rng)
            returned_at: datetime | None = missing_at + hours(rng, low, high)
            if returned_at is not None and returned_at > now:
                returned_at = None  # still missing at the data set's "now"
            if missing_at >= self.start:
                times.append((missing_at, returned_at))
            if returned_at is None:
                break
            # At least half a day between episodes, so the RHI for one exists before the next begins.
            earliest = returned_at + timedelta(hours=12) + timedelta(days=rng.expovariate(1 / mean_gap_days))
        return times

    def _place(self, child: ChildCtx, times: list[tuple[datetime, datetime | None]]) -> None:
        """Looked-after children live in placements; ~38% outside their own authority."""
        if not child.looked_after:
            return
        rng = self.rng
        first_day = times[0][0].astimezone(LONDON).date()
        start = max(
            first_day - timedelta(days=rng.randint(30, 900)), child.date_of_birth + timedelta(days=30)
        )
        start = min(start, first_day)
        if child.care_from is not None:
            start = child.care_from
        switch: date | None = None
        if len(times) >= 2 and chance(rng, 0.25):
            i = rng.randrange(1, len(times))
            previous_return = times[i - 1][1] or times[i - 1][0]
            switch = previous_return.astimezone(LONDON).date() + timedelta(days=1)
            if switch > times[i][0].astimezone(LONDON).date() or switch <= start:
                switch = None
        child.placements.append(
            self._placement(child, start, None if switch is None else switch - timedelta(days=1))
        )
        if switch is not None:
            child.placements.append(self._placement(child, switch, None))

    def _placement(self, child: ChildCtx, start: date, end: date | None) -> PlacementCtx:
        rng, la = self.rng, child.la
        host = la
        if la.hosts and chance(rng, la.out_of_area_rate):
            preferred = PREFERRED_HOSTS.get(la.ref.code, ())
            if preferred and chance(rng, 0.85):
                host = rng.choice(la.hosts[: len(preferred)])
            else:
                host = rng.choice(la.hosts)
        placement_type = PLACEMENT_TYPE.pick(rng)
        if placement_type == "semi_independent" and child.age_on(start) < 16:
            placement_type = "foster_care"
        provider_name = (
            rng.choice(CHILDRENS_HOMES)
            if placement_type in ("childrens_home", "semi_independent")
            else "Independent fostering agency"
            if placement_type == "foster_care" and chance(rng, 0.5)
            else ""
        )
        districts = POSTCODE_DISTRICTS.get(host.ref.code, ())
        out_of_area = host is not la
        notified_la = notified_police = None
        if out_of_area:
            # Host authority and host police should be told of the placement; a few never are.
            if chance(rng, 0.88):
                notified_la = local_moment(start + timedelta(days=rng.randint(0, 10)), 10, rng.randrange(60))
            if chance(rng, 0.85):
                notified_police = local_moment(
                    start + timedelta(days=rng.randint(0, 14)), 11, rng.randrange(60)
                )
            notified_la = notified_la if notified_la is not None and notified_la <= self.now else None
            notified_police = (
                notified_police if notified_police is not None and notified_police <= self.now else None
            )
        placement = PlacementCtx(self.ids.next(Placement), host, start, end)
        self.writer.add(
            Placement,
            self.rows.placement(
                id=placement.id,
                child_id=child.id,
                placement_type=placement_type,
                provider_name=provider_name,
                postcode=rng.choice(districts) if districts else "",
                host_la_id=host.org_id,
                police_force_area_id=host.force.org_id,
                start_date=start,
                end_date=end,
                host_la_notified_at=notified_la,
                host_police_notified_at=notified_police,
            ),
        )
        return placement

    # -- episodes ----------------------------------------------------------------------------------------

    def _episode(
        self,
        child: ChildCtx,
        missing_at: datetime,
        returned_at: datetime | None,
        override: EpisodeOverride | None,
    ) -> EpisodeCtx:
        rng, now = self.rng, self.now
        day = missing_at.astimezone(LONDON).date()
        placement = next((p for p in child.placements if p.covers(day)), None)
        host = placement.host if placement else child.la
        out_of_area = host is not child.la
        missing_from, absent = self._missing_from(child, day, override)
        category = "absent" if absent else "missing"
        risk = self._risk(child, absent, override)
        reported_at = self._reported_at(missing_at, returned_at, absent=absent, override=override)
        force = host.force if reported_at is not None else None
        reference = (
            force.next_reference(rng, reported_at.astimezone(LONDON).year) if force and reported_at else ""
        )
        after = (
            self._after_return(host, returned_at, reported_at, override)
            if returned_at is not None
            else AfterReturn()
        )
        return_method, found_location = after.return_method, after.found_location
        notified_at, safe_and_well_at, safe_and_well_by = (
            after.notified_at,
            after.safe_and_well_at,
            after.safe_and_well_by,
        )
        if reported_at is not None:
            created_at = reported_at + hours(rng, 0.1, 1.5)
        else:
            created_at = (returned_at or missing_at) + hours(rng, 1, 12)
        created_at = min(created_at, now)
        updated_at = max(t for t in (created_at, returned_at, notified_at, safe_and_well_at) if t is not None)
        rhi_created_at = None
        if returned_at is not None:
            rhi_created_at = returned_at + (hours(rng, 0.5, 10) if override is None else hours(rng, 0.2, 0.5))
            if rhi_created_at > now:
                rhi_created_at = None

        escalated_at = None
        if override is not None and override.escalated:
            # Fixed offsets, no draw: the random stream (and so the rest of the data set) is unchanged.
            escalated_at = min(created_at + timedelta(hours=2), now - timedelta(minutes=15))
            updated_at = max(updated_at, escalated_at + timedelta(minutes=15))
        episode = EpisodeCtx(
            id=self.ids.next(MissingEpisode),
            child=child,
            missing_at=missing_at,
            returned_at=returned_at,
            police_notified_at=notified_at,
            police_force=force,
            host=host,
            out_of_area=out_of_area,
            risk_level=risk,
            missing_from=missing_from,
            return_method=return_method,
            created_at=created_at,
            rhi_created_at=rhi_created_at,
        )
        self.writer.add(
            MissingEpisode,
            self.rows.episode(
                id=episode.id,
                child_id=child.id,
                responsible_la_id=child.la.org_id,
                category=category,
                risk_level=risk,
                missing_from=missing_from,
                missing_at=missing_at,
                reported_at=reported_at,
                police_force_id=force.org_id if force else None,
                police_reference=reference,
                returned_at=returned_at,
                return_method=return_method,
                found_location=found_location,
                police_notified_at=notified_at,
                safe_and_well_at=safe_and_well_at,
                safe_and_well_by=safe_and_well_by,
                placement_id=placement.id if placement else None,
                host_la_id=host.org_id,
                was_out_of_area=out_of_area,
                created_at=created_at,
                updated_at=updated_at,
                category_in_returns="" if escalated_at is None else category,
            ),
        )
        if escalated_at is not None:
            self._escalation(episode.id, escalated_at, risk)
        return episode

    def _escalation(self, episode_id: int, at: datetime, risk: str) -> None:
        """Absent at low risk, escalated to missing at ``risk`` (``EpisodeOverride.escalated``)."""
        for field, old, new in (("category", "absent", "missing"), ("risk_level", "low", risk)):
            self.writer.add(
                EpisodeChange,
                self.rows.episode_change(
                    id=self.ids.next(EpisodeChange),
                    episode_id=episode_id,
                    field=field,
                    old_value=old,
                    new_value=new,
                    changed_at=at,
                    recorded_at=at + timedelta(minutes=15),
                ),
            )

    def _missing_from(self, child: ChildCtx, day: date, override: EpisodeOverride | None) -> tuple[str, bool]:
        """Where the child went missing from, and whether only 'absent' (never for a scenario's episode). A
        child who came into care later went missing from home before (the same two draws either way)."""
        rng = self.rng
        if child.looked_after and (child.care_from is None or day >= child.care_from):
            missing_from = "care" if chance(rng, 0.95) else "other"
            absent = chance(rng, 0.2)
        else:
            missing_from = "home" if chance(rng, 0.93) else "other"
            absent = chance(rng, 0.1)
        if override is not None:
            absent = False
        return missing_from, absent

    def _risk(self, child: ChildCtx, absent: bool, override: EpisodeOverride | None) -> str:
        if override is not None:
            return override.risk_level
        if absent:
            return RISK_ABSENT.pick(self.rng)
        return (RISK_EXPLOITED if child.profile else RISK_USUAL).pick(self.rng)

    def _reported_at(
        self,
        missing_at: datetime,
        returned_at: datetime | None,
        *,
        absent: bool,
        override: EpisodeOverride | None,
    ) -> datetime | None:
        """Reported to the police (almost always when missing; often not when only absent)."""
        rng = self.rng
        reported_at: datetime | None = None
        if chance(rng, 0.4 if absent else 0.96) or override is not None:
            reported_at = missing_at + hours(rng, 0.25, 6)
            if returned_at is not None and reported_at > returned_at:
                reported_at = missing_at + (returned_at - missing_at) * rng.uniform(0.2, 1.0)
            if reported_at > self.now:
                reported_at = None
        return reported_at

    def _after_return(
        self,
        host: LACtx,
        returned_at: datetime,
        reported_at: datetime | None,
        override: EpisodeOverride | None,
    ) -> AfterReturn:
        """How the child came back, when the police told the RHI service, and the safe and well check."""
        rng, now = self.rng, self.now
        after = AfterReturn(return_method=RETURN_METHOD.pick(rng))
        if after.return_method in ("found_by_police", "returned_by_other"):
            after.found_location = rng.choice(host.places).description
        wants_notification = override.police_notified if override is not None else chance(rng, 0.92)
        if reported_at is not None and wants_notification:
            r = rng.random()
            delay = hours(rng, 2, 24) if r < 0.7 else hours(rng, 24, 48) if r < 0.95 else hours(rng, 48, 168)
            if override is not None:
                delay = hours(rng, 1, 3)
            after.notified_at = returned_at + delay if returned_at + delay <= now else None
        if reported_at is not None and chance(rng, 0.85):
            safe_and_well_at = returned_at + hours(rng, 0.5, 20)
            if safe_and_well_at <= now:
                after.safe_and_well_at = safe_and_well_at
                after.safe_and_well_by = f"PC {rng.randint(1000, 9999)}"
        return after

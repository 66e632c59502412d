"""Children, their placements and flags, possible duplicates and missing episodes.

Shape (the national picture in the background reports): mostly adolescents; about two thirds of episodes
belong to children who go missing repeatedly; ~45% of episodes are from care, and ~38% of looked-after
children live outside their own authority; returns mostly within 1–48 hours; police notifications usually
hours to two days after the return, sometimes never recorded (a data gap the clock must show).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from missing_episodes.models import Child, ChildFlag, MissingEpisode, Placement, PossibleDuplicate
from sharing.models import Disclosure

from .people import (
    CHILDRENS_HOMES,
    FEMALE_FIRST_NAMES,
    FLAG_REASONS,
    GENERIC_PHONE_PREFIX,
    KNOWN_AS,
    LAST_NAMES,
    MALE_FIRST_NAMES,
    NEUTRAL_FIRST_NAMES,
    PHONE_PREFIXES,
    POSTCODE_DISTRICTS,
    SOCIAL_WORK_TEAMS,
)
from .random_tools import Weighted, chance, hours
from .reference import LONDON as LONDON_REGION
from .reference import PREFERRED_HOSTS
from .rows import Rows
from .timeutil import LONDON, local_moment
from .world import ForceCtx, LACtx, World

if TYPE_CHECKING:
    from .rhis import RHIEngine, ScenarioSpec
    from .writer import IdAllocator, RowWriter

# Episodes per child: ~70% of children go missing once in the period, a few 13+ times; so about two thirds
# of episodes belong to children who go missing repeatedly (63–65% in the ECRC FOI analysis).
EPISODE_COUNTS = Weighted([((1, 1), 0.70), ((2, 3), 0.13), ((4, 6), 0.09), ((7, 12), 0.06), ((13, 25), 0.02)])
# Age at the first episode in the period: mostly adolescents, peak 14–16.
AGE_AT_FIRST = Weighted(
    [(8, 1), (9, 1), (10, 2), (11, 3), (12, 6), (13, 10), (14, 16), (15, 19), (16, 18), (17, 11)]
)
GENDER = Weighted([("male", 0.5), ("female", 0.48), ("other", 0.01), ("not_known", 0.01)])
ETHNICITY_PAIRS: list[tuple[str, float]] = [
    ("WBRI", 58), ("WIRI", 1), ("WIRT", 0.5), ("WOTH", 5), ("WROM", 1), ("MWBC", 5), ("MWBA", 1.5),
    ("MWAS", 1.5), ("MOTH", 3), ("AIND", 2), ("APKN", 4), ("ABAN", 1.5), ("AOTH", 1.5), ("BCRB", 3),
    ("BAFR", 4), ("BOTH", 1.5), ("CHNE", 0.3), ("OOTH", 2.5), ("REFU", 0.5), ("NOBT", 2),
]  # fmt: skip
ETHNICITY = Weighted(ETHNICITY_PAIRS)
# Cities with younger, more diverse populations.
ETHNICITY_DIVERSE = Weighted([(code, w / 2.5 if code == "WBRI" else w) for code, w in ETHNICITY_PAIRS])
DIVERSE_LAS = frozenset({"330", "333", "335", "336", "352", "380", "856", "371"})
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
NON_LAC_STATUS = Weighted([("child_in_need", 0.25), ("child_protection", 0.1), ("none", 0.65)])
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


class CaseGenerator:
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
        child = ChildCtx(
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
        return child

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
        if child.looked_after:
            missing_from = "care" if chance(rng, 0.95) else "other"
            absent = chance(rng, 0.2)
        else:
            missing_from = "home" if chance(rng, 0.93) else "other"
            absent = chance(rng, 0.1)
        if override is not None:
            absent = False
        category = "absent" if absent else "missing"
        if override is not None:
            risk = override.risk_level
        elif absent:
            risk = RISK_ABSENT.pick(rng)
        else:
            risk = (RISK_EXPLOITED if child.profile else RISK_USUAL).pick(rng)

        # Reported to the police (almost always when missing; often not when only absent).
        reported_at: datetime | None = None
        if chance(rng, 0.4 if absent else 0.96) or override is not None:
            reported_at = missing_at + hours(rng, 0.25, 6)
            if returned_at is not None and reported_at > returned_at:
                reported_at = missing_at + (returned_at - missing_at) * rng.uniform(0.2, 1.0)
            if reported_at > now:
                reported_at = None
        force = host.force if reported_at is not None else None
        reference = (
            force.next_reference(rng, reported_at.astimezone(LONDON).year) if force and reported_at else ""
        )

        return_method = found_location = ""
        notified_at = safe_and_well_at = None
        safe_and_well_by = ""
        if returned_at is not None:
            return_method = RETURN_METHOD.pick(rng)
            if return_method in ("found_by_police", "returned_by_other"):
                found_location = rng.choice(host.places).description
            wants_notification = override.police_notified if override is not None else chance(rng, 0.92)
            if reported_at is not None and wants_notification:
                r = rng.random()
                delay = (
                    hours(rng, 2, 24) if r < 0.7 else hours(rng, 24, 48) if r < 0.95 else hours(rng, 48, 168)
                )
                if override is not None:
                    delay = hours(rng, 1, 3)
                notified_at = returned_at + delay if returned_at + delay <= now else None
            if reported_at is not None and chance(rng, 0.85):
                safe_and_well_at = returned_at + hours(rng, 0.5, 20)
                if safe_and_well_at > now:
                    safe_and_well_at = None
                else:
                    safe_and_well_by = f"PC {rng.randint(1000, 9999)}"
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
            ),
        )
        return episode

    def _write_child(self, child: ChildCtx, episodes: list[EpisodeCtx]) -> None:
        rng, la = self.rng, child.la
        first_day = episodes[0].missing_at.astimezone(LONDON).date()
        if child.looked_after:
            legal_status = "looked_after"
            since = child.placements[0].start - timedelta(days=rng.randint(0, 700))
        else:
            legal_status = NON_LAC_STATUS.pick(rng)
            if legal_status == "none" and child.age_on(first_day) >= 16 and chance(rng, 0.08):
                legal_status = "care_leaver"
            since = first_day - timedelta(days=rng.randint(30, 700))
        since_or_none = max(since, child.date_of_birth) if legal_status != "none" else None
        has_worker = legal_status != "none"
        sw_first, _, sw_last = child.social_worker_name.partition(" ")
        phone_prefix = PHONE_PREFIXES.get(la.ref.code, GENERIC_PHONE_PREFIX)
        created_at = episodes[0].created_at - timedelta(minutes=1)
        updated_at = max(created_at, max(e.created_at for e in episodes))
        ethnicity = (
            ETHNICITY_DIVERSE if la.ref.code in DIVERSE_LAS or la.ref.region == LONDON_REGION else ETHNICITY
        )
        known_as = KNOWN_AS.get(child.first_name, "") if chance(rng, 0.3) else ""
        is_uasc = child.looked_after and child.age_on(first_day) >= 15 and chance(rng, 0.06)
        self.writer.add(
            Child,
            self.rows.child(
                id=child.id,
                responsible_la_id=la.org_id,
                la_child_id=f"{la.ref.code}{la.next_child_number:07d}",
                first_name=child.first_name,
                last_name=child.last_name,
                known_as=known_as,
                date_of_birth=child.date_of_birth,
                gender=child.gender,
                ethnicity=ethnicity.pick(rng),
                has_disability=chance(rng, 0.1),
                is_uasc=is_uasc,
                legal_status=legal_status,
                legal_status_since=since_or_none,
                social_worker_name=child.social_worker_name if has_worker else "",
                social_worker_email=f"{sw_first}.{sw_last}@{la.slug}.demo.invalid".lower()
                if has_worker
                else "",
                social_worker_phone=f"{phone_prefix}{rng.randrange(1000):03d}" if has_worker else "",
                social_work_team=rng.choice(SOCIAL_WORK_TEAMS) if has_worker else "",
                created_at=created_at,
                updated_at=updated_at,
            ),
        )
        la.next_child_number += 1
        self._record_duplicate(child, created_at)

    def _record_duplicate(self, child: ChildCtx, created_at: datetime) -> None:
        """Same name and date of birth as a child already known elsewhere: flagged, never merged."""
        donors = self.duplicate_donors
        donors.append(
            (
                child.id,
                child.la.ref.code,
                child.first_name,
                child.last_name,
                child.date_of_birth,
                child.gender,
            )
        )
        if len(donors) > 400:
            del donors[:100]
        if child.duplicate_of is None:
            return
        rng = self.rng
        resolved_at = created_at + timedelta(days=rng.randint(1, 20)) if chance(rng, 0.3) else None
        if resolved_at is not None and resolved_at > self.now:
            resolved_at = None
        self.writer.add(
            PossibleDuplicate,
            self.rows.possible_duplicate(
                id=self.ids.next(PossibleDuplicate),
                child_a_id=child.duplicate_of,
                child_b_id=child.id,
                reason="name_and_dob",
                status="not_duplicate" if resolved_at else "open",
                found_at=created_at,
                resolved_by_id=child.la.team.manager_id if resolved_at else None,
                resolved_at=resolved_at,
            ),
        )

    def _flags(self, child: ChildCtx, episodes: list[EpisodeCtx]) -> None:
        """Flags on some high-risk children: one active flag per kind, a few removed after review."""
        rng = self.rng
        kinds: list[tuple[str, int]] = []  # (kind, index of the episode after which it was set)
        if child.profile and chance(rng, 0.6):
            kinds.append((child.profile, min(1, len(episodes) - 1)))
            if child.profile == "cce" and chance(rng, 0.25):
                kinds.append(("gang", min(2, len(episodes) - 1)))
        if len(episodes) >= 6 and chance(rng, 0.5):
            kinds.append(("high_risk_missing", 4))
        for kind, index in kinds:
            after = episodes[index].returned_at or episodes[index].missing_at
            set_at = after + hours(rng, 24, 240)
            if set_at > self.now:
                continue
            removed_at = set_at + timedelta(days=rng.randint(60, 200)) if chance(rng, 0.1) else None
            if removed_at is not None and removed_at > self.now:
                removed_at = None
            manager_id = child.la.team.manager_id
            self.writer.add(
                ChildFlag,
                self.rows.child_flag(
                    id=self.ids.next(ChildFlag),
                    child_id=child.id,
                    kind=kind,
                    reason=FLAG_REASONS[kind],
                    set_by_id=manager_id,
                    set_at=set_at,
                    review_on=set_at.astimezone(LONDON).date() + timedelta(days=90),
                    removed_at=removed_at,
                    removed_by_id=manager_id if removed_at else None,
                ),
            )

    def _notify_placing_authority(self, child: ChildCtx, episodes: list[EpisodeCtx]) -> None:
        """An out-of-area child's placing authority is told of every episode, automatically."""
        rng, partner = self.rng, child.la.partner_user_id
        for episode in episodes:
            if not episode.out_of_area:
                continue
            shared_at = min(episode.created_at + timedelta(minutes=rng.randint(1, 30)), self.now)
            acknowledged_at = shared_at + hours(rng, 1, 96) if chance(rng, 0.8) else None
            if acknowledged_at is not None and acknowledged_at > self.now:
                acknowledged_at = None
            self.writer.add(
                Disclosure,
                self.rows.disclosure(
                    id=self.ids.next(Disclosure),
                    child_id=child.id,
                    rhi_id=None,
                    episode_id=episode.id,
                    level="notification",
                    recipient_organisation_id=child.la.org_id,
                    shared_at=shared_at,
                    shared_by_id=None,
                    lawful_basis="public_task",
                    consent_state="not_required",
                    override_justification="",
                    acknowledgement_due_at=shared_at + timedelta(days=2),
                    acknowledged_at=acknowledged_at,
                    acknowledged_by_id=partner if acknowledged_at else None,
                ),
            )

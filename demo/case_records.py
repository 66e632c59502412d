"""A generated child's own records: the child row (legal status, social worker, ethnicity), a possible
duplicate elsewhere, flags on high-risk children, and the placing authority's automatic notification of an
out-of-area child's episodes. Mixed into ``demo.cases.CaseGenerator``."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from accounts.models import Organisation
from missing_episodes.models import (
    CarePeriod,
    Child,
    ChildFlag,
    MissingEpisode,
    PossibleDuplicate,
    eighteenth_birthday,
)
from sharing.models import Disclosure
from sharing.services import disclosure_acknowledgement_due

from .case_context import ChildCtx, EpisodeCtx
from .people import (
    FLAG_REASONS,
    GENERIC_PHONE_PREFIX,
    KNOWN_AS,
    PHONE_PREFIXES,
    SOCIAL_WORK_TEAMS,
)
from .random_tools import Weighted, chance, hours
from .reference import LONDON as LONDON_REGION
from .rows import Rows
from .timeutil import LONDON

if TYPE_CHECKING:
    from .writer import IdAllocator, RowWriter

ETHNICITY_PAIRS: list[tuple[str, float]] = [
    ("WBRI", 58), ("WIRI", 1), ("WIRT", 0.5), ("WOTH", 5), ("WROM", 1), ("MWBC", 5), ("MWBA", 1.5),
    ("MWAS", 1.5), ("MOTH", 3), ("AIND", 2), ("APKN", 4), ("ABAN", 1.5), ("AOTH", 1.5), ("BCRB", 3),
    ("BAFR", 4), ("BOTH", 1.5), ("CHNE", 0.3), ("OOTH", 2.5), ("REFU", 0.5), ("NOBT", 2),
]  # fmt: skip
ETHNICITY = Weighted(ETHNICITY_PAIRS)
# Cities with younger, more diverse populations.
ETHNICITY_DIVERSE = Weighted([(code, w / 2.5 if code == "WBRI" else w) for code, w in ETHNICITY_PAIRS])
DIVERSE_LAS = frozenset({"330", "333", "335", "336", "352", "380", "856", "371"})
NON_LAC_STATUS = Weighted([("child_in_need", 0.25), ("child_protection", 0.1), ("none", 0.65)])


# A UPN's check letter: the 12 characters after it, weighted 2 to 13, summed modulo 23 (no I, O or S).
# The DfE legal status codes the demo's periods of care use, most often a full care order.
CARE_STATUS = ("C2", "C2", "C2", "V2", "V2", "C1", "E1", "J1")

UPN_CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


def demo_upn(child_id: int, la_code: str, date_of_birth: date, first_day: date) -> str:
    """A well-formed unique pupil number for a child of school age when first missing (LA code, a school
    number and serial from the child's id, unique within the LA, the year they started school), else "" (none
    yet; the SSDA903 export writes UN1). One child in ten has none recorded (written UN5). Derived, not drawn:
    the seed's random stream, and so every other value, is unchanged."""
    if child_id % 10 == 0 or (first_day - date_of_birth).days < 5 * 365:
        return ""
    body = (
        f"{la_code}{(child_id // 1000) % 10000:04d}{(date_of_birth.year + 5) % 100:02d}{child_id % 1000:03d}"
    )
    check = sum(int(digit) * weight for digit, weight in zip(body, range(2, 14), strict=True)) % 23
    return UPN_CHECK_LETTERS[check] + body


class ChildRecords:
    """Writes what belongs to the child rather than to one episode. The generator supplies the state below."""

    rng: random.Random
    writer: RowWriter
    ids: IdAllocator
    rows: Rows
    now: datetime
    duplicate_donors: list[tuple[int, str, str, str, date, str]]
    # An unsaved episode per placing authority, as the acknowledgement rule reads it (its calendar).
    rules_episodes: dict[int, MissingEpisode]

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
        care = (
            self._care_span(child, episodes, since_or_none or child.date_of_birth)
            if child.looked_after
            else None
        )
        if child.looked_after:
            # The current status follows the period of care (the draws above stay as they were).
            legal_status, since_or_none = self._status_after_care(child, care)
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
                upn=demo_upn(child.id, la.ref.code, child.date_of_birth, first_day),
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
        if care is not None:
            self._write_care_period(child, care)
        self._record_duplicate(child, created_at)

    def _care_span(
        self, child: ChildCtx, episodes: list[EpisodeCtx], since: date
    ) -> tuple[date, date | None] | None:
        """The child's period of care (start, the day care ceased or None), derived from the child's id rather
        than drawn (the random stream, and so every other value, is unchanged): care ceases at the latest on the
        18th birthday; one child in nine leaves care a month after their last episode; one in seven came into
        care on the day of their middle episode (``ChildCtx.care_from``), so the earlier ones were from home."""
        today = self.now.astimezone(LONDON).date()
        last_day = episodes[-1].missing_at.astimezone(LONDON).date()
        adult_on = eighteenth_birthday(child.date_of_birth)
        start = max(since, child.care_from) if child.care_from is not None else since
        end = adult_on if adult_on <= today else None
        if child.id % 9 == 0 and last_day + timedelta(days=30) < min(today, adult_on):
            end = last_day + timedelta(days=30)
        if start >= adult_on or (end is not None and end <= start):
            return None  # came into care too late to count: not looked after in the demo
        return start, end

    @staticmethod
    def _status_after_care(child: ChildCtx, care: tuple[date, date | None] | None) -> tuple[str, date | None]:
        """Child.legal_status as a council would have it today: looked after while the period is open; a care
        leaver once it ended at 16 or later; otherwise a child in need (still known to children's services)."""
        if care is None:
            return "child_in_need", None
        start, end = care
        if end is None:
            return "looked_after", start
        return ("care_leaver" if child.age_on(end) >= 16 else "child_in_need"), end

    def _write_care_period(self, child: ChildCtx, care: tuple[date, date | None]) -> None:
        start, end = care
        self.writer.add(
            CarePeriod,
            self.rows.care_period(
                id=self.ids.next(CarePeriod),
                child_id=child.id,
                start_date=start,
                end_date=end,
                legal_status=CARE_STATUS[child.id % len(CARE_STATUS)],
            ),
        )

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
        # The episode as the service's acknowledgement rule reads it (the placing LA's working-day calendar),
        # unsaved: the seed writes rows in bulk.
        as_read = self.rules_episodes.get(child.la.org_id)
        if as_read is None:
            placing = Organisation(pk=child.la.org_id, nation=child.la.ref.nation)
            as_read = self.rules_episodes[child.la.org_id] = MissingEpisode(responsible_la=placing)
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
                    acknowledgement_due_at=disclosure_acknowledgement_due(
                        shared_at=shared_at, rhi=None, episode=as_read
                    ),
                    acknowledged_at=acknowledged_at,
                    acknowledged_by_id=partner if acknowledged_at else None,
                ),
            )

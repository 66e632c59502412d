"""The fixed part of the demo: organisations, teams, users and roles, commissions and clock policies.

It returns small context objects (ids and rules) that the case generator uses to link children, episodes
and RHIs without reading anything back from the database.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.contrib.auth.hashers import make_password

from accounts.models import Commission, Membership, Organisation, Team, User
from rhi.clock import ClockRules, policy_on
from rhi.models import ClockPolicy
from rhi.services import policy_snapshot

from . import DEMO_PASSWORD, DEMO_PASSWORD_SALT, DEMO_USERS
from .people import (
    DEMO_PLACES,
    FEMALE_FIRST_NAMES,
    GENERIC_PLACES,
    LAST_NAMES,
    MALE_FIRST_NAMES,
    NICKNAMES,
    Place,
)
from .reference import (
    BIRMINGHAM,
    BIRMINGHAM_EARLIER_POLICY,
    BLACK_COUNTRY_TEAM,
    DEMO_LA_CODES,
    IN_HOUSE_TEAM,
    LAS_BY_CODE,
    OUT_OF_AREA_RATE,
    OUT_OF_AREA_RATES,
    POLICE_FORCES,
    PREFERRED_HOSTS,
    PROVIDERS,
    STAFFORDSHIRE,
    LocalAuthorityRef,
    PoliceForceRef,
    PolicyRef,
    ProviderRef,
    SizeConfig,
    policy_for,
    provider_for,
)
from .rows import Rows
from .timeutil import LONDON, Span
from .writer import IdAllocator, RowWriter

# How well each demo authority does (offer rate, completion once offered and not declined, share of
# completed interviews held within 72 hours of the return). The national picture is ~79% / ~53% / ~60%.
DEMO_PERFORMANCE: dict[str, tuple[float, float, float]] = {
    "330": (0.85, 0.88, 0.66),
    "333": (0.82, 0.86, 0.56),
    "335": (0.80, 0.85, 0.62),
    "860": (0.74, 0.80, 0.50),
    "681": (0.80, 0.86, 0.60),
}


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


@dataclass
class ForceCtx:
    ref: PoliceForceRef
    org_id: int
    police_user_id: int | None = None
    # Last reference number issued per year: references are unique per force, whichever LA they concern.
    counters: dict[int, int] = field(default_factory=dict)

    def next_reference(self, rng: random.Random, year: int) -> str:
        # Forces number every incident, not only missing children: leave gaps like a real sequence.
        value = self.counters.get(year, rng.randint(1_000, 20_000)) + rng.randint(1, 40)
        self.counters[year] = value
        return f"{self.ref.prefix}-{year}-{value:07d}"


@dataclass(frozen=True)
class PolicyCtx:
    id: int
    effective_from: date
    rules: ClockRules
    snapshot: dict[str, object]
    repeat_rule: str


@dataclass
class TeamCtx:
    id: int
    org_id: int
    name: str
    independent: bool  # a commissioned charity (independent provider) or the LA's own team
    worker_ids: list[int] = field(default_factory=list)
    manager_id: int = 0


@dataclass
class LACtx:
    ref: LocalAuthorityRef
    org_id: int
    slug: str
    force: ForceCtx
    team: TeamCtx
    provider_org_id: int
    policies: list[PolicyCtx]
    offer_rate: float
    complete_rate: float
    timely_rate: float
    out_of_area_rate: float
    episodes_target: int = 0
    partner_user_id: int | None = None
    hosts: list[LACtx] = field(default_factory=list)
    places: tuple[Place, ...] = ()
    nicknames: tuple[str, ...] = ()
    next_child_number: int = 1

    def policy_on(self, day: date) -> PolicyCtx:
        # rhi.clock.policy_on decides which version is in force; demo histories can start before an LA's first
        # version, and the demo times those episodes under that first version rather than the no-policy rules.
        return policy_on(self.policies, day) or self.policies[0]


@dataclass
class World:
    span: Span
    las: list[LACtx]
    las_by_code: dict[str, LACtx]
    forces: dict[str, ForceCtx]
    user_ids: dict[str, int]
    password_hash: str


class WorldBuilder:
    def __init__(
        self, config: SizeConfig, *, rng: random.Random, span: Span, writer: RowWriter, ids: IdAllocator
    ) -> None:
        self.config = config
        self.rng = rng
        self.span = span
        self.writer = writer
        self.ids = ids
        self.rows = Rows(span.now)
        # One hash for every demo user: hashing is deliberately slow, and a fixed salt keeps runs identical.
        self.password_hash = make_password(DEMO_PASSWORD, salt=DEMO_PASSWORD_SALT)
        self.user_ids: dict[str, int] = {}
        self.org_ids: dict[tuple[str, str], int] = {}

    # -- helpers -----------------------------------------------------------------------------------------

    def _org(self, *, name: str, kind: str, code: str = "", nation: str = "ENG", **extra: object) -> int:
        org_id = self.ids.next(Organisation)
        self.writer.add(
            Organisation,
            self.rows.organisation(id=org_id, name=name, kind=kind, code=code, nation=nation, **extra),
        )
        self.org_ids[(kind, code or name)] = org_id
        return org_id

    def _user(
        self,
        username: str,
        *,
        organisation_id: int | None,
        first_name: str | None = None,
        last_name: str | None = None,
        job_title: str = "",
        is_superuser: bool = False,
        is_staff: bool = False,
    ) -> int:
        user_id = self.ids.next(User)
        if first_name is None or last_name is None:
            first_name = self.rng.choice(MALE_FIRST_NAMES if self.rng.random() < 0.4 else FEMALE_FIRST_NAMES)
            last_name = self.rng.choice(LAST_NAMES)
        self.writer.add(
            User,
            self.rows.user(
                id=user_id,
                username=username,
                password=self.password_hash,
                first_name=first_name,
                last_name=last_name,
                organisation_id=organisation_id,
                date_joined=self.span.setup_at,
                job_title=job_title,
                is_superuser=is_superuser,
                is_staff=is_staff,
            ),
        )
        self.user_ids[username] = user_id
        return user_id

    def _membership(self, user_id: int, organisation_id: int, role: str, team_id: int | None = None) -> None:
        self.writer.add(
            Membership,
            self.rows.membership(
                id=self.ids.next(Membership),
                user_id=user_id,
                organisation_id=organisation_id,
                team_id=team_id,
                role=role,
            ),
        )

    def _policy(
        self, la_org_id: int, la: LocalAuthorityRef, ref: PolicyRef, effective_from: date
    ) -> PolicyCtx:
        closure_days = sorted(
            date(year, month, day).isoformat()
            for year in range(self.span.start.year - 1, self.span.now.year + 2)
            for month, day in ref.closure_month_days
        )
        policy_id = self.ids.next(ClockPolicy)
        row = self.rows.clock_policy(
            id=policy_id,
            local_authority_id=la_org_id,
            effective_from=effective_from,
            basis=ref.basis,
            complete_unit=ref.complete_unit,
            complete_length=ref.complete_length,
            contact_unit=ref.contact_unit,
            contact_length=ref.contact_length,
            nation=la.nation,
            closure_days=closure_days,
            due_soon_hours=ref.due_soon_hours,
            repeat_rule=ref.repeat_rule,
            created_at=datetime.combine(effective_from, time(9, 0), tzinfo=LONDON).astimezone(UTC),
        )
        self.writer.add(ClockPolicy, row)
        # The RHIs' snapshot and rules come from the services' own builders, on the policy as it is stored.
        stored = ClockPolicy(**row)
        snapshot = policy_snapshot(stored, local_authority=Organisation(pk=la_org_id, nation=la.nation))
        rules = ClockRules.from_snapshot(snapshot)
        return PolicyCtx(policy_id, effective_from, rules, snapshot, ref.repeat_rule)

    # -- the world ---------------------------------------------------------------------------------------

    def build(self) -> World:
        config, span = self.config, self.span
        # The demo authorities first, so their organisation ids are the same in every size.
        la_refs = sorted(
            (LAS_BY_CODE[code] for code in config.la_codes),
            key=lambda la: (la.code not in DEMO_LA_CODES, config.la_codes.index(la.code)),
        )
        force_codes = {la.force_code for la in la_refs}
        force_refs = [f for f in POLICE_FORCES if config.all_forces or f.code in force_codes]
        providers = self._providers(la_refs)
        # Organisations: authorities, then forces, then the charities.
        la_org = {
            la.code: self._org(name=la.name, kind="local_authority", code=la.code, nation=la.nation)
            for la in la_refs
        }
        forces = {
            f.code: ForceCtx(
                f,
                self._org(
                    name=f.name, kind="police_force", code=f.code, nation="WLS" if f.code[0] == "W" else "ENG"
                ),
            )
            for f in force_refs
        }
        provider_org = {p.name: self._org(name=p.name, kind="rhi_provider") for p in providers}

        teams = self._teams(la_refs, la_org, provider_org)
        self._demo_users(la_refs, la_org, forces, provider_org, teams)
        weight = {la.code: config.weights.get(la.code, la.weight) for la in la_refs}
        self._generated_staff(la_refs, teams, weight)
        partner_ids = self._partners(la_refs, la_org)
        self._police_users(forces)
        contexts = self._authorities(la_refs, la_org, forces, teams, weight, partner_ids)
        by_code = {ctx.ref.code: ctx for ctx in contexts}
        for ctx in contexts:
            preferred = [by_code[c] for c in PREFERRED_HOSTS.get(ctx.ref.code, ()) if c in by_code]
            same_region = [o for o in contexts if o is not ctx and o.ref.region == ctx.ref.region]
            ctx.hosts = preferred + [o for o in same_region if o not in preferred]
        return World(span, contexts, by_code, forces, dict(self.user_ids), self.password_hash)

    def _providers(self, la_refs: list[LocalAuthorityRef]) -> list[ProviderRef]:
        providers: list[ProviderRef] = []
        for la in la_refs:
            provider = provider_for(la)
            if provider is not None and provider not in providers:
                providers.append(provider)
        providers.sort(key=PROVIDERS.index)
        return providers

    def _teams(
        self, la_refs: list[LocalAuthorityRef], la_org: dict[str, int], provider_org: dict[str, int]
    ) -> dict[str, TeamCtx]:
        # Teams: one in-house team per LA that delivers its own RHIs; charities per LA or one shared team.
        teams: dict[str, TeamCtx] = {}
        provider_teams: dict[str, TeamCtx] = {}
        for la in la_refs:
            provider = provider_for(la)
            if provider is None:
                org_id, name, independent = la_org[la.code], IN_HOUSE_TEAM, False
            elif provider.single_team:
                if provider.name in provider_teams:
                    teams[la.code] = provider_teams[provider.name]
                    continue
                org_id, name, independent = provider_org[provider.name], provider.single_team, True
            else:
                org_id, name, independent = provider_org[provider.name], f"{la.name} team", True
            team = TeamCtx(self.ids.next(Team), org_id, name, independent)
            self.writer.add(Team, self.rows.team(id=team.id, organisation_id=org_id, name=name))
            teams[la.code] = team
            if provider is not None and provider.single_team:
                provider_teams[provider.name] = team

        return teams

    def _demo_users(
        self,
        la_refs: list[LocalAuthorityRef],
        la_org: dict[str, int],
        forces: dict[str, ForceCtx],
        provider_org: dict[str, int],
        teams: dict[str, TeamCtx],
    ) -> None:
        # The fixed demo users first, so their ids are the same in every size.
        org_by_name = {la.name: la_org[la.code] for la in la_refs}
        org_by_name.update({f.ref.name: f.org_id for f in forces.values()})
        org_by_name.update(provider_org)
        team_by_key = {(t.org_id, t.name): t for t in teams.values()}
        for demo in DEMO_USERS:
            demo_org_id = org_by_name[demo.organisation] if demo.organisation else None
            user_id = self._user(
                demo.username,
                organisation_id=demo_org_id,
                first_name=demo.first_name,
                last_name=demo.last_name,
                job_title=demo.description.split(" (")[0],
                is_superuser=demo.is_superuser,
                is_staff=demo.is_staff,
            )
            if demo.role is None or demo_org_id is None:
                continue
            demo_team = team_by_key.get((demo_org_id, demo.team)) if demo.team else None
            self._membership(user_id, demo_org_id, demo.role, demo_team.id if demo_team else None)
            if demo_team is not None and demo.role == "rhi_worker":
                demo_team.worker_ids.append(user_id)
            if demo_team is not None and demo.role == "team_manager":
                demo_team.manager_id = user_id

    def _generated_staff(
        self, la_refs: list[LocalAuthorityRef], teams: dict[str, TeamCtx], weight: dict[str, float]
    ) -> None:
        # Generated staff: enough workers for each team's caseload, a manager where the demo has none.
        served: dict[int, float] = {}
        for la in la_refs:
            served[teams[la.code].id] = served.get(teams[la.code].id, 0.0) + weight[la.code]
        seen_teams: set[int] = set()
        for la in la_refs:
            team = teams[la.code]
            if team.id in seen_teams:
                continue
            seen_teams.add(team.id)
            slug = slugify(BLACK_COUNTRY_TEAM if team.name == BLACK_COUNTRY_TEAM else la.name)
            wanted = 2 + int(served[team.id] // 4)
            number = len(team.worker_ids)
            while len(team.worker_ids) < wanted:
                number += 1
                user_id = self._user(
                    f"{slug}.worker{number}", organisation_id=team.org_id, job_title="RHI worker"
                )
                self._membership(user_id, team.org_id, "rhi_worker", team.id)
                team.worker_ids.append(user_id)
            if not team.manager_id:
                team.manager_id = self._user(
                    f"{slug}.manager", organisation_id=team.org_id, job_title="Team manager"
                )
                self._membership(team.manager_id, team.org_id, "team_manager", team.id)

    def _partners(self, la_refs: list[LocalAuthorityRef], la_org: dict[str, int]) -> dict[str, int]:
        # Partner viewers (placing authorities acknowledge notifications) and police coordinators.
        partner_ids: dict[str, int] = (
            {STAFFORDSHIRE: self.user_ids["partner"]} if STAFFORDSHIRE in la_org else {}
        )
        for la in la_refs:
            if la.code not in partner_ids:
                partner_ids[la.code] = self._user(
                    f"{slugify(la.name)}.partner",
                    organisation_id=la_org[la.code],
                    job_title="Placements officer",
                )
                self._membership(partner_ids[la.code], la_org[la.code], "partner_viewer")
        return partner_ids

    def _police_users(self, forces: dict[str, ForceCtx]) -> None:
        for force in forces.values():
            if force.ref.code == "E23000014":
                force.police_user_id = self.user_ids["police"]
                continue
            force.police_user_id = self._user(
                f"police.{slugify(force.ref.name)}",
                organisation_id=force.org_id,
                job_title="Missing persons coordinator",
            )
            self._membership(force.police_user_id, force.org_id, "police")

    def _authorities(
        self,
        la_refs: list[LocalAuthorityRef],
        la_org: dict[str, int],
        forces: dict[str, ForceCtx],
        teams: dict[str, TeamCtx],
        weight: dict[str, float],
        partner_ids: dict[str, int],
    ) -> list[LACtx]:
        """Each authority's commission, clock policies and the context the cases are generated in."""
        config, rng, span = self.config, self.rng, self.span
        # Commissions and clock policies, then the per-LA context.
        contexts: list[LACtx] = []
        commission_start = (span.start - timedelta(days=400)).date().replace(day=1)
        policy_start = (span.start - timedelta(days=30)).date()
        total_weight = sum(weight.values())
        for la in la_refs:
            team = teams[la.code]
            self.writer.add(
                Commission,
                self.rows.commission(
                    id=self.ids.next(Commission),
                    local_authority_id=la_org[la.code],
                    provider_id=team.org_id,
                    starts_on=commission_start,
                ),
            )
            policies = self._policies(la, la_org[la.code], policy_start)
            offer, complete, timely = self._rates(la)
            places = DEMO_PLACES.get(la.code) or tuple(
                Place(text.format(town=la.name), kind, la.name) for text, kind in GENERIC_PLACES
            )
            contexts.append(
                LACtx(
                    ref=la,
                    org_id=la_org[la.code],
                    slug=slugify(la.name),
                    force=forces[la.force_code],
                    team=team,
                    provider_org_id=team.org_id,
                    policies=policies,
                    offer_rate=offer,
                    complete_rate=complete,
                    timely_rate=timely,
                    out_of_area_rate=OUT_OF_AREA_RATES.get(la.code, OUT_OF_AREA_RATE),
                    episodes_target=round(config.episodes * weight[la.code] / total_weight),
                    partner_user_id=partner_ids.get(la.code),
                    places=places,
                    nicknames=tuple(rng.sample(NICKNAMES, 8)),
                )
            )
        return contexts

    def _policies(self, la: LocalAuthorityRef, org_id: int, policy_start: date) -> list[PolicyCtx]:
        if la.code == BIRMINGHAM:
            policies = [
                self._policy(org_id, la, BIRMINGHAM_EARLIER_POLICY, policy_start),
                self._policy(org_id, la, policy_for(la), (self.span.now - timedelta(days=365)).date()),
            ]
        else:
            policies = [self._policy(org_id, la, policy_for(la), policy_start)]
        return policies

    def _rates(self, la: LocalAuthorityRef) -> tuple[float, float, float]:
        """Offer, completion and timeliness rates: the demo's fixed ones, else the "postcode lottery"."""
        if la.code in DEMO_PERFORMANCE:
            return DEMO_PERFORMANCE[la.code]
        rng = self.rng
        offer = min(0.98, max(0.55, rng.gauss(0.81, 0.08)))
        complete = min(0.97, max(0.70, rng.gauss(0.86, 0.05)))
        timely = min(0.9, max(0.3, rng.gauss(0.6, 0.12)))
        return offer, complete, timely

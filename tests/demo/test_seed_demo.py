"""seed_demo: the fixed demo logins and organisations, realistic shape, valid rows and determinism.

The small data set is seeded once for the module inside a transaction that is rolled back at the end;
each test runs in a savepoint inside it. The determinism test needs real commits, so it lives in its own
module (test_seed_demo_determinism.py): here the module's open transaction would block its TRUNCATEs.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from itertools import pairwise

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, Q
from pytest_django import DjangoDbBlocker

from accounts.models import Commission, Membership, Organisation, User
from casenotes.models import CaseNote
from demo import DEMO_PASSWORD, DEMO_USERS
from demo.generator import MODEL_ORDER, SeedResult, seed_demo
from demo.reference import FORCES_BY_CODE, LAS_BY_CODE, LOCAL_AUTHORITIES, POLICE_FORCES
from demo.timeutil import Span
from missing_episodes.identifiers import validate_la_child_id, validate_police_reference
from missing_episodes.matching import match_child
from missing_episodes.models import (
    CarePeriod,
    Child,
    ChildMatchQuestion,
    MissingEpisode,
    Placement,
    PossibleDuplicate,
    eighteenth_birthday,
)
from missing_episodes.selectors import looked_after_on, match_queue_summary
from reporting.ssda903 import CollectionYear, validate_year
from reporting.ssda903_spec import UPN_PATTERN
from rhi.clock import ClockRules, Deadlines, compute_deadlines, open_state, policy_day
from rhi.models import OPEN_STATES, ClockPolicy, Interview, ReturnHomeInterview, RHIEpisode, StateTransition
from rhi.selectors import clock_rules_for_policy, policy_in_force
from rhi.services import policy_snapshot
from sharing.models import Disclosure

SEED = 7
ANCHOR = date(2026, 3, 18)
NOW = Span.for_anchor(ANCHOR, 2).now
APP_LABELS = ("accounts", "missing_episodes", "rhi", "referrals", "sharing", "casenotes")


@pytest.fixture(scope="module")
def seeded(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[SeedResult]:
    with django_db_blocker.unblock(), transaction.atomic():
        result = seed_demo(size="small", seed=SEED, anchor=ANCHOR)
        yield result
        transaction.set_rollback(True)


@pytest.fixture
def demo(seeded: SeedResult, db: None) -> SeedResult:
    return seeded


def _returned_at(link: RHIEpisode) -> datetime:
    returned_at = link.episode.returned_at
    assert returned_at is not None, "an interviewed episode has a return"
    return returned_at


def _episodes_long_closed() -> list[RHIEpisode]:
    """Episodes whose RHI has had time to finish: returned more than 30 days before the anchor."""
    return list(
        RHIEpisode.objects.filter(episode__returned_at__lt=NOW - timedelta(days=30)).select_related(
            "rhi", "episode"
        )
    )


# -- shape and size -----------------------------------------------------------------------------------------


def test_counts_are_in_sensible_ranges_and_match_the_database(demo: SeedResult) -> None:
    counts = demo.counts
    assert demo.created and demo.anchor == ANCHOR
    assert 900 <= counts["missing_episodes.MissingEpisode"] <= 1_200
    assert 300 <= counts["missing_episodes.Child"] <= 700
    assert counts["rhi.ReturnHomeInterview"] >= 0.8 * counts["missing_episodes.MissingEpisode"]
    assert counts["rhi.Interview"] >= 400
    assert counts["referrals.Referral"] >= 100
    assert counts["sharing.Disclosure"] >= 100
    assert counts["missing_episodes.PossibleDuplicate"] >= 1
    for model in MODEL_ORDER:
        assert model._default_manager.count() == counts[model._meta.label], model


def test_every_demo_user_exists_with_its_role_and_shares_one_password(demo: SeedResult) -> None:
    hashes = set()
    for expected in DEMO_USERS:
        user = User.objects.get(username=expected.username)
        hashes.add(user.password)
        assert user.email == f"{expected.username}@demo.invalid"
        assert user.first_name and user.last_name
        assert user.is_superuser == expected.is_superuser and user.is_staff == expected.is_staff
        memberships = list(Membership.objects.filter(user=user).select_related("organisation", "team"))
        if expected.role is None:
            assert memberships == [] and user.organisation_id is None
            continue
        assert user.organisation is not None and user.organisation.name == expected.organisation
        assert [(m.role, m.organisation.name, m.team.name if m.team else None) for m in memberships] == [
            (expected.role, expected.organisation, expected.team)
        ]
    assert len(hashes) == 1
    assert User.objects.get(username="worker").check_password(DEMO_PASSWORD)


def test_organisations_carry_real_codes_and_the_fixed_commissions(demo: SeedResult) -> None:
    las = {o.code: o for o in Organisation.objects.filter(kind="local_authority")}
    assert {code: o.name for code, o in las.items()} == {
        "330": "Birmingham",
        "333": "Sandwell",
        "335": "Walsall",
        "860": "Staffordshire",
        "681": "Cardiff",
    }
    assert las["681"].nation == "WLS"
    forces = dict(Organisation.objects.filter(kind="police_force").values_list("code", "name"))
    assert forces == {
        "E23000014": "West Midlands Police",
        "E23000015": "Staffordshire Police",
        "W15000003": "South Wales Police",
    }
    provider = Organisation.objects.get(kind="rhi_provider")
    assert (provider.name, provider.code) == ("Safe Return Partnership", "")
    commissioned = {c.local_authority.code: c.provider.name for c in Commission.objects.select_related()}
    assert commissioned == {
        "330": "Birmingham",
        "333": "Safe Return Partnership",
        "335": "Safe Return Partnership",
        "860": "Staffordshire",
        "681": "Cardiff",
    }


def test_reference_data_uses_real_codes_for_every_force_and_authority() -> None:
    assert len(POLICE_FORCES) == 43
    assert FORCES_BY_CODE["E23000034"].name == "City of London Police"
    assert FORCES_BY_CODE["W15000003"].name == "South Wales Police"
    assert {f.code for f in POLICE_FORCES} == {f"E23{n:06d}" for n in range(1, 40)} | {
        f"W15{n:06d}" for n in range(1, 5)
    }
    assert len(LOCAL_AUTHORITIES) == len(LAS_BY_CODE) >= 140
    assert all(la.force_code in FORCES_BY_CODE for la in LOCAL_AUTHORITIES)
    assert {la.force_code for la in LOCAL_AUTHORITIES if la.nation == "ENG"} == {
        f"E23{n:06d}" for n in range(1, 40)
    }
    assert (LAS_BY_CODE["202"].name, LAS_BY_CODE["886"].name, LAS_BY_CODE["888"].name) == (
        "Camden",
        "Kent",
        "Lancashire",
    )


def test_clock_policies_differ_between_authorities(demo: SeedResult) -> None:
    def current(code: str) -> ClockPolicy:
        policy = ClockPolicy.objects.filter(local_authority__code=code).order_by("-effective_from").first()
        assert policy is not None, f"LA {code} has a clock policy"
        return policy

    birmingham, sandwell, walsall, cardiff = (current(c) for c in ("330", "333", "335", "681"))
    assert (
        birmingham.basis,
        birmingham.complete_unit,
        birmingham.complete_length,
        birmingham.repeat_rule,
    ) == (
        "return",
        "hours",
        72,
        "bunch_from_latest",
    )
    assert (sandwell.basis, sandwell.complete_unit, sandwell.complete_length, sandwell.repeat_rule) == (
        "police_notification",
        "working_days",
        3,
        "separate",
    )
    assert sandwell.closure_days
    assert (walsall.complete_unit, walsall.complete_length, walsall.contact_unit, walsall.contact_length) == (
        "calendar_days",
        3,
        "hours",
        24,
    )
    assert (cardiff.complete_unit, cardiff.nation) == ("working_days", "WLS")
    # Birmingham changed policy a year ago: older RHIs keep the earlier snapshot.
    assert ClockPolicy.objects.filter(local_authority__code="330").count() == 2


# -- realism ------------------------------------------------------------------------------------------------


def test_realism_ratios_match_the_national_picture(demo: SeedResult) -> None:
    links = _episodes_long_closed()
    interviews = dict(Interview.objects.values_list("rhi_id", "held_at"))
    offered = [link for link in links if link.rhi.offered_at is not None]
    completed = [link for link in links if link.rhi_id in interviews]
    declined = [link for link in links if link.rhi.outcome == "declined"]
    assert len(links) > 800
    assert abs(len(offered) / len(links) - 0.79) <= 0.08
    assert abs(len(completed) / len(links) - 0.53) <= 0.10
    assert abs(len(declined) / len(offered) - 0.18) <= 0.07
    within_72 = [
        link for link in completed if interviews[link.rhi_id] - _returned_at(link) <= timedelta(hours=72)
    ]
    assert abs(len(within_72) / len(completed) - 0.6) <= 0.12

    episodes = list(MissingEpisode.objects.select_related("child"))
    per_child = Counter(e.child_id for e in episodes)
    repeat_share = sum(n for n in per_child.values() if n > 1) / len(episodes)
    assert abs(repeat_share - 2 / 3) <= 0.12
    assert max(per_child.values()) >= 10
    ages = [(e.missing_at.date() - e.child.date_of_birth).days / 365.25 for e in episodes]
    assert sum(12 <= a < 18 for a in ages) / len(ages) >= 0.8
    assert all(a < 18 for a in ages)
    from_care = sum(e.missing_from == "care" for e in episodes) / len(episodes)
    assert abs(from_care - 0.45) <= 0.1
    absent = sum(e.category == "absent" for e in episodes) / len(episodes)
    assert 0.08 <= absent <= 0.22
    risks = Counter(e.risk_level for e in episodes)
    assert risks["low"] + risks["medium"] > 0.6 * len(episodes) and risks["high"] > 0

    looked_after = Child.objects.filter(legal_status="looked_after")
    out_of_area = looked_after.filter(
        Q(placements__end_date__isnull=True) & ~Q(placements__host_la=F("responsible_la"))
    ).count()
    assert 0.25 <= out_of_area / looked_after.count() <= 0.5


def test_open_rhis_in_every_state_for_both_demo_teams(demo: SeedResult) -> None:
    for provider in ("Safe Return Partnership", "Birmingham"):
        open_rhis = list(ReturnHomeInterview.objects.filter(provider__name=provider, state__in=OPEN_STATES))
        assert {r.state for r in open_rhis} == set(OPEN_STATES), provider
        clock_states = set()
        for rhi in open_rhis:
            stored = Deadlines(rhi.clock_started_at, rhi.contact_due_at, rhi.due_at, rhi.due_soon_at)
            clock_states.add(open_state(stored, NOW))
        assert {"on_track", "due_soon", "overdue"} <= set(clock_states), provider
    # Sandwell counts from the police notification: one RHI shows the clock not started (a data gap).
    assert ReturnHomeInterview.objects.filter(
        local_authority__code="333", state__in=OPEN_STATES, clock_started_at__isnull=True
    ).exists()
    assert MissingEpisode.objects.filter(returned_at__isnull=True).exists()  # a child still missing
    worker = User.objects.get(username="worker")
    assert ReturnHomeInterview.objects.filter(allocated_worker=worker, state__in=OPEN_STATES).count() >= 5


def test_stored_deadlines_come_from_the_clock_module_and_the_policy_snapshot(demo: SeedResult) -> None:
    for rhi in ReturnHomeInterview.objects.select_related("policy").order_by("pk")[:300]:
        assert rhi.policy is not None
        # The service's own snapshot: the clock rules plus the repeat rule and which policy (issue 13).
        assert rhi.policy_snapshot == policy_snapshot(rhi.policy, local_authority=rhi.local_authority)
        assert ClockRules.from_snapshot(rhi.policy_snapshot) == clock_rules_for_policy(rhi.policy)
        links = list(rhi.episode_links.select_related("episode"))
        counting = [link.episode for link in links if link.counts_for_timeliness]
        clock_episode = max(counting, key=lambda e: e.missing_at) if counting else links[0].episode
        if rhi.policy.repeat_rule == "bunch_from_first":
            clock_episode = min((link.episode for link in links), key=lambda e: e.missing_at)
        deadlines = compute_deadlines(
            ClockRules.from_snapshot(rhi.policy_snapshot),
            returned_at=clock_episode.returned_at,
            police_notified_at=clock_episode.police_notified_at,
        )
        assert (rhi.clock_started_at, rhi.contact_due_at, rhi.due_at, rhi.due_soon_at) == (
            deadlines.start,
            deadlines.contact_due,
            deadlines.due,
            deadlines.due_soon,
        )


def test_repeat_episodes_follow_each_authoritys_repeat_rule(demo: SeedResult) -> None:
    multi = Counter(RHIEpisode.objects.values_list("rhi_id", flat=True))
    bunched_ids = [rhi_id for rhi_id, n in multi.items() if n > 1]
    assert bunched_ids, "some RHIs address several episodes"
    for rhi in ReturnHomeInterview.objects.filter(pk__in=bunched_ids).select_related("policy"):
        assert rhi.policy is not None
        links = sorted(rhi.episode_links.select_related("episode"), key=lambda link: link.episode.missing_at)
        assert {link.episode.child_id for link in links} == {rhi.child_id}
        # As the service decides: each later episode joined because its own policy bunches.
        for link in links[1:]:
            day = policy_day(returned_at=link.episode.returned_at, missing_at=link.episode.missing_at)
            policy = policy_in_force(local_authority=rhi.local_authority, on=day)
            assert policy is not None and policy.repeat_rule != "separate"
        if rhi.policy.repeat_rule == "bunch_from_latest":
            assert [link.counts_for_timeliness for link in links] == [False] * (len(links) - 1) + [True]
    superseded = ReturnHomeInterview.objects.filter(outcome="superseded").select_related("superseded_by")
    assert superseded.exists()
    for rhi in superseded:
        assert rhi.superseded_by is not None
        assert rhi.superseded_by.child_id == rhi.child_id and rhi.superseded_by.created_at > rhi.created_at


def test_lifecycle_history_and_outcomes_are_consistent(demo: SeedResult) -> None:
    for rhi in ReturnHomeInterview.objects.order_by("pk")[:400]:
        steps = list(StateTransition.objects.filter(rhi=rhi).order_by("at", "pk"))
        assert steps[0].from_state == "" and steps[0].to_state == "unallocated"
        assert all(a.to_state == b.from_state for a, b in pairwise(steps))
        assert steps[-1].to_state == rhi.state
        if rhi.state == "approved":
            assert rhi.approved_by_id != rhi.submitted_by_id and hasattr(rhi, "interview")
        if rhi.outcome == "declined":
            assert rhi.offered_at and rhi.declined_by and rhi.decline_reason and rhi.decline_reason_text
        if rhi.offered_at is not None:
            assert rhi.contact_attempts.filter(attempted_at__lte=rhi.offered_at).count() >= 1


def test_out_of_area_children_and_what_is_shared(demo: SeedResult) -> None:
    staffordshire = Organisation.objects.get(code="860", kind="local_authority")
    placed = Placement.objects.filter(child__responsible_la=staffordshire).exclude(host_la=staffordshire)
    assert set(placed.values_list("host_la__code", flat=True)) <= {"333", "335"} and placed.exists()
    assert (
        Placement.objects.exclude(host_la=F("child__responsible_la"))
        .filter(host_la_notified_at__isnull=True)
        .exists()
    )
    notifications = Disclosure.objects.filter(recipient_organisation=staffordshire, level="notification")
    assert (
        notifications.filter(episode__isnull=False).exists()
        and notifications.filter(rhi__isnull=False).exists()
    )
    summaries = Disclosure.objects.filter(level="intelligence_summary")
    assert summaries.exists()
    assert set(summaries.values_list("consent_state", flat=True)) <= {
        "given",
        "refused_overridden",
        "not_sought",
    }
    assert (
        PossibleDuplicate.objects.filter(child_a__lt=F("child_b")).count()
        == PossibleDuplicate.objects.count()
    )


def test_nothing_happens_after_the_anchors_midday(demo: SeedResult) -> None:
    checks = {
        MissingEpisode: ("missing_at", "returned_at", "police_notified_at", "safe_and_well_at", "updated_at"),
        ReturnHomeInterview: ("created_at", "updated_at", "offered_at", "approved_at", "state_changed_at"),
        StateTransition: ("at",),
        Interview: ("held_at", "updated_at"),
        Disclosure: ("shared_at", "acknowledged_at"),
    }
    for model, fields in checks.items():
        latest = model._default_manager.aggregate(**{f: Max(f) for f in fields})
        assert all(value is None or value <= NOW for value in latest.values()), model


def test_rows_pass_model_validation(demo: SeedResult) -> None:
    for model in MODEL_ORDER:
        rows = list(model._default_manager.order_by("pk")[:200])
        assert rows, model  # an empty table would pass vacuously
        for obj in rows:
            obj.full_clean()


def test_seeding_again_changes_nothing(demo: SeedResult) -> None:
    again = seed_demo(size="small", seed=SEED + 1, anchor=ANCHOR)
    assert not again.created
    assert MissingEpisode.objects.count() == demo.counts["missing_episodes.MissingEpisode"]


# -- determinism ----------------------------------------------------------------------------------------------


def test_demo_ssda903_missing_returns_pass_the_dfe_rules_for_every_la(demo: SeedResult) -> None:
    this_year = CollectionYear.containing(ANCHOR)
    for la in Organisation.objects.filter(kind="local_authority"):
        for year in (CollectionYear.starting(this_year.start.year - 1), this_year):
            assert validate_year(local_authority_id=la.pk, year=year) == [], (la.code, year)


def test_demo_upns_are_well_formed_with_their_check_letter_and_unique_in_each_la(demo: SeedResult) -> None:
    upns = list(Child.objects.exclude(upn="").values_list("responsible_la_id", "upn"))
    assert len(upns) >= 0.5 * Child.objects.count()  # most children are of school age
    for _, upn in upns:
        assert re.fullmatch(UPN_PATTERN, upn) and not upn.startswith("UN"), upn
        weighted = sum(int(digit) * weight for digit, weight in zip(upn[1:], range(2, 14), strict=True))
        assert upn[0] == "ABCDEFGHJKLMNPQRTUVWXYZ"[weighted % 23], upn
    assert len(set(upns)) == len(upns)


def test_every_demo_child_id_and_police_reference_fits_the_intake_patterns(demo: SeedResult) -> None:

    def misfits(values, validator) -> list[str]:  # type: ignore[no-untyped-def]
        bad = []
        for value in values:
            try:
                validator(value)
            except ValidationError:
                bad.append(value)
        return bad

    # A provisional child (a police notification without the council's id, waiting to be matched) has none.
    ids = Child.objects.exclude(la_child_id="").values_list("la_child_id", flat=True)
    assert set(Child.objects.filter(la_child_id="").values_list("pk", flat=True)) == set(
        ChildMatchQuestion.objects.values_list("provisional_child_id", flat=True)
    )
    references = MissingEpisode.objects.exclude(police_reference="").values_list(
        "police_reference", flat=True
    )
    assert ids.exists() and references.exists()
    assert misfits(ids, validate_la_child_id) == []
    assert misfits(references, validate_police_reference) == []


def test_the_black_country_manager_has_children_to_match_by_the_one_matching_rule(demo: SeedResult) -> None:
    manager = User.objects.get(username="manager")
    summary = match_queue_summary(manager)
    assert summary.count == 2 and summary.oldest_raised_at is not None
    for question in ChildMatchQuestion.objects.select_related("provisional_child"):
        child = question.provisional_child
        assert child is not None and question.episode.child_id == child.pk
        found = match_child(
            responsible_la=child.responsible_la_id,
            first_name=child.first_name,
            last_name=child.last_name,
            date_of_birth=child.date_of_birth,
        )
        # What the service would have found (the provisional child itself aside).
        others = [c for c in found.candidates if c.pk != child.pk]
        assert sorted(c.pk for c in others) == sorted(question.candidates.values_list("pk", flat=True))
        exact = [c for c in found.exact if c.pk != child.pk]
        assert question.reason == ("several" if len(exact) > 1 else "near")
        assert question.reason == "several" or not exact


def test_demo_care_ends_by_the_18th_birthday_and_some_children_leave_or_enter_care_mid_way(
    demo: SeedResult,
) -> None:
    periods = list(CarePeriod.objects.select_related("child"))
    today = NOW.date()

    assert periods
    for period in periods:
        adult_on = eighteenth_birthday(period.child.date_of_birth)
        assert period.start_date < adult_on
        assert period.end_date is not None or adult_on > today, period.child.la_child_id
        assert period.end_date is None or period.end_date <= min(adult_on, today)
    assert (
        Child.objects.filter(
            looked_after_on(today), date_of_birth__lte=today - timedelta(days=18 * 366)
        ).count()
        == 0
    )
    left_early = [
        p for p in periods if p.end_date and p.end_date < eighteenth_birthday(p.child.date_of_birth)
    ]
    entered_after_an_episode = CarePeriod.objects.filter(
        child__episodes__missing_at__date__lt=F("start_date")
    ).distinct()
    assert left_early and entered_after_an_episode.exists()
    # Episodes before a child came into care were from home, and today's status follows the periods.
    assert not MissingEpisode.objects.filter(
        missing_from="care", child__care_periods__start_date__gt=F("missing_at__date")
    ).exists()
    looked_after_today = set(Child.objects.filter(looked_after_on(today)).values_list("pk", flat=True))
    assert looked_after_today == set(
        Child.objects.filter(legal_status="looked_after").values_list("pk", flat=True)
    )
    assert Child.objects.filter(legal_status="care_leaver", care_periods__end_date__isnull=False).exists()


def test_the_demo_teams_first_workers_have_case_notes_on_their_newest_cases(demo: SeedResult) -> None:
    for username in ("la.worker", "worker"):
        user = User.objects.get(username=username)
        notes = CaseNote.objects.filter(author=user)
        assert notes.count() == 6, username
        assert all(note.occurred_at < NOW and note.organisation_id == user.organisation_id for note in notes)
        children = set(notes.values_list("child_id", flat=True))
        assert children <= set(
            ReturnHomeInterview.objects.filter(allocated_worker=user).values_list("child_id", flat=True)
        )

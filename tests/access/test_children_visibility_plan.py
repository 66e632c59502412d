"""Who sees which child is decided by ``access.episodes.visible_children_filter``; its RHI part is a correlated
EXISTS, so a search for one child checks that child's RHIs instead of hashing every RHI of the provider
(docs/benchmarks.md, "Pages within budget (issue 18)"). The meaning is the reference computation's."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection, transaction

from access.casework import visible_rhis
from access.episodes import visible_children
from access.memberships import intake_authority_ids
from accounts.models import Commission, Role, User
from missing_episodes.models import Child
from missing_episodes.selectors import search_children
from rhi.models import ReturnHomeInterview
from tests.casework import SharingCase, sharing_case
from tests.factories import member
from tests.factories_domain import ChildFactory, RHIFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("casework_clock")]


def reference(user: User) -> set[int]:
    """Children of the LAs the user takes notifications for, and of the RHIs they see in full."""
    through_rhis = set(visible_rhis(user).values_list("child_id", flat=True))
    of_authorities = set(
        Child.objects.filter(responsible_la_id__in=intake_authority_ids(user)).values_list("pk", flat=True)
    )
    return through_rhis | of_authorities


@pytest.fixture
def case() -> SharingCase:
    case = sharing_case()
    # Another provider's RHI for a child of another council, and a child of the case's council without an RHI.
    RHIFactory.create()
    ChildFactory.create(responsible_la=case.la)
    return case


def test_every_casework_user_sees_exactly_the_reference_set_of_children(case: SharingCase) -> None:
    team_worker = member("team-colleague", case.provider, Role.RHI_WORKER, case.team)
    users = [case.manager, case.worker, team_worker, case.police, case.partner]
    for user in users:
        assert set(visible_children(user).values_list("pk", flat=True)) == reference(user), user.username
    # Once the council commissions the provider, its workers see the council's children too.
    Commission.objects.create(local_authority=case.la, provider=case.provider, starts_on=date(2020, 1, 1))
    for user in users:
        assert set(visible_children(user).values_list("pk", flat=True)) == reference(user), user.username


def test_a_search_for_one_child_checks_that_childs_rhis_not_every_rhi_of_the_provider(
    case: SharingCase,
) -> None:
    # The provider takes another council's notifications, so visibility is "that council's child OR one of its
    # RHIs": the OR is where an IN subquery became a hash of every RHI of the provider.
    other_council = RHIFactory.create().local_authority
    Commission.objects.create(
        local_authority=other_council, provider=case.provider, starts_on=date(2020, 1, 1)
    )
    # The provider's history, which a search for one child must not read.
    someone = ChildFactory.create()
    ReturnHomeInterview.objects.bulk_create(
        ReturnHomeInterview(child=someone, local_authority=someone.responsible_la, provider=case.provider)
        for _ in range(300)
    )
    found = search_children(visible_children(case.manager), la_child_id=case.child.la_child_id)
    assert list(found) == [case.child]
    sql, params = found.query.sql_with_params()
    # Few rows here, so sequential scans would win on cost: turn them off to see which index each part uses.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ANALYZE rhi_returnhomeinterview")
        cursor.execute("ANALYZE missing_episodes_child")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "hashed SubPlan" not in plan
    assert "Index Cond: (child_id = missing_episodes_child.id)" in plan
    assert ReturnHomeInterview.objects.filter(provider=case.provider).count() == 301

"""People in every role the navigation and the home page distinguish, each in the kind of organisation that role
belongs to, plus a casework user of an organisation that received a disclosure."""

from __future__ import annotations

import pytest

from accounts.models import Organisation, Role
from tests.factories import UserFactory, user_with_role
from tests.factories_domain import LocalAuthorityFactory, PoliceForceFactory, ProviderFactory
from tests.home.people import People


@pytest.fixture
def council() -> Organisation:
    return LocalAuthorityFactory.create(code="330", name="Home Council")


@pytest.fixture
def provider() -> Organisation:
    return ProviderFactory.create(name="Provider P")


@pytest.fixture
def people(council: Organisation, provider: Organisation) -> People:
    force = PoliceForceFactory.create()
    support = UserFactory.create(is_staff=True)
    return People(
        provider_worker=user_with_role(Role.RHI_WORKER, organisation=provider),
        provider_manager=user_with_role(Role.TEAM_MANAGER, organisation=provider),
        in_house_worker=user_with_role(Role.RHI_WORKER, organisation=council),
        performance_lead=user_with_role(Role.PERFORMANCE_LEAD, organisation=council),
        police=user_with_role(Role.POLICE, organisation=force),
        partner_viewer=user_with_role(Role.PARTNER_VIEWER, organisation=council),
        la_admin=user_with_role(Role.ORG_ADMIN, organisation=council),
        provider_admin=user_with_role(Role.ORG_ADMIN, organisation=provider),
        support=support,
        no_role=UserFactory.create(),
    )

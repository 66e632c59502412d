"""factory_boy factories for people: users with a role in an organisation."""

from __future__ import annotations

from typing import Any

import factory

from accounts.models import Membership, Organisation, Team, User
from tests.factories_domain import ProviderFactory

# Every UserFactory user's password (browser tests sign in with it).
PASSWORD = "correct-horse-battery"
# member()'s password: most tests sign in with force_login, the browser tests that use member() type it.
MEMBER_PASSWORD = "unused-password-1"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"Sam{n}")
    last_name = "Demo"
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.invalid")
    organisation = factory.SubFactory(ProviderFactory)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    # factory_boy passes the object it built, not the factory.
    def save_password(user: User, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            user.save()


class TeamFactory(factory.django.DjangoModelFactory[Team]):
    class Meta:
        model = Team

    organisation = factory.SubFactory(ProviderFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


def user_with_role(
    role: str, *, organisation: Organisation | None = None, team: Team | None = None, **kwargs: Any
) -> User:
    """A user holding ``role`` in ``organisation`` (a new provider by default)."""
    user = UserFactory.create(**({"organisation": organisation} if organisation else {}), **kwargs)
    assert user.organisation is not None  # UserFactory always gives one
    Membership.objects.create(user=user, organisation=user.organisation, team=team, role=role)
    return user


def member(username: str, org: Organisation, role: str, team: Team | None = None, **names: str) -> User:
    """``username`` holding ``role`` in ``org`` (in ``team``), called "<Username> Demo" unless ``names`` (first_name,
    last_name) say otherwise."""
    names = {"first_name": username.title(), "last_name": "Demo", **names}
    user = User.objects.create_user(username=username, password=MEMBER_PASSWORD, organisation=org, **names)
    Membership.objects.create(user=user, organisation=org, team=team, role=role)
    return user

"""factory_boy factories for people: users with a role in an organisation."""

from __future__ import annotations

import factory

from accounts.models import Membership, Team, User
from tests.factories_domain import ProviderFactory


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"Sam{n}")
    last_name = "Demo"
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.invalid")
    organisation = factory.SubFactory(ProviderFactory)
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def save_password(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    organisation = factory.SubFactory(ProviderFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


def user_with_role(role: str, *, organisation=None, team=None, **kwargs: object) -> User:
    """A user holding ``role`` in ``organisation`` (a new provider by default)."""
    user = UserFactory(**({"organisation": organisation} if organisation else {}), **kwargs)
    Membership.objects.create(user=user, organisation=user.organisation, team=team, role=role)
    return user

"""factory_boy factories for the case records: children, placements, episodes, RHIs and what hangs off them.

Each is typed with its model, so ``XFactory.create(...)`` is typed as the model (calling ``XFactory(...)`` is not:
factory_boy's ``__new__`` is untyped); the tests call ``.create``."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import factory

from accounts.models import Organisation, OrganisationKind
from missing_episodes.models import (
    CareLegalStatus,
    CarePeriod,
    CareSource,
    Child,
    EpisodeCategory,
    LegalStatus,
    MissingEpisode,
    MissingFrom,
    Placement,
    PlacementType,
)
from rhi.models import ClockPolicy, ReturnHomeInterview, RHIEpisode


class LocalAuthorityFactory(factory.django.DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation
        django_get_or_create = ("kind", "code")

    kind = OrganisationKind.LOCAL_AUTHORITY
    code = factory.Sequence(lambda n: f"{100 + n % 900:03d}")
    name = factory.LazyAttribute(lambda o: f"Council {o.code}")


class PoliceForceFactory(factory.django.DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation
        django_get_or_create = ("kind", "code")

    kind = OrganisationKind.POLICE_FORCE
    code = factory.Sequence(lambda n: f"E23{n % 1_000_000:06d}")
    name = factory.LazyAttribute(lambda o: f"Police force {o.code}")


class ProviderFactory(factory.django.DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation

    kind = OrganisationKind.RHI_PROVIDER
    code = ""
    name = factory.Sequence(lambda n: f"Provider {n}")


class ChildFactory(factory.django.DjangoModelFactory[Child]):
    class Meta:
        model = Child
        skip_postgeneration_save = True  # the hook saves a period, not the child

    responsible_la = factory.SubFactory(LocalAuthorityFactory)
    la_child_id = factory.Sequence(lambda n: f"C{n:06d}")
    first_name = factory.Sequence(lambda n: f"Alex{n}")
    last_name = factory.Sequence(lambda n: f"Smith{n}")
    date_of_birth = date(2011, 5, 17)

    @factory.post_generation
    # factory_boy passes the object it built, not the factory.
    def care_period(child: Child, create: bool, extracted: object, **kwargs: object) -> None:
        """A child made "looked after" gets the one open period of care the data migration would give them
        (from ``legal_status_since``, or birth): "looked after" is decided from periods of care alone. Pass
        ``care_period=False`` to record the periods yourself."""
        if not create or extracted is False or child.legal_status != LegalStatus.LOOKED_AFTER:
            return
        CarePeriod.objects.create(
            child=child,
            start_date=child.legal_status_since or child.date_of_birth,
            legal_status=CareLegalStatus.C2,
            source=CareSource.MIGRATION,
        )


class PlacementFactory(factory.django.DjangoModelFactory[Placement]):
    class Meta:
        model = Placement

    child = factory.SubFactory(ChildFactory)
    placement_type = PlacementType.FOSTER_CARE
    host_la = factory.LazyAttribute(lambda o: o.child.responsible_la)
    start_date = date(2025, 1, 1)


class MissingEpisodeFactory(factory.django.DjangoModelFactory[MissingEpisode]):
    class Meta:
        model = MissingEpisode

    child = factory.SubFactory(ChildFactory)
    responsible_la = factory.LazyAttribute(lambda o: o.child.responsible_la)
    category = EpisodeCategory.MISSING
    missing_from = MissingFrom.HOME
    missing_at = datetime(2026, 5, 1, 18, 0, tzinfo=UTC)
    returned_at = factory.LazyAttribute(lambda o: o.missing_at + timedelta(hours=20))
    police_force = factory.SubFactory(PoliceForceFactory)
    police_reference = factory.Sequence(lambda n: f"REF-{n:07d}")


class ClockPolicyFactory(factory.django.DjangoModelFactory[ClockPolicy]):
    class Meta:
        model = ClockPolicy

    local_authority = factory.SubFactory(LocalAuthorityFactory)
    effective_from = date(2020, 1, 1)


class RHIFactory(factory.django.DjangoModelFactory[ReturnHomeInterview]):
    class Meta:
        model = ReturnHomeInterview

    child = factory.SubFactory(ChildFactory)
    local_authority = factory.LazyAttribute(lambda o: o.child.responsible_la)
    provider = factory.LazyAttribute(lambda o: o.child.responsible_la)


class RHIEpisodeFactory(factory.django.DjangoModelFactory[RHIEpisode]):
    class Meta:
        model = RHIEpisode

    rhi = factory.SubFactory(RHIFactory)
    episode = factory.SubFactory(MissingEpisodeFactory, child=factory.SelfAttribute("..rhi.child"))

"""Who may follow an import job (``access.reporting.visible_import_jobs``): the person who uploaded the file,
only while they still import that kind of file; the job's page answers 404 to anyone else."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from access.reporting import visible_import_jobs
from accounts.models import Commission, Membership, Organisation, Role, User
from missing_episodes.models import ImportJob, ImportKind, ImportState
from tests.factories_domain import LocalAuthorityFactory, ProviderFactory

pytestmark = pytest.mark.django_db


def person(username: str, organisation: Organisation, role: str) -> User:
    user = User.objects.create_user(
        username=username, password="unused-password-1", organisation=organisation
    )
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


def finished_job(by: User, kind: str) -> ImportJob:
    return ImportJob.objects.create(kind=kind, requested_by=by, state=ImportState.DONE)


def test_a_worker_follows_their_own_upload_until_their_commission_ends() -> None:
    la = LocalAuthorityFactory.create(code="333")
    provider = ProviderFactory.create()
    commission = Commission.objects.create(local_authority=la, provider=provider, starts_on=date(2024, 4, 1))
    worker = person("worker", provider, Role.RHI_WORKER)
    colleague = person("colleague", provider, Role.RHI_WORKER)
    job = finished_job(worker, ImportKind.EPISODES)

    assert list(visible_import_jobs(worker)) == [job]
    assert not visible_import_jobs(colleague).exists()
    commission.ends_on = date(2024, 5, 1)
    commission.save()
    worker = User.objects.get(pk=worker.pk)  # a new request: no cached memberships
    assert not visible_import_jobs(worker).exists()


def test_a_history_import_is_followed_only_by_someone_who_still_imports_history() -> None:
    la = LocalAuthorityFactory.create(code="333")
    lead = person("lead", la, Role.PERFORMANCE_LEAD)
    job = finished_job(lead, ImportKind.RHI_HISTORY)
    worker_job = finished_job(lead, ImportKind.EPISODES)  # a kind the lead does not import

    assert list(visible_import_jobs(lead)) == [job]
    client = Client()
    client.force_login(lead)
    assert client.get(reverse("missing_episodes:import_job", args=[job.pk])).status_code == 200
    assert client.get(reverse("missing_episodes:import_job", args=[worker_job.pk])).status_code == 404

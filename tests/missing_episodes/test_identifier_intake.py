"""Identifiers are keys, never free text: an LA child id or police reference that a spreadsheet would run as
a formula (or that carries markup or control characters) is refused at every intake channel — the web form,
the importer, the API and the model's own validation (the admin and the services) — by the one validator
each in missing_episodes.identifiers (issue 11, item 4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import ApiScope, Commission, Organisation, Role
from missing_episodes.identifiers import validate_la_child_id, validate_police_reference
from missing_episodes.importers import import_episodes_text
from missing_episodes.models import Child, MissingEpisode
from reporting.exports import FORMULA_STARTS
from rhi.models import ClockPolicy
from tests.api.conftest import EPISODES, as_client, new_client
from tests.api.conftest import notification as api_notification
from tests.factories import member
from tests.factories_domain import ChildFactory, LocalAuthorityFactory, PoliceForceFactory, ProviderFactory
from tests.missing_episodes.intake import Places, errors_of
from tests.missing_episodes.intake import notification as form_notification
from tests.missing_episodes.test_import_episodes import as_csv, row

pytestmark = pytest.mark.django_db
FORMULAS = [
    "=1+1",
    "+SUM(1,2)",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example","x")',
    "-2+3",
]


@dataclass(frozen=True)
class IntakeOrganisations:
    la: Organisation
    force: Organisation


@pytest.fixture
def orgs() -> IntakeOrganisations:
    la = LocalAuthorityFactory.create(code="333", name="Sandwell")
    ClockPolicy.objects.create(local_authority=la, effective_from=date(2020, 1, 1))
    return IntakeOrganisations(
        la=la, force=PoliceForceFactory.create(code="E23000014", name="West Midlands Police")
    )


@pytest.mark.parametrize("formula", FORMULAS)
def test_rhi_worker_typing_a_formula_as_child_id_or_police_reference_gets_field_errors_and_nothing_saved(
    client: Client, orgs: IntakeOrganisations, formula: Any
) -> None:
    provider = ProviderFactory.create(name="Safe Return Partnership")
    Commission.objects.create(local_authority=orgs.la, provider=provider, starts_on=date(2024, 4, 1))
    client.force_login(member("worker", provider, Role.RHI_WORKER))
    world = Places(force=orgs.force, la=orgs.la)
    with time_machine.travel(datetime(2026, 6, 10, 12, tzinfo=UTC), tick=False):
        response = client.post(
            reverse("missing_episodes:episode_new"),
            form_notification(world, la_child_id=formula, police_reference=formula),
        )
    assert response.status_code == 200
    assert {"la_child_id", "police_reference"} <= set(errors_of(response))
    assert not Child.objects.exists() and not MissingEpisode.objects.exists()


@pytest.mark.parametrize("formula", FORMULAS)
def test_police_spreadsheet_row_with_a_formula_identifier_is_reported_by_column_and_not_saved(
    orgs: IntakeOrganisations, formula: Any
) -> None:
    report = import_episodes_text(
        as_csv(row(la_child_id=formula), row(police_reference=formula, la_child_id="C1002"))
    )
    assert {(e.line, e.column) for e in report.errors} == {(2, "la_child_id"), (3, "police_reference")}
    assert report.rows_ok == 0 and not Child.objects.exists() and not MissingEpisode.objects.exists()


@pytest.mark.parametrize("formula", FORMULAS)
def test_police_system_posting_a_formula_identifier_gets_400_per_field_and_saves_nothing(
    orgs: IntakeOrganisations, formula: Any
) -> None:
    police = as_client(new_client(orgs.force, [ApiScope.EPISODES_READ, ApiScope.EPISODES_WRITE]))
    payload = api_notification(orgs.force, orgs.la, la_child_id=formula, police_reference=formula)
    response = police.post(EPISODES, payload, **{"Idempotency-Key": "formula"})
    assert response.status_code == 400
    assert {"la_child_id", "police_reference"} <= {error["field"] for error in response.json()["errors"]}
    assert not Child.objects.exists() and not MissingEpisode.objects.exists()


def test_support_staff_saving_a_formula_child_id_in_the_admin_is_refused_by_the_models_validation(
    orgs: IntakeOrganisations,
) -> None:
    child = ChildFactory.create(responsible_la=orgs.la, la_child_id="C1001")
    child.la_child_id = "=1+1"
    with pytest.raises(ValidationError) as raised:
        child.full_clean()  # what the admin's ModelForm and the services run
    assert "la_child_id" in raised.value.message_dict


@pytest.mark.parametrize("value", ["C104233", "333-0000123", "OLD/7", "H7-00001", "X1"])
def test_ordinary_la_child_ids_are_accepted(value: str) -> None:
    validate_la_child_id(value)


@pytest.mark.parametrize("value", ["MP-2026-004512", "WM-2026-0000001", "01/123456/26", "CAD 1234:5", "R9"])
def test_ordinary_police_references_are_accepted(value: str) -> None:
    validate_police_reference(value)


@given(st.text(max_size=50))
def test_no_identifier_that_passes_its_pattern_starts_like_a_formula_or_holds_control_characters(
    value: Any,
) -> None:
    for validator in (validate_la_child_id, validate_police_reference):
        try:
            validator(value)
        except ValidationError:
            continue
        assert not value.startswith(FORMULA_STARTS) and value == value.strip()
        assert value.isascii() and value.isprintable() and not {"<", ">", '"', "'", "="} & set(value)

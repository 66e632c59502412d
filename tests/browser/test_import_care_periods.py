"""A council's own RHI worker imports periods of care in Chromium: the button on the home page, the upload
page, the job's progress and its report with a refused row; every page axe-core clean."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import time_machine

from accounts.models import Role
from missing_episodes.models import CarePeriod, ImportJob
from missing_episodes.tasks import run_care_period_import
from tests.browser.axe import assert_no_axe_violations
from tests.browser.helpers import sign_in
from tests.factories import user_with_role
from tests.factories_domain import ChildFactory, LocalAuthorityFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_councils_worker_imports_periods_of_care_from_the_home_page(page: Any) -> None:
    la = LocalAuthorityFactory.create(code="333", name="Sandwell")
    ChildFactory.create(responsible_la=la, la_child_id="C1001", date_of_birth=date(2011, 5, 17))
    worker = user_with_role(Role.RHI_WORKER, organisation=la)
    text = (
        b"la_child_id,start_date,end_date,legal_status\nC1001,2024-01-08,30/09/2024,V2\nW77,2024-01-08,,C2\n"
    )

    # Periods of care cannot be in the future: the server's clock moves, the browser's does not matter.
    with time_machine.travel(date(2026, 6, 15), tick=True):
        sign_in(page, worker.username)
        page.get_by_role("button", name="Import periods of care").click()
        page.get_by_role("heading", name="Import periods of care", level=1).wait_for()
        assert_no_axe_violations(page)

        upload = {"name": "care.csv", "mimeType": "text/csv", "buffer": text}
        page.get_by_label("Upload the periods of care spreadsheet").set_input_files(upload)
        page.get_by_role("button", name="Upload and import").click()
        page.get_by_role("heading", name="Importing your file", level=1).wait_for()
        assert_no_axe_violations(page)
        run_care_period_import(ImportJob.objects.latest("pk").pk)  # what the Celery worker does meanwhile
        page.get_by_role("heading", name="Periods of care imported", level=1).wait_for()
        assert page.locator("#rows-saved").inner_text().startswith("1 ")
        assert page.locator("#rows-bad").inner_text() == "1"
        assert_no_axe_violations(page)
    assert CarePeriod.objects.get().legal_status == "V2"

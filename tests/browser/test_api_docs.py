"""The API documentation page (issue 14 item 16): our own template says its language, and axe-core finds in it
only the third-party Swagger UI problems docs/accessibility.md lists (by rule id), so the list stays true."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ACCESSIBILITY_DOC = Path(settings.BASE_DIR) / "docs" / "accessibility.md"


def listed_swagger_ui_rules() -> set[str]:
    """The rule ids in the doc's "/api/docs/: third-party issues" section, one `rule-id` per table row."""
    section = ACCESSIBILITY_DOC.read_text().split("## /api/docs/", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([a-z0-9-]+)` \|", section, re.M))


def test_the_api_docs_page_is_in_english_and_has_only_the_listed_third_party_axe_issues(page: Any) -> None:
    page.goto("/api/docs/")
    page.locator(".swagger-ui .info .title").wait_for()
    page.locator(".swagger-ui .opblock").first.wait_for()

    assert page.locator("html").get_attribute("lang") == "en"
    violations = Axe().run(page).response["violations"]
    found = {violation["id"] for violation in violations}
    assert found == listed_swagger_ui_rules(), [
        (v["id"], v["impact"], v["help"], len(v["nodes"]), v["nodes"][0]["html"][:160]) for v in violations
    ]

"""axe-core through Playwright: every page the browser tests visit must have no violations."""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe

_AXE = Axe()


def assert_no_axe_violations(page: Any) -> None:
    results = _AXE.run(page)
    assert results.violations_count == 0, (
        f"axe-core found violations on {page.url}:\n{results.generate_report()}"
    )

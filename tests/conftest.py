"""Shared fixtures: plain static file storage for tests, and a real Chromium (Debian's) driven by Playwright."""

from __future__ import annotations

import os
import shutil
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from _pytest.terminal import TerminalReporter
from django.db import connections
from django.utils.module_loading import autodiscover_modules
from playwright.sync_api import sync_playwright

from config.celery import app as celery_app
from core import replica
from tests import casework

# Playwright's sync API runs an event loop in the test thread; Django's ORM must still be usable there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(autouse=True)
def _plain_static_storage(settings: Any) -> None:
    # The manifest storage used in production needs collectstatic's manifest; tests serve from the finders.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _replica_only_when_asked(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A test reads through the read replica (core/replica.py) only when its ``django_db`` mark lists the
    "replica" database (tests/ops/test_read_replica.py): pytest-django refuses queries to a database a test did
    not ask for. Every other test, and its live server, reads the primary as with no replica configured."""
    marker = request.node.get_closest_marker("django_db")
    databases = marker.kwargs.get("databases") if marker is not None else None
    if not (databases == "__all__" or (databases is not None and "replica" in databases)):
        monkeypatch.setattr(replica, "replica_configured", lambda: False)


@pytest.fixture
def eager_celery() -> Iterator[None]:
    """Run tasks in the calling thread (unit tests of what a task does; the reliability tests use a real
    worker and Redis instead)."""

    # A worker imports every app's tasks module when it starts (autodiscovery); so does eager mode here, or a
    # task sent by name (import jobs, emails) would be unknown to a test module that imported none of them.
    autodiscover_modules("tasks")  # Django's own discovery: Celery's would re-run logging set-up
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture
def casework_clock() -> Iterator[None]:
    """The clock at tests.casework.NOW, where the casework builders' dates make sense (ask for it with
    ``pytest.mark.usefixtures("casework_clock")``)."""
    with time_machine.travel(casework.NOW, tick=False):
        yield


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        pytest.fail(
            "Debian's chromium is not installed: ./scripts/test.sh installs it (never 'playwright install')."
        )
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    # From here on the session's test code runs in a greenlet of Playwright's sync API, with contextvars of its
    # own, and Django keeps connections per context: a connection opened before would stay open, idle and out of
    # reach, for the rest of the session (and a database with another session cannot be used as a template:
    # tests/tools/test_http_benchmark.py). Close them first, unless a fixture's transaction is still open.
    for open_connection in connections.all(initialized_only=True):
        if not open_connection.in_atomic_block:
            open_connection.close()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


# The permission matrix's cells are most of the suite's tests: the summary counts them apart, so that "N passed"
# for the other tests means what it says.
MATRIX_CELL_TESTS = ("::test_cell[", "::test_token_cell[")
OUTCOMES = ("passed", "failed", "error", "xfailed", "xpassed", "skipped")


def is_matrix_cell(nodeid: str) -> bool:
    return nodeid.startswith("tests/permissions/") and any(part in nodeid for part in MATRIX_CELL_TESTS)


def pytest_terminal_summary(
    terminalreporter: TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    counts: Counter[tuple[bool, str]] = Counter()
    for outcome in OUTCOMES:
        for report in terminalreporter.stats.get(outcome, []):
            counts[is_matrix_cell(report.nodeid), outcome] += 1
    if not counts:
        return

    def line(cells: bool) -> str:
        said = [f"{counts[cells, outcome]} {outcome}" for outcome in OUTCOMES if counts[cells, outcome]]
        return ", ".join(said) or "none run"

    terminalreporter.write_sep("=", "tests by kind")
    terminalreporter.write_line(f"permission matrix cells: {line(True)}")
    terminalreporter.write_line(f"other tests: {line(False)}")

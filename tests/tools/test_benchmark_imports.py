"""``manage.py benchmark --only imports`` (issue 18 part 4) generates a file of rows for existing children,
imports the episodes, their outcomes and the episodes again, prints rows/s, statements per row, memory and the
ratio to COPY, and leaves the database as it found it."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from missing_episodes.models import Child, MissingEpisode
from rhi.models import ReturnHomeInterview
from tests.factories_domain import (
    ChildFactory,
    LocalAuthorityFactory,
    MissingEpisodeFactory,
    PoliceForceFactory,
)

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int, int]:
    return Child.objects.count(), MissingEpisode.objects.count(), ReturnHomeInterview.objects.count()


def test_the_imports_benchmark_prints_its_figures_and_leaves_no_trace(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RHI_BENCH_IMPORT_ROWS", "12")
    la, force = LocalAuthorityFactory.create(), PoliceForceFactory.create()
    for _ in range(4):  # children whose last episode ended in May 2026
        MissingEpisodeFactory.create(child=ChildFactory.create(responsible_la=la), police_force=force)
    before = counts()
    out = StringIO()

    call_command("benchmark", "--only", "imports", "--runs", "3", stdout=out)

    figures = json.loads(out.getvalue())["imports"]
    # 4 children, 3 episodes each, one of the last still open (row 9); an outcome for each child's last return.
    assert figures["import_episodes"]["summary"] == "12 created, 0 updated, 0 unchanged, 0 rows with errors"
    assert (
        figures["import_rhi_outcomes"]["summary"] == "4 created, 0 updated, 0 unchanged, 0 rows with errors"
    )
    assert figures["reimport_episodes"]["summary"] == "0 created, 0 updated, 12 unchanged, 0 rows with errors"
    for name in ("import_episodes", "import_rhi_outcomes"):
        assert figures[name]["rows_per_second"] > 0 and figures[name]["statements_per_row"] > 1
        assert figures[name]["copy_rows_per_second"] > 0 and figures[name]["times_copy"] >= 0
        assert figures[name]["peak_rss_mb_after"] >= figures[name]["peak_rss_mb_before"] > 0
    # A re-import reads per batch: far fewer statements than rows.
    assert figures["reimport_episodes"]["statements_per_row"] < 1
    assert figures["peak_rss_mb"] > 0
    assert counts() == before

"""import_rhi_outcomes through the web upload, and a demo history that imports cleanly and shows up in the
returns."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client, TestCase
from django.urls import reverse

import rhi.tasks  # noqa: F401 — registers the tasks, so Celery's eager mode runs them
from accounts.models import Commission, Organisation, Role
from audit.models import AuditEvent, AuditOutcome
from config.celery import app
from missing_episodes.models import CareLegalStatus, CarePeriod, Child, LegalStatus, MissingEpisode
from missing_episodes.services import parse_local_datetime
from reporting.annex_a import list8_rows
from reporting.performance import performance_figures
from rhi.models import (
    ClockPolicy,
    ReturnHomeInterview,
    RHIState,
)
from tests.factories import user_with_role
from tests.factories_domain import LocalAuthorityFactory, PoliceForceFactory, ProviderFactory
from tests.rhi.history_rows import (
    FORCE,
    episode_row,
    import_episodes,
    outcome_row,
    outcomes,
    rhi_of,
)

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------------------------------------
# The web upload
# ---------------------------------------------------------------------------------------------------------


def upload(client: Client, text: str, *, dry_run: bool) -> Any:
    """Upload on the web page; the job it starts runs (Celery eager, once the request commits) and the
    job's page is returned. A refused upload returns the form page."""
    data: dict[str, object] = {
        "file": SimpleUploadedFile("history.csv", text.encode(), content_type="text/csv"),
        "encoding": "utf-8",
    }
    if dry_run:
        data["dry_run"] = "on"
    app.conf.task_always_eager = True
    try:
        with TestCase.captureOnCommitCallbacks(execute=True):
            response = client.post(reverse("rhi:import_history"), data)
    finally:
        app.conf.task_always_eager = False
    if response.status_code != 302:
        return response
    return client.get(response["Location"])


def test_team_manager_checks_with_a_dry_run_then_imports(client: Client, la: Organisation) -> None:
    provider = ProviderFactory.create(name="Safe Return Partnership")
    Commission.objects.create(local_authority=la, provider=provider, starts_on=date(2020, 1, 1))
    other_la = LocalAuthorityFactory.create(code="334", name="Walsall")
    import_episodes(episode_row(1), episode_row(2), episode_row(3) | {"responsible_la": "334"})
    assert MissingEpisode.objects.filter(responsible_la=other_la).count() == 1
    manager = user_with_role(Role.TEAM_MANAGER, organisation=provider)
    client.force_login(manager)
    page = client.get(reverse("rhi:import_history"))
    assert page.status_code == 200 and page.context["form"]["dry_run"].value() is True
    text = outcomes(outcome_row(1), outcome_row(2, "declined"), outcome_row(3))

    checked = upload(client, text, dry_run=True)
    assert checked.status_code == 200
    assert "nothing was saved" in checked.content.decode()
    job = checked.context["job"]
    assert (job.created, job.bad_rows, job.dry_run) == (2, 1, True)
    assert [(e.line, e.column) for e in checked.context["problems"]] == [(4, "police_reference")]
    assert "local authorities you import history for" in checked.context["problems"][0].reason
    assert not ReturnHomeInterview.objects.exclude(state=RHIState.UNALLOCATED).exists()

    saved = upload(client, text, dry_run=False)
    assert saved.context["job"].created == 2
    assert "RHI history imported" in saved.content.decode()
    assert rhi_of(2).state == RHIState.DECLINED
    assert rhi_of(3).state == RHIState.UNALLOCATED
    events = list(
        AuditEvent.objects.filter(object_type="rhi.history_import", detail__state="done").order_by("pk")
    )
    assert [(e.detail["dry_run"], e.detail["created"], e.detail["bad_rows"]) for e in events] == [
        (True, 2, 1),
        (False, 2, 1),
    ]


def test_performance_lead_of_the_la_may_import_its_history(client: Client, la: Organisation) -> None:
    import_episodes(episode_row(1))
    client.force_login(user_with_role(Role.PERFORMANCE_LEAD, organisation=la))
    response = upload(client, outcomes(outcome_row(1, "not_offered")), dry_run=False)
    assert response.context["job"].created == 1


def test_a_worker_of_another_provider_gets_404_and_the_denial_is_audited(
    client: Client, la: Organisation
) -> None:
    import_episodes(episode_row(1))
    other = ProviderFactory.create(name="Another Charity")
    Commission.objects.create(local_authority=la, provider=other, starts_on=date(2020, 1, 1))
    worker = user_with_role(Role.RHI_WORKER, organisation=ProviderFactory.create(name="Third Charity"))
    client.force_login(worker)
    assert client.get(reverse("rhi:import_history")).status_code == 404
    assert upload(client, outcomes(outcome_row(1)), dry_run=False).status_code == 404
    assert rhi_of(1).state == RHIState.UNALLOCATED
    assert (
        AuditEvent.objects.filter(
            object_type="rhi.history_import", outcome=AuditOutcome.DENIED, actor=worker
        ).count()
        == 2
    )


def test_an_upload_that_is_not_csv_is_refused_in_the_error_summary(client: Client, la: Organisation) -> None:
    client.force_login(user_with_role(Role.PERFORMANCE_LEAD, organisation=la))
    response = client.post(
        reverse("rhi:import_history"),
        {"file": SimpleUploadedFile("history.xlsx", b"PK\x03\x04", content_type="application/octet-stream")},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in html and "The workbook cannot be opened" in html


# ---------------------------------------------------------------------------------------------------------
# The demo: a year of history imports cleanly and shows up in the returns
# ---------------------------------------------------------------------------------------------------------


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def test_demo_history_imports_cleanly_and_is_counted_in_the_returns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    la = LocalAuthorityFactory.create(code="330", name="Birmingham")
    ClockPolicy.objects.create(local_authority=la, effective_from=date(2020, 1, 1))
    PoliceForceFactory.create(code=FORCE, name="West Midlands Police")
    args = ["--la", "330", "--years", "1", "--per-year", "60", "--seed", "7", "--until", "2026-03-31"]
    call_command("make_demo_history", *args, "--out", str(tmp_path / "a"))
    call_command("make_demo_history", *args, "--out", str(tmp_path / "b"))
    for name in ("episodes.csv", "rhi_outcomes.csv"):  # deterministic for a seed
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    episodes = read_csv(tmp_path / "a" / "episodes.csv")
    rows = read_csv(tmp_path / "a" / "rhi_outcomes.csv")
    assert 40 <= len(episodes) == len(rows) <= 60

    call_command("import_episodes", str(tmp_path / "a" / "episodes.csv"))
    call_command("import_rhi_outcomes", str(tmp_path / "a" / "rhi_outcomes.csv"), "--strict")
    out = [line for line in capsys.readouterr().out.splitlines() if "created" in line]
    assert out[-2].endswith("0 rows with errors") and out[-1] == (
        f"{len(rows)} created, 0 updated, 0 unchanged, 0 rows with errors"
    )

    result = performance_figures(local_authority=la, date_from=date(2025, 4, 1), date_to=date(2026, 3, 31))
    returned_at = {e["police_reference"]: parse_local_datetime(e["returned_at"]) for e in episodes}
    by_outcome = {kind: [r for r in rows if r["outcome"] == kind] for kind in ("accepted", "declined")}
    assert result.incidents == len(episodes)
    assert result.counts["offered"] == sum(1 for r in rows if r["offered_at"])
    assert result.counts["accepted"] == result.counts["carried_out"] == len(by_outcome["accepted"])
    assert result.counts["declined"] == len(by_outcome["declined"])
    assert result.counts["declined_by_parent"] == sum(
        1 for r in by_outcome["declined"] if r["declined_by"] == "parent_carer"
    )
    for code, _label, by_child, by_parent in result.declines:
        declined = [r for r in by_outcome["declined"] if r["decline_reason"] == code]
        assert (by_child, by_parent) == (
            sum(1 for r in declined if r["declined_by"] == "child"),
            sum(1 for r in declined if r["declined_by"] == "parent_carer"),
        )

    def held_within_72_hours(row: dict[str, str]) -> bool:
        held, back = parse_local_datetime(row["interview_held_at"]), returned_at[row["police_reference"]]
        assert held is not None and back is not None
        return held - back <= timedelta(hours=72)

    in_time = sum(1 for r in by_outcome["accepted"] if held_within_72_hours(r))
    assert 0 < in_time < len(by_outcome["accepted"])
    assert result.counts["own__in_time"] == in_time
    assert result.counts["own__late"] == len(by_outcome["accepted"]) - in_time
    assert sum(count for _code, _label, count in result.independence) == len(by_outcome["accepted"])

    # Annex A list 8: the children looked after; the outcome of each child's last missing episode.
    Child.objects.filter(responsible_la=la).update(legal_status=LegalStatus.LOOKED_AFTER)
    CarePeriod.objects.bulk_create(  # "looked after" is decided from periods of care alone
        CarePeriod(child=child, start_date=child.date_of_birth, legal_status=CareLegalStatus.C2)
        for child in Child.objects.filter(responsible_la=la)
    )
    outcome_of = {r["police_reference"]: r for r in rows}
    last: dict[str, dict[str, str]] = {}
    for episode in episodes:  # in order of going missing
        if episode["category"] == "missing":
            last[episode["la_child_id"]] = outcome_of[episode["police_reference"]]
    expected = {
        child: (
            "Y" if row["offered_at"] or row["outcome"] in ("accepted", "declined") else "N",
            "Y" if row["outcome"] == "accepted" else "N",
        )
        for child, row in last.items()
    }
    list8 = {
        row[0]: (row[11], row[12]) for row in list8_rows(local_authority_id=la.pk, as_at=date(2026, 3, 31))
    }
    assert {child: list8[child] for child in expected} == expected
    assert {"Y"} <= {accepted for _offered, accepted in expected.values()}


def test_one_latin1_byte_in_a_history_file_is_a_bad_row_and_windows_1252_imports_it_whole(
    la: Organisation, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import_episodes(*(episode_row(n) for n in range(1, 6)))
    text = outcomes(
        *(
            outcome_row(n, "declined", decline_reason_text="Père a dit non" if n == 3 else "")
            for n in range(1, 6)
        )
    )
    path = tmp_path / "history.csv"
    path.write_bytes(text.encode("latin-1"))
    call_command("import_rhi_outcomes", str(path), "--dry-run")
    out = capsys.readouterr().out
    assert "line 4, column row: This row has characters that are not valid UTF-8" in out
    assert "Would be: 4 created, 0 updated, 0 unchanged, 1 rows with errors" in out
    call_command("import_rhi_outcomes", str(path), "--encoding", "windows-1252")
    assert "5 created, 0 updated, 0 unchanged, 0 rows with errors" in capsys.readouterr().out
    assert ReturnHomeInterview.objects.filter(decline_reason_text="Père a dit non").count() == 1

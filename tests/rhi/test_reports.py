"""The report PDFs of an approved RHI: generated once per version, readable, and the notification letter for
the placing authority holds no findings or words of the child. Rendered by WeasyPrint and checked with
poppler's pdftoppm / pdftotext."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoCaptureOnCommitCallbacks

from audit.models import AuditEvent, AuditOutcome
from referrals import services as referral_services
from rhi import reports
from rhi import services as rhi_services
from rhi.models import ReportDocument, ReportKind, RHIState
from tests.casework import (
    ASSESSMENT,
    CHILD_WORDS,
    WHERE_WENT,
    build_case,
)
from tests.factories import member
from tests.factories_domain import ProviderFactory
from tests.http import streamed_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("casework_clock")]


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def pdf_text(path: str) -> str:
    out = subprocess.run(["pdftotext", "-layout", path, "-"], check=True, capture_output=True, text=True)
    return re.sub(r"\s+", " ", out.stdout)


def test_full_report_is_generated_once_per_version_and_reads_as_the_approved_report(tmp_path: Path) -> None:
    case = build_case(approve=True)
    referral_services.make_referral(
        rhi_id=case.rhi.pk,
        by=case.worker,
        service="exploitation_team",
        recipient_name="Exploitation hub",
        reason="County lines concerns.",
        risk_indicators=["cce"],
        sent_at=None,
    )
    first = reports.generate_report(rhi_id=case.rhi.pk, kind=ReportKind.FULL_REPORT)
    second = reports.generate_report(rhi_id=case.rhi.pk, kind=ReportKind.FULL_REPORT)
    assert (second.pk, second.sha256, second.file.name) == (first.pk, first.sha256, first.file.name)
    assert ReportDocument.objects.filter(rhi=case.rhi).count() == 1
    assert first.rhi_version == case.rhi.version
    assert first.file.name is not None and "Quillfeather" not in first.file.name  # ids only in storage paths

    path = first.file.path
    assert Path(path).read_bytes()[:5] == b"%PDF-"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", path, str(tmp_path / "page")], check=True
    )
    pages = list(tmp_path.glob("page*.png"))
    assert len(pages) == 1 and pages[0].stat().st_size > 1000

    text = pdf_text(path)
    assert "Jordan Quillfeather" in text
    assert WHERE_WENT in text and CHILD_WORDS in text and ASSESSMENT in text
    assert "Child criminal exploitation / county lines" in text and "Big T" in text
    assert "Conflict or arguments at home" in text
    assert "Approved" in text and "Manager Demo" in text
    assert "The clock starts at the child's return" in text
    assert "Exploitation team" in text  # referrals made before generation
    assert "Page 1 of" in text

    info = subprocess.run(["pdfinfo", path], check=True, capture_output=True, text=True).stdout
    assert f"RHI-{case.rhi.pk}" in info and "Full RHI report" in info
    assert re.search(r"Page size:\s+595(\.\d+)? x 841", info)  # A4
    assert re.search(r"Tagged:\s+yes", info)


def test_notification_letter_tells_the_placing_authority_the_outcome_without_the_findings() -> None:
    case = build_case(approve=True, consent="refused")
    letter = reports.generate_report(rhi_id=case.rhi.pk, kind=ReportKind.NOTIFICATION_LETTER)
    text = pdf_text(letter.file.path)
    assert "Jordan Quillfeather" in text and "Accepted" in text and "21 May 2026" in text
    assert "not available" in text  # the child refused consent
    for secret in (CHILD_WORDS, WHERE_WENT, ASSESSMENT, "Big T", "Luton", "cousin"):
        assert secret not in text


def test_report_for_an_unapproved_rhi_is_refused() -> None:
    case = build_case()
    with pytest.raises(reports.ReportNotAvailable):
        reports.generate_report(rhi_id=case.rhi.pk, kind=ReportKind.FULL_REPORT)
    assert not ReportDocument.objects.exists()


def test_document_stored_first_by_another_worker_is_returned_unchanged() -> None:
    case = build_case(approve=True)
    theirs = reports.generate_report(rhi_id=case.rhi.pk, kind=ReportKind.NOTIFICATION_LETTER)
    sha = theirs.sha256
    again = reports.generate_report(rhi_id=case.rhi.pk, kind=ReportKind.NOTIFICATION_LETTER)
    assert again.pk == theirs.pk and again.sha256 == sha
    assert theirs.file.read()[:5] == b"%PDF-"


def test_worker_downloads_the_report_and_the_view_is_audited(client: Client) -> None:
    case = build_case(approve=True)
    client.force_login(case.worker)
    page = client.get(reverse("rhi:detail", args=[case.rhi.pk]))
    url = reverse("rhi:report_download", args=[case.rhi.pk, "full_report"])
    assert url in page.content.decode()
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert streamed_bytes(response)[:5] == b"%PDF-"
    event = AuditEvent.objects.filter(
        actor=case.worker, object_type="rhi.returnhomeinterview", object_id=str(case.rhi.pk)
    ).latest("at", "pk")  # the clock is frozen: the primary key orders events of the same instant
    assert event.action == "view" and event.detail["kind"] == "full_report"
    assert client.get(url).status_code == 200
    assert ReportDocument.objects.filter(rhi=case.rhi).count() == 1


def test_download_answers_404_when_not_approved_or_not_visible_or_an_unknown_kind(client: Client) -> None:
    case = build_case()
    assert case.rhi.state == RHIState.DRAFTING
    client.force_login(case.worker)
    assert client.get(reverse("rhi:report_download", args=[case.rhi.pk, "full_report"])).status_code == 404
    assert "/report/" not in client.get(reverse("rhi:detail", args=[case.rhi.pk])).content.decode()

    approved = build_case(approve=True, prefix="b-")
    client.force_login(approved.worker)
    odd = reverse("rhi:report_download", args=[approved.rhi.pk, "everything"])
    assert client.get(odd).status_code == 404
    stranger = member("stranger", ProviderFactory.create(), "rhi_worker")
    client.force_login(stranger)
    url = reverse("rhi:report_download", args=[approved.rhi.pk, "full_report"])
    assert client.get(url).status_code == 404
    assert AuditEvent.objects.filter(
        actor=stranger, outcome=AuditOutcome.DENIED, object_id=str(approved.rhi.pk)
    ).exists()
    assert not ReportDocument.objects.exists()


def test_approval_renders_both_documents_once_after_commit(
    eager_celery: None, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    case = build_case()
    rhi = case.rhi
    rhi_services.submit_for_approval(rhi_id=rhi.pk, by=case.worker)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        approved = rhi_services.approve(rhi_id=rhi.pk, by=case.manager)
    # Rendering is queued once (the hand-off notice and its email are queued beside it).
    assert [callback.__name__ for callback in callbacks].count("_enqueue_reports") == 1
    documents = ReportDocument.objects.filter(rhi=rhi, rhi_version=approved.version)
    assert sorted(documents.values_list("kind", flat=True)) == sorted(ReportKind.values)
    # The download page serves the stored document, not a second rendering.
    stored = documents.get(kind=ReportKind.FULL_REPORT)
    assert reports.generate_report(rhi_id=rhi.pk, kind=ReportKind.FULL_REPORT).sha256 == stored.sha256

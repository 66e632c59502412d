"""PDF documents of an approved RHI: the full report and the notification letter for the placing authority.

A document is generated once per (RHI, version, kind) and stored through Django's default storage with its
SHA-256; asking again for the same version returns the stored document unchanged, never a regenerated one. Two
workers racing to generate the same document both end up with the one the database kept (the unique
constraint decides; the loser deletes its file). Referrals made after the document was generated do not
change it: it is the record of what was known at that version.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from audit.models import AuditAction
from audit.services import record_event
from missing_episodes.models import (
    EPISODE_FIELDS,
    Child,
    CorrectedField,
    FactCorrection,
    MissingEpisode,
)
from missing_episodes.selectors import episodes_while_looked_after
from referrals.selectors import referrals_for_rhi
from rhi.clock import CLOCK_STATE_LABELS, ClockRules, describe_rules
from rhi.models import (
    ConsentToShare,
    Interview,
    PullFactor,
    PushFactor,
    ReportDocument,
    ReportKind,
    ReturnHomeInterview,
    RHIState,
)
from rhi.selectors import corrections_after_approval, rhi_clock_state, rhi_deadlines

TEMPLATES: dict[str, str] = {
    ReportKind.FULL_REPORT: "rhi/pdf/full_report.html",
    ReportKind.NOTIFICATION_LETTER: "rhi/pdf/notification_letter.html",
}
# Tagged PDF (structure tree, language, title) so screen readers can follow the headings and tables.
PDF_VARIANT = "pdf/ua-1"


class ReportNotAvailable(Exception):
    """Reports exist only for approved RHIs."""


@dataclass(frozen=True)
class Timeliness:
    state_label: str
    method: str
    started_at: Any
    contact_due_at: Any
    due_at: Any
    offered_at: Any
    held_at: Any
    offer_in_time: bool | None


def _labels(codes: list[str], choices: Any) -> list[str]:
    known = dict(choices.choices)
    return [known.get(code, code) for code in codes]


def has_placing_authority(rhi: ReturnHomeInterview) -> bool:
    """Whether there is a placing authority to write the notification letter to: the child was looked after
    (a period of care, the returns' rule) when one of the RHI's episodes began, so their responsible LA placed
    them. A child living at home has none, and the RHI page offers no letter."""
    episode_ids = rhi.episode_links.values("episode_id")
    return episodes_while_looked_after().filter(pk__in=episode_ids).exists()


def report_available_to_placing_authority(rhi: ReturnHomeInterview) -> bool:
    """The full report may go to the placing authority when the child consented or sharing without consent
    was justified and recorded."""
    return rhi.consent_to_share == ConsentToShare.GIVEN or rhi.share_without_consent


def _timeliness(rhi: ReturnHomeInterview, interview: Interview | None) -> Timeliness:
    deadlines = rhi_deadlines(rhi)
    held_at = interview.held_at if interview else None
    state = rhi_clock_state(rhi, now=timezone.now(), interview_held_at=held_at)
    offer_in_time = None
    if deadlines.contact_due is not None and rhi.offered_at is not None:
        offer_in_time = rhi.offered_at <= deadlines.contact_due
    return Timeliness(
        state_label=CLOCK_STATE_LABELS[state],
        method=describe_rules(ClockRules.from_snapshot(rhi.policy_snapshot)) if rhi.policy_snapshot else "",
        started_at=deadlines.start,
        contact_due_at=deadlines.contact_due,
        due_at=deadlines.due,
        offered_at=rhi.offered_at,
        held_at=held_at,
        offer_in_time=offer_in_time,
    )


def _as_approved(
    child: Child, episodes: list[MissingEpisode], corrections: list[FactCorrection]
) -> tuple[Child, list[MissingEpisode]]:
    """The child and episodes as they were when the RHI was approved: each fact corrected since takes the
    value its first later correction replaced (copies: nothing is saved). The report keeps what it said."""
    first: dict[tuple[int | None, str], str] = {}
    for correction in corrections:  # oldest first
        first.setdefault((correction.episode_id, correction.field), correction.old_value)
    if not first:
        return child, episodes
    child = copy.copy(child)
    if (None, CorrectedField.DATE_OF_BIRTH) in first:
        child.date_of_birth = date.fromisoformat(first[(None, CorrectedField.DATE_OF_BIRTH)])
    shown = []
    for episode in episodes:
        episode = copy.copy(episode)
        for field in EPISODE_FIELDS:
            if (episode.pk, field) in first:
                old = first[(episode.pk, field)]
                setattr(episode, field, datetime.fromisoformat(old) if old else None)
        shown.append(episode)
    return child, shown


def _context(rhi: ReturnHomeInterview, kind: str) -> dict[str, Any]:
    interview = Interview.objects.select_related("interviewer").filter(rhi=rhi).first()
    episodes = [
        link.episode
        for link in rhi.episode_links.select_related("episode", "episode__police_force").order_by(
            "episode__missing_at"
        )
    ]
    later_corrections = corrections_after_approval(rhi)
    child, episodes = _as_approved(rhi.child, episodes, later_corrections)
    context: dict[str, Any] = {
        "rhi": rhi,
        "child": child,
        "later_corrections": later_corrections,
        "episodes": episodes,
        "interview": interview,
        "report_available": report_available_to_placing_authority(rhi),
        "generated_at": timezone.now(),
        "title": f"{ReportKind(kind).label} – RHI-{rhi.pk}",
    }
    if kind == ReportKind.FULL_REPORT:
        context |= {
            "placement": rhi.child.placements.filter(end_date__isnull=True)
            .select_related("host_la", "police_force_area")
            .first(),
            "transitions": list(rhi.transitions.select_related("by").order_by("at", "pk")),
            "reviews": list(rhi.reviews.select_related("reviewer").order_by("decided_at", "pk")),
            "risk_indicators": list(rhi.risk_indicators.order_by("indicator")),
            "locations": list(rhi.locations.order_by("from_at", "pk")),
            "associates": list(rhi.associates.order_by("pk")),
            "referrals": list(referrals_for_rhi(rhi)),
            "push_factors": _labels(interview.push_factors, PushFactor) if interview else [],
            "pull_factors": _labels(interview.pull_factors, PullFactor) if interview else [],
            "timeliness": _timeliness(rhi, interview),
        }
    return context


def render_report_pdf(rhi: ReturnHomeInterview, kind: str) -> bytes:
    html = render_to_string(TEMPLATES[kind], _context(rhi, kind))
    # Imported here: WeasyPrint parses its stylesheets on import, which every web process and management
    # command would otherwise pay for at start-up (the URLconf imports this module).
    import weasyprint  # noqa: PLC0415 — see the comment above

    pdf: bytes = weasyprint.HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        pdf_variant=PDF_VARIANT
    )
    return pdf


def _existing(rhi: ReturnHomeInterview, kind: str) -> ReportDocument | None:
    return ReportDocument.objects.filter(rhi=rhi, rhi_version=rhi.version, kind=kind).first()


def generate_report(*, rhi_id: int, kind: str) -> ReportDocument:
    """The stored PDF of the RHI's current (approved) version, generating it the first time it is asked for."""
    if kind not in TEMPLATES:
        raise ValueError(f"Unknown report kind {kind!r}.")
    rhi = ReturnHomeInterview.objects.select_related(
        "child",
        "child__responsible_la",
        "local_authority",
        "provider",
        "allocated_worker",
        "submitted_by",
        "approved_by",
        "consent_override_by",
    ).get(pk=rhi_id)
    if rhi.state != RHIState.APPROVED:
        raise ReportNotAvailable("Reports are available once the RHI is approved.")
    existing = _existing(rhi, kind)
    if existing is not None:
        return existing
    pdf = render_report_pdf(rhi, kind)
    document = ReportDocument(
        rhi=rhi,
        rhi_version=rhi.version,
        kind=kind,
        sha256=hashlib.sha256(pdf).hexdigest(),
        created_at=timezone.now(),
    )
    # Ids only in the file name: no personal data in paths.
    document.file.save(f"rhi-{rhi.pk}-v{rhi.version}-{kind}.pdf", ContentFile(pdf), save=False)
    try:
        with transaction.atomic():
            document.save()
            record_event(
                actor=None,
                action=AuditAction.CREATE,
                obj=document,
                detail={"rhi": rhi.pk, "kind": kind, "rhi_version": rhi.version},
            )
    except IntegrityError:
        # Someone else stored this version's document first: keep theirs, drop our file.
        document.file.delete(save=False)
        winner = _existing(rhi, kind)
        if winner is None:
            raise
        return winner
    return document

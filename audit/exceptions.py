"""The two ways a page refuses someone, each carrying what the audit must record about the refusal.

A view raises ``NotVisible`` (answered 404: the record is outside what this person may see, so the page does
not even confirm it exists) or ``NotAllowed`` (answered 403: the person may see the record but not do this).
``audit.denials.AuditedDenialMiddleware`` writes the one DENIED event for either (docs/audit.md, "Denials"),
so no view writes its own and none can forget to.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404

from audit.models import AuditAction

# ``action=BY_METHOD``: the refused action is read from the request, as the page form's method says it
# (UPDATE for a POST, VIEW for a GET), for pages that refuse both the same way.
BY_METHOD: Final = None


@dataclass(frozen=True)
class Denial:
    """What was refused: the record (``obj``, or its ``object_type`` and ``object_id``), the action tried, and
    codes only in ``detail`` (never names or narrative: it is stored as is)."""

    object_type: str = ""
    object_id: str = ""
    obj: models.Model | None = None
    action: str | None = AuditAction.VIEW
    detail: Mapping[str, Any] = field(default_factory=dict)


class AuditedDenial(Exception):
    """Mixed into the two refusals so the middleware finds the audit context on either."""

    denial: Denial

    def __init__(
        self,
        *,
        object_type: str = "",
        object_id: object = "",
        obj: models.Model | None = None,
        action: str | None = AuditAction.VIEW,
        step: str = "",
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        # ``step`` names the journey step refused; it is stored in the detail like any other code.
        merged = dict(detail or {}) | ({"step": step} if step else {})
        self.denial = Denial(
            object_type=object_type,
            object_id="" if object_id is None else str(object_id),
            obj=obj,
            action=action,
            detail=merged,
        )
        super().__init__()


class NotVisible(AuditedDenial, Http404):
    """404: the record is not within what this person may see (or does not exist: the two look the same)."""


class NotAllowed(AuditedDenial, PermissionDenied):
    """403: the person may see the record but may not do this to it."""

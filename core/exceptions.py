"""The two refusals every app's services raise and every view answers the same way, defined once under all
the apps so that any service may raise them without importing another app's services (rhi.services used to
own them, and sharing.services importing them from there closed an import loop)."""

from __future__ import annotations


class TransitionError(Exception):
    """The record is not in a state this step can start from (the view answers 409 or a form error)."""


class ActionNotAllowed(Exception):
    """The user may see the record but may not take this step (the view answers 403 or a form error)."""

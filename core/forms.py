"""Typed access to a bound form's fields, for forms that narrow a field's choices to what the user may pick.

``form.fields[name]`` is typed as ``forms.Field``, which has neither ``queryset`` nor ``choices``; each form used
to silence mypy where it set them. These say which kind of field the form declared, and fail loudly (TypeError)
if a field is renamed or changes kind, instead of silently setting an attribute nothing reads.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.db.models import QuerySet


def limit_choices(form: forms.BaseForm, name: str, queryset: QuerySet[Any]) -> None:
    """The form's model choice field ``name`` offers ``queryset`` only."""
    field = form.fields[name]
    if not isinstance(field, forms.ModelChoiceField):
        raise TypeError(f"{type(form).__name__}.{name} is a {type(field).__name__}, not a model choice field")
    field.queryset = queryset


def set_choices(form: forms.BaseForm, name: str, choices: Iterable[tuple[Any, Any]]) -> None:
    """The form's choice field ``name`` offers ``choices``."""
    field = form.fields[name]
    if not isinstance(field, forms.ChoiceField):
        raise TypeError(f"{type(form).__name__}.{name} is a {type(field).__name__}, not a choice field")
    field.choices = list(choices)

"""Typed access to a bound form's fields, for forms that narrow a field's choices to what the user may pick;
the base forms that limit every text field (GOV.UK length messages).

``form.fields[name]`` is typed as ``forms.Field``, which has neither ``queryset`` nor ``choices``; each form used
to silence mypy where it set them. These say which kind of field the form declared, and fail loudly (TypeError)
if a field is renamed or changes kind, instead of silently setting an attribute nothing reads.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.validators import MaxLengthValidator
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


# Free text with no limit of its own gets one, so every text box has a maxlength and a GOV.UK length message.
SHORT_TEXT_MAX = 255
LONG_TEXT_MAX = 10000


def _what(field: forms.Field, name: str) -> str:
    label = str(field.label or name.replace("_", " ").capitalize())
    return f"The answer to '{label}'" if label.endswith("?") else label


def length_message(what: str, limit: int) -> str:
    """GOV.UK's wording: "[whatever it is] must be [number] characters or fewer"."""
    return f"{what} must be {limit} characters or fewer."


def limit_text(form: forms.BaseForm) -> None:
    """Every text field of ``form`` gets a length limit (the default ones above if it has none) and the GOV.UK
    message naming it, unless the field gives its own; the field template puts the limit on the input."""
    for name, field in form.fields.items():
        if not isinstance(field, forms.CharField) or isinstance(field.widget, forms.HiddenInput):
            continue
        if field.max_length is None:
            field.max_length = LONG_TEXT_MAX if isinstance(field.widget, forms.Textarea) else SHORT_TEXT_MAX
            field.validators.append(MaxLengthValidator(field.max_length))
        field.error_messages.setdefault(
            "max_length", length_message(_what(field, name), int(field.max_length))
        )


class GovUKForm(forms.Form):
    """A form whose text fields are limited and say so in GOV.UK words (``limit_text``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_text(self)

    def full_clean(self) -> None:
        limit_text(self)  # fields a subclass added after __init__ above (one per risk indicator...)
        super().full_clean()


class GovUKModelForm(forms.ModelForm):
    """``GovUKForm`` for model forms."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_text(self)

    def full_clean(self) -> None:
        limit_text(self)
        super().full_clean()

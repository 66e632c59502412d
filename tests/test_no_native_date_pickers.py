"""No form asks for a date with the browser's own picker (issue 14 item 7): every date and time is the GOV.UK
date input (accounts.fields), and every text field is limited with a GOV.UK length message (core.forms)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm

from accounts.fields import GovUKDateField
from core.forms import GovUKForm, GovUKModelForm

APPS = (
    "accounts",
    "alerts",
    "audit",
    "home",
    "missing_episodes",
    "operations",
    "referrals",
    "reporting",
    "rhi",
    "sharing",
)
# Also a type chosen in the template: type="{% if … %}date{% else %}text{% endif %}".
NATIVE_TYPE = re.compile(r'type="[^"]*\b(date|datetime-local|time|month|week)\b[^"]*"')
NATIVE = (forms.DateInput, forms.DateTimeInput, forms.SplitDateTimeWidget, forms.TimeInput)


def _app_forms() -> list[type[forms.BaseForm]]:
    importlib.import_module(settings.ROOT_URLCONF)  # every view, so every form, is imported
    found: list[type[forms.BaseForm]] = []
    pending: list[type[forms.BaseForm]] = [forms.BaseForm]
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            pending.append(sub)
            if sub.__module__.split(".")[0] in APPS and sub not in (GovUKForm, GovUKModelForm):
                found.append(sub)
    return found


def _fields(form: type[forms.BaseForm]) -> dict[str, forms.Field]:
    declared: dict[str, forms.Field] = getattr(form, "base_fields", {})  # set by the form's metaclass
    return declared


def test_no_template_has_a_native_date_or_time_input() -> None:
    offenders = [
        str(path)
        for path in Path(settings.BASE_DIR, "templates").rglob("*.html")
        for text in [path.read_text()]
        if NATIVE_TYPE.search(text)
    ]
    assert offenders == []


def test_every_date_on_every_form_is_a_govuk_date_input() -> None:
    app_forms = _app_forms()
    assert len(app_forms) > 30
    offenders = [
        f"{form.__module__}.{form.__name__}.{name}"
        for form in app_forms
        for name, field in _fields(form).items()
        if isinstance(field.widget, NATIVE)
        or (
            isinstance(field, forms.DateField | forms.DateTimeField) and not isinstance(field, GovUKDateField)
        )
    ]
    assert offenders == []


def test_every_form_limits_its_text_in_govuk_words() -> None:
    offenders = [
        f"{form.__module__}.{form.__name__}"
        for form in _app_forms()
        if not issubclass(form, GovUKForm | GovUKModelForm)
        and any(isinstance(field, forms.CharField) for field in _fields(form).values())
        and not issubclass(form, AuthenticationForm | SetPasswordForm)  # Django's: username, passwords
    ]
    assert offenders == []

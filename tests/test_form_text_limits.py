"""Every text field is limited and says so in GOV.UK words (core.forms.GovUKForm); optional fields say
"(optional)" (templates/includes/field.html)."""

from __future__ import annotations

from django import forms
from django.template.loader import render_to_string

from core.forms import LONG_TEXT_MAX, SHORT_TEXT_MAX, GovUKForm


class NoteForm(GovUKForm):
    where = forms.CharField(label="Where they were found", required=False)
    notes = forms.CharField(label="Notes", widget=forms.Textarea, required=False)
    reason = forms.CharField(label="Why are you referring the child?", max_length=20)
    name = forms.CharField(
        max_length=5, error_messages={"max_length": "The name must be 5 characters or fewer."}
    )


def test_a_text_field_without_a_limit_gets_one_with_the_govuk_message() -> None:
    form = NoteForm(
        data={"where": "x" * (SHORT_TEXT_MAX + 1), "notes": "y" * (LONG_TEXT_MAX + 1), "reason": "ok"}
    )

    assert form.errors["where"] == [f"Where they were found must be {SHORT_TEXT_MAX} characters or fewer."]
    assert form.errors["notes"] == [f"Notes must be {LONG_TEXT_MAX} characters or fewer."]


def test_a_question_label_is_quoted_and_a_fields_own_message_wins() -> None:
    form = NoteForm(data={"reason": "z" * 21, "name": "toolong"})

    assert form.errors["reason"] == [
        "The answer to 'Why are you referring the child?' must be 20 characters or fewer."
    ]
    assert form.errors["name"] == ["The name must be 5 characters or fewer."]


def test_inputs_carry_maxlength_text_areas_a_character_count_and_optional_labels_say_so() -> None:
    form = NoteForm()

    where = render_to_string("includes/field.html", {"field": form["where"]})
    notes = render_to_string("includes/field.html", {"field": form["notes"]})
    reason = render_to_string("includes/field.html", {"field": form["reason"]})

    assert f'maxlength="{SHORT_TEXT_MAX}"' in where and "Where they were found (optional)" in where
    assert (
        'data-module="govuk-character-count"' in notes
        and f"You can enter up to {LONG_TEXT_MAX} characters" in notes
    )
    assert "(optional)" not in reason and 'maxlength="20"' in reason

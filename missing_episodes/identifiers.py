"""The shapes of the identifiers partners send us, decided once. Every intake channel calls these validators:
the web form, the CSV/xlsx importers, the API and (through the models' ``clean``) the admin and the services.

Strict on purpose: an identifier is a key, never free text. Starting with a letter or digit keeps out values a
spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR — issue 11), and the short list of
separators keeps out markup and control characters. Exports neutralise formula-like cells as well
(``reporting.exports.neutralise_cell``) for rows stored before these checks.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator

MAX_IDENTIFIER_LENGTH = 40

# A council's id for a child, e.g. "C104233", "333-0000123", "OLD/7".
LA_CHILD_ID_PATTERN = r"\A[A-Za-z0-9][A-Za-z0-9/._-]{0,39}\Z"
# A force's reference for a missing person report, e.g. "MP-2026-004512", "01/123456/26", "CAD 1234:5".
POLICE_REFERENCE_PATTERN = r"\A[A-Za-z0-9](?:[A-Za-z0-9/._:#-]| (?=[A-Za-z0-9/._:#-])){0,39}\Z"

validate_la_child_id = RegexValidator(
    LA_CHILD_ID_PATTERN,
    message=(
        "Enter the LA child ID as the council's system shows it: up to 40 letters, numbers, hyphens (-), "
        "slashes (/), dots or underscores, starting with a letter or number."
    ),
    code="invalid_la_child_id",
)

validate_police_reference = RegexValidator(
    POLICE_REFERENCE_PATTERN,
    message=(
        "Enter the police reference as the force gives it: up to 40 letters, numbers, single spaces, hyphens (-), "
        "slashes (/), dots, colons, # or underscores, starting with a letter or number."
    ),
    code="invalid_police_reference",
)


def identifier_errors(**values: str) -> list[tuple[str, str]]:
    """(column, reason) for each non-blank identifier given by keyword (``la_child_id=…``,
    ``police_reference=…``) that does not fit its pattern: how the importers report a bad cell."""
    validators = {"la_child_id": validate_la_child_id, "police_reference": validate_police_reference}
    errors = []
    for column, value in values.items():
        try:
            if value:
                validators[column](value)
        except ValidationError as exc:
            errors.append((column, exc.messages[0]))
    return errors

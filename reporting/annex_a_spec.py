"""Ofsted's ILACS Annex A list 8 (children in care), in one place: every heading in the template's order, which of
them this service fills, and the values each column allows. The List 8 export (``reporting.annex_a``) and
"Complete your List 8" (``reporting.list8_complete``) both read it, so a change to the template is one edit here.

Source: the List 8 of Ofsted's Annex A template as standardised by the Annex A cleaner councils share
(Social Finance's liia-tools, ``annex_a_pipeline/spec/Annex_A_schema.yml``): 34 headings, lettered codes for
the lists the template offers (``a) Male``, ``a) WBRI``, ``a) In`` …). Where a heading states its own answer
format — "(Y/N)" — the answer is ``Y`` or ``N``. "LA of Placement" is the hosting council's name for a placement
in England and the template's code for one outside it (``WAL - Child placed in Wales`` …).
"""

from __future__ import annotations

import re
import unicodedata

from accounts.models import Nation

CHILD_ID = "Child Unique ID"
GENDER = "Gender"
ETHNICITY = "Ethnicity"
DATE_OF_BIRTH = "Date of Birth"
AGE = "Age of Child (Years)"
UASC = "Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N)"
DISABILITY = "Does the Child have a Disability"
PLACEMENT_LOCATION = "Placement Location"
LA_OF_PLACEMENT = "LA of Placement"
MISSING_COUNT = "Number of Episodes the Child has been 'Missing' from their Placement in the last 12 months"
ABSENT_COUNT = "Number of Episodes the Child has been 'Absent' from their Placement in the last 12 months"
OFFERED = "Was the child offered a Return Interview after their last missing episode (Y/N)?"
ACCEPTED = "Did the child accept a Return Interview after their last missing episode (Y/N)?"
TEAM = "Allocated Team"
WORKER = "Allocated Worker"

# Every List 8 heading, in the template's order.
COLUMNS: tuple[str, ...] = (
    CHILD_ID,
    GENDER,
    ETHNICITY,
    DATE_OF_BIRTH,
    AGE,
    UASC,
    DISABILITY,
    "Date Started to be Looked After",
    "Child's Category of Need",
    "Is this a second or subsequent period of being a Looked After Child within the last 12 months (Y/N)",
    "Start date of current legal status",
    "Child's Legal Status",
    "Date of Latest Statutory Review",
    "Date of Last Social Work Visit",
    "What is the permanence plan for this child?",
    "Date of Last IRO Visit / Contact to the Child",
    "Date of Last Health Assessment",
    "Date of Last Dental Check",
    "Number of Placements in the Last 12 months",
    "Date Ceased to be Looked After",
    "Reason Ceased to be Looked After",
    "Start Date of Most Recent Placement",
    "Placement Type",
    "Placement Provider",
    "Placement postcode",
    "URN of Placement",
    PLACEMENT_LOCATION,
    LA_OF_PLACEMENT,
    MISSING_COUNT,
    ABSENT_COUNT,
    OFFERED,
    ACCEPTED,
    TEAM,
    WORKER,
)
# The columns this service holds, in the template's order: what its own List 8 export writes.
HELD_HERE: tuple[str, ...] = (
    CHILD_ID,
    GENDER,
    ETHNICITY,
    DATE_OF_BIRTH,
    AGE,
    UASC,
    DISABILITY,
    PLACEMENT_LOCATION,
    LA_OF_PLACEMENT,
    MISSING_COUNT,
    ABSENT_COUNT,
    OFFERED,
    ACCEPTED,
    TEAM,
    WORKER,
)
# The missing and return interview columns: this service is their source, so "Complete your List 8" always
# fills them from here (a different value in the upload is listed, not kept silently).
FILLED_HERE: tuple[str, ...] = (MISSING_COUNT, ABSENT_COUNT, OFFERED, ACCEPTED)

YES, NO = "Y", "N"
GENDER_CODES = {
    "male": "a) Male",
    "female": "b) Female",
    "not_known": "c) Not stated/recorded",
    "other": "d) Neither",
}
# DfE ethnicity code → the template's lettered value. The shared schema letters REFU and NOBT both "s)"; kept
# as it is, since the cleaners that read the list match on the code after the letter.
ETHNICITY_CODES = {
    code: f"{letter}) {code}"
    for letter, code in (
        ("a", "WBRI"),
        ("b", "WIRI"),
        ("c", "WIRT"),
        ("d", "WOTH"),
        ("e", "WROM"),
        ("f", "MWBC"),
        ("g", "MWBA"),
        ("h", "MWAS"),
        ("i", "MOTH"),
        ("j", "AIND"),
        ("k", "APKN"),
        ("l", "ABAN"),
        ("m", "AOTH"),
        ("n", "BCRB"),
        ("o", "BAFR"),
        ("p", "BOTH"),
        ("q", "CHNE"),
        ("r", "OOTH"),
        ("s", "REFU"),
        ("s", "NOBT"),
    )
}
DISABILITY_CODES = {True: "a) Yes", False: "b) No"}
PLACEMENT_IN, PLACEMENT_OUT = "a) In", "b) Out"
# "LA of Placement" for a placement outside England: the template's code, by the host's nation.
PLACED_OUTSIDE_ENGLAND: dict[str, str] = {
    Nation.WALES: "WAL - Child placed in Wales",
    Nation.SCOTLAND: "SCO - Child placed in Scotland",
    Nation.NORTHERN_IRELAND: "NIR - Child placed in Northern Ireland",
}

# The values each coded column allows (the other columns are dates, counts or free text).
ALLOWED: dict[str, frozenset[str]] = {
    GENDER: frozenset(GENDER_CODES.values()),
    ETHNICITY: frozenset(ETHNICITY_CODES.values()),
    UASC: frozenset({YES, NO}),
    DISABILITY: frozenset({*DISABILITY_CODES.values(), "c) Unknown"}),
    PLACEMENT_LOCATION: frozenset({PLACEMENT_IN, PLACEMENT_OUT}),
    OFFERED: frozenset({YES, NO}),
    ACCEPTED: frozenset({YES, NO}),
}


def la_of_placement(*, host_name: str, host_nation: str) -> str:
    return PLACED_OUTSIDE_ENGLAND.get(host_nation, host_name)


_SPACES = re.compile(r"\s+")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def heading_key(heading: object) -> str:
    """A heading as compared with Ofsted's: case, spacing and curly quotes do not matter (case systems and
    Excel vary them), the words do."""
    text = unicodedata.normalize("NFKC", str(heading or "")).translate(_QUOTES)
    return _SPACES.sub(" ", text).strip().casefold()


COLUMN_BY_KEY: dict[str, str] = {heading_key(column): column for column in COLUMNS}

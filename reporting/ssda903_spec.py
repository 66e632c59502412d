"""The SSDA903 specification, per collection year, in one place: the Header and Missing columns, the codes the
return writes (SEX, MISSING, the unknown-UPN codes), the ETHNIC codes the DfE accepts, and which of our own
checks (``reporting.ssda903_rules``) apply that year, each with the DfE validation rules it stands for.

The DfE publishes its rules as ``csc-validator-be-903``; ``tools/dfe903/check.py`` runs that package's
Header and Missing rules on every demo LA's export in the test command, and a test shows our checks flag
exactly what it flags. Next year's change is one edit here: a new ``Ssda903Spec`` (usually ``replace`` of the
year before) added to ``SPECS``.

Plain data: no Django import, so anything (a script, a test) can read it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from types import MappingProxyType
from typing import Literal

Table = Literal["Header", "Missing"]


@dataclass(frozen=True)
class Rule:
    """One of our checks: the table it reads, the DfE rules it stands for (all of them fail on exactly the
    rows it flags) and what to fix, in words the worker correcting the source record can act on."""

    table: Table
    dfe_codes: tuple[str, ...]
    message: str


RULES: MappingProxyType[str, Rule] = MappingProxyType(
    {
        # Missing
        "MIS_START_BLANK": Rule(
            "Missing",
            ("564", "1004"),
            "MIS_START is blank: the date the child went missing or absent must be recorded.",
        ),
        "MIS_START_INVALID": Rule(
            "Missing", ("1004",), "MIS_START is not a valid date in the form dd/mm/yyyy."
        ),
        "MIS_END_INVALID": Rule("Missing", ("1005",), "MIS_END is not a valid date in the form dd/mm/yyyy."),
        "MISSING_TYPE": Rule("Missing", ("1006",), "MISSING must be M (missing) or A (absent)."),
        "MISSING_TYPE_BLANK": Rule(
            "Missing",
            ("565",),
            "MISSING is blank but MIS_START is given: say whether missing (M) or absent (A).",
        ),
        "MISSING_TYPE_BLANK_END": Rule(
            "Missing",
            ("566",),
            "MISSING is blank but MIS_END is given: say whether missing (M) or absent (A).",
        ),
        "MIS_END_BEFORE_START": Rule(
            "Missing", ("567",), "MIS_END is before MIS_START: the period cannot end before it starts."
        ),
        "MIS_START_AFTER_YEAR": Rule(
            "Missing", ("570",), "MIS_START is after the end of the collection year."
        ),
        "MIS_END_OUTSIDE_YEAR": Rule(
            "Missing",
            ("571",),
            "MIS_END is outside the collection year (leave it blank if still missing on 31 March).",
        ),
        "MISSING_OVERLAP": Rule(
            "Missing", ("574",), "A new missing or absence period starts before the previous one has ended."
        ),
        "BEFORE_BIRTH": Rule("Missing", ("586",), "MIS_START is on or before the child's date of birth."),
        "NOT_IN_HEADER": Rule("Missing", ("INT04",), "The child has Missing rows but no Header row."),
        "DOB_DIFFERS": Rule("Missing", ("INT13",), "DOB differs from the date of birth in the Header."),
        # Header
        "SEX_INVALID": Rule(
            "Header", ("101",), "SEX is not one of this year's codes: record the child's sex on their record."
        ),
        "SEX_UNKNOWN": Rule(
            "Header",
            ("232",),
            "SEX is U (not known): the DfE queries it. Record the child's sex as male or female if known.",
        ),
        "DOB_INVALID": Rule("Header", ("102",), "DOB is not a valid date in the form dd/mm/yyyy."),
        "DOB_AFTER_YEAR": Rule("Header", ("301",), "DOB is after the end of the collection year."),
        "OVER_25": Rule("Header", ("351",), "The child was over 25 at the start of the collection year."),
        "ETHNIC_INVALID": Rule(
            "Header", ("103",), "ETHNIC is not a DfE ethnicity code (NOBT when not yet obtained)."
        ),
        "UPN_INVALID": Rule(
            "Header",
            ("168",),
            "UPN is not a valid unique pupil number (a letter, then 12 digits or 11 digits and a letter).",
        ),
        "UPN_UN1_SCHOOL_AGE": Rule(
            "Header", ("209",), "UPN is UN1 (under school age) but the child is of school age."
        ),
        "UPN_DUPLICATE": Rule(
            "Header", ("444",), "The same UPN is recorded for another child in this return."
        ),
        "CHILD_TWICE_IN_HEADER": Rule("Header", ("INT32",), "The child has more than one Header row."),
    }
)

# The DfE's Header and Missing rules that tools/dfe903/check.py runs but no check of ours restates, and why
# they cannot fail on our return (a test holds this list, RULES and the validator's rule sets together).
NOT_RESTATED: MappingProxyType[str, str] = MappingProxyType(
    dict.fromkeys(
        ("171", "174", "611", "612", "620", "621"),
        "MOTHER and MC_DOB: not held by this service and written blank, which these rules accept",
    )
)

# Every DfE ethnicity code (rule 103): REFU when refused, NOBT when not yet obtained.
ETHNIC_CODES = frozenset(
    {
        *("WBRI", "WIRI", "WOTH", "WIRT", "WROM"),
        *("MWBC", "MWBA", "MWAS", "MOTH"),
        *("AIND", "APKN", "ABAN", "AOTH"),
        *("BCRB", "BAFR", "BOTH"),
        *("CHNE", "OOTH", "REFU", "NOBT"),
    }
)
# UN1 child under school age and not yet at school, UN2 never attended school in England, UN3 educated outside
# England, UN4 newly looked after and the UPN not yet obtained, UN5 not known for another reason.
UPN_UNKNOWN_CODES = frozenset({"UN1", "UN2", "UN3", "UN4", "UN5"})
UPN_PATTERN = r"^(?:(?![IOS])[A-Z](?:\d{12}|\d{11}[A-Z])|UN[1-5])$"

_MISSING_RULES = (
    "MIS_START_BLANK",
    "MIS_START_INVALID",
    "MIS_END_INVALID",
    "MISSING_TYPE",
    "MISSING_TYPE_BLANK",
    "MISSING_TYPE_BLANK_END",
    "MIS_END_BEFORE_START",
    "MIS_START_AFTER_YEAR",
    "MIS_END_OUTSIDE_YEAR",
    "MISSING_OVERLAP",
    "BEFORE_BIRTH",
    "NOT_IN_HEADER",
    "DOB_DIFFERS",
)
_HEADER_RULES = (
    "SEX_INVALID",
    "DOB_INVALID",
    "DOB_AFTER_YEAR",
    "OVER_25",
    "ETHNIC_INVALID",
    "UPN_INVALID",
    "UPN_UN1_SCHOOL_AGE",
    "CHILD_TWICE_IN_HEADER",
)


@dataclass(frozen=True)
class Ssda903Spec:
    """What the return is in one collection year (``start_year`` 2024 is 1 April 2024 to 31 March 2025)."""

    start_year: int
    header_columns: tuple[str, ...]
    missing_columns: tuple[str, ...]
    # Our recorded gender → SEX; any gender not listed is written as ``sex_other``.
    sex_codes: MappingProxyType[str, str]
    sex_other: str
    valid_sex: frozenset[str]
    # EpisodeCategory value → MISSING.
    missing_codes: MappingProxyType[str, str]
    ethnic_codes: frozenset[str]
    upn_unknown_codes: frozenset[str]
    # No UPN held: UN1 for a child not yet of school age (rule 209's test), else this code.
    upn_not_held: str
    rules: tuple[str, ...]
    # The DfE validator's rule set for the year (csc-validator-be-903's ``lac_validator.rules`` module).
    dfe_ruleset: str

    @property
    def label(self) -> str:
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"

    @property
    def upn_school_age_reference(self) -> date:
        """Rule 209: a child born four or more years before 31 August of the year before the collection year
        starts is of school age, and UN1 is wrong for them."""
        return date(self.start_year - 1, 8, 31)

    def rule(self, name: str) -> Rule:
        return RULES[name]


SPEC_2023_24 = Ssda903Spec(
    start_year=2023,
    header_columns=("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"),
    missing_columns=("CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"),
    sex_codes=MappingProxyType({"male": "1", "female": "2"}),
    sex_other="",
    valid_sex=frozenset({"1", "2"}),
    missing_codes=MappingProxyType({"missing": "M", "absent": "A"}),
    ethnic_codes=ETHNIC_CODES,
    upn_unknown_codes=UPN_UNKNOWN_CODES,
    upn_not_held="UN5",
    rules=_MISSING_RULES + _HEADER_RULES,
    dfe_ruleset="lac2023_24",
)
# From 2024/25 rule 101 accepts only M, F or U, and rule 232 queries U.
SPEC_2024_25 = replace(
    SPEC_2023_24,
    start_year=2024,
    sex_codes=MappingProxyType({"male": "M", "female": "F"}),
    sex_other="U",
    valid_sex=frozenset({"M", "F", "U"}),
    rules=(*SPEC_2023_24.rules, "SEX_UNKNOWN"),
    dfe_ruleset="lac2024_25",
)
# From 2025/26 rule 444: a UPN (other than the UN codes) is unique within the LA's return.
SPEC_2025_26 = replace(
    SPEC_2024_25, start_year=2025, rules=(*SPEC_2024_25.rules, "UPN_DUPLICATE"), dfe_ruleset="lac2025_26"
)
# 2026/27 adds rules 700-710, all on the Episodes table: nothing changes in Header or Missing.
SPEC_2026_27 = replace(SPEC_2025_26, start_year=2026, dfe_ruleset="lac2026_27")

SPECS: MappingProxyType[int, Ssda903Spec] = MappingProxyType(
    {spec.start_year: spec for spec in (SPEC_2023_24, SPEC_2024_25, SPEC_2025_26, SPEC_2026_27)}
)


def spec_for(start_year: int) -> Ssda903Spec:
    """The specification of the collection year starting in April ``start_year``: the latest one published
    for it or before (a year not yet specified keeps the last year's rules); an earlier year, the earliest."""
    known = [year for year in SPECS if year <= start_year]
    return SPECS[max(known)] if known else SPECS[min(SPECS)]

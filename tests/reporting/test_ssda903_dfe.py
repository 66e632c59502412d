"""Our SSDA903 checks against the DfE's own validator (csc-validator-be-903, run by tools/dfe903/check.py in
its own virtual environment, var/venv-903, which scripts/test.sh always installs and names in DFE903_PYTHON).

A file with planted errors, one child per check, fails the DfE's rules with exactly the rules planted (worked
out here by hand from the DfE's rule texts), and our checks (``reporting.ssda903.validate``) flag exactly the
same children under the same DfE rules (through ``reporting.ssda903_spec.RULES``). Random files with errors
of every kind agree too, and every DfE rule the gate runs is restated by a check of ours or listed in
``NOT_RESTATED`` with why it cannot fail on our return."""

from __future__ import annotations

import csv
import json
import os
import random
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from reporting import ssda903
from reporting.periods import CollectionYear
from reporting.ssda903 import HeaderRecord, MissingRecord
from reporting.ssda903_spec import NOT_RESTATED, RULES, SPECS, spec_for

ROOT = Path(__file__).resolve().parents[2]
CHECK = ROOT / "tools" / "dfe903" / "check.py"
Issues = set[tuple[str, str]]  # (CHILD, DfE rule code)


@pytest.fixture(scope="module")
def dfe903_python() -> str:
    """The validator's interpreter. Under scripts/test.sh it is always there (DFE903_PYTHON); a bare pytest run
    without the venv skips these tests, saying how to get it."""
    named = os.environ.get("DFE903_PYTHON")
    if named:
        assert Path(named).is_file(), f"DFE903_PYTHON={named} does not exist: scripts/test.sh installs it"
        return named
    default = ROOT / "var" / "venv-903" / "bin" / "python"
    if not default.is_file():
        pytest.skip(
            "the DfE validator's venv (var/venv-903) is absent: run ./scripts/test.sh, which installs it"
        )
    return str(default)


def write_return(
    folder: Path, header: Sequence[Sequence[str]], missing: Sequence[Sequence[str]], year: int
) -> Path:
    """The two CSV files as our export writes them (the rows without their leading pks)."""
    spec = spec_for(year)
    folder.mkdir(parents=True)
    for name, columns, rows in (
        ("missing.csv", spec.missing_columns, missing),
        ("missing-header.csv", spec.header_columns, header),
    ):
        with (folder / name).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            writer.writerows(rows)
    return folder


def dfe_issues(python: str, folder: Path, year: int) -> Issues:
    """What the DfE's validator flags in the return: (CHILD, rule) pairs."""
    done = subprocess.run(
        [python, str(CHECK), "--year", str(year), "--json", str(folder)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode in (0, 1), done.stderr
    return {(issue["child"], issue["rule"]) for issue in json.loads(done.stdout)["issues"]}


def our_issues(header: list[Any], missing: list[Any], year: int) -> Issues:
    """What our checks flag, under the DfE rules each stands for."""
    failures = ssda903.validate(header, missing, year=CollectionYear.starting(year))
    return {(failure.child.upper(), code) for failure in failures for code in failure.dfe_codes}


# --- The planted file: one child per check, worked out by hand ---------------------------------------------


def header_row(
    child: str, sex: str = "F", dob: str = "15/06/2010", ethnic: str = "WBRI", upn: str = "UN5"
) -> Any:
    return HeaderRecord(None, child, sex, dob, ethnic, upn, "", "")


def missing_row(
    child: str, start: str = "01/05/{y}", end: str = "02/05/{y}", code: str = "M", dob: str = "15/06/2010"
) -> Any:
    return MissingRecord(None, None, child, dob, code, start, end)


def planted(year: int) -> tuple[list[Any], list[Any], dict[str, set[str]]]:
    """Header and Missing rows with one planted error per child (child → the DfE rules that must fail) for the
    collection year starting in ``year``; a clean child too."""
    y, z, spec = year, year + 1, spec_for(year)
    bad_sex = "M" if "1" in spec.valid_sex else "1"  # each year's codes: 1/2 until 2023/24, then M/F/U
    header = [
        header_row("CLEAN"),
        header_row("SEXBAD", sex=bad_sex),
        header_row("SEXU", sex="U"),
        header_row("DOBBAD", dob="31/02/2010"),
        header_row("DOBLATE", dob=f"01/04/{z}"),
        header_row("OVER25", dob=f"01/01/{y - 26}"),
        header_row("ETHNIC", ethnic="XXXX"),
        header_row("UPNBAD", upn="I123456789012"),
        header_row("UN1OLD", upn="UN1"),
        header_row("UPNA", upn="A123456789012"),
        header_row("UPNB", upn="A123456789012"),
        header_row("TWICE"),
        header_row("TWICE"),
        *(
            header_row(child)
            for child in (
                "STARTBLANK",
                "STARTBAD",
                "ENDBAD",
                "TYPEX",
                "TYPEBLANK",
                "ENDBEFORE",
                "STARTLATE",
                "ENDLATE",
                "OVERLAP",
                "DOBDIFF",
            )
        ),
        header_row("BORN", dob=f"01/05/{y}", upn="UN1"),
    ]
    missing = [
        missing_row("CLEAN"),
        missing_row("CLEAN", start="02/05/{y}", end=""),  # the same day as the last one ended: allowed
        missing_row("STARTBLANK", start=""),
        missing_row("STARTBAD", start="31/02/{y}"),
        missing_row("ENDBAD", end="{y}-05-02"),
        missing_row("TYPEX", code="X"),
        missing_row("TYPEBLANK", code=""),
        missing_row("ENDBEFORE", start="05/05/{y}", end="02/05/{y}"),
        missing_row("STARTLATE", start="01/04/{z}", end=""),
        missing_row("ENDLATE", start="01/03/{z}", end="02/04/{z}"),
        missing_row("OVERLAP", start="01/05/{y}", end=""),
        missing_row("OVERLAP", start="03/05/{y}", end="04/05/{y}"),
        missing_row("BORN", dob=f"01/05/{y}"),
        missing_row("NOHEADER"),
        missing_row("DOBDIFF", dob="15/06/2011"),
    ]
    missing = [
        row._replace(MIS_START=row.MIS_START.format(y=y, z=z), MIS_END=row.MIS_END.format(y=y, z=z))
        for row in missing
    ]
    expected = {
        "SEXBAD": {"101"},
        "SEXU": {"232"} if "U" in spec.valid_sex else {"101"},
        "DOBBAD": {"102"},
        "DOBLATE": {"301"},
        "OVER25": {"351"},
        "ETHNIC": {"103"},
        "UPNBAD": {"168"},
        "UN1OLD": {"209"},
        "UPNA": {"444"},
        "UPNB": {"444"},
        "TWICE": {"INT32"},
        "STARTBLANK": {"564", "1004"},
        "STARTBAD": {"1004"},
        "ENDBAD": {"1005"},
        "TYPEX": {"1006"},
        "TYPEBLANK": {"565", "566"},
        "ENDBEFORE": {"567"},
        "STARTLATE": {"570"},
        "ENDLATE": {"571"},
        "OVERLAP": {"574"},
        "BORN": {"586"},
        "NOHEADER": {"INT04"},
        "DOBDIFF": {"INT13"},
    }
    if "UPN_DUPLICATE" not in spec.rules:  # rule 444 came in 2025/26
        expected.pop("UPNA"), expected.pop("UPNB")
    female = spec.sex_codes["female"]
    header = [row._replace(SEX=female) if row.SEX == "F" else row for row in header]
    return header, missing, expected


@pytest.mark.parametrize("year", sorted(SPECS))
def test_a_file_with_planted_errors_fails_the_dfe_validator_with_exactly_those_rules(
    dfe903_python: str, tmp_path: Path, year: int
) -> None:
    header, missing, expected = planted(year)
    folder = write_return(
        tmp_path / "planted", [row[1:] for row in header], [row[2:] for row in missing], year
    )

    found = dfe_issues(dfe903_python, folder, year)

    assert found == {(child, code) for child, codes in expected.items() for code in codes}


@pytest.mark.parametrize("year", sorted(SPECS))
def test_our_checks_flag_what_the_dfe_validator_flags_on_the_planted_file(
    dfe903_python: str, tmp_path: Path, year: int
) -> None:
    header, missing, _ = planted(year)
    folder = write_return(
        tmp_path / "planted", [row[1:] for row in header], [row[2:] for row in missing], year
    )

    assert our_issues(header, missing, year) == dfe_issues(dfe903_python, folder, year)


# --- Random files: every kind of value, good and bad, mixed -------------------------------------------------

DATES = [
    "",
    "01/04/{y}",
    "15/06/{y}",
    "15/06/{y}",
    "31/12/{y}",
    "1/1/{z}",
    "31/03/{z}",
    "01/04/{z}",
    "31/02/{y}",
    "junk",
    "15/06/2010",
    "01/01/1990",
]


def random_return(rng: random.Random, year: int) -> tuple[list[Any], list[Any]]:
    children = [f"R{n}" for n in range(40)]
    pick = rng.choice
    header = [
        HeaderRecord(
            None,
            child,
            pick(["M", "F", "U", "u", "1", "2", ""]),
            pick(
                ["15/06/2010", "01/09/2021", "29/02/2000", f"01/01/{year + 2}", "", "31/02/2010", "1/9/2019"]
            ),
            pick(["WBRI", "NOBT", "REFU", "wbri", "XXXX", ""]),
            pick(["UN1", "UN5", "un2", "", "A123456789012", "A12345678901B", "I123456789012", "UN9"]),
            "",
            "",
        )
        for child in children
        if rng.random() < 0.9
    ]
    header += [header[n] for n in range(0, len(header), 17)]  # a few children twice
    dates = [text.format(y=year, z=year + 1) for text in DATES]
    missing = [
        MissingRecord(
            None,
            None,
            pick(children),
            pick(["15/06/2010", "01/09/2021", ""]),
            pick(["M", "A", "a", "", "X"]),
            pick(dates),
            pick(dates),
        )
        for _ in range(200)
    ]
    return header, missing


@pytest.mark.parametrize(("seed", "year"), [(1, 2023), (2, 2024), (3, 2025), (4, 2025), (5, 2026)])
def test_our_checks_agree_with_the_dfe_validator_on_random_files(
    dfe903_python: str, tmp_path: Path, seed: int, year: int
) -> None:
    header, missing = random_return(random.Random(seed), year)
    folder = write_return(
        tmp_path / "random", [row[1:] for row in header], [row[2:] for row in missing], year
    )

    dfe = dfe_issues(dfe903_python, folder, year)

    assert len({code for _, code in dfe}) >= 15  # the file does exercise most rules
    assert our_issues(header, missing, year) == dfe


# --- Every rule the gate runs is ours or explained ----------------------------------------------------------


@pytest.mark.parametrize("year", sorted(SPECS))
def test_every_dfe_rule_run_on_our_return_is_restated_by_a_check_or_cannot_fail(
    dfe903_python: str, year: int
) -> None:
    done = subprocess.run(
        [dfe903_python, str(CHECK), "--year", str(year), "--list-rules", "--json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    run = set(json.loads(done.stdout)["run"])
    restated = {code for name in spec_for(year).rules for code in RULES[name].dfe_codes}

    assert run == restated | set(NOT_RESTATED)
    assert not restated & set(NOT_RESTATED)

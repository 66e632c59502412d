"""Run the DfE's own SSDA903 validation rules on our SSDA903 exports, and fail on any issue.

    var/venv-903/bin/python tools/dfe903/check.py --year 2025 DIR [DIR ...] [--json]
    var/venv-903/bin/python tools/dfe903/check.py --year 2025 --list-rules

The rules are the DfE's published package, csc-validator-be-903 (pinned in requirements.txt). It pins
pandas<2 and numpy<1.25, so it is never a dependency of the app: scripts/test.sh installs it into a virtual
environment of its own (var/venv-903) and runs this script there. No Django import here.

Each DIR holds one authority's return for the year: its Missing and Header CSV files, told apart by their
columns as the validator does (read by the validator's own reader: upper-cased, blank cells missing).
``--year`` is the collection year's first year (2025 = 2025/26, the validator's rule set lac2025_26).

Runs every rule of that year's rule set that reads the Header or Missing table and nothing else. A rule
listed in skipped_rules.toml (with its reason) is skipped by name; a rule reading Header or Missing and another
table that is not listed there stops the check (exit 2), as does a rule that fails to run or does not run.

Exit 0 when no rule flags anything; 1 with one line per issue (rule, table, child, row, return); 2 on a
set-up problem (also when the returns hold fewer Missing rows than ``--min-rows``: an empty return passes
every rule). ``--json`` prints {"issues": [...], "run": [...], "skipped": [...], "rows": N} instead.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
import time
import tomllib
import traceback
from pathlib import Path
from typing import Any

from lac_validator.datastore import copy_datastore, create_datastore
from lac_validator.ingress import read_from_text
from lac_validator.types import UploadError

HERE = Path(__file__).resolve().parent
SKIP_FILE = HERE / "skipped_rules.toml"
HELD = frozenset({"Header", "Missing"})


class SetUpError(Exception):
    """The check cannot give an answer: a rule not decided on, one that failed to run, an unreadable file."""


def skipped_rules() -> dict[str, str]:
    """Rule code → why it is not run, from skipped_rules.toml."""
    with SKIP_FILE.open("rb") as handle:
        return {str(code): str(reason) for code, reason in tomllib.load(handle)["skipped"].items()}


def ruleset_name(start_year: int) -> str:
    return f"lac{start_year}_{(start_year + 1) % 100:02d}"


def select_rules(start_year: int) -> tuple[list[Any], list[str]]:
    """The year's rules to run (reading only Header and Missing) and the codes skipped by name."""
    registry = importlib.import_module(f"lac_validator.rules.{ruleset_name(start_year)}").registry
    skips = skipped_rules()
    run, skipped, undecided = [], [], []
    for code, rule in sorted(registry.items()):
        tables = {table for table in (rule.tables or ()) if table}
        if not tables & HELD:
            continue
        if code in skips:
            skipped.append(code)
        elif tables <= HELD:
            run.append(rule)
        else:
            undecided.append(f"{code} (reads {', '.join(sorted(tables - HELD))})")
    if undecided:
        raise SetUpError(
            f"rules reading Header or Missing and a table we do not send, not listed in {SKIP_FILE.name}: "
            f"{'; '.join(undecided)}. Run them or list each with a reason."
        )
    return run, skipped


def read_return(directory: Path, start_year: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The validator's data store for one return (its own CSV reader and metadata), and the tables as read."""
    files = [
        {"name": path.name, "file_content": path.read_bytes(), "description": "This year"}
        for path in sorted(directory.glob("*.csv"))
    ]
    try:
        tables, extras = read_from_text(raw_files=files)
    except UploadError as exc:
        raise SetUpError(f"{directory}: {exc}") from exc
    if set(tables) != HELD:
        raise SetUpError(f"{directory}: expected a Header and a Missing CSV file, found {sorted(tables)}")
    metadata = {"collectionYear": str(start_year + 1), "localAuthority": "", **extras}
    return create_datastore(tables, metadata), tables


def check_return(directory: Path, start_year: int, rules: list[Any]) -> tuple[list[dict[str, Any]], int]:
    """Every issue the rules find in one return (rule, table, child, the row: 0 is the first data row), and
    how many Missing rows it has."""
    store, tables = read_return(directory, start_year)
    issues = []
    for rule in rules:
        try:
            result = rule.func(copy_datastore(store))
        except Exception as exc:
            raise SetUpError(
                f"rule {rule.code} failed to run on {directory}:\n{traceback.format_exc()}"
            ) from exc
        if not result:  # the validator's sign that a rule's tables were not all there
            raise SetUpError(f"rule {rule.code} did not run on {directory}: list it in {SKIP_FILE.name}")
        for table, rows in result.items():
            issues += [
                {
                    "rule": rule.code,
                    "table": table,
                    "child": str(tables[table].at[row, "CHILD"]),
                    "row": int(row),
                    "return": str(directory),
                }
                for row in rows
            ]
    return issues, len(tables["Missing"])


def check(args: argparse.Namespace) -> dict[str, Any]:
    """The rules run and skipped, and (unless only listing) the issues of every return given."""
    rules, skipped = select_rules(args.year)
    issues: list[dict[str, Any]] = []
    missing_rows = 0
    for directory in [] if args.list_rules else args.returns:
        found, rows = check_return(directory, args.year, rules)
        issues += found
        missing_rows += rows
    if missing_rows < args.min_rows:
        raise SetUpError(
            f"the returns hold {missing_rows} Missing rows, fewer than --min-rows {args.min_rows}"
        )
    return {"issues": issues, "run": [rule.code for rule in rules], "skipped": skipped, "rows": missing_rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--year", type=int, required=True, help="first year of the collection year")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--list-rules", action="store_true", help="only list the rules run and skipped")
    parser.add_argument(
        "--min-rows", type=int, default=0, help="a set-up problem when the returns hold fewer Missing rows"
    )
    parser.add_argument("returns", nargs="*", type=Path, help="folders, each one return's two CSV files")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # the validator logs every rule it runs
    began = time.perf_counter()
    try:
        result = check(args)
    except SetUpError as exc:
        print(f"DfE validator check: {exc}", file=sys.stderr)
        return 2
    issues = result["issues"]
    if args.json:
        print(json.dumps(result))
        return 1 if issues else 0
    for issue in issues:
        print("rule {rule}\t{table}\tchild {child}\trow {row}\t{return}".format(**issue))
    print(
        f"DfE SSDA903 rules {ruleset_name(args.year)}: {len(result['run'])} run ({', '.join(result['run'])}), "
        f"{len(result['skipped'])} skipped by name ({SKIP_FILE.name}); {len(args.returns)} returns, "
        f"{result['rows']} Missing rows, {len(issues)} issues, {time.perf_counter() - began:.1f} s"
    )
    return 1 if issues else 0


if __name__ == "__main__":
    sys.exit(main())

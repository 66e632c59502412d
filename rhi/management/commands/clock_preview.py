"""Print an RHI clock's start, deadlines and state as JSON: support staff answer "when was this due?" with it."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rhi.clock import (
    CLOCK_STATE_LABELS,
    LONDON,
    NATIONS,
    Basis,
    ClockRuleError,
    ClockRules,
    Unit,
    compute_deadlines,
    describe_rules,
    describe_time_left,
    open_state,
    time_left,
)


def parse_moment(value: str, name: str) -> datetime:
    """ISO 8601; a time without an offset is Europe/London local time, as in the import formats."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(
            f"--{name}: {value!r} is not an ISO 8601 date-time like 2026-10-23T17:00."
        ) from exc
    return parsed.replace(tzinfo=LONDON) if parsed.tzinfo is None else parsed


def iso_local(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(LONDON).isoformat()


class Command(BaseCommand):
    help = "Show the deadlines and state an RHI clock policy gives for a start time."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--basis", choices=[b.value for b in Basis], required=True)
        parser.add_argument("--unit", choices=[u.value for u in Unit], required=True)
        parser.add_argument("--length", type=int, required=True)
        parser.add_argument("--nation", choices=NATIONS, default="ENG")
        parser.add_argument(
            "--start", required=True, help="The basis timestamp (return or police notification)."
        )
        parser.add_argument("--now", help="Evaluate the state at this time (default: now).")
        parser.add_argument("--contact-unit", choices=[u.value for u in Unit])
        parser.add_argument("--contact-length", type=int)
        parser.add_argument("--due-soon-hours", type=int, default=24)
        parser.add_argument(
            "--closure-day", action="append", default=[], help="A local closure day (repeatable)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            closure = frozenset(date.fromisoformat(d) for d in options["closure_day"])
        except ValueError as exc:
            raise CommandError(f"--closure-day: {exc}") from exc
        try:
            rules = ClockRules(
                basis=options["basis"],
                complete_unit=options["unit"],
                complete_length=options["length"],
                contact_unit=options["contact_unit"],
                contact_length=options["contact_length"],
                nation=options["nation"],
                closure_days=closure,
                due_soon_hours=options["due_soon_hours"],
            )
        except ClockRuleError as exc:
            raise CommandError(str(exc)) from exc
        start = parse_moment(options["start"], "start")
        now = parse_moment(options["now"], "now") if options["now"] else datetime.now(UTC)
        basis_time: dict[str, datetime | None] = {"returned_at": None, "police_notified_at": None}
        basis_time["returned_at" if rules.basis == Basis.RETURN else "police_notified_at"] = start
        deadlines = compute_deadlines(rules, **basis_time)
        state = open_state(deadlines, now)
        result = {
            "policy": rules.to_snapshot(),
            "method": describe_rules(rules),
            "start": iso_local(deadlines.start),
            "contact_due": iso_local(deadlines.contact_due),
            "due_soon_from": iso_local(deadlines.due_soon),
            "due": iso_local(deadlines.due),
            "now": iso_local(now),
            "state": state.value,
            "state_label": CLOCK_STATE_LABELS[state],
            "time_left": describe_time_left(time_left(deadlines, now)),
        }
        self.stdout.write(json.dumps(result, indent=2))

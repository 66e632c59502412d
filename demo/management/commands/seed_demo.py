"""``manage.py seed_demo [--size small|large|national] [--seed N] [--anchor YYYY-MM-DD]``."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from demo import DEMO_PASSWORD, SIZE_NAMES
from demo.generator import DemoSeedError, seed_demo
from demo.reference import SIZES


def _anchor(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--anchor must be a date like 2026-03-31, not {value!r}.") from None


class Command(BaseCommand):
    help = (
        "Seed deterministic demo data (organisations with real DfE and ONS codes, demo logins for every "
        "role, children, episodes and RHIs). Does nothing if organisations already exist."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", choices=SIZE_NAMES, default="small")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--anchor",
            type=_anchor,
            default=None,
            help="The data set's 'today' (times run up to its midday). Default: today in London, or "
            "yesterday before midday, so no demo time is in the future.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        size: str = options["size"]
        if SIZES[size].needs_postgresql and connection.vendor != "postgresql":
            self.stderr.write(
                f"The {size} data set is meant for PostgreSQL; on {connection.vendor} it works but is slow."
            )
        try:
            result = seed_demo(
                size=size, seed=options["seed"], anchor=options["anchor"], log=self.stdout.write
            )
        except DemoSeedError as error:
            raise CommandError(str(error)) from error
        if not result.created:
            self.stdout.write("Demo data is already here (organisations exist); nothing changed.")
            return
        self.stdout.write(f"Seeded the {size} demo data set (seed {result.seed}, anchor {result.anchor}).")
        width = max(len(label) for label in result.counts)
        for label, count in result.counts.items():
            self.stdout.write(f"  {label:<{width}}  {count:>10,}")
        self.stdout.write(f"{result.seconds:.1f} s. Every demo login has the password {DEMO_PASSWORD}.")

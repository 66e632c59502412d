"""``manage.py setup_database_roles --owner rhi_owner --runtime rhi_app``: see audit/db_roles.py.

Passwords come from the environment (RHI_OWNER_DB_PASSWORD, RHI_APP_DB_PASSWORD), never the command line."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.db_roles import setup_database_roles


class Command(BaseCommand):
    help = "Create and grant the PostgreSQL owner (migrations) and runtime (the app) roles. Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--owner", required=True, help="Role that owns the tables and runs migrations.")
        parser.add_argument("--runtime", required=True, help="Role the web, worker and beat connect as.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = setup_database_roles(
                owner=options["owner"],
                runtime=options["runtime"],
                owner_password=os.environ.get("RHI_OWNER_DB_PASSWORD") or None,
                runtime_password=os.environ.get("RHI_APP_DB_PASSWORD") or None,
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Roles ready: owner {report.owner}, runtime {report.runtime}"
            f" (created: {', '.join(report.created) or 'none'}; {report.tables_transferred} objects handed to"
            f" the owner; {report.tables_granted} tables granted)."
        )

"""``manage.py check_worker``: exit 0 when this machine's Celery worker answers a ping through the broker and
consumes from its queues, else 1. The compose healthcheck of the worker service runs it."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any, TypeVar

from celery import current_app as app  # config.celery's app; operations does not import the wiring
from django.core.management.base import BaseCommand, CommandError, CommandParser

T = TypeVar("T")


class Command(BaseCommand):
    help = "Exit non-zero unless the named Celery worker answers through the broker and consumes its queues."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--node",
            default=f"celery@{socket.gethostname()}",
            help="The worker's node name (default: celery@<this host>, as the worker names itself).",
        )
        parser.add_argument(
            "--queue", action="append", default=[], help="A queue it must consume from (repeatable)."
        )
        parser.add_argument("--timeout", type=float, default=5.0)

    def handle(self, *args: Any, **options: Any) -> None:
        node, timeout = options["node"], options["timeout"]
        replies = _ask_broker(lambda: app.control.ping(destination=[node], timeout=timeout)) or []
        if not any(node in reply for reply in replies):
            raise CommandError(f"{node} did not answer a ping within {timeout:.0f} s")
        inspect = app.control.inspect(destination=[node], timeout=timeout)
        active = _ask_broker(inspect.active_queues) or {}
        consumed = {queue["name"] for queue in active.get(node, [])}
        if not consumed:
            raise CommandError(f"{node} consumes from no queue")
        missing = sorted(set(options["queue"]) - consumed)
        if missing:
            raise CommandError(f"{node} does not consume from: {', '.join(missing)}")
        self.stdout.write(f"{node} ok: consuming {', '.join(sorted(consumed))}")


def _ask_broker(question: Callable[[], T]) -> T:
    try:
        return question()
    except Exception as error:  # the broker is unreachable: the worker cannot be consuming either
        raise CommandError(f"the broker did not answer: {type(error).__name__}") from error

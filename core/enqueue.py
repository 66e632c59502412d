"""Queueing background work from a request or a task: after the commit, with one broker attempt, by name.

The database is the source of truth and the sweeps find any work whose message was lost
(docs/decisions/0002-deadlines-by-database-sweep.md), so queueing never waits for a broker that is down and
never fails the request or task that committed. Tasks are queued by name: a services module never imports the
tasks module that imports it (a loop), it announces the work, as zulip's ``send_event_on_commit`` does.

The Celery application is config.celery's; ``current_app`` reaches it without this module importing the
project's wiring (config), which sits above every app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from celery import current_app
from django.db import transaction
from kombu import Producer


def call_after_commit(func: Callable[..., Any], *args: Any) -> None:
    """``transaction.on_commit(func(*args), robust=True)`` through a named function. On Django 5.2 a robust
    callback that raises is logged by its ``__qualname__``; a ``functools.partial`` has none, so the logging
    itself raised AttributeError after the commit (issue 17). Enqueue functions catch broker errors
    themselves; robust is the second line, so nothing after a commit can fail the request or task."""

    def after_commit() -> None:
        func(*args)

    after_commit.__qualname__ = after_commit.__name__ = getattr(func, "__qualname__", "after_commit")
    transaction.on_commit(after_commit, robust=True)


@contextmanager
def publisher() -> Iterator[Producer]:
    """A pooled producer whose connection is made with one attempt. Kombu's default is to retry for about
    six seconds; when the broker is down, a request or import row enqueuing after commit would wait that
    long every time. Callers catch the error and leave the work to the database sweeps."""
    with current_app.producer_or_acquire() as producer:
        if not current_app.conf.task_always_eager:  # eager (unit tests) runs tasks in place: no broker
            producer.connection.ensure_connection(max_retries=0)
        yield producer


def send_task(name: str, *args: Any, producer: Producer, **options: Any) -> None:
    """Queue the task registered as ``name`` through ``producer`` (from ``publisher()``), failing fast: no
    retry loop, the database is the safety net. ``options`` go to ``apply_async`` (e.g. ``expires``)."""
    current_app.signature(name, args=args).apply_async(producer=producer, retry=False, **options)

"""Database helpers for tests: what the database itself accepts, and the outer transaction of a shared world."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import IntegrityError, transaction


def assert_refused_by_database(callable_: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """The write must hit a database constraint (not just a form or clean() check)."""
    with pytest.raises(IntegrityError), transaction.atomic():
        callable_(*args, **kwargs)


@contextmanager
def world_transaction() -> Iterator[None]:
    """The outer transaction of a module- or package-scoped test world, rolled back when the scope ends.

    Marked as Django's TestCase marks its class-wide one: services that own a durable transaction
    (``transaction.atomic(durable=True)``, e.g. the RHI lifecycle) refuse to run inside a plain atomic block,
    but run inside a test case's, so a world built with them must be wrapped like this."""
    block = transaction.atomic()
    block._from_testcase = True  # type: ignore[attr-defined]  # Django's own mark for TestCase's blocks
    with block:
        yield
        transaction.set_rollback(True)

"""Assertion helpers about what the database itself accepts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, transaction


def assert_refused_by_database(callable_: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """The write must hit a database constraint (not just a form or clean() check)."""
    with pytest.raises(IntegrityError), transaction.atomic():
        callable_(*args, **kwargs)

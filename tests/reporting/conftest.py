"""Fixtures shared by the reporting tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from django.db import transaction
from pytest_django import DjangoDbBlocker

from demo.generator import seed_demo


@pytest.fixture(scope="module")
def seeded_demo(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[None]:
    """The small demo data set (seed 7, anchored on 18 March 2026) for every test of the module, rolled back
    after the module's last test."""
    with django_db_blocker.unblock(), transaction.atomic():
        seed_demo(size="small", seed=7, anchor=date(2026, 3, 18))
        yield
        transaction.set_rollback(True)

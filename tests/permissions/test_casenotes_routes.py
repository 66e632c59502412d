"""The permission matrix's cells for the routes in routes/casenotes.py (matrix.py says how to read them)."""

from __future__ import annotations

import pytest

from tests.matrix_world import World
from tests.permissions.matrix import CELL, cell_params, check_cell
from tests.permissions.routes.casenotes import ROUTES

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(CELL, cell_params(ROUTES))
def test_cell(world: World, name: str, user: str, relation: str, expected: str) -> None:
    check_cell(world, ROUTES, name, user, relation, expected)

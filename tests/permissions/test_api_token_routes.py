"""The permission matrix's cells for the REST API called with bearer tokens (routes/tokens.py)."""

from __future__ import annotations

import pytest

from tests.matrix_world import World
from tests.permissions.matrix import TOKEN_CELL, check_token_cell, token_cell_params
from tests.permissions.routes.api import ROUTES
from tests.permissions.routes.tokens import TOKEN_GRIDS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(TOKEN_CELL, token_cell_params(ROUTES, TOKEN_GRIDS))
def test_token_cell(world: World, name: str, token: str, relation: str, expected: str) -> None:
    check_token_cell(world, ROUTES, name, token, relation, expected)

"""One function per model that builds a demo row and guarantees the domain's rules for it.

Every row the seeder writes goes through here, so the database CHECK constraints (and the ``clean()`` rules
that mirror them) hold by construction; a violation is a generator bug and fails loudly, before the
database sees it. Times must also not lie after the data set's "now" (the anchor's midday).
"""

from __future__ import annotations

from demo.rows.accounts import AccountRows
from demo.rows.cases import CaseRows
from demo.rows.rhis import RHIRows
from demo.rows.sharing import SharingRows


class Rows(AccountRows, CaseRows, RHIRows, SharingRows):
    """Every row builder, by the app its model belongs to (one module each)."""

"""Every data table on a screen page scrolls inside its own region (issue 14 item 13): on a 375 px phone a wide
table scrolls in a focusable, labelled box (``.rhi-table-scroll``) instead of widening the page. PDF templates
are paper, not screens, and are left out. tests/browser/test_narrow_screens.py checks pages in a browser."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"
WRAPPER = re.compile(r'<div class="rhi-table-scroll" tabindex="0" role="region" aria-label="(.+)">\s*$')


def test_every_screen_table_is_wrapped_in_a_labelled_scroll_region() -> None:
    unwrapped = []
    for template in sorted(TEMPLATES.rglob("*.html")):
        if "pdf" in template.relative_to(TEMPLATES).parts:
            continue
        text = template.read_text()
        for table in re.finditer(r'<table class="govuk-table', text):
            if not WRAPPER.search(text[: table.start()].rstrip(" \t")):
                unwrapped.append(
                    f"{template.relative_to(TEMPLATES)}:{text[: table.start()].count(chr(10)) + 1}"
                )
    assert unwrapped == []

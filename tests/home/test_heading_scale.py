"""One heading scale on every role's home page (issue 14 item 16): one h1 (``govuk-heading-l``), sections as h2
(``govuk-heading-m``), panels as h3 (``govuk-heading-s``), and no level skipped. Checked on each role's
rendered page and, for the branches no fixture reaches, on the home templates themselves."""

from __future__ import annotations

import itertools
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.home.people import People

SCALE = {1: "govuk-heading-l", 2: "govuk-heading-m", 3: "govuk-heading-s"}
HOME_TEMPLATES = Path(settings.BASE_DIR) / "templates" / "home"


class Headings(HTMLParser):
    """The (level, class) of every heading inside <main>."""

    def __init__(self) -> None:
        super().__init__()
        self.in_main = False
        self.found: list[tuple[int, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "main":
            self.in_main = True
        elif self.in_main and re.fullmatch(r"h[1-6]", tag):
            self.found.append((int(tag[1]), dict(attrs).get("class") or ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self.in_main = False


def headings_of(html: str) -> list[tuple[int, str]]:
    parser = Headings()
    parser.feed(html)
    return parser.found


def scale_problems(headings: list[tuple[int, str]]) -> list[str]:
    problems = []
    if [level for level, _ in headings].count(1) != 1 or headings[0][0] != 1:
        problems.append(f"not one h1 first: {headings}")
    for (before, _), (level, _) in itertools.pairwise(headings):
        if level > before + 1:
            problems.append(f"h{before} then h{level}")
    for level, classes in headings:
        sizes = [c for c in classes.split() if c.startswith("govuk-heading-")]
        if sizes and sizes != [SCALE.get(level)]:  # GOV.UK components' own titles carry no heading size
            problems.append(f"h{level} is {sizes}, the scale says {SCALE.get(level)}")
    return problems


@pytest.mark.django_db
def test_every_roles_home_page_follows_one_heading_scale(client: Client, people: People) -> None:
    for name, user in people.by_name().items():
        client.force_login(user)
        headings = headings_of(client.get(reverse("home")).content.decode())
        assert scale_problems(headings) == [], name
        if name not in {"support", "no_role"}:
            assert any(level == 2 for level, _ in headings), name  # a role's section


def test_every_heading_in_the_home_templates_is_on_the_scale() -> None:
    for template in sorted(HOME_TEMPLATES.glob("*.html")):
        for level, classes in re.findall(r'<h([1-6]) class="([^"]*)"', template.read_text()):
            assert SCALE[int(level)] in classes.split(), (template.name, level, classes)
        # A section partial starts at h2 (home.html holds the only h1), a panel under it at h3.
        if template.name != "home.html":
            assert "<h1" not in template.read_text(), template.name

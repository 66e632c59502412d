"""No suppressed figure leaks through the words of the performance return (issue 13 parts 5 and 7): the
own-policy row's label and the method paragraph print how many episodes were timed under another commission's
policy, and those numbers come from the published cells — "<5" for 1 to 4, "[c]" where ``protect`` withheld one
to keep a "<5" from being worked out — on the page, in the PDF, the xlsx, the csv and the json alike.

East (no policy: the statutory 72 hours from the return) has ten episodes at home, interviewed by its own
service, and children placed in two other authorities' areas, interviewed there under the host's policy:
  South  3 working days from the police notification
  West   3 calendar days from the return
Both differ from East's own in basis or unit. "Small": three placed in South (1 to 4 timed elsewhere).
"Complement": two in South and six in West — eight timed elsewhere, published; "2" by South's rules is "<5", so
West's 6 (8 - 6 = 2) is withheld as "[c]".
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import openpyxl
import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts.models import Organisation, Role
from missing_episodes.models import MissingEpisode, MissingFrom
from reporting.exports import write_export
from reporting.performance import build_export, performance_figures, published_cells
from reporting.performance.method import ELSEWHERE_DIFFER, ELSEWHERE_EPISODES
from reporting.performance.suppression import SUPPRESSED, WITHHELD
from reporting.performance.tables import INCIDENTS
from rhi.clock import ClockRules
from rhi.models import ClockPolicy, OfferedTo, Outcome, RepeatRule, RHIState
from tests.factories import user_with_role
from tests.factories_domain import ChildFactory, LocalAuthorityFactory, MissingEpisodeFactory
from tests.reporting.performance_world import NOW, YEAR, interview, rhi_for, snapshot, utc
from tests.reporting.test_suppression_audit import assert_protected

pytestmark = pytest.mark.django_db

EAST_RULES = ClockRules(basis="return", complete_unit="hours", complete_length=72)
SOUTH_RULES = ClockRules(basis="police_notification", complete_unit="working_days", complete_length=3)
WEST_RULES = ClockRules(basis="return", complete_unit="calendar_days", complete_length=3)
SOUTH_WORDS = "from the police notification, 3 working days"
WEST_WORDS = "from the return, 3 calendar days"
# Every place the words print a timed-elsewhere figure: what the label and the paragraph say, number by number.
PHRASES = {
    "label": re.compile(
        r"(\S+) episodes timed under another commission's policy \((\S+) with a different basis or unit\)"
    ),
    "sentence": re.compile(
        r"(\S+) of this return's (\S+) episodes \((\S+)\) were timed under another commission's policy, "
        r"(\S+) of them with a different basis or unit from this LA's own \(([^)]*)\)"
    ),
}


@dataclass(frozen=True)
class East:
    la: Organisation
    south_episodes: int
    west_episodes: int


def _episode(
    la: Organisation, commission: Organisation, rules: ClockRules, **where: object
) -> MissingEpisode:
    episode = MissingEpisodeFactory.create(
        child=ChildFactory.create(responsible_la=la),
        missing_at=utc(2025, 5, 23, 8),
        returned_at=utc(2025, 5, 23, 17),
        police_notified_at=utc(2025, 5, 24, 8),
        **where,
    )
    rhi = rhi_for(
        [episode],
        la=commission,
        provider=commission,
        snap=snapshot(rules, RepeatRule.SEPARATE),
        state=RHIState.DRAFTING,
        outcome=Outcome.ACCEPTED,
        offered_at=utc(2025, 5, 24, 10),
        offered_to=OfferedTo.CHILD,
    )
    interview(rhi, utc(2025, 5, 28, 9) if commission != la else utc(2025, 5, 23, 20))
    return episode


def build_east(*, south: int, west: int) -> East:
    east = LocalAuthorityFactory.create(code="831", name="East")
    hosts = []
    for code, name, rules in (("832", "South", SOUTH_RULES), ("833", "West", WEST_RULES)):
        host = LocalAuthorityFactory.create(code=code, name=name)
        ClockPolicy.objects.create(
            local_authority=host,
            effective_from=date(2020, 1, 1),
            basis=rules.basis,
            complete_unit=rules.complete_unit,
            complete_length=rules.complete_length,
        )
        hosts.append((host, rules))
    for _ in range(10):
        _episode(east, east, EAST_RULES, host_la=east)
    away = {"missing_from": MissingFrom.CARE, "was_out_of_area": True}
    for (host, rules), n in zip(hosts, (south, west), strict=True):
        for _ in range(n):
            _episode(east, host, rules, host_la=host, **away)
    return East(east, south, west)


@pytest.fixture
def small() -> Iterator[East]:
    with time_machine.travel(NOW, tick=False):
        yield build_east(south=3, west=0)


@pytest.fixture
def complement() -> Iterator[East]:
    with time_machine.travel(NOW, tick=False):
        yield build_east(south=2, west=6)


def flat(text: str) -> str:
    return " ".join(html.unescape(text).split())


def outputs(client: Client, east: East, tmp_path: Path) -> dict[str, str]:
    """The return as each reader gets it, as text: the page, the PDF, the xlsx, the csv and the json."""
    assert shutil.which("pdftotext"), "poppler-utils is installed by scripts/test.sh"
    lead = user_with_role(Role.PERFORMANCE_LEAD, organisation=east.la)
    client.force_login(lead)
    query: dict[str, str | int] = {"la": east.la.pk, "date_from": "2025-04-01", "date_to": "2026-03-31"}
    found = {"page": client.get(reverse("performance:return"), query).content.decode()}
    pdf = tmp_path / "return.pdf"
    pdf.write_bytes(client.get(reverse("performance:download", args=["pdf"]), query).content)
    found["pdf"] = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    workbook = openpyxl.load_workbook(
        io.BytesIO(client.get(reverse("performance:download", args=["xlsx"]), query).content), read_only=True
    )
    found["xlsx"] = " ".join(
        str(value) for sheet in workbook for row in sheet.iter_rows(values_only=True) for value in row
    )
    content = build_export(local_authority=east.la, **YEAR)
    written = write_export(content, "csv", tmp_path / "return.csv")
    found["csv"] = " ".join(
        value for path in written.paths for row in csv.reader(path.open(newline="")) for value in row
    )
    write_export(content, "json", tmp_path / "return.json")
    document = json.loads((tmp_path / "return.json").read_text())
    found["json"] = json.dumps(document, ensure_ascii=False)
    return {name: flat(text) for name, text in found.items()}


def phrases(text: str) -> dict[str, tuple[str, ...]]:
    """The figures each phrase prints: every phrase is there, saying the same wherever it is."""
    found = {}
    for name, pattern in PHRASES.items():
        matches = set(pattern.findall(text))
        assert len(matches) == 1, (name, matches)
        found[name] = tuple(matches.pop())
    return found


def test_a_small_count_timed_elsewhere_is_printed_as_under_5_in_every_output(
    client: Client, small: East, tmp_path: Path
) -> None:
    with time_machine.travel(NOW, tick=False):
        result = performance_figures(local_authority=small.la, **YEAR)
        cells = published_cells(result)
        texts = outputs(client, small, tmp_path)
    assert cells.values[ELSEWHERE_EPISODES] == 3
    assert_protected(cells.values, cells.relations, cells.shown)
    shown = cells.shown
    assert shown[ELSEWHERE_EPISODES] == shown[ELSEWHERE_DIFFER] == SUPPRESSED
    expected = {
        "label": (SUPPRESSED, SUPPRESSED),
        "sentence": (SUPPRESSED, str(shown[INCIDENTS]), "–", SUPPRESSED, f"{SOUTH_WORDS}: {SUPPRESSED}"),
    }
    for name, text in texts.items():
        assert phrases(text) == expected, name
        # Nowhere the raw 3: not as a count, not in a share of the total (3 of 13 is 23%).
        assert "3 episodes timed" not in text and "3 of this return's" not in text, name
        assert f"{SOUTH_WORDS}: 3" not in text and "(23%)" not in text, name


def test_a_count_withheld_to_protect_a_small_one_is_printed_as_c_in_every_output(
    client: Client, complement: East, tmp_path: Path
) -> None:
    with time_machine.travel(NOW, tick=False):
        result = performance_figures(local_authority=complement.la, **YEAR)
        cells = published_cells(result)
        texts = outputs(client, complement, tmp_path)
    assert_protected(cells.values, cells.relations, cells.shown)
    shown = cells.shown
    assert (cells.values[ELSEWHERE_DIFFER], shown[ELSEWHERE_DIFFER]) == (8, 8)
    south_key, west_key = (("timed_elsewhere", words, "episodes") for words in (SOUTH_WORDS, WEST_WORDS))
    # 8 published, South's 2 "<5": West's 6 would give it away (8 - 6), so it is withheld.
    assert (shown[south_key], shown[west_key]) == (SUPPRESSED, WITHHELD)
    share = "–" if isinstance(shown[INCIDENTS], str) else f"{round(100 * 8 / 18)}%"
    expected = {
        "label": ("8", "8"),
        "sentence": (
            "8",
            str(shown[INCIDENTS]),
            share,
            "8",
            f"{SOUTH_WORDS}: {SUPPRESSED}; {WEST_WORDS}: {WITHHELD}",
        ),
    }
    for name, text in texts.items():
        assert phrases(text) == expected, name
        assert f"{WEST_WORDS}: 6" not in text and f"{SOUTH_WORDS}: 2" not in text, name


def test_the_timed_elsewhere_figures_take_part_in_the_returns_sums(complement: East) -> None:
    """The auditor (HiGHS) sees the words' counts with the tables': their sums are declared and they hold."""
    result = performance_figures(local_authority=complement.la, now=NOW, **YEAR)
    cells = published_cells(result)
    totals = {relation.total for relation in cells.relations}
    parts = {part for relation in cells.relations for part in relation.parts}
    assert {ELSEWHERE_EPISODES, ELSEWHERE_DIFFER} <= totals
    assert {ELSEWHERE_EPISODES, ELSEWHERE_DIFFER} <= parts
    assert ("timed_elsewhere", WEST_WORDS, "episodes") in parts
    assert_protected(cells.values, cells.relations, cells.shown)

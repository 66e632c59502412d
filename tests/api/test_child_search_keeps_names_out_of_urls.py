"""A child's name and date of birth never travel in a URL (issue 11, item 9): the API takes them in a POST
body, GET refuses them, and the production gunicorn access log holds no query string at all."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from gunicorn.config import Config

from access.episodes import visible_children
from accounts.models import ApiClient, ApiScope, Organisation
from missing_episodes.models import Child
from tests.api.conftest import Api, as_client, new_client
from tests.factories_domain import ChildFactory, LocalAuthorityFactory
from tests.reliability.conftest import database_url_of, free_port, wait_for
from tests.reliability.conftest import test_database_url as live_database_url

ROOT = Path(__file__).resolve().parents[2]
SEARCH = reverse("api:child-search")
CHILDREN = reverse("api:child-list")


@dataclass(frozen=True)
class CouncilSystem:
    la: Organisation
    child: Child
    api: Api
    client: ApiClient
    token: str


@pytest.fixture
def council_system(db: Any) -> CouncilSystem:
    la = LocalAuthorityFactory.create()
    child = ChildFactory.create(responsible_la=la, last_name="Quillfeather", first_name="Ada")
    new = new_client(la, [ApiScope.CHILDREN_READ])
    return CouncilSystem(la=la, child=child, api=as_client(new), client=new.client, token=new.token)


def test_council_system_searching_by_name_in_a_post_body_finds_the_child_it_may_see(
    council_system: CouncilSystem,
) -> None:
    child = council_system.child
    body = {"last_name": "quillfeather", "date_of_birth": child.date_of_birth.isoformat()}
    response = council_system.api.post(SEARCH, body)
    assert response.status_code == 200
    expected = list(
        visible_children(council_system.client.user).filter(pk=child.pk).values_list("pk", flat=True)
    )
    assert [row["id"] for row in response.json()["results"]] == expected
    by_id = council_system.api.get(f"{CHILDREN}?la_child_id={child.la_child_id}")
    assert by_id.status_code == 200
    assert [row["id"] for row in by_id.json()["results"]] == expected


def test_council_system_putting_a_name_or_birth_date_in_the_url_is_refused_with_400(
    council_system: CouncilSystem,
) -> None:
    child = council_system.child
    response = council_system.api.get(
        f"{CHILDREN}?last_name=Quillfeather&date_of_birth={child.date_of_birth.isoformat()}"
    )
    assert response.status_code == 400
    assert {error["field"] for error in response.json()["errors"]} == {"last_name", "date_of_birth"}
    assert "Quillfeather" not in response.content.decode()


def test_search_without_terms_in_the_body_is_a_400_not_a_500(council_system: CouncilSystem) -> None:
    assert council_system.api.post(SEARCH, {}).status_code == 400
    assert (
        council_system.api.post(SEARCH, {"date_of_birth": "not a date", "last_name": "x"}).status_code == 400
    )


def call(method: str, url: str, *, headers: dict[str, str], body: Any = None) -> int:
    """The status of one real HTTP request (urllib: the project needs no HTTP client library of its own)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - our own test server
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_production_gunicorn_access_log_never_holds_a_query_string_or_a_childs_name(tmp_path: Path) -> None:
    la = LocalAuthorityFactory.create()
    child = ChildFactory.create(responsible_la=la, last_name="Quillfeather")
    token = new_client(la, [ApiScope.CHILDREN_READ]).token
    port = free_port()
    env = dict(
        os.environ,
        DATABASE_URL=live_database_url(),
        # The replica's copy of the test database, when the run has one (scripts/test.sh).
        DATABASE_REPLICA_URL=database_url_of("replica") if "replica" in settings.DATABASES else "",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="1",
    )
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi:application"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        headers = {"Authorization": f"Bearer {token}"}

        def answers() -> bool:
            try:
                return call("GET", f"{base}/healthz", headers={}) < 500
            except OSError:
                return False

        wait_for(answers, timeout=60, what="gunicorn to answer")
        dob = child.date_of_birth.isoformat()
        body = {"last_name": "Quillfeather", "date_of_birth": dob}
        assert call("POST", f"{base}{SEARCH}", headers=headers, body=body) == 200
        # A client that still puts a name in the URL is refused, and even its URL is not logged.
        referer = {"Referer": f"{base}/children/?last_name=Quillfeather"}
        refused = call(
            "GET", f"{base}{CHILDREN}?last_name=Quillfeather&date_of_birth={dob}", headers=headers | referer
        )
        assert refused == 400
        wait_for(lambda: log.read_text().count(CHILDREN) >= 2, timeout=10, what="the access log lines")
        # The web container's compose healthcheck, against this real gunicorn.
        probe = subprocess.run(
            [sys.executable, "manage.py", "check_web", "--port", str(port)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert probe.returncode == 0, probe.stderr
    finally:
        server.terminate()
        server.wait(timeout=20)
    text = log.read_text()
    access = [line for line in text.splitlines() if CHILDREN in line]
    assert any(f'"POST {SEARCH} HTTP/1.1" 200' in line for line in access), text
    assert any(f'"GET {CHILDREN} HTTP/1.1" 400' in line for line in access), text
    for leaked in ("Quillfeather", dob, "last_name"):
        assert leaked not in text
    assert not any("?" in line for line in access)


def test_gunicorn_error_log_names_a_failed_request_by_its_path_alone(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("rhi_gunicorn_conf", ROOT / "config" / "gunicorn.conf.py")
    assert spec is not None and spec.loader is not None
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    cfg = Config()
    cfg.set("errorlog", str(tmp_path / "error.log"))
    logger = conf.logger_class(cfg)

    def handle_request() -> None:
        raise RuntimeError("boom")

    try:
        handle_request()
    except RuntimeError:
        logger.exception(
            "Error handling request %s", f"{CHILDREN}?last_name=Quillfeather&date_of_birth=2011-01-02"
        )
    text = (tmp_path / "error.log").read_text()
    assert f"Error handling request {CHILDREN}\n" in text
    assert "Quillfeather" not in text and "2011-01-02" not in text

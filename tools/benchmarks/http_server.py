"""The moving parts of ``benchmark --only http``: gunicorn started as production starts it, signing in through
the real sign-in form, one ``wrk`` run, and the CPU time of gunicorn's workers from /proc."""

from __future__ import annotations

import http.client
import ipaddress
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit
from urllib.request import HTTPCookieProcessor, Request, build_opener

from django.conf import settings
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.two_factor import Step

WRK_SCRIPT = Path(__file__).with_name("wrk_report.lua")
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class HttpBenchmarkError(RuntimeError):
    """The load could not be run as asked (a host that is not loopback, no wrk, a server that did not start)."""


def check_loopback(host: str) -> None:
    """Only ever serve children's data to this machine: the host must be a loopback address."""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise HttpBenchmarkError(
            f"Refusing to serve on {host!r}: the benchmark binds a loopback address only."
        )


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise HttpBenchmarkError(
            "wrk is not installed: ./scripts/benchmark.sh installs it (Debian package wrk)."
        )
    return found


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    host: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    def connection(self, timeout: float = 120) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def log_size(self) -> int:
        return self.log_path.stat().st_size

    def served_since(self, offset: int, *, method: str, path: str) -> int:
        """Requests for ``path`` (its query string left out, as the access log does) answered since ``offset``
        of the access log: also those wrk gave up waiting for, whose CPU time counts too."""
        with self.log_path.open("rb") as log:
            log.seek(offset)
            written = log.read().decode(errors="replace")
        return written.count(f'"{method} {urlsplit(path).path} HTTP/')

    def drain(self) -> None:
        """Wait until every request queued so far is answered: a health check queues behind them (gunicorn's
        sync workers answer in order), so the next row starts on an idle server."""
        conn = self.connection(timeout=900)
        try:
            conn.request("GET", reverse("healthz"))
            conn.getresponse().read()
        finally:
            conn.close()

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def worker_cpu_seconds(self) -> float:
        """utime + stime of the master's live children (the workers), from /proc."""
        ticks = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue  # a process that ended while we looked
            # fields[0] is the state (field 3 of proc(5)); ppid is field 4, utime 14, stime 15.
            if int(fields[1]) == self.process.pid:
                ticks += int(fields[11]) + int(fields[12])
        return ticks / CLOCK_TICKS


def _wait_until_up(server: Server, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise HttpBenchmarkError(f"gunicorn exited with status {server.process.returncode} on start")
        try:
            conn = server.connection()
            conn.request("GET", reverse("healthz"))
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise HttpBenchmarkError(f"gunicorn did not answer /healthz within {timeout:g} s")


@contextmanager
def gunicorn(
    *, host: str, workers: int, database_url: str, replica_url: str | None, log_path: Path
) -> Iterator[Server]:
    """gunicorn with config/gunicorn.conf.py as the Dockerfile runs it, bound to ``host`` on a free port; stopped
    when the block ends, however it ends (an error, Ctrl-C). ``replica_url``: the same database on the
    streaming replica, when one is configured (its stale-ok reads must read the copy, not another database)."""
    check_loopback(host)
    port = free_port(host)
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    env = {
        **{name: value for name, value in os.environ.items() if name != "DATABASE_REPLICA_URL"},
        **({"DATABASE_REPLICA_URL": replica_url} if replica_url else {}),
        "DATABASE_URL": database_url,
        "GUNICORN_BIND": bind,
        "GUNICORN_WORKERS": str(workers),
        # The load measures speed, not the per-client API limit (docs/api.md, "Throttling").
        "RHI_API_THROTTLE_RATE": "100000000/min",
    }
    command = [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi:application"]
    with log_path.open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command,
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(host=host, port=port, process=process, log_path=log_path)
    try:
        _wait_until_up(server, timeout=120)
        yield server
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)  # gunicorn's graceful stop: the master stops its workers
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # its own session: the master and its workers only
        process.wait(timeout=10)


def _totp_code(username: str) -> str:
    device = TOTPDevice.objects.filter(user__username=username, confirmed=True).order_by("pk").first()
    if device is None:
        raise HttpBenchmarkError(f"{username} is asked for a security code but has no authenticator app")
    totp = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{totp.token():0{device.digits}d}"


def sign_in(server: Server, username: str, password: str) -> str:
    """Sign in through the sign-in form (CSRF token, password, then the security code if the user has an
    authenticator app) and return the session's Cookie header."""
    jar = CookieJar()
    opener = build_opener(HTTPCookieProcessor(jar))

    def post_form(url: str, html: str, fields: dict[str, str]) -> Any:
        token = CSRF_FIELD.search(html)
        if token is None:
            raise HttpBenchmarkError(f"No CSRF token on {urlsplit(url).path}")
        body = urlencode({"csrfmiddlewaretoken": token.group(1), **fields}).encode()
        request = Request(url, data=body, headers={"Referer": url})  # noqa: S310 - our own http:// server
        return opener.open(request, timeout=120)

    sign_in_url = server.base_url + reverse("accounts:login")
    with opener.open(sign_in_url, timeout=120) as page:
        html = page.read().decode()
    with post_form(sign_in_url, html, {"username": username, "password": password}) as answer:
        landed, html = answer.geturl(), answer.read().decode()
    if urlsplit(landed).path == reverse(Step.VERIFY.value):
        with post_form(landed, html, {"code": _totp_code(username)}) as answer:
            landed = answer.geturl()
    if urlsplit(landed).path != reverse("home"):
        raise HttpBenchmarkError(
            f"Signing in as {username} ended on {urlsplit(landed).path}, not the home page"
        )
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


def fetch(server: Server, *, method: str, path: str, headers: dict[str, str], body: str) -> tuple[int, int]:
    """One request: its status and the size of its body (a page that works before it is loaded)."""
    conn = server.connection()
    try:
        conn.request(method, path, body=body.encode() or None, headers=headers)
        response = conn.getresponse()
        return response.status, len(response.read())
    finally:
        conn.close()


def run_wrk(
    server: Server,
    *,
    method: str,
    path: str,
    headers: dict[str, str],
    body: str,
    connections: int,
    seconds: float,
) -> dict[str, Any]:
    """One ``wrk`` run at ``connections`` concurrent connections for ``seconds``; the figures its Lua script
    prints (latency percentiles in µs, requests, non-2xx/3xx answers and socket errors)."""
    command = [wrk_binary(), "-t", "1", "-c", str(connections), "-d", f"{max(1, round(seconds))}s"]
    command += ["--timeout", "300s", "-s", str(WRK_SCRIPT)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(server.base_url + path)
    env = {**os.environ, "WRK_METHOD": method, "WRK_BODY": body}
    finished = subprocess.run(  # noqa: S603 - wrk from PATH with our own arguments
        command, env=env, capture_output=True, text=True, timeout=seconds + 600, check=False
    )
    lines = [line for line in finished.stdout.splitlines() if line.startswith("{")]
    if finished.returncode != 0 or not lines:
        raise HttpBenchmarkError(f"wrk failed ({finished.returncode}): {finished.stderr.strip()[:300]}")
    figures: dict[str, Any] = json.loads(lines[-1])
    return figures

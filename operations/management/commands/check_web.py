"""``manage.py check_web``: exit 0 when this container's gunicorn answers /readyz with 200 (the database and
Redis answer too), else 1. The compose healthcheck of the web service runs it."""

from __future__ import annotations

import http.client
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Exit non-zero unless the local web server answers /readyz with 200."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--timeout", type=float, default=5.0)

    def handle(self, *args: Any, **options: Any) -> None:
        # A host Django accepts (the probe is not a browser and has no public name of its own).
        host = next((h.lstrip(".") for h in settings.ALLOWED_HOSTS if h != "*"), "localhost")
        conn = http.client.HTTPConnection("127.0.0.1", options["port"], timeout=options["timeout"])
        try:
            # X-Forwarded-Proto: the proxy in front terminates TLS; without it the HTTPS redirect answers 301.
            conn.request("GET", "/readyz", headers={"Host": host, "X-Forwarded-Proto": "https"})
            response = conn.getresponse()
            body = response.read(200).decode(errors="replace")
        except OSError as error:
            raise CommandError(f"the web server did not answer: {type(error).__name__}") from error
        finally:
            conn.close()
        if response.status != 200:
            raise CommandError(f"/readyz answered {response.status}: {body}")
        self.stdout.write("web ok")

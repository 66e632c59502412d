"""Reads behind the health checks: readiness of the web process and the age of periodic work."""

from __future__ import annotations

from datetime import timedelta

import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from operations.models import Heartbeat

CHECK_TIMEOUT_SECONDS = 2.0


def heartbeat_age(*, name: str) -> timedelta | None:
    """How long ago ``name`` last finished, or None when it never has."""
    last = Heartbeat.objects.filter(name=name).values_list("last_at", flat=True).first()
    return None if last is None else timezone.now() - last


def readiness_problems() -> list[str]:
    """The names of the dependencies a web process cannot serve without that do not answer now (empty when
    ready): the database and, when configured, Redis (the broker and the API throttle)."""
    problems: list[str] = []
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any failure means "not ready"; which one goes to the error log, not the probe
        problems.append("database")
    redis_url = getattr(settings, "REDIS_URL", None)
    if redis_url:
        client = redis.Redis.from_url(
            redis_url, socket_connect_timeout=CHECK_TIMEOUT_SECONDS, socket_timeout=CHECK_TIMEOUT_SECONDS
        )
        try:
            client.ping()
        except redis.RedisError:
            problems.append("redis")
        finally:
            client.close()
    return problems

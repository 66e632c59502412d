"""Health endpoints for load balancers and compose: liveness (/healthz) and readiness (/readyz)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from operations.selectors import readiness_problems


@require_GET
@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    """200 "ok" when the database and Redis answer, else 503 naming what does not (names only: no hosts)."""
    problems = readiness_problems()
    if problems:
        return HttpResponse("not ready: " + ", ".join(problems), status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")

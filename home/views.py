"""The home page: one section per role the user holds, with the panels' data gathered once by
``home.selectors.home_page`` (no template tag queries while it renders)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.web import request_user
from home.selectors import home_page


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    return render(request, "home/home.html", {"page": home_page(request_user(request), now=now), "now": now})

"""Sign-in, sign-out and the home page. Thin: the selectors decide what each role sees."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.forms import SignInForm
from accounts.models import User
from accounts.selectors import memberships_for, user_roles
from audit.models import AuditAction, AuditOutcome
from audit.services import record_event


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form: SignInForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_valid(form)
        record_event(actor=form.get_user(), action=AuditAction.LOGIN, request=self.request)
        return response

    def form_invalid(self, form: SignInForm) -> HttpResponse:  # type: ignore[override]
        # No username in the event: a mistyped username is often someone's password or name.
        record_event(
            actor=None, action=AuditAction.LOGIN_FAILED, outcome=AuditOutcome.DENIED, request=self.request
        )
        return super().form_invalid(form)


class SignOutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            record_event(actor=request.user, action=AuditAction.LOGOUT, request=request)
        return super().post(request, *args, **kwargs)


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    return render(
        request, "accounts/home.html", {"roles": user_roles(user), "memberships": memberships_for(user)}
    )


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")

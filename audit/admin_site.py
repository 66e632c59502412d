"""The admin site: a signed-in user who is not staff and opens an admin page is refused (sent to the admin's
sign-in page, as Django does) and the refusal is audited; so is a non-staff user whose right password the
admin's own sign-in form refuses (a wrong password is already audited as login_failed)."""

from __future__ import annotations

from collections.abc import Callable
from functools import update_wrapper
from typing import Any, TypeVar, cast

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponseBase

from audit.services import record_denied_request

_View = TypeVar("_View", bound=Callable[..., HttpResponseBase])


class AuditedAdminAuthenticationForm(AdminAuthenticationForm):
    def confirm_login_allowed(self, user: Any) -> None:
        try:
            super().confirm_login_allowed(user)
        except ValidationError:
            if self.request is not None:
                record_denied_request(request=self.request, reason="not_staff", actor=user)
            raise


class AuditedAdminSite(admin.AdminSite):
    login_form = AuditedAdminAuthenticationForm

    def admin_view(self, view: _View, cacheable: bool = False) -> _View:
        inner = super().admin_view(view, cacheable)

        def audited(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.user.is_authenticated and not self.has_permission(request):
                record_denied_request(request=request, reason="not_staff")
            return inner(request, *args, **kwargs)

        return cast(_View, update_wrapper(audited, inner))

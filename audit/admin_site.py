"""The admin site: a signed-in user who is not staff and opens an admin page is refused (sent to the admin's
sign-in page, as Django does) and the refusal is audited; so is a non-staff user whose right password the
admin's own sign-in form refuses (a wrong password is already audited as login_failed).

It carries the service's name and lists models in plain words (issue 14 item 16): support staff read
"Failed sign-ins" rather than a library's "Access failures". The words are the admin's only, so no model's
``verbose_name`` (and no migration) changes."""

from __future__ import annotations

from collections.abc import Callable
from functools import update_wrapper
from typing import Any, TypeVar, cast

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponseBase

from audit.services import record_denied_request

_View = TypeVar("_View", bound=Callable[..., HttpResponseBase])

# What the admin calls an app or a model where its own name reads badly (a library's label, an abbreviation,
# a word of the code's): app label or "app_label.model" -> plain words.
PLAIN_APP_NAMES: dict[str, str] = {
    "auth": "Permission groups",
    "axes": "Sign-in attempts and lockouts",
    "otp_totp": "Two-factor authentication",
}
PLAIN_MODEL_NAMES: dict[str, str] = {
    "accounts.apiclient": "API clients (partner systems)",
    "accounts.commission": "Commissions (council to provider)",
    "accounts.membership": "Roles in organisations",
    "axes.accessattempt": "Failed sign-ins being counted towards a lockout",
    "axes.accessfailurelog": "Failed sign-ins",
    "axes.accesslog": "Sign-ins",
    "missing_episodes.possibleduplicate": "Possible duplicate children",
    "otp_totp.totpdevice": "Authenticator apps",
    "rhi.reportdocument": "Report PDFs",
    "rhi.reviewdecision": "Approval decisions on reports",
    "sharing.disclosure": "Information shared (disclosures)",
}


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
    site_header = f"{settings.SERVICE_NAME}: support admin"
    site_title = f"{settings.SERVICE_NAME} support admin"
    index_title = "Support admin"

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[Any]:
        """The index's, an app's page's and the side menu's lists, in plain words."""
        apps = super().get_app_list(request, app_label)
        for app in apps:
            app["name"] = PLAIN_APP_NAMES.get(app["app_label"], app["name"])
            for model in app["models"]:
                model["name"] = PLAIN_MODEL_NAMES.get(model["model"]._meta.label_lower, model["name"])
        return apps

    def admin_view(self, view: _View, cacheable: bool = False) -> _View:
        inner = super().admin_view(view, cacheable)

        def audited(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.user.is_authenticated and not self.has_permission(request):
                record_denied_request(request=request, reason="not_staff")
            return inner(request, *args, **kwargs)

        return cast(_View, update_wrapper(audited, inner))

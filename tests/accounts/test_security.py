"""Account security: sign-in lockout (django-axes), session time limits, password rules and security headers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from audit.models import AuditAction, AuditEvent, AuditOutcome
from tests.factories import UserFactory, user_with_role

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SIGN_IN = "/accounts/sign-in/"
WRONG = "wrong-password"


def attempt(client: Client, username: str, password: str = WRONG, **extra: Any) -> Any:
    return client.post(SIGN_IN, {"username": username, "password": password}, **extra)


# --- Lockout -----------------------------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_username_from_that_address_and_say_so(client: Client) -> None:
    user = user_with_role(Role.RHI_WORKER, username="jordan.taylor")
    for _ in range(4):
        response = attempt(client, user.username)
        assert response.status_code == 200 and "Enter a correct username and password" in response.text
    fifth = attempt(client, user.username)
    assert fifth.status_code == 429
    assert "Sign in is paused" in fifth.text and "Wait 30 minutes" in fifth.text
    assert "jordan" not in fifth.text
    # Even the right password is refused while locked out.
    assert attempt(client, user.username, PASSWORD).status_code == 429
    assert client.get(reverse("home")).status_code == 302


def test_failures_stay_audited_and_the_lockout_records_a_denied_event_without_the_username(
    client: Client,
) -> None:
    user = user_with_role(Role.RHI_WORKER, username="jordan.taylor")
    for _ in range(5):
        attempt(client, user.username)
    failures = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED)
    assert failures.count() == 6  # five failed passwords, and the lockout
    lockout = failures.get(detail__reason="locked_out")
    assert lockout.outcome == AuditOutcome.DENIED and lockout.actor is None
    assert "jordan" not in str(lockout.detail)


def test_lockout_page_is_the_same_whether_or_not_the_account_exists(client: Client) -> None:
    user_with_role(Role.RHI_WORKER, username="real.person")
    for _ in range(5):
        real = attempt(client, "real.person")
        made_up = attempt(client, "nobody.here")
    assert real.status_code == made_up.status_code == 429
    assert real.content == made_up.content


def test_lockout_is_per_username_and_address(client: Client) -> None:
    user = user_with_role(Role.RHI_WORKER)
    for _ in range(5):
        attempt(client, user.username)
    other_address = Client(REMOTE_ADDR="192.0.2.44")
    response = attempt(other_address, user.username, PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_lockout_ends_after_thirty_minutes(client: Client) -> None:
    user = user_with_role(Role.RHI_WORKER)
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(5):
            attempt(client, user.username)
        traveller.shift(timedelta(minutes=29))
        assert attempt(client, user.username, PASSWORD).status_code == 429
        traveller.shift(timedelta(minutes=2))
        response = attempt(client, user.username, PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_support_staff_unlock_a_user_in_the_admin(client: Client) -> None:
    user = user_with_role(Role.RHI_WORKER)
    for _ in range(5):
        attempt(client, user.username)
    lock = AccessAttempt.objects.get(username=user.username)
    support = UserFactory.create(is_staff=True, is_superuser=True)
    staff_client = Client()
    staff_client.force_login(support)
    listing = staff_client.get(reverse("admin:axes_accessattempt_changelist"))
    assert listing.status_code == 200 and user.username in listing.text
    deleted = staff_client.post(reverse("admin:axes_accessattempt_delete", args=[lock.pk]), {"post": "yes"})
    assert deleted.status_code == 302
    response = attempt(client, user.username, PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_a_successful_sign_in_clears_earlier_failures(client: Client) -> None:
    user = user_with_role(Role.RHI_WORKER)
    for _ in range(4):
        attempt(client, user.username)
    assert attempt(client, user.username, PASSWORD).status_code == 302
    client.post(reverse("accounts:logout"))
    for _ in range(4):
        assert attempt(client, user.username).status_code == 200


# --- Session time limits -----------------------------------------------------------------------------------


def signed_in_at_start(client: Client) -> None:
    client.force_login(user_with_role(Role.RHI_WORKER))
    assert client.get(reverse("home")).status_code == 200


def test_user_idle_for_29_minutes_is_still_signed_in(client: Client) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        signed_in_at_start(client)
        traveller.shift(timedelta(minutes=29))
        assert client.get(reverse("home")).status_code == 200


def test_user_idle_for_31_minutes_is_signed_out_and_told_why(client: Client) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        signed_in_at_start(client)
        traveller.shift(timedelta(minutes=31))
        response = client.get(reverse("home"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
        page = client.get(response["Location"])
    assert "You were signed out after 30 minutes without activity" in page.text
    assert AuditEvent.objects.filter(
        action=AuditAction.LOGOUT, detail__reason="session_idle_timeout"
    ).exists()
    assert client.get(reverse("home")).status_code == 302


def test_user_active_every_20_minutes_is_signed_out_after_12_hours(client: Client) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        signed_in_at_start(client)
        for _ in range(36):  # 36 × 20 minutes = 12 hours, each request within the idle limit
            traveller.shift(timedelta(minutes=20))
            assert client.get(reverse("alerts:notifications")).status_code == 200
        traveller.shift(timedelta(minutes=1))
        response = client.get(reverse("alerts:notifications"))
        assert response.status_code == 302
        page = client.get(response["Location"])
    assert "You were signed out because you had been signed in for 12 hours" in page.text
    assert client.get(reverse("home")).status_code == 302


def test_sign_in_through_the_page_starts_the_session_clock(client: Client) -> None:
    user = user_with_role(Role.RHI_WORKER)
    with time_machine.travel(START, tick=False) as traveller:
        assert attempt(client, user.username, PASSWORD).status_code == 302
        assert client.session["rhi_session_started"] == int(START.timestamp())
        traveller.shift(timedelta(minutes=31))
        assert client.get(reverse("home")).status_code == 302


# --- Passwords ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    ["short-pass1", "123456789012345", "password1234", "jordan.taylor1"],
    ids=["too-short", "all-numbers", "common", "like-the-username"],
)
def test_weak_passwords_are_refused(password: str) -> None:
    user = UserFactory.build(username="jordan.taylor1", first_name="Jordan", last_name="Taylor")
    with pytest.raises(ValidationError):
        validate_password(password, user)


def test_a_long_uncommon_password_is_accepted() -> None:
    validate_password("lantern-orchard-velvet-42", UserFactory.build())  # raises ValidationError if refused


# --- Headers -----------------------------------------------------------------------------------------------


def test_pages_carry_the_security_headers(client: Client) -> None:
    response = client.get(SIGN_IN)
    csp = response["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "img-src 'self' data:",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'self'",
        "object-src 'none'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert "camera=()" in response["Permissions-Policy"]


def test_api_docs_load_swagger_ui_from_this_server(client: Client) -> None:
    client.force_login(user_with_role(Role.RHI_WORKER))
    response = client.get(reverse("api-docs"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    # Only this page may use inline styles (Swagger UI's template); scripts stay 'self' only.
    csp = response["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in csp and "script-src" not in csp
    script = client.get(reverse("api-docs") + "?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_swagger_ui_renders_under_the_content_security_policy(page: Any) -> None:
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: blocked.append(message.text) if "Content Security" in message.text else None,
    )
    page.goto("/api/docs/")
    page.locator(".swagger-ui .info .title").wait_for()
    assert (
        "Return home interview case management API" in page.locator(".swagger-ui .info .title").inner_text()
    )
    assert blocked == []

"""The optional second factor: a TOTP authenticator app after the password, required per organisation."""

from __future__ import annotations

import base64
import time
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role
from audit.models import AuditAction, AuditEvent, AuditOutcome
from tests.browser.axe import assert_no_axe_violations
from tests.browser.helpers import expect_error_summary_title
from tests.factories import UserFactory, user_with_role
from tests.factories_domain import ProviderFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"
VERIFY = "/accounts/two-factor/verify/"
SET_UP = "/accounts/two-factor/setup/"


def code_for(key_hex: str) -> str:
    return f"{totp(bytes.fromhex(key_hex)):06d}"


def with_device(user: Any) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def sign_in(client: Client, user: Any, **data: str) -> Any:
    return client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD, **data})


def test_user_with_an_app_must_enter_a_code_after_the_password(client: Client) -> None:
    user = user_with_role(Role.RHI_WORKER)
    with_device(user)
    response = sign_in(client, user)
    assert response.status_code == 302 and response["Location"] == VERIFY
    # Nothing else works until the code is entered.
    for url in (reverse("home"), reverse("alerts:notifications"), reverse("rhi:dashboard")):
        blocked = client.get(url)
        assert blocked.status_code == 302 and blocked["Location"].startswith(VERIFY)
    page = client.get(VERIFY)
    assert page.status_code == 200 and "Enter your security code" in page.text


def test_a_wrong_code_is_refused_with_a_field_error_and_audited(client: Client) -> None:
    user = user_with_role(Role.RHI_WORKER)
    device = with_device(user)
    sign_in(client, user)
    wrong = f"{(int(code_for(device.key)) + 1) % 1_000_000:06d}"
    response = client.post(VERIFY, {"code": wrong})
    assert response.status_code == 200
    assert "The security code is not correct" in response.text
    assert response.text.count('class="govuk-error-message"') == 1
    assert "<title>Error: " in response.text
    assert client.get(reverse("home")).status_code == 302
    event = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED, detail__factor="totp")
    assert event.actor == user and event.outcome == AuditOutcome.DENIED


def test_a_code_that_is_not_six_digits_says_so(client: Client) -> None:
    user = user_with_role(Role.RHI_WORKER)
    with_device(user)
    sign_in(client, user)
    response = client.post(VERIFY, {"code": "12ab"})
    assert "Security code must be 6 digits" in response.text
    assert "Enter the security code" in client.post(VERIFY, {"code": ""}).text


def test_the_right_code_verifies_the_session_and_every_page_works(client: Client) -> None:
    user = user_with_role(Role.RHI_WORKER)
    device = with_device(user)
    sign_in(client, user, next=reverse("alerts:notifications"))
    response = client.post(VERIFY, {"code": code_for(device.key), "next": reverse("alerts:notifications")})
    assert response.status_code == 302 and response["Location"] == reverse("alerts:notifications")
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("alerts:notifications")).status_code == 200
    assert client.get(VERIFY)["Location"] == reverse("home")  # nothing more to do


def test_a_code_after_a_wrong_one_is_throttled_briefly_then_accepted(client: Client) -> None:
    user = user_with_role(Role.RHI_WORKER)
    device = with_device(user)
    with time_machine.travel("2026-03-02 09:00:05Z", tick=False) as traveller:
        sign_in(client, user)
        wrong = f"{(int(code_for(device.key)) + 1) % 1_000_000:06d}"
        client.post(VERIFY, {"code": wrong})
        throttled = client.post(VERIFY, {"code": code_for(device.key)})
        assert "too many wrong codes" in throttled.text
        traveller.shift(timedelta(seconds=2))
        assert client.post(VERIFY, {"code": code_for(device.key)}).status_code == 302


def test_a_code_cannot_be_replayed_in_another_session(client: Client) -> None:
    user = user_with_role(Role.RHI_WORKER)
    device = with_device(user)
    with time_machine.travel("2026-03-02 09:00:05Z", tick=False):
        sign_in(client, user)
        code = code_for(device.key)
        assert client.post(VERIFY, {"code": code}).status_code == 302
        other = Client()
        sign_in(other, user)
        assert "not correct" in other.post(VERIFY, {"code": code}).text


def test_organisation_requirement_sends_a_user_without_an_app_to_set_up(client: Client) -> None:
    organisation = ProviderFactory.create(require_two_factor=True)
    user = user_with_role(Role.RHI_WORKER, organisation=organisation)
    response = sign_in(client, user)
    assert response.status_code == 302 and response["Location"] == SET_UP
    assert client.get(reverse("home"))["Location"].startswith(SET_UP)
    page = client.get(SET_UP)
    assert "Your organisation requires a security code" in page.text
    key = client.session["two_factor_setup_key"]
    assert "otpauth://totp/" in page.text and "data:image/svg+xml;base64," in page.text

    wrong = client.post(SET_UP, {"code": f"{(int(code_for(key)) + 1) % 1_000_000:06d}"})
    assert "The security code is not correct" in wrong.text
    assert not TOTPDevice.objects.filter(user=user).exists()

    done = client.post(SET_UP, {"code": code_for(key)})
    assert done.status_code == 302 and done["Location"] == reverse("home")
    assert TOTPDevice.objects.get(user=user).confirmed
    assert client.get(reverse("home")).status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_type="otp_totp.totpdevice").exists()


def test_organisation_requirement_asks_a_user_with_an_app_for_a_code(client: Client) -> None:
    user = user_with_role(Role.RHI_WORKER, organisation=ProviderFactory.create(require_two_factor=True))
    with_device(user)
    assert sign_in(client, user)["Location"] == VERIFY
    assert client.get(SET_UP)["Location"] == VERIFY


def test_user_whose_organisation_does_not_require_it_may_set_it_up_and_then_needs_it(client: Client) -> None:
    user = user_with_role(Role.RHI_WORKER)
    client.force_login(user)
    assert client.get(reverse("home")).status_code == 200
    client.get(SET_UP)
    key = client.session["two_factor_setup_key"]
    assert client.post(SET_UP, {"code": code_for(key)}).status_code == 302
    assert client.get(reverse("home")).status_code == 200  # this session is verified
    fresh = Client()
    assert sign_in(fresh, user)["Location"] == VERIFY


def test_api_answers_403_until_the_code_is_entered(client: Client) -> None:
    user = user_with_role(Role.RHI_WORKER)
    with_device(user)
    client.force_login(user)
    assert client.get("/api/schema/").status_code == 403


def test_support_staff_reset_a_lost_app_in_the_admin(client: Client) -> None:
    user = user_with_role(Role.RHI_WORKER)
    device = with_device(user)
    support = Client()
    support.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    listing = support.get(reverse("admin:otp_totp_totpdevice_changelist"))
    assert listing.status_code == 200
    deleted = support.post(reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"})
    assert deleted.status_code == 302 and not TOTPDevice.objects.filter(user=user).exists()
    assert sign_in(client, user)["Location"] == reverse("home")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_set_up_and_verify_pages_are_accessible(page: Any) -> None:
    user = user_with_role(
        Role.RHI_WORKER, username="twofactor1", organisation=ProviderFactory.create(require_two_factor=True)
    )
    page.goto("/accounts/sign-in/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Set up two-factor authentication").wait_for()
    assert page.locator("img[alt^='QR code']").evaluate("img => img.naturalWidth") > 0
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Confirm and continue").click()
    page.locator(".govuk-error-summary").wait_for()
    expect_error_summary_title(page)
    assert_no_axe_violations(page)

    # Type the key the page shows into "the app", and confirm with the code it gives.
    secret = page.locator(".govuk-inset-text code").inner_text().replace(" ", "")
    page.get_by_label("Security code").fill(code_for(base64.b32decode(secret).hex()))
    page.get_by_role("button", name="Confirm and continue").click()
    page.get_by_role("heading", name="Home", level=1).wait_for()
    assert "Two-factor authentication is set up" in page.inner_text("main")

    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("heading", name="Sign in").wait_for()
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Enter your security code").wait_for()
    assert_no_axe_violations(page)
    device = TOTPDevice.objects.get(user=user)
    # The code of the next 30-second window: the current one may be the one set-up used up.
    with time_machine.travel((int(time.time()) // 30 + 1) * 30 + 1):
        code = code_for(device.key)
    page.get_by_label("Security code").fill(code)
    page.get_by_role("button", name="Check the code and sign in").click()
    page.get_by_role("heading", name="Home", level=1).wait_for()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_lockout_page_is_accessible(page: Any) -> None:
    for _ in range(5):
        page.goto("/accounts/sign-in/")
        page.get_by_label("Username").fill("someone")
        page.get_by_label("Password").fill("not-the-password")
        page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Sign in is paused").wait_for()
    assert_no_axe_violations(page)

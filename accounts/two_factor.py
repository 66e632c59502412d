"""The optional second factor: a TOTP authenticator app (django-otp).

One place decides what a signed-in user still has to do before they can use the service
(:func:`pending_step`), and one place writes a new device (:func:`confirm_totp_device`). A user with a
confirmed device enters a code after every password sign-in; a user of an organisation that requires two
factors and has no device sets one up first. Everyone else signs in with a password alone.
"""

from __future__ import annotations

import base64
import secrets
import time
from enum import StrEnum
from typing import Any

import django_otp
import qrcode
import qrcode.image.svg
from django.db import transaction
from django.http import HttpRequest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from audit.models import AuditAction, AuditOutcome
from audit.services import record_event

DEVICE_NAME = "Authenticator app"
SETUP_KEY_SESSION_KEY = "two_factor_setup_key"


class Step(StrEnum):
    VERIFY = "accounts:two_factor_verify"
    SET_UP = "accounts:two_factor_setup"


# --- Selectors ---------------------------------------------------------------------------------------------


def is_verified(user: Any) -> bool:
    """True when this session has passed a second factor (django-otp's middleware adds ``is_verified``)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def organisation_requires_two_factor(user: User) -> bool:
    return bool(user.organisation_id and user.organisation and user.organisation.require_two_factor)


def pending_step(user: User) -> Step | None:
    """What a signed-in user must do before any other page: enter a code, set up an app, or nothing."""
    if is_verified(user):
        return None
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return Step.VERIFY
    if organisation_requires_two_factor(user):
        return Step.SET_UP
    return None


def setup_key(request: HttpRequest) -> str:
    """The secret offered on the set-up page: kept in the session until confirmed, so reloading keeps it."""
    key = request.session.get(SETUP_KEY_SESSION_KEY)
    if not isinstance(key, str) or len(key) != 40:
        key = secrets.token_hex(20)
        request.session[SETUP_KEY_SESSION_KEY] = key
    return key


def setup_details(user: User, key: str) -> dict[str, str]:
    """The secret as the app wants it typed (base32, in groups of four), the otpauth URI and its QR code."""
    device = TOTPDevice(user=user, key=key, name=DEVICE_NAME)
    secret = base64.b32encode(bytes.fromhex(key)).decode().rstrip("=")
    uri = device.config_url
    svg = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, border=2).to_string()
    return {
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "uri": uri,
        "qr_data_uri": "data:image/svg+xml;base64," + base64.b64encode(svg).decode(),
    }


def _clean_token(token: str) -> int | None:
    digits = "".join(token.split())
    if len(digits) != 6 or not digits.isdigit():
        return None
    return int(digits)


# --- Services ----------------------------------------------------------------------------------------------


@transaction.atomic
def confirm_totp_device(*, request: HttpRequest, user: User, key: str, token: str) -> TOTPDevice | None:
    """Save the authenticator app the user has just added, when ``token`` is the code it shows now.

    Replaces any earlier device, marks this session verified and records an audit event. Returns None (and
    saves nothing) when the code is wrong.
    """
    value = _clean_token(token)
    if value is None:
        return None
    device = TOTPDevice(user=user, key=key, name=DEVICE_NAME, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if not totp.verify(value, device.tolerance):
        return None
    device.last_t = totp.t()  # the code just used cannot be used again
    TOTPDevice.objects.filter(user=user).delete()
    device.save()
    django_otp.login(request, device)
    request.session.pop(SETUP_KEY_SESSION_KEY, None)
    record_event(actor=user, action=AuditAction.CREATE, obj=device, request=request)
    return device


class VerifyResult(StrEnum):
    VERIFIED = "verified"
    WRONG = "wrong"
    THROTTLED = "throttled"


@transaction.atomic
def verify_second_factor(*, request: HttpRequest, user: User, token: str) -> VerifyResult:
    """Check a code from the user's app; on success the session is verified (django_otp.login).

    Wrong codes are throttled by django-otp (each failure doubles the wait) and recorded as denied events.
    """
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        return VerifyResult.WRONG
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        result = VerifyResult.THROTTLED
    else:
        value = _clean_token(token)
        ok = value is not None and device.verify_token(value)
        result = VerifyResult.VERIFIED if ok else VerifyResult.WRONG
        if not ok and value is None:
            device.throttle_increment(commit=True)
    if result == VerifyResult.VERIFIED:
        django_otp.login(request, device)
        record_event(actor=user, action=AuditAction.LOGIN, request=request, detail={"factor": "totp"})
    else:
        record_event(
            actor=user,
            action=AuditAction.LOGIN_FAILED,
            outcome=AuditOutcome.DENIED,
            request=request,
            detail={"factor": "totp", "reason": result.value},
        )
    return result

"""The shape of an API client's token, shared by the service that issues it and the authentication that reads
it (accounts.api_client_services, accounts.api_auth). Domain: no web imports."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

from accounts.models import User

TOKEN_PREFIX = "rhi_"  # noqa: S105 (the public prefix of every token, not a secret)
LOOKUP_LENGTH = 12  # "rhi_" and the first 8 random characters: enough to find the row, useless to guess with


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- Invitation links (accounts.services.invite_user): one-time, expiring, nothing stored --------------------
# The link signs the invitee's id and a mark of their password hash: an invitee has an unusable (random) one
# until they choose a password, so choosing it ends the link, and the signature's age ends it after 7 days.
INVITATION_SALT = "accounts.invitation"
INVITATION_MAX_AGE = timedelta(days=7)


def _password_mark(user: User) -> str:
    return salted_hmac(INVITATION_SALT, user.password).hexdigest()[:24]


def invitation_token(user: User) -> str:
    return signing.dumps([user.pk, _password_mark(user)], salt=INVITATION_SALT)


def invitation_claim(token: str) -> tuple[int, str] | None:
    """The (user id, password mark) a link carries while its signature is good and under 7 days old."""
    try:
        user_id, mark = signing.loads(token, salt=INVITATION_SALT, max_age=INVITATION_MAX_AGE)
    except (signing.BadSignature, TypeError, ValueError):
        return None
    if not isinstance(user_id, int) or not isinstance(mark, str):
        return None
    return user_id, mark


def invitation_matches(user: User, mark: str) -> bool:
    """The link is for this invitee as they are now: still active, never signed in, no password chosen."""
    return (
        user.is_active
        and user.last_login is None
        and not user.has_usable_password()
        and constant_time_compare(_password_mark(user), mark)
    )

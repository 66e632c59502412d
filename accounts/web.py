"""What a page needs to know about who is asking. Web layer: only views, forms and middleware import this."""

from __future__ import annotations

from django.http import HttpRequest

from accounts.models import User


def request_user(request: HttpRequest) -> User:
    """The signed-in person behind a page that requires sign-in (``login_required`` ran first).

    Raises ``TypeError`` rather than returning an anonymous user: reaching here signed out is a wiring bug
    (a view missing its decorator), not a refusal to audit."""
    user = request.user
    if not isinstance(user, User):
        raise TypeError(f"{request.path} needs a signed-in user; is login_required missing?")
    return user

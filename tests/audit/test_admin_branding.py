"""The Django admin carries the service's name and lists what support staff look after in plain words (issue 14
item 16): "Failed sign-ins", not a library's "Access failures"."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from audit.admin_site import PLAIN_APP_NAMES, PLAIN_MODEL_NAMES

pytestmark = pytest.mark.django_db


@pytest.fixture
def support(client: Client) -> Client:
    client.force_login(
        get_user_model().objects.create_superuser(
            username="support", password="unused-password-1", email="support@example.invalid"
        )
    )
    return client


def test_support_staff_see_the_service_name_and_plain_words_on_the_admin_index(support: Client) -> None:
    response = support.get(reverse("admin:index"))

    assert response.status_code == 200
    page = response.content.decode()
    assert f"<title>Support admin | {settings.SERVICE_NAME} support admin</title>" in page
    assert f">{settings.SERVICE_NAME}: support admin</a>" in page  # the header, linking to the index
    for plain in [*PLAIN_APP_NAMES.values(), *PLAIN_MODEL_NAMES.values()]:
        assert plain in page, plain
    for library_word in ("Otp_Totp", "Axes", "Access failures", "Api clients", "Review decisions"):
        assert f">{library_word}<" not in page, library_word


def test_an_apps_own_admin_page_uses_the_same_plain_words(support: Client) -> None:
    page = support.get(reverse("admin:app_list", args=["axes"])).content.decode()

    assert "Sign-in attempts and lockouts" in page and "Failed sign-ins" in page
    assert "Access failures" not in page


def test_every_plain_name_names_a_registered_model() -> None:
    registered = {model._meta.label_lower for model in admin.site._registry}
    assert set(PLAIN_MODEL_NAMES) <= registered
    assert {label.split(".")[0] for label in PLAIN_MODEL_NAMES} | {"auth"} >= set(PLAIN_APP_NAMES)

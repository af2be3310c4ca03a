"""The language a page answers in: the signed-in person's saved one, then the switcher's cookie, then Vietnamese;
the API honours Accept-Language. Without a session cookie the person is not looked up at all. After the request the
thread is back in the default language."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory
from django.utils import translation
from django.utils.functional import SimpleLazyObject, empty

from market.organisations.middleware import request_language
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _request(path: str = "/catalogue/", *, user=None, cookies: dict[str, str] | None = None, **extra: str):
    request = RequestFactory().get(path, **extra)
    request.COOKIES.update(cookies or {})
    request.user = user if user is not None else SimpleLazyObject(AnonymousUser)
    return request


def test_without_a_session_cookie_the_user_is_not_loaded():
    request = _request(cookies={settings.LANGUAGE_COOKIE_NAME: "en"})
    assert request_language(request) == "en"
    assert request.user._wrapped is empty


def test_a_signed_in_persons_saved_language_comes_before_the_cookie():
    person = UserFactory(language="en")
    cookies = {settings.SESSION_COOKIE_NAME: "their-session", settings.LANGUAGE_COOKIE_NAME: "vi"}
    assert request_language(_request(user=person, cookies=cookies)) == "en"


def test_a_cookie_or_vietnamese_for_everyone_else():
    assert request_language(_request()) == "vi"
    assert request_language(_request(cookies={settings.LANGUAGE_COOKIE_NAME: "fr"})) == "vi"
    assert request_language(_request(cookies={settings.SESSION_COOKIE_NAME: "x"})) == "vi"


def test_the_api_honours_accept_language():
    assert request_language(_request("/api/v1/products/", HTTP_ACCEPT_LANGUAGE="en")) == "en"
    assert request_language(_request("/catalogue/", HTTP_ACCEPT_LANGUAGE="en")) == "vi"


@pytest.mark.parametrize("chosen", ["en", "vi", None])
def test_after_a_request_the_thread_speaks_the_default_language_as_if_none_were_active(chosen):
    client = Client()
    if chosen:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = chosen
    translation.activate("en")  # whatever was active before the request

    response = client.get("/healthz")

    assert response["Content-Language"] == (chosen or settings.LANGUAGE_CODE)
    after = (translation.get_language(), translation.gettext("Vietnamese"))
    translation.deactivate()
    assert (
        after
        == (translation.get_language(), translation.gettext("Vietnamese"))
        == (settings.LANGUAGE_CODE, "Tiếng Việt")
    )

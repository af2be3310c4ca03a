"""Request-level wiring for organisations: who acts, and in which language."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.functional import SimpleLazyObject

from market.core.vary import add_vary
from market.organisations.actors import actor_for_request

SUPPORTED_LANGUAGES = {code for code, _name in settings.LANGUAGES}


class ActorMiddleware:
    """`request.actor` for pages (the API resolves its own after token authentication)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.actor = SimpleLazyObject(lambda: actor_for_request(request))  # type: ignore[attr-defined]
        return self.get_response(request)


def request_language(request: HttpRequest) -> str:
    """Vietnamese unless the person chose otherwise: their saved language, then the switcher's cookie.

    Pages ignore the browser's Accept-Language on purpose: a phone set to English in a Vietnamese
    cooperative should still open the site in Vietnamese until someone switches. API clients set it
    explicitly, so the API honours it.
    """
    # META, not request.headers: that mapping of every header is built on first use, and nothing else here needs it.
    if request.path.startswith("/api/") and request.META.get("HTTP_ACCEPT_LANGUAGE"):
        return translation.get_language_from_request(request)
    # Only a session can sign a person in here (the API's tokens are read after the middleware), so without its
    # cookie the lazy user is not loaded: most public reads carry none, and loading it cost ~5 % of a bare request.
    user = getattr(request, "user", None) if settings.SESSION_COOKIE_NAME in request.COOKIES else None
    if user is not None and user.is_authenticated and user.language in SUPPORTED_LANGUAGES:
        return user.language
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    return cookie if cookie in SUPPORTED_LANGUAGES else settings.LANGUAGE_CODE


class LanguageMiddleware:
    """Each request in its person's language; after it, the thread is back in the default language, so that nothing
    answered before this middleware runs (a static file, a refused host's 400) speaks the previous person's."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = request_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        add_vary(response, ("Cookie",))
        # The default language active is what deactivating gives (the same catalogue, the same get_language()), so
        # it stays: deactivating reads and deletes asgiref's thread-local storage, ~4 % of a /bench/ping request.
        if language != settings.LANGUAGE_CODE:
            translation.deactivate()
        return response

"""Public catalogue reads without DRF's per-request machinery: an anonymous GET of the product list or of a
product is answered by a plain Django view that does what DRF would do for it and nothing else.

DRF spent ~1.5–2 ms of CPU on every public GET before the view ran (wrapping the request, running every
authentication class, permissions, content negotiation, the throttle, finalising the response), against
0.07 ms for a whole bare Django view. For an anonymous GET most of it has nothing to decide:
- no credential is presented (no Authorization header, no session cookie), so authentication would find no
  one: the actor is anonymous;
- the permissions of these GETs are empty (public) and a token's scopes cannot apply without a token;
- the only renderer is JSON: a request that asks for JSON, anything, or says nothing gets it.
What stays is done by the same code as on DRF's path: the anonymous throttle (`AnonWindowThrottle`), the
selectors and body builders, the ETag and caching headers (`api_etag`, `answer_conditionally`), and DRF's error
bodies (the one exception handler, rendered by DRF's JSON renderer), plus the `Allow` header DRF adds. The
throttle's count, the ETag's versions and the kept body the answer may be are read from Redis in one round trip
(market.core.read_ahead): a `PublicRead` names them before anything is read. A read that `remembers` answers
under an ETag it answered before with the body it made then (market.core.remembered).

Any other request — a credential, another method, an unusual Accept or `?format=` — goes to the DRF view,
which stays the view of record (the OpenAPI schema is generated from it). `tests/catalog/test_public_reads.py`
checks that both paths answer the same bytes and headers."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.cache import Watched, one_version, version_keys, versions
from market.core.api import exception_handler
from market.core.conditional import answer_conditionally
from market.core.json_output import JSONRenderer
from market.core.read_ahead import read_ahead
from market.core.remembered import RememberedBodies
from market.core.throttling import AnonWindowThrottle
from market.organisations.drf import API_VARY, api_etag
from market.organisations.permissions import Actor

# What a request may send in Accept and still be answered by the fast path: what DRF's negotiation maps
# to the JSON renderer with no parameters (`application/json; indent=4` indents: DRF's path serves it).
PLAIN_ACCEPT = frozenset({"", "*/*", "application/json", "application/*"})


def _nothing_kept(request: HttpRequest, **kwargs: Any) -> list[str]:
    return []


@dataclass(frozen=True)
class PublicRead:
    """An anonymous GET answered on the fast path. `watched(**url kwargs)`: the objects its ETag covers (with the
    catalogue version and today: catalog.cache.versions); `answer(request, **url kwargs)`: the response;
    `kept(request, **url kwargs)`: the cache keys of what `answer` reads that can be named up front;
    `remembers`: its 200s are remembered by ETag in the process (a detail read of one object, whose body is made
    afresh on each request otherwise; the product list keeps its pages in Redis instead)."""

    watched: Callable[..., tuple[tuple[Watched, object], ...]]
    answer: Callable[..., HttpResponseBase]
    kept: Callable[..., list[str]] = _nothing_kept
    remembers: bool = False


def presents_credential(request: HttpRequest) -> bool:
    """Whether authentication could find someone: an Authorization header or a session cookie (a bad one
    too: DRF's path answers it as it always did)."""
    return "HTTP_AUTHORIZATION" in request.META or settings.SESSION_COOKIE_NAME in request.COOKIES


def takes_fast_path(request: HttpRequest) -> bool:
    return (
        request.method == "GET"
        and not presents_credential(request)
        and request.META.get("HTTP_ACCEPT", "").strip() in PLAIN_ACCEPT
        and "format" not in request.GET
    )


def _rendered(response: HttpResponseBase) -> HttpResponseBase:
    """The response as APIView.finalize_response renders it with the JSON renderer (a DRF Response; any other
    is as it was)."""
    if isinstance(response, Response) and not response.is_rendered:
        response.accepted_renderer = JSONRenderer()
        response.accepted_media_type = JSONRenderer.media_type
        response.renderer_context = {}  # type: ignore[attr-defined]
        response.render()
    return response


def _finalise(response: HttpResponseBase, allow: str) -> HttpResponseBase:
    """The response as APIView.finalize_response leaves it: rendered, with the `Allow` header."""
    response = _rendered(response)
    response["Allow"] = allow
    return response


def json_answer(data: Any) -> HttpResponse:
    """A DRF Response of `data` as the JSON renderer renders it (the same bytes and Content-Type), without DRF's
    response machinery (a TemplateResponse rendered: ~0.1 ms of CPU per request)."""
    return HttpResponse(JSONRenderer().render(data), content_type=JSONRenderer.media_type)


_remembered = RememberedBodies(entries=max(1, settings.API_REMEMBERED_BODIES))


def _remembering(etag: str, produce: Callable[[], HttpResponseBase]) -> HttpResponseBase:
    """The body remembered under `etag`, as the JSON renderer's response to it; else what `produce` answers,
    remembered when it is a 200."""
    body = _remembered.get(etag)
    if body is not None:
        return HttpResponse(body, content_type=JSONRenderer.media_type)
    response = _rendered(produce())
    if response.status_code == 200 and isinstance(response, HttpResponse):
        _remembered.put(etag, response.content)
    return response


def _allowed_methods(view_class: type[APIView]) -> str:
    """APIView.allowed_methods as DRF's path sees it (Django's View.setup adds `head` when there is `get`)."""
    names = [
        m
        for m in view_class.http_method_names
        if hasattr(view_class, m) or (m == "head" and hasattr(view_class, "get"))
    ]
    return ", ".join(m.upper() for m in names)


def with_public_get(drf_view: Callable[..., HttpResponseBase], read: PublicRead, *, personal: bool) -> Any:
    """`drf_view` (an APIView's as_view()) with anonymous GETs answered by `read`, after one Redis round trip
    that counts the throttle's window and reads the versions and kept keys `read` names."""
    allow = _allowed_methods(drf_view.view_class)  # type: ignore[attr-defined]
    anonymous = Actor.anonymous()

    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not takes_fast_path(request):
            return drf_view(request, *args, **kwargs)
        try:
            throttle = AnonWindowThrottle()
            watched = read.watched(**kwargs)
            keys = [*version_keys(*watched), *read.kept(request, **kwargs)]
            with one_version(), read_ahead(keys, window=throttle.anonymous_window(request)) as counted:
                if not throttle.admits(counted):
                    raise exceptions.Throttled(throttle.wait())
                etag = api_etag(request, anonymous, versions(*watched), personal=personal)
                produce = functools.partial(read.answer, request, **kwargs)
                if read.remembers and settings.API_REMEMBERED_BODIES:  # a page cache: off in the bench's yardstick
                    produce = functools.partial(_remembering, etag, produce)
                # No one is signed in on this path: what it answers is not private.
                answer = answer_conditionally(request, etag, produce, private=False, vary=API_VARY)
        except Exception as error:
            handled = exception_handler(error, {"request": request, "args": args, "kwargs": kwargs})
            if handled is None:
                raise
            answer = handled
        return _finalise(answer, allow)

    functools.update_wrapper(view, drf_view)  # keeps `cls` and `initkwargs`: the schema still sees the APIView
    return view

"""Conditional GET for the public pages (catalogue, product, trace, a cooperative's storefront):
`@conditional_page(data_version, ahead=…)`.

The ETag is computed before anything is rendered, from
- the URL with its query, and whether htmx asks for a part of the page (`HX-Request`);
- what the view shows, as `data_version(request, **kwargs)` returns it (catalogue version, today, the
  product's or lot's own version: catalog.cache.versions; the cooperative's storefront version:
  market.organisations.storefront), kept up to date by the services that write;
- the language, and who asks: anonymous, or the acting organisation's kind and the personal parts of the page
  shell (user, acting organisation and role, the organisation switcher's list, the unread bell);
- the visitor's CSRF secret (below); the deployed templates, translations and static manifest.
A match answers 304 at the cost of those reads; anything else renders as before and carries the ETag.
What a page reads from Redis before it knows its answer — those versions and the content it keeps rendered —
is named by `ahead(request, **kwargs)` and read in one round trip (market.core.read_ahead).

The CSP nonce. After a 304 the browser shows the body it kept, whose inline scripts hold the nonce they were
rendered with, under the 304's headers — its Content-Security-Policy replaces the kept one. So a page served
with an ETag is rendered with, and its 304 carries, the nonce derived from that ETag
(market.core.security.validated_nonce): the same for every response with the ETag, and for no other. It stays
unguessable: an HMAC under SECRET_KEY of an ETag that covers the URL (a script smuggled into the query
changes the URL, hence the nonce, so a nonce read from one response never fits another page), the data
versions (a stored script bumps them), and the visitor's own CSRF secret (one visitor's nonce says nothing
about another's).

The CSRF token. Every page carries one (the language switch posts). It stays masked afresh in every 200 —
Django's defence against compression side channels (BREACH), which market.core.compression relies on: these
pages are compressed with the token in them. A stable masking is not needed: any masking of the visitor's
secret validates, so a 304 may keep a body rendered with an earlier masking, as long as the secret is the
same. That is why the secret is part of the ETag: after the CSRF cookie changes (a login rotates it, a lost
cookie is replaced) the old body is never revalidated. A visitor without the cookie is given one before the
ETag is computed, so that their first page already carries the ETag of the secret it sets.

The views take GET and HEAD (`require_safe`): a HEAD is answered like the GET, headers and 304 included.
Not validated: a page rendered with facet counts of an earlier catalogue version, or without them, while another
request computes the current ones (catalog.cache.single_flight): it carries no ETag. Not conditional: a request
with messages waiting (they appear once, in the next page rendered); anything but
a 200 (a refused query, a 404). `Cache-Control: private, no-cache` — the page holds the visitor's CSRF token
(and, signed in, their name), so only their browser keeps it, and asks each time. `Vary: Cookie, HX-Request`
(and Accept-Encoding, on the 304 too): the language, the session and the CSRF secret come in cookies, and an
htmx request is answered with a part of the page. Last-Modified is not sent: a date cannot say
which language, visitor or CSRF secret a page was made for, and a client that sent only If-Modified-Since
would be given another variant's page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any

from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponseBase
from django.utils.translation import get_language

from catalog.cache import served_stale
from frontend import csrf
from frontend.context_processors import shell
from market.core.conditional import answer_conditionally, weak_etag
from market.core.read_ahead import read_ahead
from market.core.security import apply_page_policy, set_csp_nonce, validated_nonce

VARY = ("Cookie", "HX-Request")
DataVersion = Callable[..., tuple[object, ...] | None]
Ahead = Callable[..., Sequence[str]]
View = Callable[..., HttpResponseBase]


def visitor_parts(request: HttpRequest) -> tuple[object, ...]:
    """Who the page is for, as far as the page shell shows it (frontend.context_processors.shell)."""
    context = shell(request)
    actor = context["actor"]
    if actor is None or not actor.is_authenticated:
        return ("anonymous",)
    organisation = actor.organisation
    return (
        organisation.kind if organisation else "",
        actor.organisation_id,
        actor.role,
        actor.user.pk,
        actor.user.get_short_name(),
        context["unread_notifications"],
        tuple((m.organisation_id, m.organisation.name) for m in context["my_memberships"]),
    )


def csrf_secret(request: HttpRequest) -> str:
    """The visitor's CSRF secret (the one their page's token masks); a new one, to be set as the cookie, for a
    visitor who has none yet."""
    return csrf.secret(request)


def conditional_page(data_version: DataVersion, *, ahead: Ahead) -> Callable[[View], View]:
    """`data_version(request, **kwargs)` names what the page shows (None: answer this request in full);
    `ahead(request, **kwargs)` the cache keys it reads before it knows its answer (`data_version`'s, the kept
    content's), read together in one round trip. Put it under `one_version()`, so that the page renders from
    the catalogue version its ETag covers."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.method not in ("GET", "HEAD") or len(get_messages(request)):
                return view(request, *args, **kwargs)
            with read_ahead(ahead(request, *args, **kwargs)):
                return _answer(request, data_version(request, *args, **kwargs), lambda: view(request, *args, **kwargs))

        return wrapped

    return decorate


def _answer(
    request: HttpRequest, data: tuple[object, ...] | None, view: Callable[[], HttpResponseBase]
) -> HttpResponseBase:
    """What `view()` answers, conditionally on the ETag of `data` (what the page shows; None: in full)."""
    if data is None:
        return view()
    etag = weak_etag(
        (
            request.get_full_path(),
            request.headers.get("HX-Request", ""),
            get_language(),
            *visitor_parts(request),
            csrf_secret(request),
            *data,
        )
    )
    set_csp_nonce(request, validated_nonce(etag))
    response = answer_conditionally(request, etag, view, private=True, vary=VARY)
    if response.status_code == 304:
        apply_page_policy(request, response)  # the kept body's nonce; a 304 has no type to go by
    elif served_stale():
        # Rendered with counts older than the versions the ETag names (or none, while another request
        # computes them): a validator would keep that page until the next write.
        del response.headers["ETag"]
    return response

"""The page shell (frontend/base.html: head, top bar, navigation, footer) of a visitor's page, rendered once per page
template, audience, language and deploy (and path, on the pages the navigation links to), with what differs per
response written into it.

An anonymous visitor's shell differs from another's in three values only: the CSRF token (masked afresh for every
response: Django's defence against compression side channels, see frontend.conditional), the CSP nonce (derived
from the page's ETag, or fresh: market.core.security) and the path with its query (the language switch's `next`).
Everything else in it is the template, the language, the deploy's static files and translations, whether the path
is one the navigation links to (it marks the current page) and the anonymous navigation. So the shell is rendered
once with a mark in place of each of those values and of each part the page fills in (its title, description,
head links and content: `{{ parts.NAME }}` in the page's template), and kept in the process (no Redis round trip);
each response writes the request's values and the page's parts into it, escaped as the template would have.

A signed-in visitor who acts for one organisation (no organisation switcher) is given the shell kept for the
navigation of that organisation's kind (a buyer's, a seller's, the alliance staff's; the public one without an
organisation), with two more values of their own written in: their name and their notification bell (rendered
once per count and language). A visitor with an organisation switcher (their organisations listed) and a page with
messages waiting (shown once) are rendered in full, as before.

Why: the shell's template cost ~0.8 ms of CPU on every anonymous page, and ~2 ms on a signed-in one.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from frontend.context_processors import shell as shell_context
from frontend.csrf import page_token
from frontend.navigation import fixed_path
from market.core.conditional import deploy_version
from market.core.security import csp_nonce

# Marks for the per-response values and the page's parts: characters of Unicode's private use area around a name,
# which no template, translation or escaping writes, so a mark found in the rendered shell is one of ours. The
# values are written in after the shell is split at its marks: nothing written in is read for marks again.
_MARK = re.compile("\ue000([a-z_]+)\ue000")
CSRF, NONCE, PATH, NAME, BELL = "csrf", "nonce", "path", "name", "bell"
BELL_TEMPLATE = "frontend/notifications/bell.html"


def _mark(name: str) -> str:
    return f"\ue000{name}\ue000"


def _part(name: str) -> str:
    return f"part_{name}"


@dataclass(frozen=True)
class _ShellRequest:
    """What the shell reads of the request: its path (the navigation's current page) and, per response, the
    path with its query (written in for the PATH mark)."""

    path: str

    def get_full_path(self) -> str:
        return _mark(PATH)


@dataclass(frozen=True)
class _ShellUser:
    """What the shell reads of a signed-in user: that they are, and their name (written in for the NAME mark)."""

    is_authenticated: bool = True

    def get_short_name(self) -> str:
        return _mark(NAME)


# Whose shell a page is given: ("anonymous", …) or ("signed-in", …) with the names of the navigation's links (the
# navigation of the acting organisation's kind); None: the visitor's own, rendered in full.
Audience = tuple[str, ...]
# A kept shell: its text split at the marks, literal text at even places, the marks' names at odd ones.
Shell = tuple[str, ...]
# The shells rendered in this process, by (template, the parts it is given, audience, the path as the navigation
# sees it, language, deploy, URLconf): all a shell is made from.
_kept: dict[tuple[str, tuple[str, ...], Audience, str, str, str, str | None], Shell | None] = {}
KEPT_SHELLS = 64  # bounds the memory (pages the navigation links to have a shell per path): start again past this


def _audience(request: HttpRequest) -> Audience | None:
    """Whose shell this visitor's is: everyone's of their audience, or (None) their own: messages waiting to be
    shown, or an organisation switcher listing their organisations."""
    if len(get_messages(request)):
        return None
    context = shell_context(request)
    actor = context["actor"]
    names = tuple(link.url_name for link in context["navigation"])
    if actor is None or not actor.is_authenticated:
        return ("anonymous", *names)
    if len(context["my_memberships"]) > 1:
        return None
    return ("signed-in", *names)


@functools.lru_cache(maxsize=16)
def _navigation_paths(names: tuple[str, ...], _prefix: str, _urlconf: str | None) -> frozenset[str]:
    """The paths a navigation links to: the only paths that change a shell of its audience."""
    return frozenset(fixed_path(name) for name in names)


def _shell_path(request: HttpRequest, audience: Audience) -> str:
    """The path as the shell shows it: the navigation marks the page it links to, and no other path shows."""
    linked = _navigation_paths(audience[1:], get_script_prefix(), get_urlconf())
    return request.path if request.path in linked else ""


def _kept_shell(request: HttpRequest, template: str, names: tuple[str, ...], audience: Audience) -> Shell | None:
    """The shell of `template` for `audience` at this path, split at its marks (None: it cannot be, render in full)."""
    path = _shell_path(request, audience)
    key = (template, names, audience, path, get_language(), deploy_version(), get_urlconf())
    if key not in _kept:
        if len(_kept) >= KEPT_SHELLS:
            _kept.clear()
        _kept[key] = _render_shell(request, template, names, path, signed_in=audience[0] == "signed-in")
    return _kept[key]


def _render_shell(
    request: HttpRequest, template: str, names: tuple[str, ...], path: str, *, signed_in: bool
) -> Shell | None:
    context: dict[str, object] = {
        "parts": {name: mark_safe(_mark(_part(name))) for name in names},  # noqa: S308 (constants)
        "csrf_token": _mark(CSRF),
        "csp_nonce": _mark(NONCE),
        "request": _ShellRequest(path),
    }
    if signed_in:
        # The visitor's name and bell stand in for anyone's of the audience; no switcher (one organisation).
        context.update(user=_ShellUser(), unread_notifications=0, my_memberships=[])
    # With the request for the context processors (the language, the audience's navigation): what they give a
    # visitor of the audience with no messages waiting is the same for every such visitor. The marks above stand in
    # for what is not, and the view's context is laid over the processors'.
    html: str = render_to_string(template, context, request)
    if signed_in:
        # The bell is included whole: the one rendered for no unread notifications is found and marked.
        bell = _bell(0, get_language(), deploy_version(), get_script_prefix(), get_urlconf())
        if html.count(bell) != 1:
            return None
        html = html.replace(bell, _mark(BELL))
    return tuple(_MARK.split(html))


@functools.lru_cache(maxsize=256)
def _bell(unread: int, _language: str, _deploy: str, _prefix: str, _urlconf: str | None) -> str:
    """The notification bell for `unread` notifications, as the shell's include renders it (it reads nothing else)."""
    return render_to_string(BELL_TEMPLATE, {"unread_notifications": unread})


def _personal_values(request: HttpRequest) -> dict[str, str]:
    """A signed-in visitor's values written into their audience's shell: their name and their bell."""
    context = shell_context(request)
    bell = _bell(context["unread_notifications"], get_language(), deploy_version(), get_script_prefix(), get_urlconf())
    return {NAME: escape(context["actor"].user.get_short_name()), BELL: bell}


def page(request: HttpRequest, template: str, parts: Mapping[str, str], *, status: int = 200) -> HttpResponse:
    """`template` (a page that extends frontend/base.html and shows each of `parts` as `{{ parts.NAME }}`, text
    escaped and HTML marked safe as it would be) around `parts`, as `render()` would make it."""
    audience = _audience(request)
    shell = None if audience is None else _kept_shell(request, template, tuple(sorted(parts)), audience)
    if audience is None or shell is None:
        return render(request, template, {"parts": parts}, status=status)
    # escape(): as the template's autoescaping writes each value (the token and the nonce need none).
    values = {
        CSRF: escape(page_token(request)),
        NONCE: escape(csp_nonce(request)),
        PATH: escape(request.get_full_path()),
        **(_personal_values(request) if audience[0] == "signed-in" else {}),
        **{_part(name): conditional_escape(value) for name, value in parts.items()},
    }
    html = "".join(values[piece] if i % 2 else piece for i, piece in enumerate(shell))
    return HttpResponse(html, status=status)

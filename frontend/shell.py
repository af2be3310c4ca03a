"""The page shell (frontend/base.html: head, top bar, navigation, footer) of an anonymous visitor's page, rendered
once per page template, language and deploy (and path, on the pages the navigation links to), with what differs
per response written into it.

An anonymous visitor's shell differs from another's in three values only: the CSRF token (masked afresh for every
response: Django's defence against compression side channels, see frontend.conditional), the CSP nonce (derived
from the page's ETag, or fresh: market.core.security) and the path with its query (the language switch's `next`).
Everything else in it is the template, the language, the deploy's static files and translations, whether the path
is one the navigation links to (it marks the current page) and the anonymous navigation. So the shell is rendered
once with a mark in place of each of those values and of each part the page fills in (its title, description,
head links and content: `{{ parts.NAME }}` in the page's template), and kept in the process (no Redis round trip);
each response writes the request's values and the page's parts into it, escaped as the template would have. A
signed-in visitor's shell (their name, their organisations, the bell) and a page with messages waiting (shown
once) are rendered in full, as before.

Why: the shell's template cost ~0.8 ms of CPU on every page, as much as a kept page's whole content.
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

from frontend.conditional import visitor_parts
from frontend.csrf import page_token
from frontend.navigation import navigation_for
from market.core.conditional import deploy_version
from market.core.security import csp_nonce

# Marks for the per-response values and the page's parts: characters of Unicode's private use area around a name,
# which no template, translation or escaping writes, so a mark found in the rendered shell is one of ours. The
# values are written in after the shell is split at its marks: nothing written in is read for marks again.
_MARK = re.compile("\ue000([a-z_]+)\ue000")
CSRF, NONCE, PATH = "csrf", "nonce", "path"


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


# A kept shell: its text split at the marks, literal text at even places, the marks' names at odd ones.
Shell = tuple[str, ...]
# The shells rendered in this process, by (template, the parts it is given, the path as the navigation sees it,
# language, deploy, URLconf): all a shell is made from.
_kept: dict[tuple[str, tuple[str, ...], str, str, str, str | None], Shell] = {}
KEPT_SHELLS = 64  # bounds the memory (pages the navigation links to have a shell per path): start again past this


@functools.lru_cache(maxsize=16)
def _navigation_paths(_prefix: str, _urlconf: str | None) -> frozenset[str]:
    """The paths the anonymous navigation links to: the only paths that change an anonymous shell."""
    return frozenset(link.url for link in navigation_for(None))


def _shell_path(request: HttpRequest) -> str:
    """The path as the shell shows it: the navigation marks the page it links to, and no other path shows."""
    return request.path if request.path in _navigation_paths(get_script_prefix(), get_urlconf()) else ""


def _kept_shell(request: HttpRequest, template: str, names: tuple[str, ...]) -> Shell:
    """The shell of `template` for an anonymous visitor at this path, split at its marks."""
    path = _shell_path(request)
    key = (template, names, path, get_language(), deploy_version(), get_urlconf())
    shell = _kept.get(key)
    if shell is None:
        if len(_kept) >= KEPT_SHELLS:
            _kept.clear()
        shell = _kept[key] = _render_shell(request, template, names, path)
    return shell


def _render_shell(request: HttpRequest, template: str, names: tuple[str, ...], path: str) -> Shell:
    context = {
        "parts": {name: mark_safe(_mark(_part(name))) for name in names},  # noqa: S308 (constants)
        "csrf_token": _mark(CSRF),
        "csp_nonce": _mark(NONCE),
        "request": _ShellRequest(path),
    }
    # With the request for the context processors (the language, the anonymous navigation): what they give an
    # anonymous visitor with no messages waiting is the same for every such visitor. The marks above stand in
    # for what is not, and the view's context is laid over the processors'.
    return tuple(_MARK.split(render_to_string(template, context, request)))


def _shared_shell(request: HttpRequest) -> bool:
    """Whether this visitor's shell is everyone's: anonymous, and no messages waiting to be shown."""
    return visitor_parts(request) == ("anonymous",) and not len(get_messages(request))


def page(request: HttpRequest, template: str, parts: Mapping[str, str], *, status: int = 200) -> HttpResponse:
    """`template` (a page that extends frontend/base.html and shows each of `parts` as `{{ parts.NAME }}`, text
    escaped and HTML marked safe as it would be) around `parts`, as `render()` would make it."""
    if not _shared_shell(request):
        return render(request, template, {"parts": parts}, status=status)
    shell = _kept_shell(request, template, tuple(sorted(parts)))
    # escape(): as the template's autoescaping writes each value (the token and the nonce need none).
    values = {
        CSRF: escape(page_token(request)),
        NONCE: escape(csp_nonce(request)),
        PATH: escape(request.get_full_path()),
        **{_part(name): conditional_escape(value) for name, value in parts.items()},
    }
    html = "".join(values[piece] if i % 2 else piece for i, piece in enumerate(shell))
    return HttpResponse(html, status=status)

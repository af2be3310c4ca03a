"""The page shell (frontend/base.html: head, top bar, navigation, footer) of an anonymous visitor's page, rendered
once per page template, path, language and deploy, with what differs per response written into it.

An anonymous visitor's shell differs from another's in three values only: the CSRF token (masked afresh for every
response: Django's defence against compression side channels, see frontend.conditional), the CSP nonce (derived
from the page's ETag, or fresh: market.core.security) and the path with its query (the language switch's `next`).
Everything else in it is the template, the language, the deploy's static files and translations, the path
(the navigation marks the current page) and the anonymous navigation. So the shell is rendered once with a mark
in place of each of those values and kept in the process (no Redis round trip), and each response writes the
request's values into it, escaped as the template would have. A signed-in visitor's shell (their name, their
organisations, the bell) and a page with messages waiting (shown once) are rendered in full, as before.

Why: the shell's template cost ~0.8 ms of CPU on every page, as much as a kept page's whole content.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import get_urlconf
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from frontend.conditional import visitor_parts
from market.core.conditional import deploy_version
from market.core.security import csp_nonce

# Marks for the per-response values: characters of Unicode's private use area, which no template, translation
# or escaping writes, so a mark found in the rendered shell is one of ours.
CSRF_MARK = "\ue000csrf\ue000"
NONCE_MARK = "\ue000nonce\ue000"
PATH_MARK = "\ue000path\ue000"
CONTENT_MARK = "\ue000content\ue000"


@dataclass(frozen=True)
class _ShellRequest:
    """What the shell reads of the request: its path (the navigation's current page) and, per response, the
    path with its query (written in for PATH_MARK)."""

    path: str

    def get_full_path(self) -> str:
        return PATH_MARK


# The shells rendered in this process, by (template, path, language, deploy, URLconf): all a shell is made from.
_kept: dict[tuple[str, str, str, str, str | None], tuple[str, str]] = {}
KEPT_SHELLS = 64  # pages with a path of their own would grow it without end: start again past this many


def _kept_shell(request: HttpRequest, template: str) -> tuple[str, str]:
    """The shell of `template` for an anonymous visitor at this path, split around its content."""
    key = (template, request.path, get_language(), deploy_version(), get_urlconf())
    shell = _kept.get(key)
    if shell is None:
        if len(_kept) >= KEPT_SHELLS:
            _kept.clear()
        shell = _kept[key] = _render_shell(request, template)
    return shell


def _render_shell(request: HttpRequest, template: str) -> tuple[str, str]:
    context = {
        "content": mark_safe(CONTENT_MARK),  # noqa: S308 (a constant)
        "csrf_token": CSRF_MARK,
        "csp_nonce": NONCE_MARK,
        "request": _ShellRequest(request.path),
    }
    # With the request for the context processors (the language, the anonymous navigation): what they give an
    # anonymous visitor with no messages waiting is the same for every such visitor. The marks above stand in
    # for what is not, and the view's context is laid over the processors'.
    before, after = render_to_string(template, context, request).split(CONTENT_MARK)
    return before, after


def _shared_shell(request: HttpRequest) -> bool:
    """Whether this visitor's shell is everyone's: anonymous, and no messages waiting to be shown."""
    return visitor_parts(request) == ("anonymous",) and not len(get_messages(request))


def _fill(shell: str, token: str, nonce: str, full_path: str) -> str:
    return shell.replace(CSRF_MARK, token).replace(NONCE_MARK, nonce).replace(PATH_MARK, full_path)


def page(request: HttpRequest, template: str, content: SafeString, *, status: int = 200) -> HttpResponse:
    """`template` (a page that extends frontend/base.html and shows `{{ content }}` as its content) around
    `content`, as `render()` would make it."""
    if not _shared_shell(request):
        return render(request, template, {"content": content}, status=status)
    before, after = _kept_shell(request, template)
    # escape(): as the template's autoescaping writes each value (the token and the nonce need none).
    values = (escape(get_token(request)), escape(csp_nonce(request)), escape(request.get_full_path()))
    html = _fill(before, *values) + content + _fill(after, *values)
    return HttpResponse(html, status=status)

"""Conditional GET for responses whose content is known before it is made: an ETag computed from what the
response is made of (data versions kept by the services that write the data, the language, who asks, the
code and static files deployed), checked against If-None-Match before any rendering, so that a 304 costs
the version reads and nothing else.

Why not a hash of the body (Django's ConditionalGetMiddleware): every page carries a fresh CSP nonce and a
freshly masked CSRF token, so no two bodies are equal and no hash would ever match; and it would render the
page to find out. The ETags here are weak (RFC 9110 §8.8.1): two 200s with the same ETag are the same page
up to the masking of the CSRF token, which is what "semantically equivalent" allows.

Everything a response shows must be covered by the parts its ETag is made of, or a browser keeps a stale
page: the callers list them (frontend.conditional for pages, catalog.api for the API).
"""

from __future__ import annotations

import functools
import hashlib
from base64 import urlsafe_b64encode
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpRequest, HttpResponseBase
from django.template.utils import get_app_template_dirs
from django.utils.cache import get_conditional_response, patch_cache_control

from market.core.security import keyed_digest
from market.core.vary import add_vary


@functools.cache
def deploy_version() -> str:
    """A digest of what a deploy changes in a response without changing its data — our apps' Python code,
    templates and translations and the static manifest (without a manifest, static names do not change
    anyway): the same in every process of one deploy (read from the files, not the clock), different after a
    deploy that changes one of them. Read once per process. Everything kept or tagged under it (ETags, kept
    parts, the drawn fair plan) is made by that code from those files."""
    digest = hashlib.sha256(str(getattr(staticfiles_storage, "manifest_hash", "")).encode())
    base = Path(settings.BASE_DIR)
    ours = [Path(config.path) for config in apps.get_app_configs() if base in Path(config.path).parents]
    templates = [d for d in map(Path, get_app_template_dirs("templates")) if any(a in d.parents for a in ours)]
    code = [p for app in ours for p in app.rglob("*.py")]
    files = [p for folder in (*templates, *map(Path, settings.LOCALE_PATHS)) for p in folder.rglob("*") if p.is_file()]
    for path in sorted({*code, *files}):
        digest.update(str(path.relative_to(base)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def weak_etag(parts: Iterable[object]) -> str:
    """W/"…" over the parts, keyed with SECRET_KEY: the ETag may cover secrets of the visitor (their CSRF
    secret) without revealing anything about them, and no one can forge the ETag of another visitor."""
    material = "\x1f".join(str(part) for part in (deploy_version(), *parts))
    return f'W/"{urlsafe_b64encode(keyed_digest(material.encode())[:18]).decode()}"'


def answer_conditionally(
    request: HttpRequest,
    etag: str,
    produce: Callable[[], HttpResponseBase],
    *,
    private: bool,
    vary: Sequence[str],
) -> HttpResponseBase:
    """304 (GET and HEAD) when the request's If-None-Match holds `etag`, without calling `produce`; else what
    `produce` answers, with the ETag when it is a 200. Either way the caching headers a 304 must repeat
    (RFC 9110 §15.4.5): the ETag, Cache-Control (kept, but revalidated before each use: `no-cache`) and Vary
    (with Accept-Encoding, which market.core.compression adds to the 200 only).
    `private`: the response holds something of the visitor's (a CSRF token, their name), so no shared cache
    may keep it."""
    not_modified = get_conditional_response(request, etag=etag)
    response = produce() if not_modified is None else not_modified
    if response.status_code not in (200, 304):
        return response  # an error, a refused query or a failed If-Match is not a representation to validate
    response.headers["ETag"] = etag
    patch_cache_control(response, no_cache=True, **({"private": True} if private else {"public": True}))
    add_vary(response, ("Accept-Encoding", *vary))
    return response

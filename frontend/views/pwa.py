"""The installable app: its web app manifest, its service worker (served from the site's root so that it may
control every page) and the page shown offline when a page was never kept on the phone.

The worker is a static script of ours rendered with the list of files to keep (their hashed names under the
manifest storage), so a deploy that changes any of them changes the worker and phones pick up the new one.
See docs/offline.md.
"""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from market.core.http import generated_file
from market.core.security import WORKER_POLICY

THEME = "#1f6f4a"
BACKGROUND = "#ffffff"
# Kept on install: what every page needs. Each offline page also asks the worker to keep itself and the
# files it loads (frontend/pwa.js), so a page opened once online opens again with no network.
SHELL = (
    "frontend/app.css",
    "frontend/app.js",
    "frontend/favicon.svg",
    "frontend/pwa.js",
    "frontend/offline-queue.js",
    "frontend/offline-form.js",
    "frontend/scan.js",
    "frontend/vendor/jsQR.js",
    "frontend/icons/icon-192.png",
    "frontend/icons/icon-512.png",
)
# Pages that work offline (their paths, as patterns the worker tests).
OFFLINE_PAGES = (
    r"^/staff/fairs/[^/]+/check-in/$",
    r"^/supply/intakes/new/$",
    r"^/contracts/call-offs/[0-9]+/intake/$",
)


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    icons = [
        {"src": static("frontend/icons/icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
        {"src": static("frontend/icons/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
        {
            "src": static("frontend/icons/icon-maskable-512.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
    ]
    body = {
        "id": "/",
        "name": _("Market Link — cooperatives, trade and fairs"),
        "short_name": "Market Link",
        "description": _("Marketplace and trade fairs of the cooperative alliance"),
        "lang": get_language() or "vi",
        "dir": "ltr",
        "start_url": reverse("frontend:home"),
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME,
        "background_color": BACKGROUND,
        "categories": ["business", "shopping"],
        "icons": icons,
    }
    response = JsonResponse(body, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})
    response["Vary"] = "Accept-Language, Cookie"
    return response


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    shell = [static(path) for path in SHELL] + [reverse("frontend:offline")]
    config = {
        "shell": shell,
        "offlinePages": list(OFFLINE_PAGES),
        "offlinePage": reverse("frontend:offline"),
        # STATIC_URL, not static(""): the production (manifest) storage has no entry for the folder itself.
        "staticPrefix": settings.STATIC_URL,
        "logout": reverse("frontend:logout"),
    }
    config["version"] = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:12]
    script = render(request, "frontend/pwa/sw.js", {"config": json.dumps(config)}).content
    # Never kept by a cache: the browser compares the worker on each visit, so a deploy reaches phones.
    response = generated_file(request, script, content_type="text/javascript; charset=utf-8", public=False)
    response["Service-Worker-Allowed"] = "/"
    # Not the nothing-allowed policy of other non-pages: the worker must fetch our files to keep them.
    response["Content-Security-Policy"] = WORKER_POLICY
    return response


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    """What a page never kept on this phone shows with no network: the same for everyone (no one's data)."""
    return render(request, "frontend/pwa/offline.html")

"""Files every site answers at its root: /robots.txt and /favicon.ico."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from market.core.http import generated_file

# Crawlers may read the public catalogue, products, cooperatives, trace pages and fairs. Everything below
# is someone's account or the back office (it asks for a login anyway), a form, or the API. There is no
# sitemap, so no Sitemap line. tests/frontend/test_site_files.py checks every route against this list.
DISALLOWED = (
    "/account/",
    "/admin/",
    "/api/",
    "/cart/",
    "/checkout/",
    "/checkouts/",
    "/contracts/",
    "/csp-report/",
    "/dashboard/",
    "/design/",  # the design system's reference page: for the people who build pages, not for search
    "/exports/",
    "/geo/",
    "/healthz",
    "/readyz",
    "/invitations/",
    "/invoices/",
    "/language/",
    "/login/",
    "/logout/",
    "/my/",
    "/no-organisation/",
    "/notifications/",
    "/offline/",
    "/orders/",
    "/organisation/",
    "/password-reset/",
    "/pay/",
    "/payments/",
    "/quotations/",
    "/reference-prices/",
    "/sign-up/",
    "/staff/",
    "/supply/",
    "/transfers/",
    "/fairs/applications/",
    "/fairs/meetings/",
    # `*` is understood by the crawlers that matter (Google, Bing, Yandex, Cốc Cốc).
    "/fairs/*/apply/",
    "/fairs/*/badges/",
    "/fairs/*/matching/",
)
ROBOTS_TXT = "User-agent: *\n" + "".join(f"Disallow: {path}\n" for path in DISALLOWED)


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    return generated_file(request, ROBOTS_TXT, content_type="text/plain; charset=utf-8", public=True, max_age=86400)


@cache
def _favicon() -> bytes:
    return Path(finders.find("frontend/favicon.svg")).read_bytes()  # type: ignore[arg-type]


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """The site's icon (an SVG: every current browser reads it) for clients that ask /favicon.ico."""
    return generated_file(request, _favicon(), content_type="image/svg+xml", public=True, max_age=86400)

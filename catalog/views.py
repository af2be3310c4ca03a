"""Public files of the catalogue: product photos (content-addressed, cached for a year) and lot QR codes."""

from __future__ import annotations

import hashlib

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.http.response import HttpResponseBase
from django.utils.cache import get_conditional_response
from django.utils.http import quote_etag
from django.views.decorators.http import require_GET

from catalog import selectors
from catalog.qr import qr_png
from market.core.errors import NotFound
from market.core.http import generated_file
from market.core.storage import is_object_storage

PUBLIC_PREFIXES = ("catalog/images/", "catalog/thumbnails/")


@require_GET
def catalog_media(request: HttpRequest, name: str) -> HttpResponseBase:
    """Product photos and thumbnails. Their names are content hashes, so they never change (nor their ETag)."""
    if not name.startswith(PUBLIC_PREFIXES) or ".." in name or "\\" in name:
        raise Http404()
    if is_object_storage(default_storage):
        # On object storage the photo is public there: send the browser to it (the name never changes, so
        # neither does the address), and keep the web process free.
        return HttpResponsePermanentRedirect(default_storage.url(name))
    if not default_storage.exists(name):
        raise Http404()
    etag = quote_etag(hashlib.sha256(name.encode()).hexdigest()[:32])
    response = get_conditional_response(request, etag=etag) or FileResponse(
        default_storage.open(name, "rb"), content_type="image/jpeg"
    )
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


@require_GET
def lot_qr(request: HttpRequest, public_id: str) -> HttpResponse:
    """The QR code of a published lot (a GS1 Digital Link when the product has a GTIN), as a PNG."""
    try:
        lot = selectors.lot_public_get(public_id=public_id)
    except NotFound:
        raise Http404() from None
    # A published lot never changes; the day bounds a change of SITE_URL.
    return generated_file(
        request, qr_png(selectors.lot_qr_url(lot)), content_type="image/png", public=True, max_age=86400,
        filename=f"lot-{lot.code}.png",
    )  # fmt: skip

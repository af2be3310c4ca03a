"""Public files of the catalogue: product photos (content-addressed, cached for a year) and lot QR codes."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from catalog import selectors
from catalog.qr import qr_png
from market.core.errors import NotFound

PUBLIC_PREFIXES = ("catalog/images/", "catalog/thumbnails/")


@require_GET
def catalog_media(request: HttpRequest, name: str) -> FileResponse:
    """Product photos and thumbnails. Their names are content hashes, so they never change."""
    if not name.startswith(PUBLIC_PREFIXES) or ".." in name or "\\" in name or not default_storage.exists(name):
        raise Http404()
    response = FileResponse(default_storage.open(name, "rb"), content_type="image/jpeg")
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


@require_GET
def lot_qr(request: HttpRequest, public_id: str) -> HttpResponse:
    """The QR code of a published lot (a GS1 Digital Link when the product has a GTIN), as a PNG."""
    try:
        lot = selectors.lot_public_get(public_id=public_id)
    except NotFound:
        raise Http404() from None
    response = HttpResponse(qr_png(selectors.lot_qr_url(lot)), content_type="image/png")
    response["Cache-Control"] = "public, max-age=86400"
    response["Content-Disposition"] = f'inline; filename="lot-{lot.code}.png"'
    return response

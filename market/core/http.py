"""Responses for generated files (QR codes, floor plans, badges, invoices, reports).

Each carries an ETag (a hash of its bytes: every generator here is deterministic, PDFs included) and a
Cache-Control saying who may keep it; a client that sends the ETag back in If-None-Match gets a 304 without
the body. Call it after the view has checked access, so a 304 never answers someone a 200 would not.
"""

from __future__ import annotations

import hashlib

from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import quote_etag

# Files that change with the data behind them (an invoice, a report): kept, but checked every time.
REVALIDATE = 0


def generated_file(
    request: HttpRequest,
    body: bytes | str,
    *,
    content_type: str,
    public: bool,
    max_age: int = REVALIDATE,
    filename: str = "",
    disposition: str = "inline",
) -> HttpResponse:
    """`public`: the same for everyone (shared caches may keep it); otherwise only the person's browser."""
    data = body.encode() if isinstance(body, str) else body
    # Weak: the compressed and the plain response are the same file, and a 304 (which is never compressed)
    # must repeat the ETag the 200 carried.
    etag = "W/" + quote_etag(hashlib.sha256(data).hexdigest()[:32])
    response = get_conditional_response(request, etag=etag) or HttpResponse(data, content_type=content_type)
    response["ETag"] = etag
    if filename and response.status_code == 200:
        response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    if public:
        patch_cache_control(response, public=True, max_age=max_age)
    elif max_age == REVALIDATE:
        patch_cache_control(response, private=True, no_cache=True)
    else:
        patch_cache_control(response, private=True, max_age=max_age)
    return response

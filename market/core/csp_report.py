"""Where browsers report what the Content-Security-Policy blocked (market.core.security).

A report is a hint, not data we keep: each is logged as one line (`market.csp`, level WARNING) with the
page, the directive and what was blocked, each value cut short. Anyone can post here, so the endpoint reads
at most MAX_BODY bytes, logs at most RATE_PER_MINUTE reports per address per minute, and answers 400 to
anything that is not a report — never an error page. Both formats are read: `report-uri`'s
`{"csp-report": {...}}` and the Reporting API's `[{"type": "csp-violation", "body": {...}}]`.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from market.core import json_input

logger = logging.getLogger("market.csp")

MAX_BODY = 16 * 1024
MAX_REPORTS_PER_BODY = 10
MAX_VALUE = 300
RATE_PER_MINUTE = 30
# Field names in both formats (report-uri uses kebab-case, the Reporting API camelCase).
FIELDS = {
    "document": ("document-uri", "documentURL"),
    "directive": ("effective-directive", "effectiveDirective", "violated-directive"),
    "blocked": ("blocked-uri", "blockedURL"),
    "source": ("source-file", "sourceFile"),
    "line": ("line-number", "lineNumber"),
    "sample": ("script-sample", "sample"),
    "disposition": ("disposition",),
}


def _short(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text[:MAX_VALUE]


def _violations(payload: object) -> list[dict[str, Any]] | None:
    """The report bodies in either format, or None when the payload is not a CSP report at all."""
    if isinstance(payload, dict) and isinstance(payload.get("csp-report"), dict):
        return [payload["csp-report"]]
    if isinstance(payload, list) and payload:
        bodies = [
            item["body"]
            for item in payload[:MAX_REPORTS_PER_BODY]
            if isinstance(item, dict) and item.get("type") == "csp-violation" and isinstance(item.get("body"), dict)
        ]
        return bodies or None
    return None


def _over_rate(request: HttpRequest) -> bool:
    window = int(time.time()) // 60
    key = f"csp-report:{request.META.get('REMOTE_ADDR', '-')}:{window}"
    if cache.add(key, 1, 61):
        return False
    try:
        return int(cache.incr(key)) > RATE_PER_MINUTE
    except ValueError:  # expired between add and incr, or the cache is down (it fails open)
        return False


@csrf_exempt
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    length = request.META.get("CONTENT_LENGTH") or "0"  # WSGI: no length is an empty body
    if not length.isdigit():
        return HttpResponse("Not a report.", status=400, content_type="text/plain")
    if int(length) > MAX_BODY:
        return HttpResponse("Report too large.", status=413, content_type="text/plain")
    try:
        # Our parser refuses nesting deep enough to exhaust Python's recursion (JSONTooDeep is a ValueError).
        payload = json_input.loads(request.read(MAX_BODY))
    except ValueError:  # UnicodeDecodeError and JSONDecodeError included
        return HttpResponse("Not a JSON report.", status=400, content_type="text/plain")
    violations = _violations(payload)
    if violations is None:
        return HttpResponse("Not a CSP violation report.", status=400, content_type="text/plain")
    if _over_rate(request):
        return HttpResponse(status=204)  # browsers do not retry; a flood is simply not logged
    for body in violations:
        fields = {name: _short(next((body[key] for key in keys if key in body), "")) for name, keys in FIELDS.items()}
        logger.warning("Content-Security-Policy violation", extra={"csp": fields})
    return HttpResponse(status=204)

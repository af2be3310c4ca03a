"""JSON from outside (API bodies, webhooks, uploaded GeoJSON, page cursors), refused when nested too deep.

Python's decoder recurses once per level: a body of ~1,000 nested brackets raises RecursionError (a 500), and
anything that walks the result (serializers, error flattening) recurses again. No document we accept nests
beyond a dozen levels (a GeoJSON MultiPolygon Feature is seven), so the depth is counted on the raw bytes,
outside strings, before decoding: the decoder never sees a body it could not handle.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers

from market.core.errors import ApplicationError
from market.core.parsing import format_decimal

MAX_JSON_DEPTH = 64

# A JSON string, escapes included (the unrolled form: linear, no backtracking).
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_A_BRACKET = bytes(sorted(set(range(256)) - set(b"[]{}")))
# Objects and lists nest alike: both become square brackets.
_ONE_KIND = bytes.maketrans(b"{}", b"[]")


class JSONTooDeep(ApplicationError, ValueError):
    """A 400 through the API's handler, and a ValueError to callers that already refuse bad JSON as one."""

    default_code = "json_too_deep"

    def __init__(self) -> None:
        message = _("The JSON is nested too deeply: at most %(depth)s levels of lists and objects.")
        super().__init__(message % {"depth": format_decimal(MAX_JSON_DEPTH)})


def check_json_depth(data: bytes | str, *, limit: int = MAX_JSON_DEPTH) -> None:
    """Raise JSONTooDeep when brackets outside strings nest deeper than `limit`.

    Each pass removes every innermost pair (one level everywhere) at C speed; nesting left after `limit`
    passes is too deep. Unbalanced brackets are left for the decoder to refuse."""
    raw = data.encode() if isinstance(data, str) else data
    brackets = _STRING.sub(b"", raw).translate(_ONE_KIND, _NOT_A_BRACKET)
    for _level in range(limit):
        inner = brackets.replace(b"[]", b"")
        if inner == brackets:
            return
        brackets = inner
    if b"[]" in brackets:
        raise JSONTooDeep()


def loads(data: bytes | str) -> Any:
    """`json.loads` for text from outside: JSONTooDeep (a ValueError) instead of a RecursionError."""
    check_json_depth(data)
    return json.loads(data)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing a body nested too deeply before decoding it."""

    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        body = stream.read()
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        check_json_depth(body.decode(encoding, "replace"))
        return super().parse(io.BytesIO(body), media_type, parser_context)

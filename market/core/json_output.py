"""The API's JSON renderer: DRF's bytes, written by orjson.

DRF's JSONRenderer (`json.dumps` with DRF's encoder, then U+2028/U+2029 escaped) was ~10–12 % of the web CPU
of the public product list and a few % of every other answer; orjson writes the same document in a
fifteenth of the time. The bytes must not change (ETags, cached pages and clients compare them), so orjson
writes only what it writes as `json.dumps(ensure_ascii=False, separators=(",", ":"))` does — text (every
code point checked), ints, bools, None, dicts, lists, and subclasses of these read as `json` reads them
(a TextChoices member is its text) — and DRF's own code does the rest:
- what orjson does not know or is told to hand over (`OPT_PASSTHROUGH_DATETIME`/`_DATACLASS`) comes to
  `_default`, which asks DRF's encoder (lazy text, datetimes with their "Z", Decimal, UUID, bytes,
  QuerySets …) and writes a float it answers as `json` does;
- what orjson would write otherwise and cannot hand over is looked for before it writes
  (`_orjson_writes`): floats (orjson writes NaN and ±Infinity as null where DRF refuses them, and 1e-05
  as 0.00001), enums that are not str or int (orjson writes their value, DRF refuses them), and containers
  with their own items()/iteration (orjson reads the underlying dict or list);
- these, what orjson refuses (ints past 64 bits, keys that are not str, nesting past 254 levels, lone
  surrogates, a cycle), an iterator (`json` would find it empty after orjson), an indent (`Accept:
  application/json; indent=4`) and settings asking for ASCII or spaced JSON are rendered by DRF, with its
  answer or its error (NaN's ValueError, a TypeError) exactly as before.
`tests/core/test_json_output.py` compares both renderers byte for byte over generated documents.
"""

from __future__ import annotations

import enum
import gc
import math
import re
from collections.abc import Iterator, Mapping
from itertools import compress
from typing import Any

import orjson
from rest_framework import renderers
from rest_framework.utils.encoders import JSONEncoder

# orjson writes at most 254 nested levels: deeper documents go to DRF, and so does a cycle.
MAX_DEPTH = 254
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_CONTAINERS = (dict, list, tuple)
# DRF escapes both (JSON allows them raw, JavaScript before ES2019 does not); as UTF-8 they are E2 80 A8/A9.
_LINE_SEPARATORS = re.compile(b"\xe2\x80[\xa8\xa9]")
_ESCAPED = {b"\xe2\x80\xa8": b"\\u2028", b"\xe2\x80\xa9": b"\\u2029"}
_drf_encoder = JSONEncoder()


class _Unwritable(Exception):
    """orjson cannot write this document as DRF does: DRF renders it."""


# Types met so far: containers (looked inside) and values that orjson writes as `json` does or hands to
# `_default`. Only the exact plain ones are not tracked by the garbage collector: `gc.get_referents` skips them.
_OPENED: set[type] = {dict, list, tuple}
_LEAVES: set[type] = {str, int, bool, type(None)}
_PLAIN = frozenset(_OPENED | _LEAVES)


def _learn(cls: type) -> bool:
    """Put `cls` among the containers or the leaves; False if orjson would write its values otherwise than
    `json`: a float (orjson writes NaN and ±Infinity as null where DRF refuses them, and 1e-05 as 0.00001), an
    enum that is not a str or an int (orjson writes its value, `json` refuses it; a TextChoices member both
    write as the text it is), a container whose own items()/iteration `json` would follow (orjson reads the
    underlying dict or list: an OrderedDict moved around)."""
    if issubclass(cls, _CONTAINERS):
        if issubclass(cls, dict):
            as_stored = cls.items is dict.items
        else:
            as_stored = cls.__iter__ is list.__iter__ or cls.__iter__ is tuple.__iter__
        if as_stored:
            _OPENED.add(cls)
        return as_stored
    if issubclass(cls, float) or (issubclass(cls, enum.Enum) and not issubclass(cls, str | int)):
        return False
    _LEAVES.add(cls)
    return True


def _orjson_writes(data: Any) -> bool:
    """Whether orjson writes `data` as `json` does: none of what `_learn` refuses at any depth.

    The walk goes level by level at C speed (`gc.get_referents` lists the items of a level's containers);
    Python looks only at the distinct types of a level: a Python loop over every value would cost three
    times what orjson spends writing the document."""
    items = [data]
    for _depth in range(MAX_DEPTH):
        types = set(map(type, items))
        if not types <= _PLAIN:
            if not all(map(_learn, types - _OPENED - _LEAVES)):
                return False
            # Other tracked objects (an enum member, a UUID) are not looked inside: only the containers are.
            items = list(compress(items, map(_OPENED.__contains__, map(type, items))))
        elif types.isdisjoint(_OPENED):
            return True
        if not items:
            return True
        items = gc.get_referents(*items)
    return False


def _default(obj: Any) -> Any:
    """What orjson hands over (OPT_PASSTHROUGH_*, and types it does not know) made into what `json` writes."""
    if isinstance(obj, tuple):
        return list(obj)  # a named tuple: `json` writes its items
    if isinstance(obj, Iterator):
        raise _Unwritable  # used up here, it would be empty when DRF writes the document
    value = _drf_encoder.default(obj)  # DRF's own conversions: lazy text, Decimal, datetimes, QuerySets…
    if type(value) is float:
        if not math.isfinite(value):
            raise _Unwritable  # DRF refuses it with its own error
        return orjson.Fragment(float.__repr__(value))  # as `json` writes a float
    if isinstance(value, _CONTAINERS) and not _orjson_writes(value):
        raise _Unwritable
    return value


def orjson_dumps(data: Any) -> bytes | None:
    """`data` as DRF's JSONRenderer writes it without indent, or None where orjson cannot write it so."""
    if not _orjson_writes(data):
        return None
    try:
        body = orjson.dumps(data, default=_default, option=_OPTIONS)
    except orjson.JSONEncodeError:
        return None
    if b"\xe2" in body:  # memchr: rare in Vietnamese, where other characters start with C3-C6 and E1
        body = _LINE_SEPARATORS.sub(lambda match: _ESCAPED[match[0]], body)
    return body


class JSONRenderer(renderers.JSONRenderer):
    """DRF's JSONRenderer (same bytes, media type, format and errors), written by orjson where it can."""

    def get_indent(self, accepted_media_type: str | None, renderer_context: Mapping[str, Any]) -> int | None:
        """DRF's answer without parsing a media type that has no parameters (no `indent=`): the parse cost as
        much as orjson writing a product. DRF's own render() passes None when nothing was negotiated."""
        if accepted_media_type and ";" in accepted_media_type:
            return super().get_indent(accepted_media_type, renderer_context)
        return renderer_context.get("indent")

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Mapping[str, Any] | None = None
    ) -> bytes:
        plain = data is not None and self.compact and not self.ensure_ascii
        if plain and self.get_indent(accepted_media_type, renderer_context or {}) is None:
            body = orjson_dumps(data)
            if body is not None:
                return body
        return super().render(data, accepted_media_type, renderer_context)

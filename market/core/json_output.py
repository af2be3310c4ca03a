"""The API's JSON renderer: DRF's bytes, written by orjson.

DRF's JSONRenderer (`json.dumps` with DRF's encoder, then U+2028/U+2029 escaped) was ~10–12 % of the web CPU
of the public product list and a few % of every other answer; orjson writes the same document in a
twentieth of the time. The bytes must not change (ETags, cached pages and clients compare them), so orjson
writes only what it writes exactly as `json.dumps(ensure_ascii=False, separators=(",", ":"))` does — text
(every code point checked), ints, bools, None, dicts and lists — and everything else reaches DRF's own
code:
- types `json` knows but orjson writes its own way come to `_default` (`OPT_PASSTHROUGH_*`): subclasses of
  str/int/dict/list/tuple as `json` sees them (a dict subclass through its `items()`), datetimes, dates,
  times, dataclasses, and whatever else DRF's encoder converts (lazy text, Decimal, UUID subclasses, bytes,
  QuerySets …) through DRF's encoder itself, a float result written as `json` writes a float;
- what orjson would write differently and cannot hand over is looked for before it writes (`_orjson_writes`):
  floats (it writes NaN and ±Infinity as null where DRF refuses them, and 1e-05 as 0.00001) and enums whose
  value is not what `json` writes (orjson writes an enum's value; `json` a str/int member's own text or
  number, and refuses any other enum);
- anything orjson refuses (ints beyond 64 bits, keys that are not exact str, nesting past 254 levels, lone
  surrogates, a cycle), an iterator (`json` would see it empty after orjson used it), floats, an indent
  (`Accept: application/json; indent=4`), or settings that ask DRF for ASCII or spaced JSON: DRF renders,
  with its answer or its error (NaN's ValueError, a TypeError) exactly as before.
`tests/core/test_json_output.py` compares both renderers byte for byte over generated documents.
"""

from __future__ import annotations

import enum
import gc
import math
import re
from collections.abc import Iterator, Mapping
from functools import cache
from itertools import compress
from typing import Any

import orjson
from rest_framework import renderers
from rest_framework.utils.encoders import JSONEncoder

# orjson writes at most 254 nested levels: deeper documents go to DRF, and so does a cycle.
MAX_DEPTH = 254
_OPTIONS = orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
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
    `json`: a float (orjson writes NaN and ±Infinity as null where DRF refuses them, and 1e-05 as 0.00001),
    or an enum whose value is not what `json` writes (orjson writes member.value; `json` writes a str or int
    member as the text or number it is — a TextChoices member is its value — and refuses any other enum)."""
    if issubclass(cls, _CONTAINERS):
        _OPENED.add(cls)
        return True
    if issubclass(cls, float):
        return False
    if issubclass(cls, enum.Enum):
        as_json = str.__str__ if issubclass(cls, str) else int.__int__ if issubclass(cls, int) else None
        if as_json is None or any(type(m.value) is not type(as_json(m)) or m.value != as_json(m) for m in cls):
            return False
    _LEAVES.add(cls)
    return True


def _orjson_writes(data: Any) -> bool:
    """Whether orjson writes `data` as `json` does: no float and no refused enum at any depth.

    The walk goes level by level at C speed (`gc.get_referents` lists the items of a level's containers);
    Python looks only at the distinct types of a level: a Python loop over every value would cost three
    times what orjson spends writing the document."""
    items = [data]
    for _depth in range(MAX_DEPTH):
        kinds = list(map(type, items))
        types = set(kinds)
        if not types <= _PLAIN:
            if not all(map(_learn, types - _OPENED - _LEAVES)):
                return False
            # Other tracked objects (an enum member, a UUID) are not looked inside: only the containers are.
            items = list(compress(items, map(_OPENED.__contains__, kinds)))
        elif types.isdisjoint(_OPENED):
            return True
        if not items:
            return True
        items = gc.get_referents(*items)
    return False


@cache
def _iterates_own_items(cls: type) -> bool:
    """Whether `json` meets the items `gc.get_referents` showed: a subclass's items() or iteration not redefined."""
    if issubclass(cls, dict):
        return cls.items is dict.items
    return cls.__iter__ is list.__iter__ or cls.__iter__ is tuple.__iter__


def _default(obj: Any) -> Any:
    """What orjson hands over (OPT_PASSTHROUGH_*, and types it does not know) made into what `json` writes."""
    if isinstance(obj, str):
        return str.__str__(obj)  # a subclass's text, as `json` writes it (not its __str__)
    if isinstance(obj, int):
        return int.__int__(obj)
    if isinstance(obj, _CONTAINERS):
        # `json` takes a dict subclass's items() (an OrderedDict's own order) and iterates a list subclass.
        value: Any = dict(obj.items()) if isinstance(obj, dict) else list(obj)
        walked = _iterates_own_items(type(obj))
    elif isinstance(obj, Iterator):
        raise _Unwritable  # used up here, it would be empty when DRF writes the document
    else:
        value = _drf_encoder.default(obj)  # DRF's own conversions: lazy text, Decimal, datetimes, QuerySets…
        if type(value) is float:
            if not math.isfinite(value):
                raise _Unwritable  # DRF refuses it with its own error
            return orjson.Fragment(float.__repr__(value))  # as `json` writes a float
        walked = False
    if not walked and isinstance(value, _CONTAINERS) and not _orjson_writes(value):
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

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Mapping[str, Any] | None = None
    ) -> bytes:
        plain = data is not None and self.compact and not self.ensure_ascii
        if plain and self.get_indent(accepted_media_type, renderer_context or {}) is None:
            body = orjson_dumps(data)
            if body is not None:
                return body
        return super().render(data, accepted_media_type, renderer_context)

"""The API's renderer (market.core.json_output) writes DRF's JSONRenderer's bytes, or raises DRF's error, for
every document: generated ones mixing every type the API's data can hold, and a table of the edge cases."""

from __future__ import annotations

import collections
import dataclasses
import enum
import ipaddress
import json
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from django.db import models
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework import renderers
from rest_framework.test import APIClient
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from catalog.models import Unit
from market.core.json_output import JSONRenderer, orjson_dumps
from market.organisations.models import Organisation
from tests.catalog.factories import make_product


class Colour(enum.Enum):
    RED = "red"


class Code(str, enum.Enum):  # noqa: UP042 (StrEnum would make the value its text)
    """A str member whose value is not its text: orjson writes the value, `json` the text."""

    ONE = ("one", 1)

    def __new__(cls, text: str, value: int) -> Code:
        member = str.__new__(cls, text)
        member._value_ = value
        return member


class Level(models.IntegerChoices):
    LOW = 1, "Thấp"


class Amount(int):
    def __int__(self) -> int:
        return 0


class Label(str):
    def __str__(self) -> str:
        return "not the text"


class Items(list[Any]):
    def __iter__(self) -> Iterator[Any]:
        return iter(["not the items"])


@dataclasses.dataclass
class Point:
    x: float


Pair = collections.namedtuple("Pair", "left right")
VN = timezone(timedelta(hours=7))

TEXT = st.one_of(
    st.text(),
    st.sampled_from(["Gạo ST25 Sóc Trăng", "Nước mắm Phú Quốc 40°N", "Đắk Lắk", "₫ 1.500.000", "🍚🐟🇻🇳", ""]),
    st.text(st.sampled_from(["\x00", "\x1f", "\x7f", "\u2028", "\u2029", '"', "\\", "/", "\n", "é", "😀", "a"])),
)
KEYS = st.one_of(TEXT, st.integers(), st.floats(), st.booleans(), st.none(), st.sampled_from([Unit.KG, Label("k")]))
LEAVES = st.one_of(
    TEXT,
    st.integers(),  # past 64 bits too
    st.sampled_from([2**63 - 1, 2**63, 2**64 - 1, 2**64, -(2**63), -(2**63) - 1]),
    st.floats(),  # NaN and ±Infinity too
    st.booleans(),
    st.none(),
    st.decimals(),  # NaN, sNaN, Infinity too
    st.datetimes(timezones=st.sampled_from([None, UTC, VN])),
    st.dates(),
    st.times(timezones=st.sampled_from([None, UTC])),  # DRF refuses aware times
    st.timedeltas(),
    st.uuids(),
    st.binary(max_size=8),
    st.sampled_from(
        [
            Unit.KG,
            Level.LOW,
            Colour.RED,
            gettext_lazy("Some fields are not valid."),
            mark_safe("<b>an toàn</b>"),
            Label("văn bản"),
            Amount(7),
            ipaddress.ip_address("192.0.2.1"),
            Point(1.5),
            frozenset(),
        ]
    ),
)


def _containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.lists(children, max_size=5),
        st.lists(children, max_size=5).map(tuple),
        st.dictionaries(TEXT, children, max_size=5),
        st.dictionaries(KEYS, children, max_size=3),
        st.lists(children, max_size=3).map(lambda items: ReturnList(items, serializer=None)),
        st.dictionaries(TEXT, children, max_size=3).map(lambda items: ReturnDict(items, serializer=None)),
        st.dictionaries(TEXT, children, min_size=2, max_size=4).map(_reordered),
        st.lists(children, max_size=3).map(Items),
        st.tuples(children, children).map(lambda pair: Pair(*pair)),
    )


def _reordered(items: dict[str, Any]) -> collections.OrderedDict[str, Any]:
    ordered = collections.OrderedDict(items)
    ordered.move_to_end(next(iter(ordered)))  # its items() no longer follow the underlying dict
    return ordered


DOCUMENTS = st.recursive(LEAVES, _containers, max_leaves=40)
MEDIA_TYPES = [None, "application/json", "application/json; indent=4", "application/json; indent=0"]


def rendered(renderer: renderers.JSONRenderer, data: Any, media_type: str | None = None, **context: Any) -> Any:
    """The bytes, or the error as (type, message)."""
    try:
        return renderer.render(data, media_type, context)
    except Exception as error:  # the error is what is compared
        return type(error), str(error)


def assert_same(data: Callable[[], Any] | Any, media_type: str | None = None, **context: Any) -> None:
    """`data` is built once per renderer when it is a function (a generator can be read once)."""
    build = data if callable(data) else lambda: data
    expected = rendered(renderers.JSONRenderer(), build(), media_type, **context)
    assert rendered(JSONRenderer(), build(), media_type, **context) == expected


@settings(max_examples=600, deadline=None)
@given(document=DOCUMENTS, media_type=st.sampled_from(MEDIA_TYPES))
def test_generated_documents_render_as_drf_renders_them(document, media_type):
    assert_same(document, media_type)


EDGES = {
    "vietnamese and emoji": {"tên": "Gạo ST25 – Sóc Trăng “thơm”", "giá": "1.500.000 ₫", "🍚": ["🐟", "🇻🇳"]},
    "control characters": ["\x00\x01\x08\t\n\x0b\x0c\r\x1b\x1f\x7f", '"\\/'],
    "line and paragraph separators": {"text\u2028": "a\u2028b\u2029c", "n": [1, "\u2029"]},
    "lone surrogate": ["\ud800"],
    "NaN": {"a": [1, {"b": float("nan")}]},
    "Infinity": [float("inf")],
    "-Infinity": {"x": (float("-inf"),)},
    "NaN key": {float("nan"): 1},
    "finite floats": [0.1, 1e-05, 2.5e-07, 1e16, 1e22, -0.0, 5e-324, 1.7976931348623157e308, 123456.789],
    "Decimal NaN": [Decimal("NaN")],
    "Decimal sNaN": [Decimal("sNaN")],
    "Decimal small": [Decimal("0.00001"), Decimal("12.50")],
    "64-bit edges": [2**63 - 1, 2**63, 2**64 - 1, -(2**63)],
    "past 64 bits": {"big": 2**64, "small": -(2**63) - 1, "huge": 10**40},
    "non-str keys": {1: "a", 2.5: "b", False: "c", None: "d", Unit.KG: "e", Label("f"): "g"},
    "datetimes": [
        datetime(2026, 12, 5, 23, 38, 41, 643698, tzinfo=UTC),
        datetime(2026, 12, 5, 23, 38, 41, tzinfo=VN),
        datetime(2026, 12, 5, 23, 38, 41, 120000),
        date(2026, 12, 5),
        time(6, 30, 0, 5),
        timedelta(days=1, microseconds=5),
    ],
    "aware time": [time(6, 30, tzinfo=UTC)],
    "enums": [Unit.KG, Level.LOW, Code.ONE],
    "plain enum": [Colour.RED],
    "subclasses": [Label("văn bản"), Amount(3), Items([1, 2]), Pair(1, "a"), mark_safe("<i>x</i>")],
    "serializer data": ReturnDict({"results": ReturnList([{"id": 1}], serializer=None)}, serializer=None),
    "lazy text": {"message": gettext_lazy("Some fields are not valid.")},
    "uuid and bytes": [uuid.UUID(int=1), b"bytes", b"\xff"],
    "dataclass": [Point(1.0)],
    "set": [{1}, frozenset({"a"})],
    "deep": json.loads("[" * 300 + "]" * 300),
    "top-level scalars": "văn bản",
    "empty": {},
}


@pytest.mark.parametrize("media_type", MEDIA_TYPES)
@pytest.mark.parametrize("data", EDGES.values(), ids=EDGES.keys())
def test_edge_cases_render_as_drf_renders_them(data, media_type):
    assert_same(data, media_type)


def test_a_document_that_holds_itself_is_refused_as_drf_refuses_it():
    cycle: list[Any] = []
    cycle.append(cycle)
    assert_same(cycle)


def test_none_renders_empty_and_the_context_indent_is_drfs():
    assert_same(None)
    assert_same({"a": [1, 2]}, None, indent=2)


def test_generators_and_other_iterators_render_as_drf_renders_them():
    assert_same(lambda: {"a": (n for n in range(3))})
    assert_same(lambda: [iter([1.5]), map(str, [1, 2])])
    assert_same(lambda: {"a": [1], "b": (n for n in range(3)), "c": float("nan")})


@pytest.mark.django_db
def test_querysets_render_as_drf_renders_them(cooperative):
    make_product(cooperative, name="Gạo ST25")
    assert_same(lambda: {"names": Organisation.objects.values_list("name", flat=True)})
    assert_same(lambda: {"rows": Organisation.objects.values("id", "name")})
    assert_same(lambda: {"objects": Organisation.objects.all()})  # DRF's TypeError


def test_orjson_writes_the_apis_ordinary_documents():
    card = {
        "id": 99999,
        "name": "Ba khía muối Năm Căn",
        "moq": "10.000",
        "price_per_base_unit": None,
        "base_unit": Unit.KG,
        "price_tiers": [{"min_quantity": "10.000", "unit_price": 616000}],
        "in_stock": True,
        "published_at": datetime(2026, 12, 5, 23, 38, 41, 643698, tzinfo=UTC),
        "message": gettext_lazy("Some fields are not valid."),
        "amount": Decimal("1500000.5"),
    }
    document = ReturnDict({"next": None, "results": ReturnList([card, card], serializer=None)}, serializer=None)
    assert orjson_dumps(document) == renderers.JSONRenderer().render(document)


@pytest.mark.parametrize(
    "data",
    [[0.5], {"a": {"b": float("nan")}}, [2**64], {1: 2}, [Colour.RED], [_reordered({"a": 1, "b": 2})], [iter(())]],
    ids=["float", "NaN", "past 64 bits", "int key", "plain enum", "OrderedDict", "iterator"],
)
def test_what_orjson_would_write_otherwise_is_left_to_drf(data):
    assert orjson_dumps(data) is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "accept"),
    [
        ("/api/v1/products/", ""),  # the public fast path
        ("/api/v1/products/?page_size=1", "application/json"),
        ("/api/v1/products/{id}/", ""),
        ("/api/v1/products/{id}/", "application/json; indent=4"),  # DRF's path, indented
        ("/api/v1/products/{id}/?format=json", ""),  # DRF's path
        ("/api/v1/products/999999/", ""),  # an error body
        ("/api/v1/products/?stauts=paid", ""),  # a validation error with fields
    ],
)
def test_api_answers_are_drfs_bytes(cooperative, path, accept):
    product = make_product(cooperative, name="Gạo ST25 “Sóc Trăng” – 5 kg 🍚", tiers=[("100", 45000)])
    answer = APIClient().get(path.format(id=product.pk), HTTP_ACCEPT=accept)
    assert answer["Content-Type"] == "application/json"
    media_type = accept or None
    assert answer.content == renderers.JSONRenderer().render(json.loads(answer.content), media_type)

"""Every /api/v1 list: a 400 naming an unknown query parameter, `updated_since` read strictly, sync pages in
(updated_at, id) order with an opaque cursor; and no write path leaves `updated_at` behind."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from catalog import services as catalog_services
from catalog.models import Product
from market.core.listing import ListEndpoint, SyncPosition
from market.core.models import ChangeTrackedModel, TimeStampedQuerySet
from market.notifications.models import Notification
from tests.catalog.factories import actor_for, jpeg_upload, make_product
from tests.orders.factories import only_order, place, stocked_product

pytestmark = pytest.mark.django_db
ROOT = Path(django_settings.BASE_DIR)


def _list_urls() -> Iterator[tuple[str, type]]:
    """(a concrete URL, view class) of every list view in the URLconf, ids filled with 1."""

    def walk(patterns: list[Any], prefix: str) -> Iterator[tuple[str, Any]]:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                yield prefix + str(entry.pattern), entry.callback

    for route, callback in walk(get_resolver().url_patterns, "/"):
        view_class = getattr(callback, "view_class", None)
        if view_class is not None and issubclass(view_class, ListEndpoint):
            yield re.sub(r"<int:\w+>", "1", re.sub(r"<str:\w+>", "x", route)), view_class


LIST_URLS = sorted(_list_urls(), key=lambda item: item[0])


def test_every_paginated_list_of_the_api_is_a_list_endpoint():
    assert len(LIST_URLS) >= 25
    assert {"/api/v1/orders/", "/api/v1/invoices/", "/api/v1/linkage/deliveries/"} <= {url for url, _ in LIST_URLS}


@pytest.mark.parametrize(("url", "view"), LIST_URLS, ids=[url for url, _ in LIST_URLS])
def test_an_unknown_query_parameter_is_a_400_naming_it(api, url, view):
    response = api(None).get(url, {"stauts": "paid"})
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "unknown_parameter"
    assert "stauts" in error["message"]
    assert "stauts" in error["fields"]


def test_orders_and_invoices_refuse_a_typo_but_take_their_filters_and_the_standard_parameters(api, buyer, cooperative):
    buying = actor_for(buyer)
    place(buying, [(stocked_product(cooperative), "100")])
    client = api(buying.user)
    assert client.get("/api/v1/orders/", {"stauts": "paid"}).status_code == 400
    assert client.get("/api/v1/invoices/", {"status": "paid"}).status_code == 400  # invoices have no status filter
    response = client.get("/api/v1/orders/", {"status": "placed", "page_size": "10", "format": "json"})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1
    assert client.get("/api/v1/invoices/", {"issued_from": "01/12/2026"}).status_code == 200


@pytest.mark.parametrize(
    "value", ["yesterday", "2026-12-04", "2026-12-04T08:00:00", "2026-13-04T08:00:00Z2026-12-04T25:00:00+07:00"]
)
def test_updated_since_without_a_time_zone_or_malformed_is_a_400(api, buyer, value):
    response = api(actor_for(buyer).user).get("/api/v1/orders/", {"updated_since": value})
    assert response.status_code == 400
    assert "updated_since" in response.json()["error"]["fields"]


@pytest.mark.parametrize("cursor", ["s1.", "s1.!!!", "s1.eyJ1IjoxfQ", "s1." + "e30"])
def test_a_forged_sync_cursor_is_a_400(api, buyer, cursor):
    response = api(actor_for(buyer).user).get("/api/v1/orders/", {"cursor": cursor})
    assert response.status_code == 400
    assert "cursor" in response.json()["error"]["fields"]


def test_sync_pages_in_updated_at_then_id_order_and_resumes_with_the_cursor(api, cooperative, settings):
    settings.SYNC_SAFETY_LAG_SECONDS = 0
    seller = actor_for(cooperative)
    products = [make_product(cooperative, name=f"Gạo {i}") for i in range(5)]
    tie = timezone.now() - timedelta(seconds=5)
    # Three rows share one instant: the id breaks the tie, and a page boundary inside the tie loses none.
    Product.objects.filter(pk__in=[p.pk for p in products[1:4]]).update(updated_at=tie)
    Product.objects.filter(pk=products[0].pk).update(updated_at=tie + timedelta(seconds=1))
    Product.objects.filter(pk=products[4].pk).update(updated_at=tie - timedelta(seconds=1))
    client = api(seller.user)

    since = quote((tie - timedelta(minutes=1)).isoformat())
    first = client.get(f"/api/v1/my-products/?updated_since={since}&page_size=2").json()
    assert [row["id"] for row in first["results"]] == [products[4].pk, products[1].pk]
    assert first["next"]
    assert "updated_since" not in first["next"]
    second = client.get(first["next"]).json()
    assert [row["id"] for row in second["results"]] == [products[2].pk, products[3].pk]
    third = client.get(second["next"]).json()
    assert [row["id"] for row in third["results"]] == [products[0].pk]
    assert third["next"] is None

    # Nothing new: an empty page that keeps the position; then a change comes, and only it.
    idle = client.get("/api/v1/my-products/", {"cursor": third["sync_cursor"]}).json()
    assert idle["results"] == []
    assert idle["sync_cursor"] == third["sync_cursor"]
    Product.objects.filter(pk=products[2].pk).update(name_vi="Gạo đổi tên")
    changed = client.get("/api/v1/my-products/", {"cursor": third["sync_cursor"]}).json()
    assert [(row["id"], row["name_vi"]) for row in changed["results"]] == [(products[2].pk, "Gạo đổi tên")]


def test_sync_hands_out_nothing_younger_than_the_safety_lag(api, cooperative, settings):
    settings.SYNC_SAFETY_LAG_SECONDS = 3600
    seller = actor_for(cooperative)
    make_product(cooperative)
    since = quote((timezone.now() - timedelta(days=1)).isoformat())
    body = api(seller.user).get(f"/api/v1/my-products/?updated_since={since}").json()
    assert body["results"] == []
    # The position stays at updated_since, so the row comes once the lag has passed.
    assert SyncPosition.decode(body["sync_cursor"]).updated_at < timezone.now() - timedelta(minutes=59)


def test_a_cancelled_order_comes_back_in_the_sync_as_cancelled(api, buyer, cooperative, settings):
    settings.SYNC_SAFETY_LAG_SECONDS = 0
    buying = actor_for(buyer)
    order = only_order(place(buying, [(stocked_product(cooperative), "100")]))
    client = api(buying.user)
    since = quote((timezone.now() - timedelta(minutes=1)).isoformat())
    first = client.get(f"/api/v1/orders/?updated_since={since}").json()
    assert [row["status"] for row in first["results"]] == ["placed"]
    assert client.post(f"/api/v1/orders/{order.pk}/cancel/", {"reason": "Đổi kế hoạch"}).status_code == 200
    later = client.get("/api/v1/orders/", {"cursor": first["sync_cursor"]}).json()
    assert [(row["id"], row["status"]) for row in later["results"]] == [(order.pk, "cancelled")]


# --- updated_at moves on every write path ---------------------------------------------------------------
def _tracked_models() -> list[type[models.Model]]:
    """Every model an API list shows: the change-tracked ones, and the inbox's notifications."""
    return [m for m in apps.get_models() if issubclass(m, ChangeTrackedModel) or m is Notification]


def test_every_model_with_updated_at_indexes_it_and_moves_it_on_bulk_writes():
    """A model with updated_at but a plain manager would let `.update()` write without moving it."""
    for model in _tracked_models():
        field = model._meta.get_field("updated_at")
        assert field.db_index, model  # type: ignore[union-attr]
        assert isinstance(model._default_manager.all(), TimeStampedQuerySet), model
        assert field.auto_now, model  # type: ignore[union-attr]


def test_update_bulk_update_and_save_with_update_fields_move_updated_at(cooperative):
    product = make_product(cooperative)
    stale = timezone.now() - timedelta(days=1)

    def reset() -> None:
        Product.objects.filter(pk=product.pk).update(updated_at=stale)

    reset()
    Product.objects.filter(pk=product.pk).update(name_vi="A")
    assert Product.objects.get(pk=product.pk).updated_at > stale
    reset()
    product.refresh_from_db()
    product.name_vi = "B"
    Product.objects.bulk_update([product], ["name_vi"])
    assert Product.objects.get(pk=product.pk).updated_at > stale
    reset()
    product.refresh_from_db()
    product.name_vi = "C"
    product.save(update_fields=["name_vi"])
    assert Product.objects.get(pk=product.pk).updated_at > stale


def test_every_save_of_a_tracked_model_goes_through_the_base_that_adds_updated_at():
    """save(update_fields=[...]) moves updated_at only through ChangeTrackedModel.save: a tracked model that
    overrides save() must call it (checked in the source of every such override)."""
    for model in _tracked_models():
        if not issubclass(model, ChangeTrackedModel):
            continue
        for klass in model.__mro__:
            if klass is ChangeTrackedModel:
                break
            if "save" in vars(klass):
                source = Path(__import__(klass.__module__, fromlist=["x"]).__file__ or "").read_text()
                tree = ast.parse(source)
                (method,) = [
                    node
                    for cls in ast.walk(tree)
                    if isinstance(cls, ast.ClassDef) and cls.name == klass.__name__
                    for node in cls.body
                    if isinstance(node, ast.FunctionDef) and node.name == "save"
                ]
                assert "super().save(" in ast.unparse(method), klass


RAW_UPDATE = re.compile(r"\bUPDATE\s+\"?(\w+)\"?\s+SET\b(?P<rest>[^\"']*)", re.IGNORECASE)


def test_no_raw_sql_updates_a_tracked_table_without_updated_at():
    """Raw SQL bypasses the querysets: any UPDATE of a tracked table in the code must set updated_at."""
    tables = {m._meta.db_table for m in _tracked_models()}
    offenders = []
    for app in ("market", "catalog", "orders", "linkage", "fairs", "frontend"):
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for match in RAW_UPDATE.finditer(path.read_text()):
                if match.group(1) in tables and "updated_at" not in match.group("rest"):
                    offenders.append(f"{path}: {match.group(0)[:80]}")
    assert offenders == []


def test_removing_a_product_image_that_is_not_the_cover_moves_the_products_updated_at(cooperative, tmp_path, settings):
    """The API shows a product with its images: removing one is a change of the product that sync must see."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    seller = actor_for(cooperative)
    product = make_product(cooperative)
    catalog_services.product_image_add(actor=seller, product_id=product.pk, upload=jpeg_upload(name="a.jpg"))
    second = catalog_services.product_image_add(actor=seller, product_id=product.pk, upload=jpeg_upload(name="b.jpg"))
    stale = timezone.now() - timedelta(days=1)
    Product.objects.filter(pk=product.pk).update(updated_at=stale)

    catalog_services.product_image_remove(actor=seller, product_id=product.pk, image_id=second.pk)

    assert Product.objects.get(pk=product.pk).updated_at > stale


def test_the_public_catalogue_says_it_does_not_sync_instead_of_ignoring_updated_since(api):
    response = api(None).get("/api/v1/products/", {"updated_since": "2026-12-01T00:00:00+07:00"})
    assert response.status_code == 400
    assert "/my-products/" in response.json()["error"]["message"]

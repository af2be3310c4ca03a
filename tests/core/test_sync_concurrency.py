"""Incremental sync under real concurrency on PostgreSQL: writers on their own connections commit while a
client pages with `updated_since`, one of them late with an older timestamp; the client sees every change."""

from __future__ import annotations

import random
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from django.db import connections, transaction
from django.utils import timezone

from catalog.models import Product
from tests.catalog.factories import make_product
from tests.sync import committed_late, pull, since

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/v1/my-products/"
LAG = 0.05


@pytest.fixture(autouse=True)
def _short_lag(settings: Any) -> None:
    settings.SYNC_SAFETY_LAG_SECONDS = LAG


def _pull(client: Any, start: str, seen: dict[int, str]) -> str:
    """Sync from `start`, recording each product's name in `seen`; return the cursor to keep."""
    return pull(client, URL, start, lambda row: seen.__setitem__(row["id"], row["name_vi"]))


def test_a_change_committed_late_with_an_older_timestamp_is_not_skipped(cooperative, coop_owner, api):
    """Writer A stamps product 1 and holds its transaction; writer B changes product 2 later and commits first.
    A client polling in between must not move past A's timestamp: after A commits, it gets A's change."""
    products = [make_product(cooperative, name=f"Gạo {i}") for i in range(4)]
    time.sleep(LAG * 3)
    first_poll = since(timezone.now() - timedelta(minutes=1))
    client = api(coop_owner)
    seen: dict[int, str] = {}
    with committed_late(lambda: Product.objects.filter(pk=products[0].pk).update(name_vi="Gạo muộn")):
        time.sleep(LAG * 3)
        Product.objects.filter(pk=products[1].pk).update(name_vi="Gạo sớm")  # a later stamp, committed first
        time.sleep(LAG * 3)

        cursor = _pull(client, first_poll, seen)
        cursor = _pull(client, cursor, seen)
        # Product 2's change is newer than the open transaction's start: held back, the cursor stays before it
        # (handing it out would move the client past product 1's pending stamp).
        assert products[1].pk not in seen
        assert seen[products[0].pk] == "Gạo 0"
    time.sleep(LAG * 3)
    _pull(client, cursor, seen)
    assert seen[products[0].pk] == "Gạo muộn"
    assert seen[products[1].pk] == "Gạo sớm"


def test_a_client_paging_while_writers_commit_out_of_order_ends_with_every_row_current(cooperative, coop_owner, api):
    """Three writers keep renaming products in transactions held open for random lengths (so commits land
    out of timestamp order) while the client polls page by page; when they stop, the client's copy equals
    the database, row for row."""
    products = [make_product(cooperative, name=f"Gạo {i}") for i in range(8)]
    time.sleep(LAG * 3)
    first_poll = since(timezone.now() - timedelta(minutes=1))
    client = api(coop_owner)
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer(seed: int) -> None:
        rng = random.Random(seed)
        try:
            version = 0
            while not stop.is_set():
                version += 1
                with transaction.atomic():
                    product = rng.choice(products)
                    Product.objects.filter(pk=product.pk).update(name_vi=f"Gạo {product.pk} w{seed} v{version}")
                    time.sleep(rng.uniform(0, 0.15))
        except BaseException as error:  # reported by the test below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(seed,)) for seed in range(3)]
    for thread in threads:
        thread.start()
    seen: dict[int, str] = {}
    cursor = first_poll
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline:
        cursor = _pull(client, cursor, seen)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    time.sleep(LAG * 3)
    _pull(client, cursor, seen)

    current = dict(Product.objects.filter(cooperative=cooperative).values_list("pk", "name_vi"))
    assert seen == current

"""A product's API answer lists its certificates in force, so a client syncing products (`updated_since`)
must see a product change when one of its certificates starts or stops counting: verified, revoked, edited
(back to review) — and by date, when nothing is written (a daily job moves those products)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from catalog import services
from catalog.models import Product
from catalog.tasks import move_products_of_certificates_by_date
from market.organisations.models import Role
from tests.catalog.factories import actor_for, certificate_changed, make_certificate, make_product

pytestmark = pytest.mark.django_db
URL = "/api/v1/my-products/"  # the public catalogue does not sync; a cooperative syncs its own


@pytest.fixture(autouse=True)
def _no_lag(settings: Any) -> None:
    settings.SYNC_SAFETY_LAG_SECONDS = 0


@pytest.fixture
def synced_since(api: Any, cooperative: Any) -> Any:
    """synced_since(moment) -> the ids of the products the cooperative's ERP is given when syncing from it."""
    client = api(actor_for(cooperative).user)

    def ids(moment: Any) -> set[int]:
        body = client.get(URL, {"updated_since": moment.isoformat()}).json()
        return {row["id"] for row in body["results"]}

    return ids


def all_stale(*products: Product) -> Any:
    """Every product dated a day back; returns a moment between then and now to sync from."""
    Product.objects.filter(pk__in=[p.pk for p in products]).update(updated_at=timezone.now() - timedelta(days=1))
    return timezone.now() - timedelta(hours=1)


def test_verifying_and_revoking_move_the_products_a_certificate_covers(cooperative, alliance, synced_since) -> None:
    rice = make_product(cooperative, name="Gạo ST25")
    honey = make_product(
        cooperative, name="Mật ong", category="mat-ong", moq="10", order_multiple="1", tiers=[("10", 290000)]
    )
    certificate = make_certificate(cooperative, kind="ocop", ocop_stars=4, products=[honey], verified=False)
    since = all_stale(rice, honey)
    assert synced_since(since) == set()

    services.certificate_verify(actor=actor_for(alliance, Role.STAFF), certificate_id=certificate.pk)
    assert synced_since(since) == {honey.pk}  # the product-scoped certificate covers honey only

    since = all_stale(rice, honey)
    services.certificate_revoke(
        actor=actor_for(alliance, Role.STAFF), certificate_id=certificate.pk, reason="Giấy chứng nhận giả"
    )
    assert synced_since(since) == {honey.pk}


def test_a_cooperative_wide_certificate_moves_all_its_products(cooperative, alliance, synced_since) -> None:
    rice = make_product(cooperative, name="Gạo ST25")
    other = make_product(cooperative, name="Gạo Jasmine")
    certificate = make_certificate(cooperative, verified=False)
    since = all_stale(rice, other)

    services.certificate_verify(actor=actor_for(alliance, Role.STAFF), certificate_id=certificate.pk)

    assert synced_since(since) == {rice.pk, other.pk}


def test_editing_a_verified_certificate_moves_its_products(rice, alliance, synced_since) -> None:
    certificate = make_certificate(rice.cooperative)
    since = all_stale(rice)
    certificate_changed(actor_for(rice.cooperative), certificate, number="VG-2025-002")
    assert rice.pk in synced_since(since)


def test_certificates_starting_or_ending_by_date_move_their_products(cooperative, alliance, synced_since) -> None:
    today = timezone.localdate()
    ended = make_product(cooperative, name="Gạo ST25")
    starting = make_product(
        cooperative, name="Mật ong", category="mat-ong", moq="10", order_multiple="1", tiers=[("10", 290000)]
    )
    unchanged = make_product(
        cooperative, name="Cà phê", category="mat-ong", moq="10", order_multiple="1", tiers=[("10", 90000)]
    )
    make_certificate(cooperative, number="END", products=[ended], valid_to=today - timedelta(days=1))
    make_certificate(cooperative, number="START", products=[starting], valid_from=today)
    make_certificate(cooperative, number="SAME", products=[unchanged])
    since = all_stale(ended, starting, unchanged)

    assert move_products_of_certificates_by_date() == 2

    assert synced_since(since) == {ended.pk, starting.pk}

"""The product and lot detail bodies, built as plain dicts (catalog.api.serializers.product_detail, lot_detail):
every field as the API documents it, and what one read costs in queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from catalog.models import Certificate, HarvestLot, Product
from market.organisations.models import Role
from tests.catalog.factories import make_certificate, make_lot, make_product
from tests.factories import member

pytestmark = pytest.mark.django_db


def _iso(moment) -> str:
    """A DRF DateTimeField's text: in Vietnam's time zone, ISO 8601."""
    return timezone.localtime(moment).isoformat()


@pytest.fixture
def rice(cooperative, alliance):
    today = timezone.localdate()
    product = make_product(
        cooperative,
        gtin="8935049500018",
        origin_province_code=91,
        packaging="Túi 5 kg",
        shelf_life_days=365,
        tiers=[("100", 32000), ("1000", 29000)],
    )
    make_certificate(cooperative, kind="vietgap", number="VG-1")  # cooperative-wide
    make_certificate(cooperative, kind="ocop", ocop_stars=4, number="OCOP-1", products=[product])
    make_certificate(cooperative, kind="haccp", number="H-PENDING", products=[product], verified=False)
    make_certificate(
        cooperative, kind="organic", number="ORG-OLD", valid_from=today - timedelta(days=400),
        valid_to=today - timedelta(days=1),
    )  # fmt: skip
    make_lot(product, code="LATE", quantity="5000", expiry_date=today + timedelta(days=300))
    make_lot(product, code="SOON", quantity="3000.5", expiry_date=today + timedelta(days=30))
    make_lot(product, code="DRAFT", publish=False)
    return Product.objects.get(pk=product.pk)


def test_the_product_detail_body_says_everything_documented(api, rice):
    body = api(None).get(f"/api/v1/products/{rice.pk}/").json()
    certificates = {c.number: c for c in Certificate.objects.all()}
    lots = {lot.code: lot for lot in HarvestLot.objects.all()}

    def certificate(number: str, label: str) -> dict:
        c = certificates[number]
        return {
            "id": c.pk,
            "kind": c.kind,
            "number": number,
            "issuer": c.issuer,
            "valid_from": c.valid_from.isoformat(),
            "valid_to": c.valid_to.isoformat(),
            "ocop_stars": c.ocop_stars,
            "label": label,
        }

    def lot(code: str, available: str) -> dict:
        item = lots[code]
        return {
            "id": item.pk,
            "code": code,
            "quantity_available": available,
            "harvest_date": item.harvest_date.isoformat(),
            "expiry_date": item.expiry_date.isoformat(),
            "trace_url": f"{settings.SITE_URL}/01/08935049500018/10/{code}?17={item.expiry_date:%y%m%d}",
        }

    assert body == {
        "id": rice.pk,
        "status": "published",
        "sku": "",
        "name": "Gạo ST25 Tân Hiệp",
        "name_vi": "Gạo ST25 Tân Hiệp",
        "name_en": "",
        "description": "",
        "description_vi": "",
        "description_en": "",
        "unit": "kg",
        "unit_symbol": "kg",
        "moq": "100.000",
        "order_multiple": "50.000",
        "currency": "VND",
        "price_from": 29000,
        "price_at_moq": 32000,
        "price_per_base_unit": 29000,
        "price_tiers": [
            {"min_quantity": "100.000", "unit_price": 32000},
            {"min_quantity": "1000.000", "unit_price": 29000},
        ],
        "gtin": "08935049500018",
        "gtin_issuer": body["gtin_issuer"],
        "vat_category": {
            "code": "vat-5",
            "name": rice.vat_category.name,
            "subject_to_vat": True,
            "rate_percent": "5.00",
        },
        "packaging": "Túi 5 kg",
        "net_content": "",
        "ingredients": "",
        "storage_instructions": "",
        "usage_instructions": "",
        "shelf_life_days": 365,
        "origin_province": {"code": 91, "name": "An Giang"},
        "origin_commune": None,
        "origin_note": "",
        "cooperative": {"id": rice.cooperative_id, "name": rice.cooperative.name},
        "category": {"id": rice.category_id, "slug": "gao-thom", "name": rice.category.name},
        "images": [],
        "badges": [
            {"kind": "vietgap", "label": "VietGAP", "ocop_stars": None},
            {"kind": "ocop", "label": "OCOP 4★", "ocop_stars": 4},
        ],
        # In force only (not the pending HACCP, not the expired organic), by kind.
        "certificates": [certificate("OCOP-1", "OCOP 4★"), certificate("VG-1", "VietGAP")],
        # Published with stock, first to expire first; not the draft.
        "lots_in_stock": [lot("SOON", "3000.500"), lot("LATE", "5000.000")],
        "stock_available": "8000.500",
        "published_at": _iso(rice.published_at),
        "created_at": _iso(rice.created_at),
        "updated_at": _iso(rice.updated_at),
        "allowed_actions": [],
    }
    assert isinstance(body["gtin_issuer"], str)


def test_the_lot_detail_body_says_everything_documented(api, cooperative, rice):
    lot = HarvestLot.objects.get(code="SOON")
    body = api(member(cooperative, Role.OWNER)).get(f"/api/v1/lots/{lot.pk}/").json()
    assert body == {
        "id": lot.pk,
        "product": {"id": rice.pk, "name": "Gạo ST25 Tân Hiệp", "unit": "kg"},
        "code": "SOON",
        "status": "published",
        "quantity_produced": "3000.500",
        "quantity_available": "3000.500",
        "harvest_date": lot.harvest_date.isoformat(),
        "expiry_date": lot.expiry_date.isoformat(),
        "origin_province": {"code": 91, "name": "An Giang"},
        "origin_commune": None,
        "plot": "Cánh đồng lớn Kênh 8",
        "note": "",
        "certificates": [],
        "public_id": lot.public_id,
        "trace_url": f"{settings.SITE_URL}/01/08935049500018/10/SOON?17={lot.expiry_date:%y%m%d}",
        "qr_png_url": f"{settings.SITE_URL}/trace/{lot.public_id}/qr.png",
        "published_at": _iso(lot.published_at),
        "created_at": _iso(lot.created_at),
        "allowed_actions": body["allowed_actions"],
    }
    assert body["allowed_actions"]
    assert body["allowed_actions"] == sorted(body["allowed_actions"])


def test_a_detail_read_costs_a_constant_few_queries(api, cooperative, rice, django_assert_max_num_queries):
    """The product: one statement (catalog.selectors.detail_sql) — its badges and stock come from the
    certificates and lots it lists. The lot: the signed-in owner's session, user and membership, then the lot
    (with its product) and its certificates."""
    anonymous = api(None)
    owner = api(member(cooperative, Role.OWNER))
    lot = HarvestLot.objects.get(code="SOON")
    anonymous.get(f"/api/v1/products/{rice.pk}/")
    with django_assert_max_num_queries(1):
        assert anonymous.get(f"/api/v1/products/{rice.pk}/").status_code == 200
    owner.get(f"/api/v1/lots/{lot.pk}/")
    with django_assert_max_num_queries(6):
        assert owner.get(f"/api/v1/lots/{lot.pk}/").status_code == 200


def test_the_product_and_trace_pages_cost_a_constant_few_queries(rice, django_assert_max_num_queries):
    """The product page reads what the detail API reads; the trace page the lot (with its product and
    cooperative), its certificates, events, the product's badges and the lot's intakes."""
    lot = HarvestLot.objects.get(code="SOON")
    client = Client()
    for path in (f"/products/{rice.pk}/", f"/trace/{lot.public_id}/"):
        client.get(path)  # the category tree cached
        with django_assert_max_num_queries(5):
            assert client.get(path).status_code == 200


def test_the_plain_sql_readers_agree_with_the_model_conditions(rice, other_cooperative):
    """certificates_in_force_for and lots_in_stock repeat `Certificate.objects.in_force` and `browse.for_sale` in
    SQL for speed: on every day around the data's edges they read exactly what the ORM conditions read, in order."""
    from django.db.models import Q

    from catalog.models import CertificateScope
    from catalog.selectors import browse
    from catalog.selectors.lots import lots_in_stock
    from catalog.selectors.products import certificates_in_force_for

    elsewhere = make_product(other_cooperative, gtin="8935049500025")
    make_certificate(other_cooperative, kind="vietgap", number="VG-ELSEWHERE")
    make_certificate(other_cooperative, kind="ocop", ocop_stars=3, number="OCOP-ELSEWHERE", products=[elsewhere])
    today = timezone.localdate()
    covering = Q(scope=CertificateScope.COOPERATIVE, cooperative_id=rice.cooperative_id) | Q(
        scope=CertificateScope.PRODUCTS, products=rice
    )
    for days in (-500, -101, -100, -2, -1, 0, 29, 30, 31, 299, 300, 301, 1000):
        day = today + timedelta(days=days)
        expected = Certificate.objects.in_force(on=day).filter(covering).distinct().order_by("kind", "-valid_to", "pk")
        found = certificates_in_force_for(product=rice, on=day)
        assert sorted(c.pk for c in found) == sorted(c.pk for c in expected), day
        assert [(c.kind, c.valid_to) for c in found] == [(c.kind, c.valid_to) for c in expected], day
        lots = browse.lots_for_sale(on=day).filter(product=rice).order_by("expiry_date", "harvest_date", "id")
        assert [lot.pk for lot in lots_in_stock(product=rice, on=day)] == [lot.pk for lot in lots], day

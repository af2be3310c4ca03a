"""Catalogue pages through Django's test client: who sees what, forms that report per field."""

import pytest
from django.test import Client
from django.utils import timezone

from catalog.models import Certificate, CertificateStatus, HarvestLot, Product, ProductStatus
from market.organisations.models import Role
from tests.catalog.factories import jpeg_upload, make_certificate, make_lot, make_product, scan_pdf
from tests.factories import member

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_public_catalogue_search_and_facets(cooperative, alliance):
    rice = make_product(cooperative, name="Gạo ST25 Tân Hiệp")
    make_product(
        cooperative, name="Mật ong U Minh", category="mat-ong", moq="10", order_multiple="1", tiers=[("10", 290000)]
    )
    make_certificate(cooperative, kind="ocop", ocop_stars=4, products=[rice], number="OCOP-1")
    client = Client()
    page = client.get("/catalogue/", {"search": "gao st25"}).content.decode()
    assert "Gạo ST25 Tân Hiệp" in page
    assert "Mật ong U Minh" not in page
    assert "OCOP 4★" in page
    filtered = client.get("/catalogue/", {"ocop_min": "4"}).content.decode()
    assert "Gạo ST25 Tân Hiệp" in filtered
    assert "Mật ong U Minh" not in filtered
    bad = client.get("/catalogue/", {"price_min": "rẻ", "search": "mat ong"})
    assert bad.status_code == 400
    assert "Mật ong U Minh" in bad.content.decode()  # the valid part of the search still runs


def test_more_products_arrive_by_htmx(cooperative):
    for n in range(30):
        make_product(cooperative, name=f"Gạo thơm {n}")
    first = Client().get("/catalogue/").content.decode()
    assert first.count('class="product-card"') == 24
    link = first.split('hx-get="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    more = Client().get("/catalogue/" + link, HTTP_HX_REQUEST="true").content.decode()
    assert more.count('class="product-card"') == 6
    assert 'hx-swap-oob="beforeend"' in more


def test_product_page_prices_a_quantity(rice):
    make_lot(rice)
    client = Client()
    page = client.get(f"/products/{rice.pk}/", {"quantity": "1500"}).content.decode()
    assert "43.500.000" in page
    partial = client.get(f"/products/{rice.pk}/", {"quantity": "120", "part": "quote"}, HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode()
    assert "150 kg" in partial.content.decode()


def test_draft_product_page_only_for_its_cooperative(cooperative, coop_owner, buyer):
    draft = make_product(cooperative, publish=False)
    assert Client().get(f"/products/{draft.pk}/").status_code == 404
    assert logged_in(member(buyer)).get(f"/products/{draft.pk}/").status_code == 404
    assert logged_in(coop_owner).get(f"/products/{draft.pk}/").status_code == 200


@pytest.mark.parametrize(
    "path", ["/my/products/", "/my/products/new/", "/my/lots/", "/my/certificates/", "/my/products/import/"]
)
def test_cooperative_pages_refuse_buyers(buyer, path):
    assert logged_in(member(buyer)).get(path).status_code == 403


def test_create_a_product_with_tiers_from_the_form(cooperative, coop_owner):
    client = logged_in(coop_owner)
    form = {
        "name_vi": "Gạo ST25 túi 5 kg",
        "category": "2",
        "unit": "kg",
        "moq": "100",
        "order_multiple": "5",
        "vat_category": "vat-5",
        "origin_province_code": "91",
        "origin_commune_code": "31078",
        "price_tiers[0]min_quantity": "100",
        "price_tiers[0]unit_price": "34.000",
        "price_tiers[1]min_quantity": "1.000",
        "price_tiers[1]unit_price": "35000",
    }
    from catalog.models import Category

    form["category"] = str(Category.objects.get(slug="gao-thom").pk)
    refused = client.post("/my/products/new/", form)
    assert refused.status_code == 400
    assert "goes up" in refused.content.decode() or "tăng" in refused.content.decode()
    assert not Product.objects.exists()
    form["price_tiers[1]unit_price"] = "32.000"
    response = client.post("/my/products/new/", form)
    assert response.status_code == 302
    product = Product.objects.get()
    assert (product.price_from, product.price_at_moq) == (32000, 34000)
    published = client.post(f"/my/products/{product.pk}/status/", {"action": "publish"})
    assert published.status_code == 302
    assert Product.objects.get().status == ProductStatus.PUBLISHED
    photo = client.post(f"/my/products/{product.pk}/", {"image": jpeg_upload(), "alt_text": "Túi gạo"})
    assert photo.status_code == 302
    assert product.images.count() == 1


def test_lot_page_records_events_and_prints_labels(cooperative, coop_owner, rice):
    client = logged_in(coop_owner)
    response = client.post(
        f"/my/products/{rice.pk}/lots/new/",
        {
            "code": "ST25-2026-04",
            "quantity_produced": "3000",
            "harvest_date": timezone.localdate().strftime("%d/%m/%Y"),
            "origin_province_code": "91",
            "origin_commune_code": "31078",
        },
    )
    assert response.status_code == 302
    lot = HarvestLot.objects.get(code="ST25-2026-04")
    event = client.post(
        f"/my/lots/{lot.pk}/",
        {
            "action": "add_event",
            "kind": "harvest",
            "description": "Thu hoạch",
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert event.status_code == 302
    assert lot.events.count() == 1
    client.post(f"/my/lots/{lot.pk}/", {"action": "publish"})
    lot.refresh_from_db()
    assert lot.status == "published"
    labels = client.get(f"/my/lots/{lot.pk}/labels/", {"layout": "a4-14", "sheets": "2"}).content.decode()
    assert labels.count('class="sticker"') == 28
    assert labels.count("<svg") >= 28
    assert client.get(f"/my/lots/{lot.pk}/edit/").status_code == 302  # published: no editing


def test_certificate_review_flow(cooperative, coop_owner, alliance, staff_user):
    owner = logged_in(coop_owner)
    response = owner.post(
        "/my/certificates/",
        {
            "kind": "vietgap",
            "number": "VG-77",
            "issuer": "Sở NN&MT",
            "valid_from": "01/01/2026",
            "valid_to": "31/12/2027",
            "scope": "cooperative",
            "scan": scan_pdf(),
        },
    )
    assert response.status_code == 302
    certificate = Certificate.objects.get()
    staff = logged_in(staff_user)
    assert "VG-77" in staff.get("/staff/certificates/").content.decode()
    assert staff.get(f"/api/v1/certificates/{certificate.pk}/scan/").status_code == 200
    staff.post(f"/staff/certificates/{certificate.pk}/", {"action": "verify"})
    assert Certificate.objects.get().status == CertificateStatus.VERIFIED
    assert logged_in(coop_owner).get("/staff/certificates/").status_code == 403
    assert logged_in(member(cooperative, Role.STAFF)).get("/my/certificates/").status_code == 403


def test_import_page_previews_then_applies(cooperative, coop_owner):
    from django.core.files.uploadedfile import SimpleUploadedFile

    content = (
        "sku,name_vi,category,unit,moq,vat_category,tier_1_from,tier_1_price\n"
        "G-1,Gạo ST25,gao-thom,kg,100,vat-5,100,30000\n"
    ).encode()
    client = logged_in(coop_owner)
    preview = client.post("/my/products/import/", {"file": SimpleUploadedFile("a.csv", content)})
    assert preview.status_code == 200
    assert not Product.objects.exists()
    batch_id = preview.content.decode().split('name="apply" value="', 1)[1].split('"', 1)[0]
    assert client.post("/my/products/import/", {"apply": batch_id}).status_code == 302
    assert Product.objects.get().sku == "G-1"
    export = client.get("/my/products/export/?type=xlsx")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")

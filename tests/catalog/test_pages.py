"""Catalogue pages through Django's test client: who sees what, forms that report per field."""

from dataclasses import replace
from pathlib import Path

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


def test_certificate_history_is_in_words_not_codes(cooperative, coop_owner, alliance, staff_user):
    """The review page listed "certificate.created", "certificate.rejected"… on a Vietnamese page."""
    from catalog import services
    from catalog.commands import CertificateDetails
    from tests.catalog.factories import actor_for

    certificate = make_certificate(cooperative, verified=False)
    staff = actor_for(alliance, Role.STAFF, staff_user)
    services.certificate_reject(actor=staff, certificate_id=certificate.pk, reason="Bản chụp mờ, chụp lại giúp")
    details = CertificateDetails.of(Certificate.objects.get())
    services.certificate_update(
        actor=actor_for(cooperative), certificate_id=certificate.pk, details=replace(details, number="VG-2025-009")
    )
    services.certificate_verify(actor=staff, certificate_id=certificate.pk)
    page = logged_in(staff_user).get(f"/staff/certificates/{certificate.pk}/", HTTP_ACCEPT_LANGUAGE="vi")
    text = page.content.decode()
    assert "certificate." not in text
    for words in ("Đã gửi thẩm định", "Bị từ chối", "Hợp tác xã đã sửa và gửi thẩm định lại", "Số giấy chứng nhận"):
        assert words in text, words
    assert "Bản chụp mờ, chụp lại giúp" in text


def test_prices_sort_and_filter_per_kg_whatever_the_unit(cooperative, alliance):
    """15.700.000 ₫/tấn is 15.700 ₫/kg: it sorted after 29.000 ₫/kg when unit prices were compared."""
    paddy = make_product(cooperative, name="Lúa tươi OM18", unit="tan", moq="1", order_multiple="1",
                         tiers=[("1", 15_700_000)])  # fmt: skip
    rice = make_product(cooperative, name="Gạo ST25", tiers=[("100", 29000)])
    client = Client()
    body = client.get("/api/v1/products/", {"sort": "price_asc"}).json()
    assert [p["id"] for p in body["results"]] == [paddy.pk, rice.pk]
    assert body["results"][0]["price_per_base_unit"] == 15_700
    assert [p["id"] for p in client.get("/api/v1/products/", {"price_max": "20000"}).json()["results"]] == [paddy.pk]
    page = client.get("/catalogue/", {"sort": "price_asc"}, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert page.index("Lúa tươi OM18") < page.index("Gạo ST25")
    assert "Giá được so sánh theo kg" in page  # the basis is said on the page
    assert "15.700\u00a0₫/kg" in page


def test_the_filter_panel_starts_closed_so_that_products_come_first_on_a_phone(cooperative):
    make_product(cooperative, name="Gạo ST25")
    page = Client().get("/catalogue/", {"search": "gao", "ocop_min": "3"}).content.decode()
    filters = page.split('<aside class="filters"', 1)[1].split("</aside>", 1)[0]
    # Never rendered open; wide screens open it themselves (app.js reads data-open-wide).
    assert '<details class="card" data-open-wide>' in filters


def test_the_product_page_has_one_quantity_box_for_price_and_cart(rice, buyer):
    """The page had a calculator box and an add-to-cart box; now one box does both."""
    make_lot(rice)
    page = logged_in(member(buyer)).get(f"/products/{rice.pk}/").content.decode()
    assert page.count('name="quantity"') == 1
    form = page.split('class="quote-form', 1)[1].split("</form>", 1)[0]
    assert 'action="/cart/"' in form or "/cart" in form
    for name in ("product", "quantity", "action", "next"):
        assert f'name="{name}"' in form
    assert 'value="100"' in form  # starts at the minimum order
    assert "3.200.000" in page  # …and its price is shown


def test_chosen_drafts_are_published_together(cooperative, coop_owner):
    drafts = [make_product(cooperative, name=f"Gạo nháp {n}", publish=False) for n in range(3)]
    client = logged_in(coop_owner)
    listing = client.get("/my/products/").content.decode()
    assert listing.count('name="products"') == 3
    response = client.post("/my/products/", {"products": [p.pk for p in drafts[:2]], "action": "publish"})
    assert response.status_code == 302
    assert Product.objects.filter(status=ProductStatus.PUBLISHED).count() == 2


def test_the_product_form_shows_values_it_reads_back(cooperative, coop_owner):
    """Inputs showed values the parser read differently (an MOQ of 1.000 kg came back as 1 kg)."""
    import re

    product = make_product(
        cooperative,
        name="Gạo bao",
        moq="1000",
        order_multiple="0.5",
        tiers=[("1000", 15_700_000), ("5000", 15_500_000)],
    )
    client = logged_in(coop_owner)
    page = client.get(f"/my/products/{product.pk}/edit/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    form = page.split('<form class="stack" method="post"', 1)[1].split("</form>", 1)[0]
    values = dict(re.findall(r'<input type="text" name="([^"]+)" value="([^"]*)"', form))
    values.update(re.findall(r'<input[^>]*name="(price_tiers\[\d\][a-z_]+)" value="([^"]*)"', form))
    assert values["moq"] == "1.000"
    assert values["order_multiple"] == "0,5"
    assert values["price_tiers[0]unit_price"] == "15.700.000"
    selects = dict(re.findall(r'<select name="([^"]+)"[^>]*>.*?<option value="([^"]*)" selected', form, re.S))
    posted = {**values, **selects, "name_vi": product.name_vi}
    before = Product.objects.values().get(pk=product.pk)
    response = client.post(f"/my/products/{product.pk}/edit/", posted, HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 302, response.content.decode()[:2000]
    after = Product.objects.values().get(pk=product.pk)
    assert {k: v for k, v in after.items() if k != "updated_at"} == {
        k: v for k, v in before.items() if k != "updated_at"
    }


def test_label_geometry_is_written_for_the_browser_not_the_reader(cooperative, coop_owner, rice_lot):
    """Sizes like 99.1 mm were once written "99,1mm" on a Vietnamese page, which CSS ignores. The geometry now
    lives in the stylesheet, one class per layout (no style element or attribute under the CSP): every layout
    the form offers has its rule there, with the sizes of LABEL_LAYOUTS."""
    from django.contrib.staticfiles import finders

    from frontend.catalog_forms import LABEL_LAYOUTS

    page = logged_in(coop_owner).get(
        f"/my/lots/{rice_lot.pk}/labels/", {"layout": "a4-14", "sheets": "1"}, HTTP_ACCEPT_LANGUAGE="vi"
    )
    html = page.content.decode()
    assert 'class="sheet layout-a4-14"' in html
    assert "<style" not in html
    assert "style=" not in html
    assert "onclick" not in html
    css = Path(finders.find("frontend/app.css")).read_text()
    for key, spec in LABEL_LAYOUTS.items():
        rule = css.split(f".sheet.layout-{key} {{", 1)[1].split("}", 1)[0]
        assert f"repeat({spec['cols']}, {spec['w']}mm)" in rule, key
        assert f"grid-auto-rows: {spec['h']}mm" in rule, key
        assert f"{spec['top']}mm" in rule or spec["top"] == 0, key


def test_the_import_page_lists_the_choices_and_says_which_columns_it_did_not_read(cooperative, coop_owner):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = logged_in(coop_owner)
    page = client.get("/my/products/import/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    for listed in ("vat-5", "khong-chiu-thue", "gao-thom", "chai500", "hũ", "Loại thuế GTGT cho các dòng không ghi"):
        assert listed in page, listed
    sheet = "Mã SP;Tên sản phẩm;Danh mục;ĐVT;Đặt hàng tối thiểu;Giá;Giá sỉ\n" + "".join(
        f"G-{n};Gạo thơm {n};Gạo thơm;kg;100;30.000;28.000\n" for n in range(25)
    )
    upload = SimpleUploadedFile("hang.csv", sheet.encode(), content_type="text/csv")
    preview = client.post(
        "/my/products/import/",
        {"file": upload, "default_vat_category": "vat-5", "publish": "on"},
        HTTP_ACCEPT_LANGUAGE="vi",
    ).content.decode()
    assert "Các cột sau không được đọc" in preview
    assert "Giá sỉ" in preview
    assert "Sản phẩm mới sẽ được đăng bán ngay." in preview
    batch_id = preview.split('name="apply" value="', 1)[1].split('"', 1)[0]
    assert client.post("/my/products/import/", {"apply": batch_id}).status_code == 302
    assert Product.objects.filter(status=ProductStatus.PUBLISHED).count() == 25  # one click, not 25

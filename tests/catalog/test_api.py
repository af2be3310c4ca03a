"""The catalogue API: permission matrices (denial changes nothing), constant query counts, shapes."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.api.serializers import ProductCardOut
from catalog.models import Certificate, CertificateStatus, HarvestLot, Product, TraceEvent
from market.organisations.models import Role
from tests.catalog.factories import make_certificate, make_lot, make_product, scan_pdf
from tests.factories import member

pytestmark = pytest.mark.django_db

DENIED = (401, 403)


@pytest.fixture
def people(cooperative, other_cooperative, buyer, alliance):
    return {
        "anonymous": None,
        "other_cooperative": member(other_cooperative, Role.OWNER),
        "buyer": member(buyer, Role.OWNER),
        "member_without_role": member(cooperative, Role.STAFF),
        "owner": member(cooperative, Role.OWNER),
        "alliance_staff": member(alliance, Role.STAFF),
    }


def snapshot(model):
    return list(model.objects.order_by("pk").values())


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", DENIED),
        ("other_cooperative", (404,)),
        ("buyer", (404,)),
        ("member_without_role", (200,)),  # any member edits products
        ("owner", (200,)),
        ("alliance_staff", (403,)),
    ],
)
def test_product_update_matrix(api, people, cooperative, who, expected):
    product = make_product(cooperative)
    before = snapshot(Product)
    response = api(people[who]).patch(f"/api/v1/products/{product.pk}/", {"name_vi": "Gạo đổi tên"})
    assert response.status_code in expected, response.content
    if response.status_code != 200:
        assert snapshot(Product) == before
    else:
        assert Product.objects.get(pk=product.pk).name_vi == "Gạo đổi tên"


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", DENIED),
        ("other_cooperative", (404,)),
        ("buyer", (403,)),
        ("member_without_role", (403,)),  # publishing is for owners and managers
        ("owner", (200,)),
        ("alliance_staff", (403,)),
    ],
)
def test_product_publish_matrix(api, people, cooperative, who, expected):
    product = make_product(cooperative, publish=False, actor=None)
    before = snapshot(Product)
    response = api(people[who]).post(f"/api/v1/products/{product.pk}/publish/")
    assert response.status_code in expected, response.content
    if response.status_code != 200:
        assert snapshot(Product) == before
    else:
        assert response.json()["status"] == "published"


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", DENIED),
        ("other_cooperative", (404,)),
        ("buyer", (403,)),
        ("member_without_role", (201,)),
        ("owner", (201,)),
        ("alliance_staff", (403,)),
    ],
)
def test_lot_create_and_event_matrix(api, people, cooperative, who, expected):
    product = make_product(cooperative)
    lot = make_lot(product, code="EXISTING")
    lots, events = snapshot(HarvestLot), snapshot(TraceEvent)
    client = api(people[who])
    created = client.post(
        "/api/v1/lots/",
        {"product": product.pk, "code": "NEW-1", "quantity_produced": "100", "harvest_date": str(timezone.localdate())},
    )
    event = client.post(
        f"/api/v1/lots/{lot.pk}/events/",
        {"kind": "note", "occurred_at": timezone.now().isoformat(), "description": "Kiểm tra kho"},
    )
    assert created.status_code in expected, created.content
    assert event.status_code in expected, event.content
    if created.status_code != 201:
        assert snapshot(HarvestLot) == lots
        assert snapshot(TraceEvent) == events


def test_a_published_lot_cannot_be_patched(api, people, cooperative):
    lot = make_lot(make_product(cooperative))
    before = snapshot(HarvestLot)
    response = api(people["owner"]).patch(f"/api/v1/lots/{lot.pk}/", {"plot": "Ruộng khác"})
    assert response.status_code == 409
    assert snapshot(HarvestLot) == before


@pytest.mark.parametrize(
    ("who", "create", "update", "verify"),
    [
        ("anonymous", DENIED, DENIED, DENIED),
        ("other_cooperative", (201,), (404,), (403,)),
        ("buyer", (403,), (404,), (403,)),
        ("member_without_role", (403,), (403,), (403,)),
        ("owner", (201,), (200,), (403,)),
        ("alliance_staff", (403,), (403,), (200,)),
    ],
)
def test_certificate_matrix(api, people, cooperative, who, create, update, verify):
    certificate = make_certificate(cooperative, verified=False)
    client = api(people[who])
    data = {
        "kind": "haccp",
        "number": "HACCP-1",
        "issuer": "Bureau Veritas",
        "valid_from": "2026-01-01",
        "valid_to": "2028-01-01",
        "scope": "cooperative",
        "scan": scan_pdf(),
    }
    assert client.post("/api/v1/certificates/", data, format="multipart").status_code in create
    before = list(Certificate.objects.filter(pk=certificate.pk).values())
    patched = client.patch(f"/api/v1/certificates/{certificate.pk}/", {"number": "SỬA-1"}, format="multipart")
    assert patched.status_code in update, patched.content
    if patched.status_code != 200:
        assert list(Certificate.objects.filter(pk=certificate.pk).values()) == before
    verified = client.post(f"/api/v1/certificates/{certificate.pk}/verify/")
    assert verified.status_code in verify, verified.content
    if verified.status_code == 200:
        assert Certificate.objects.get(pk=certificate.pk).status == CertificateStatus.VERIFIED


def test_drafts_are_private_and_the_public_reads_anonymously(api, people, cooperative):
    draft = make_product(cooperative, publish=False, name="Gạo nháp")
    published = make_product(cooperative, name="Gạo đã đăng")
    anonymous = api(None)
    assert [p["id"] for p in anonymous.get("/api/v1/products/").json()["results"]] == [published.pk]
    assert anonymous.get(f"/api/v1/products/{draft.pk}/").status_code == 404
    assert api(people["owner"]).get(f"/api/v1/products/{draft.pk}/").status_code == 200
    assert api(people["other_cooperative"]).get(f"/api/v1/products/{draft.pk}/").status_code == 404
    mine = api(people["owner"]).get("/api/v1/my-products/").json()["results"]
    assert {p["id"] for p in mine} == {draft.pk, published.pk}
    assert api(people["buyer"]).get("/api/v1/my-products/").json()["results"] == []


def _products(cooperative, count: int) -> None:
    certificate = make_certificate(cooperative, kind="ocop", ocop_stars=4, number=f"OCOP-{count}")
    made = []
    for n in range(count):
        product = make_product(
            cooperative, name=f"Gạo thơm {count}-{n}", tiers=[("100", 32000), ("500", 30000), ("1000", 29000)]
        )
        make_lot(product, code=f"L{n}")
        made.append(product)
    certificate.products.set(made)
    certificate.scope = "products"
    certificate.save()


@pytest.mark.parametrize(
    "path", ["/api/v1/products/?page_size={n}", "/api/v1/products/?search=gao+thom&ocop_min=4&in_stock=1&page_size={n}"]
)
def test_list_query_count_does_not_grow_with_the_page(api, cooperative, alliance, path, settings):
    settings.CATALOG_LIST_CACHE_SECONDS = 0  # measure the real work, not the cache
    _products(cooperative, 3)
    client = api(None)
    counts = []
    for n in (3, 30):
        if n == 30:
            _products(cooperative, 27)
        client.get(path.format(n=n))  # warm the category cache
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path.format(n=n))
        assert len(response.json()["results"]) == n
        assert all(r["badges"] and r["in_stock"] and len(r["price_tiers"]) == 3 for r in response.json()["results"])
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 5, counts  # (search check), products, tiers, badges, stock


def test_detail_query_count_is_constant(api, cooperative, alliance, django_assert_max_num_queries):
    product = make_product(cooperative, tiers=[("100", 32000), ("500", 30000), ("1000", 29000), ("5000", 28000)])
    for n in range(6):
        make_lot(product, code=f"L{n}")
        make_certificate(cooperative, kind="haccp", number=f"H{n}", products=[product])
    client = api(None)
    client.get(f"/api/v1/products/{product.pk}/")
    with django_assert_max_num_queries(5):  # itself, tiers, images, certificates, lots
        assert client.get(f"/api/v1/products/{product.pk}/").status_code == 200


def test_list_cards_have_the_documented_shape(api, cooperative, alliance):
    make_product(cooperative)
    result = api(None).get("/api/v1/products/").json()["results"][0]
    assert set(result) == set(ProductCardOut().fields)


def test_facets_and_price_quote_and_trace(api, cooperative, alliance):
    product = make_product(cooperative, gtin="8935049500018")
    vietgap = make_certificate(cooperative, kind="vietgap")
    lot = make_lot(product, expiry_date=timezone.localdate() + timedelta(days=300), certificates=[vietgap])
    client = api(None)
    facets = client.get("/api/v1/products/facets/?search=gao").json()
    assert facets["total"] == 1
    assert facets["certificate"] == [{"value": "vietgap", "label": "VietGAP", "count": 1, "depth": 0}]
    quote = client.get(f"/api/v1/products/{product.pk}/price/?quantity=1500").json()
    assert (quote["unit_price"], quote["total"]) == (29000, 43500000)
    assert client.get(f"/api/v1/products/{product.pk}/price/?quantity=120").status_code == 400
    trace = client.get(f"/api/v1/trace/{lot.public_id}/").json()
    assert trace["lot"]["code"] == lot.code
    assert trace["qr_url"].endswith(f"/01/08935049500018/10/{lot.code}?17={lot.expiry_date:%y%m%d}")
    assert [c["kind"] for c in trace["certificates"]] == ["vietgap"]
    assert client.get("/api/v1/products/?sort=cheapest").status_code == 400
    assert client.get("/api/v1/categories/").json()[0]["slug"] == "gao"


def test_the_public_list_is_cached_until_the_catalogue_changes(api, cooperative, coop_owner, alliance):
    product = make_product(cooperative, name="Gạo ST25")
    client = api(None)
    first = client.get("/api/v1/products/?search=gao")
    assert first["X-Cache"] == "miss"
    again = client.get("/api/v1/products/?search=gao")
    assert again["X-Cache"] == "hit"
    assert again.content == first.content
    assert client.get("/api/v1/products/?search=gao", HTTP_ACCEPT_LANGUAGE="en")["X-Cache"] == "miss"
    # A change through the services is visible on the next request.
    api(coop_owner).patch(f"/api/v1/products/{product.pk}/", {"name_vi": "Gạo ST25 Tân Hiệp"})
    fresh = client.get("/api/v1/products/?search=gao")
    assert fresh["X-Cache"] == "miss"
    assert fresh.json()["results"][0]["name_vi"] == "Gạo ST25 Tân Hiệp"
    api(coop_owner).post(f"/api/v1/products/{product.pk}/delist/")
    assert client.get("/api/v1/products/?search=gao").json()["results"] == []


def test_detail_resources_say_what_the_caller_may_do(api, people, cooperative, alliance):
    draft = make_product(cooperative, publish=False, name="Gạo nháp")
    owner, staff_role = api(people["owner"]), api(people["member_without_role"])
    assert owner.get(f"/api/v1/products/{draft.pk}/").json()["allowed_actions"] == [
        "add_lot",
        "edit",
        "publish",
    ]
    assert staff_role.get(f"/api/v1/products/{draft.pk}/").json()["allowed_actions"] == ["add_lot", "edit"]
    published = make_product(cooperative, name="Gạo đã đăng")
    assert api(None).get(f"/api/v1/products/{published.pk}/").json()["allowed_actions"] == []
    lot = make_lot(published)
    assert owner.get(f"/api/v1/lots/{lot.pk}/").json()["allowed_actions"] == ["add_event", "count_stock", "withdraw"]
    certificate = make_certificate(cooperative, verified=False)
    assert owner.get(f"/api/v1/certificates/{certificate.pk}/").json()["allowed_actions"] == ["edit"]
    staff = api(people["alliance_staff"]).get(f"/api/v1/certificates/{certificate.pk}/").json()
    assert staff["allowed_actions"] == ["reject", "verify"]


def test_a_rejected_certificate_can_be_sent_back_and_a_verified_one_revoked(api, people, cooperative, alliance):
    certificate = make_certificate(cooperative, verified=False)
    staff = api(people["alliance_staff"])
    reason = {"reason": "Số giấy không khớp sổ cấp"}
    assert staff.post(f"/api/v1/certificates/{certificate.pk}/revoke/", reason).status_code == 409
    assert staff.post(f"/api/v1/certificates/{certificate.pk}/reject/", reason).status_code == 200
    owner = api(people["owner"])
    assert owner.post(f"/api/v1/certificates/{certificate.pk}/submit/").json()["status"] == "pending"
    assert staff.post(f"/api/v1/certificates/{certificate.pk}/verify/").status_code == 200
    revoked = staff.post(f"/api/v1/certificates/{certificate.pk}/revoke/", reason).json()
    assert (revoked["status"], revoked["review_note"]) == ("rejected", reason["reason"])

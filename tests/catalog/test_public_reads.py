"""The fast public reads answer what the definitions answer: a page's rows in plain SQL (catalog.selectors.page_sql)
are the ORM's (browse._page_rows_orm), anonymous GETs answered without DRF (catalog.api.public) are byte for byte
what DRF's path answers, the API token's one statement reads what the ORM reads (the detail statements:
test_detail_sql.py)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.utils import timezone, translation
from rest_framework.test import APIClient

from catalog import selectors, services
from catalog.api import serializers as s
from catalog.commands import Sort
from catalog.models import SEARCH_ROW_PARTITION_IDS, Product
from catalog.selectors import browse, page_sql
from catalog.selectors.browse import ProductQuery, decode_cursor
from catalog.selectors.products import with_details
from market.core.errors import NotFound
from market.core.throttling import AnonWindowThrottle, UserWindowThrottle
from market.organisations.authentication import token_by_prefix
from market.organisations.models import ApiToken, Membership, OrganisationKind, Role
from market.organisations.permissions import Actor
from market.organisations.services import api_token_create, organisation_reject
from tests.catalog.factories import actor_for, make_certificate, make_lot, make_product, png_upload
from tests.factories import OrganisationFactory
from tests.module_data import rows_of_the_module

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def corpus(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """Products with tiers, lots in and out of stock, certificates in force and expired, hidden ones. Made once for
    the module (its ~100 tests only read them; a test's own writes roll back to them)."""
    with rows_of_the_module(django_db_blocker, media=tmp_path_factory.mktemp("media")):
        yield _corpus()


def _corpus() -> dict[str, Any]:
    alliance = OrganisationFactory(kind=OrganisationKind.ALLIANCE, name="Liên minh HTX thử nghiệm")
    cooperative = OrganisationFactory(kind=OrganisationKind.COOPERATIVE)
    other_cooperative = OrganisationFactory(kind=OrganisationKind.COOPERATIVE, name="HTX Khác")
    today = timezone.localdate()
    fish = OrganisationFactory(name="HTX Nước mắm Hưng Thịnh", province_code=91, commune_code=31078)
    hidden = OrganisationFactory(name="HTX Chưa xác minh")
    rice = make_product(cooperative, name="Gạo ST25 Tân Hiệp", name_en="ST25 fragrant rice")
    # In a sibling category of the others' rice: a filter by rice reads both (page_sql._each_part).
    brown = make_product(cooperative, name="Gạo lứt ST25", tiers=[("100", 45000)], sku="LUT", category="gao-huu-co")
    st24 = make_product(other_cooperative, name="Gạo ST24 thơm", tiers=[("100", 27000), ("500", 26000)])
    sauce = make_product(
        fish, name="Nước mắm Phú Quốc 40 độ đạm", category="nuoc-mam", unit="chai", moq="48", order_multiple="24",
        tiers=[("48", 98000)],
    )  # fmt: skip
    honey = make_product(
        cooperative, name="Mật ong rừng tràm U Minh", category="mat-ong", moq="10", order_multiple="1",
        tiers=[("10", 290000)], sku="MO",
    )  # fmt: skip
    draft = make_product(cooperative, name="Gạo nháp chưa đăng", publish=False, sku="DRAFT")
    unverified = make_product(hidden, name="Gạo của HTX chưa xác minh")
    organisation_reject(actor=actor_for(alliance, Role.STAFF), organisation_id=hidden.pk, reason="Giấy phép hết hạn")
    make_lot(rice, code="ST25-A")
    make_lot(brown, code="LUT-OLD", expiry_date=today - timedelta(days=1), harvest_date=today - timedelta(days=90))
    make_lot(honey, code="MO-DRAFT", publish=False)
    make_lot(sauce, code="NM-1")
    make_certificate(cooperative, kind="vietgap")  # cooperative-wide, in force
    make_certificate(cooperative, kind="ocop", ocop_stars=4, products=[honey], number="OCOP-4")
    make_certificate(
        other_cooperative, kind="organic", products=[st24], number="ORG-OLD",
        valid_from=today - timedelta(days=400), valid_to=today - timedelta(days=1),
    )  # fmt: skip
    make_certificate(fish, kind="ocop", ocop_stars=3, number="OCOP-3")
    return {
        "rice": rice, "brown": brown, "st24": st24, "sauce": sauce, "honey": honey, "draft": draft,
        "unverified": unverified, "fish": fish, "cooperative": cooperative,
    }  # fmt: skip


QUERIES = [
    ProductQuery(),
    ProductQuery(search="gao"),
    ProductQuery(search="gao st25"),
    ProductQuery(search="gạo ST25", province=91),
    ProductQuery(search="st25", certificate="vietgap"),
    ProductQuery(search="nuoc mam phu quoc"),
    ProductQuery(search="hai san"),  # a group word standing for categories
    ProductQuery(search="dac san phu quoc"),  # a group word standing for every product
    ProductQuery(search="xoia"),  # nothing as typed
    ProductQuery(search="!!!"),  # nothing usable
    ProductQuery(certificate="organic"),  # expired: nothing
    ProductQuery(certificate="globalgap", sort=Sort.PRICE_ASC),  # never held: nothing
    ProductQuery(certificate="organic", search="gao"),
    ProductQuery(ocop_min=5),  # no such stars: nothing
    ProductQuery(certificate="ocop", in_stock=True),  # one cooperative's and one product's
    ProductQuery(ocop_min=4),
    ProductQuery(ocop_min=3),
    ProductQuery(in_stock=True),
    ProductQuery(category=1),
    ProductQuery(category=1, sort=Sort.PRICE_ASC),
    ProductQuery(category=1, sort=Sort.PRICE_DESC, province=91),
    ProductQuery(category=2, sort=Sort.PRICE_DESC),  # a category without sub-categories
    ProductQuery(category=1, sort=Sort.PRICE_ASC, search="st25"),
    ProductQuery(price_min=30000, price_max=100000),
    ProductQuery(moq_max=Decimal("50")),
    ProductQuery(moq_max=Decimal("50"), sort=Sort.PRICE_ASC),  # each minimum order read apart, merged
    ProductQuery(moq_max=Decimal("48"), sort=Sort.PRICE_DESC, category=1),  # each category read apart instead
    ProductQuery(moq_max=Decimal("50"), sort=Sort.PRICE_ASC, search="gao"),  # read as one range
    ProductQuery(moq_max=Decimal("1"), sort=Sort.PRICE_ASC),  # no minimum order that small: nothing
    ProductQuery(sort=Sort.PRICE_ASC),
    ProductQuery(sort=Sort.PRICE_DESC, search="gao"),
    ProductQuery(sort=Sort.NEWEST, search="gao"),
]


def _seen(products: list[Any]) -> list[tuple[Any, ...]]:
    return [(p.pk, p.name, p.cooperative.name, p.price_per_base_unit, getattr(p, "rank_key", None)) for p in products]


def _both(
    query: ProductQuery, sort: str, after: Any, limit: int, corrected: bool, candidates: int
) -> tuple[list, list]:
    day = timezone.localdate()
    plan = query.search_plan
    orm = browse._page_rows_orm(query, sort, after, limit, on=day, corrected=corrected)
    sql = page_sql.page_rows(
        query, sort, after, limit, day=day, corrected=corrected, candidates=candidates,
        best_rank=browse.best_rank(plan), reading=page_sql.PRODUCTS,
    )  # fmt: skip
    return orm, sql


# page_sql looks for a search's newest matches in windows of product ids (WINDOW_IDS, HEAD_IDS): the corpus in one,
# in a head of its 2 newest ids and the rest, or in many (2 ids each); each with how many windows that makes.
WINDOWS = {
    "one window": (SEARCH_ROW_PARTITION_IDS, page_sql.HEAD_IDS, range(1, 2)),
    "a head of 2 ids and the rest": (SEARCH_ROW_PARTITION_IDS, 2, range(2, 3)),
    "windows of 2 ids": (2, page_sql.HEAD_IDS, range(3, 1_000)),
}


def use_windows(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Search windows as WINDOWS[name] says, checked to be that many over the corpus."""
    window_ids, head_ids, how_many = WINDOWS[name]
    monkeypatch.setattr(page_sql, "WINDOW_IDS", window_ids)
    monkeypatch.setattr(page_sql, "HEAD_IDS", head_ids)
    assert len(list(page_sql._windows(page_sql._highest_id()))) in how_many


def layouts(query: ProductQuery, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Each layout a page must not depend on, set in turn (its name, for the failure's message): every window layout
    with both numbers of candidates (2: the window cannot decide, so its best ranked) for a query ranked by relevance,
    the only reads that use them (page_sql._ranked_among_newest); the defaults for any other query."""
    plan = query.search_plan
    if query.effective_sort != Sort.RELEVANCE or plan.unusable or plan.is_empty:
        yield "not ranked: no windows"
        return
    for windows in WINDOWS:
        for candidates in (browse.CANDIDATES, 2):
            monkeypatch.setattr(browse, "CANDIDATES", candidates)
            use_windows(windows, monkeypatch)
            yield f"{windows}, {candidates} candidates"


def test_the_windows_hold_every_id_once_newest_first_the_newest_ids_apart():
    """At 100,000 products (one partition) the newest HEAD_IDS ids are a window of their own, then the rest; at
    1,000,000 the newest ids, the rest of their partition, the partition before, then two at a time."""
    head = page_sql.HEAD_IDS
    assert list(page_sql._windows(99_999)) == [(99_999 - head, None), (None, 99_999 - head)]
    newest = 1_000_000 - head
    assert list(page_sql._windows(1_000_000)) == [
        (newest, None), (3 * SEARCH_ROW_PARTITION_IDS, newest),
        (2 * SEARCH_ROW_PARTITION_IDS, 3 * SEARCH_ROW_PARTITION_IDS), (None, 2 * SEARCH_ROW_PARTITION_IDS),
    ]  # fmt: skip
    assert list(page_sql._windows(head)) == [(None, None)]  # fewer ids than a head: one window


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: repr(q.as_params()))
def test_a_page_in_sql_is_the_orm_page_walked_by_cursor(corpus, query, monkeypatch):
    sort = query.effective_sort
    if sort == Sort.RELEVANCE and (query.search_plan.unusable or query.search_plan.is_empty):
        sort = Sort.NEWEST
    for layout in layouts(query, monkeypatch):  # each set while its walks run
        for corrected in (False, True):
            after = None
            for _page in range(10):  # two products a page: every cursor kind of every sort
                orm, sql = _both(query, sort, after, 2, corrected, browse.CANDIDATES)
                assert _seen(sql) == _seen(orm), (layout, corrected, after)
                if not orm:
                    break
                last = orm[-1]
                after = (getattr(last, browse._SORT_KEYS[sort][0]), last.pk)


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: repr(q.as_params()))
def test_a_page_in_sql_reads_each_cards_stock_tiers_and_badges_as_the_definitions_do(corpus, query):
    """page_sql reads them with the rows; browse.attach_tiers_and_stock and browse.badges_for define them."""
    day = timezone.localdate()
    for corrected in (False, True):
        orm, sql = _both(query, query.effective_sort, None, 50, corrected, browse.CANDIDATES)
        browse.attach_tiers_and_stock(orm, on=day)
        badges = browse.badges_for(orm, on=day)
        assert [(p.pk, p.in_stock, p.tier_list, badges[p.pk]) for p in orm] == [
            (p.pk, p.in_stock, p.tier_list, browse._badges(browse._best_stars(p.certified), browse.badge_labels()))
            for p in sql
        ]


def test_a_page_tells_each_card_its_badges_stock_and_tiers(corpus):
    page = selectors.product_page(query=ProductQuery(), page_size=50)
    by_id = {p.pk: p for p in page.products}
    honey, rice, brown = by_id[corpus["honey"].pk], by_id[corpus["rice"].pk], by_id[corpus["brown"].pk]
    assert [b.label for b in page.badges[honey.pk]] == ["VietGAP", "OCOP 4★"]  # its cooperative's and its own
    assert [b.kind for b in page.badges[corpus["st24"].pk]] == []  # expired
    assert (rice.in_stock, brown.in_stock, honey.in_stock) == (True, False, False)  # expired lot, draft lot
    assert honey.tier_list == [(Decimal("10"), 290000)]


def _rows_of(sql_and_params: tuple[str, list[Any]] | None) -> set[tuple[Any, ...]] | None:
    if sql_and_params is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute(*sql_and_params)
        return set(cursor.fetchall())


def _rows_of_orm(query: ProductQuery, corrected: bool) -> set[tuple[Any, ...]] | None:
    products = browse.filtered_products(query, on=timezone.localdate(), corrected=corrected)
    try:
        return _rows_of(products.values_list(*browse.FACET_BASE_COLUMNS).query.sql_with_params())
    except EmptyResultSet:
        return None


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: repr(q.as_params()))
def test_the_facets_products_in_sql_are_the_orms(corpus, query):
    """Each set of products the facet counts count (browse._facet_base: every filter, and every filter but one
    group's) is the ORM's filtered_products."""
    day = timezone.localdate()
    for corrected in (False, True):
        for _group, excluded in browse._FACET_GROUPS:
            narrowed = query.without("sort", *excluded)
            sql = page_sql.filtered_sql(narrowed, browse.FACET_BASE_COLUMNS, day=day, corrected=corrected)
            assert _rows_of(sql) == _rows_of_orm(narrowed, corrected), (excluded, corrected)


def test_the_walk_finds_the_public_products_only(corpus):
    page = selectors.product_page(query=ProductQuery(), page_size=50)
    ids = {p.pk for p in page.products}
    assert corpus["draft"].pk not in ids
    assert corpus["unverified"].pk not in ids
    assert {corpus["rice"].pk, corpus["st24"].pk, corpus["sauce"].pk} <= ids
    cursor = selectors.product_page(query=ProductQuery(), page_size=2).next_cursor
    assert cursor
    assert decode_cursor(cursor, Sort.NEWEST)[1] in ids


# --- the HTTP fast path against DRF's ------------------------------------------------------------
def _get(path: str, language: str, **headers: str) -> Any:
    return APIClient().get(path, HTTP_ACCEPT_LANGUAGE=language, **headers)


def _drf(path: str, language: str, **headers: str) -> Any:
    """DRF's path: a session cookie is a credential (here one that finds no session: still anonymous)."""
    client = APIClient()
    client.cookies["sessionid"] = "no-such-session"
    return client.get(path, HTTP_ACCEPT_LANGUAGE=language, **headers)


def _content(response: Any) -> bytes:
    """The body, its request's id (each request has its own; errors carry it) blanked."""
    request_id = response.headers.get("X-Request-ID", "")
    return response.content.replace(request_id.encode(), b"<id>") if request_id else response.content


def _headers(response: Any) -> dict[str, str]:
    """(X-Cache says whether the page cache had it: the second of two reads finds what the first kept.)"""
    return {k: v for k, v in response.headers.items() if k not in ("X-Request-ID", "X-Cache")}


def _paths(corpus: dict[str, Any]) -> list[str]:
    return [
        "/api/v1/products/",
        "/api/v1/products/?page_size=2",
        "/api/v1/products/?search=gao+st25&province=91&certificate=vietgap",
        "/api/v1/products/?search=gao&page_size=1",
        "/api/v1/products/?search=gạo&sort=price_asc&ocop_min=3",
        "/api/v1/products/?in_stock=1",
        "/api/v1/products/?page_size=abc",  # 400
        "/api/v1/products/?order=price",  # 400: unknown parameter
        "/api/v1/products/?updated_since=2026-01-01T00:00:00Z",  # 400: the catalogue does not sync
        "/api/v1/products/?cursor=bogus",  # 400
        f"/api/v1/products/{corpus['rice'].pk}/",
        f"/api/v1/products/{corpus['honey'].pk}/",
        f"/api/v1/products/{corpus['st24'].pk}/",  # an expired certificate
        f"/api/v1/products/{corpus['draft'].pk}/",  # 404
        f"/api/v1/products/{corpus['unverified'].pk}/",  # 404
        "/api/v1/products/999999/",  # 404
        f"/api/v1/trace/{corpus['rice'].lots.get().public_id}/",
        f"/api/v1/trace/{corpus['sauce'].lots.get().public_id}/",
        "/api/v1/trace/no-such-lot/",  # 404
    ]


@pytest.mark.parametrize("cache_seconds", [0, 60])  # the page cache off (the yardstick) and on
@pytest.mark.parametrize("language", ["vi", "en"])
def test_anonymous_reads_are_byte_for_byte_drfs(corpus, language, cache_seconds, settings):
    settings.CATALOG_LIST_CACHE_SECONDS = cache_seconds
    for path in _paths(corpus):
        fast, drf = _get(path, language), _drf(path, language)
        assert (path, fast.status_code, _content(fast)) == (path, drf.status_code, _content(drf))
        assert _headers(fast) == _headers(drf), path
    # ... and the page walked from a `next` link is the same.
    following = _get("/api/v1/products/?page_size=2", language).json()["next"]
    assert _get(following, language).content == _drf(following, language).content


def test_the_list_is_the_same_for_a_cooperatives_token_and_a_304_answers_either_path(corpus):
    actor = actor_for(corpus["cooperative"], Role.OWNER)
    _token, secret = api_token_create(actor=actor, name="ERP", scopes=frozenset(), expires_on=None)
    path = "/api/v1/products/?search=gao&page_size=3"
    anonymous = _get(path, "vi")
    with_token = _get(path, "vi", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert with_token.status_code == 200
    assert with_token.content == anonymous.content
    etag = anonymous.headers["ETag"]
    assert with_token.headers["ETag"] == etag
    for response in (_get(path, "vi", HTTP_IF_NONE_MATCH=etag), _drf(path, "vi", HTTP_IF_NONE_MATCH=etag)):
        assert response.status_code == 304
        assert response.headers["ETag"] == etag
        assert response.headers["Cache-Control"] == "no-cache, public"
    assert _get(path, "en").headers["ETag"] != etag  # the language is part of it


def test_a_bad_token_is_refused_on_a_public_read(corpus):
    response = _get("/api/v1/products/", "en", HTTP_AUTHORIZATION="Bearer ml_nope_nope")
    assert response.status_code == 401


def _wait_apart(response: Any) -> tuple[str, int]:
    """A 429's error with its number of seconds taken out, and that number."""
    text = json.dumps(response.json()["error"], ensure_ascii=False)
    (seconds,) = re.findall(r"\d+", text)
    return re.sub(r"\d+", "N", text), int(seconds)


def test_the_fast_path_counts_against_the_anonymous_limit_and_answers_as_drf(corpus, monkeypatch):
    rates = {"anon": "2/minute", "user": "5/minute"}
    monkeypatch.setattr(AnonWindowThrottle, "THROTTLE_RATES", rates)
    monkeypatch.setattr(UserWindowThrottle, "THROTTLE_RATES", rates)
    statuses = [_get("/api/v1/products/", "en").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    fast, drf = _get("/api/v1/products/", "en"), _drf("/api/v1/products/", "en")
    assert fast.status_code == drf.status_code == 429
    # The same error but for its wait, which each works out from the clock: a second may pass between the two.
    (fast_text, fast_wait), (drf_text, drf_wait) = _wait_apart(fast), _wait_apart(drf)
    assert fast_text == drf_text
    assert abs(fast_wait - drf_wait) <= 1
    assert fast.headers["Retry-After"]
    assert fast.headers["Allow"] == drf.headers["Allow"]


def test_a_json_body_is_what_the_serializers_describe(corpus):
    """The fast path builds the same dicts (s.product_card, s.product_detail) the schema documents."""
    body = _get(f"/api/v1/products/{corpus['honey'].pk}/", "en").json()
    assert set(body) == set(s.ProductDetailOut().fields)
    card = _get("/api/v1/products/?search=mat+ong", "en").json()["results"][0]
    assert set(card) == set(s.ProductCardOut().fields)
    assert card["badges"] == [{"kind": "vietgap", "label": "VietGAP", "ocop_stars": None},
                              {"kind": "ocop", "label": "OCOP 4★", "ocop_stars": 4}]  # fmt: skip


# --- the API token's one statement ---------------------------------------------------------------
def _orm_token(prefix: str) -> ApiToken | None:
    from django.db.models import OuterRef, Subquery

    role = Membership.objects.filter(user_id=OuterRef("user_id"), organisation_id=OuterRef("organisation_id"))
    return (
        ApiToken.objects.select_related("user", "organisation")
        .annotate(member_role=Subquery(role.values("role")[:1]))
        .filter(prefix=prefix, revoked_at__isnull=True)
        .first()
    )


def _token_seen(token: ApiToken | None) -> Any:
    if token is None:
        return None
    fields = lambda obj: {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}  # noqa: E731
    return fields(token), fields(token.user), fields(token.organisation), token.member_role, token.granted_scopes


def test_the_token_statement_reads_what_the_orm_reads(cooperative):
    from market.organisations.models import ApiScope

    actor = actor_for(cooperative, Role.OWNER)
    token, _secret = api_token_create(
        actor=actor, name="ERP", scopes=frozenset({ApiScope.LOTS, ApiScope.CATALOGUE_READ}), expires_on=None
    )
    assert _token_seen(token_by_prefix(token.prefix)) == _token_seen(_orm_token(token.prefix))
    assert token_by_prefix(token.prefix).granted_scopes == {ApiScope.LOTS, ApiScope.CATALOGUE_READ}
    Membership.objects.filter(user=actor.user, organisation=cooperative).delete()
    assert token_by_prefix(token.prefix).member_role is None
    assert _token_seen(token_by_prefix(token.prefix)) == _token_seen(_orm_token(token.prefix))
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert token_by_prefix(token.prefix) is None
    assert _orm_token(token.prefix) is None


# --- the product detail's one statement ----------------------------------------------------------
def test_the_product_statement_reads_what_the_orm_reads(corpus):
    honey = corpus["honey"]
    owner = actor_for(corpus["cooperative"], Role.OWNER)
    services.product_image_add(actor=owner, product_id=honey.pk, upload=png_upload(name="a.png"), alt_text="Hũ mật")
    services.product_image_add(actor=owner, product_id=honey.pk, upload=png_upload(name="b.png"), alt_text="")
    anonymous = Actor.anonymous()
    for product in [*corpus.values(), None]:
        product_id = product.pk if isinstance(product, Product) else 999999
        orm = with_details(selectors.public_products()).filter(pk=product_id).first()
        try:
            sql = selectors.product_public_get(product_id=product_id)
        except NotFound:
            sql = None
        assert (sql is None) == (orm is None), product_id
        if orm is not None:
            for language in ("vi", "en"):
                with translation.override(language):
                    assert s.product_detail(sql, actor=anonymous) == s.product_detail(orm, actor=anonymous)
    detail = s.product_detail(selectors.product_public_get(product_id=honey.pk), actor=anonymous)
    assert [image["alt_text"] for image in detail["images"]] == ["Hũ mật", ""]


@pytest.mark.parametrize("accept", ["text/html", "application/json; indent=4", "application/xml"])
def test_other_accepts_are_answered_by_drfs_negotiation(corpus, accept):
    fast, drf = (
        _get("/api/v1/products/?page_size=1", "en", HTTP_ACCEPT=accept),
        _drf("/api/v1/products/?page_size=1", "en", HTTP_ACCEPT=accept),
    )
    assert (fast.status_code, _content(fast)) == (drf.status_code, _content(drf))
    assert _headers(fast) == _headers(drf)


def _relevance_page(text: str) -> tuple[list[tuple[str, Any]], list[int]]:
    """The statements page_sql runs for the first relevance page of a search, and the page's product ids."""
    query = ProductQuery(search=text)
    best = browse.best_rank(query.search_plan)  # (the category tree read before)
    statements: list[tuple[str, Any]] = []

    def keep(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep):
        rows = page_sql.page_rows(
            query, Sort.RELEVANCE, None, 5, day=timezone.localdate(), corrected=False,
            candidates=browse.CANDIDATES, best_rank=best, reading=page_sql.PRODUCTS,
        )  # fmt: skip
    return statements, [p.pk for p in rows]


def test_a_relevance_pages_cards_are_read_by_the_same_statement_for_every_search(corpus):
    """A search's matches are found and ranked by a statement with its words written in (planned for them); the
    page's cards are then read by one statement whatever was searched, the ranked ids bound as parameters, so that
    PostgreSQL keeps its plan. (Its rows are the ORM's: test_a_page_in_sql_is_the_orm_page_walked_by_cursor.)"""
    page_sql._highest_id()  # read once per catalogue version
    rice, honey = _relevance_page("gao st25"), _relevance_page("mat ong")
    cards = []
    for (statements, _ids), word in ((rice, "st25"), (honey, "ong")):
        (ranked, ranked_params), (card_sql, card_params) = statements[-2:]
        assert page_sql.SEARCH_ROWS in ranked
        assert f"%{word}%" in ranked
        assert ranked_params is None  # the words written in
        assert f"%{word}%" not in card_sql
        assert card_params
        cards.append(card_sql)
    assert cards[0] == cards[1]
    assert sorted(rice[1]) == sorted([corpus["rice"].pk, corpus["brown"].pk])
    assert honey[1] == [corpus["honey"].pk]


def test_public_reads_pin_their_queries(corpus, django_assert_max_num_queries, settings):
    settings.CATALOG_LIST_CACHE_SECONDS = 0
    actor = actor_for(corpus["cooperative"], Role.OWNER)
    from market.organisations.models import ApiScope

    _token, secret = api_token_create(actor=actor, name="ERP", scopes=frozenset({ApiScope.LOTS}), expires_on=None)
    lot = corpus["rice"].lots.get()
    reads = [
        ("/api/v1/products/?search=gao&province=91", {}, 3),  # the page, tiers + stock, badges
        (f"/api/v1/products/{corpus['honey'].pk}/", {}, 1),  # the product with its certificates and lots
        (f"/api/v1/trace/{lot.public_id}/", {}, 1),  # the lot with its trace
        (f"/api/v1/lots/{lot.pk}/", {"HTTP_AUTHORIZATION": f"Bearer {secret}"}, 2),  # the token, the lot
    ]
    for path, headers, most in reads:
        assert _get(path, "vi", **headers).status_code == 200  # warm: the catalogue version, the tree
        with django_assert_max_num_queries(most):
            assert _get(path, "vi", **headers).status_code == 200


def test_a_products_cooperative_is_the_orms(cooperative, other_cooperative):
    """product_cooperative_id's plain statement reads what `.values_list("cooperative_id").first()` read, for a
    product of any status, and None for no product (neither kept)."""
    from catalog.selectors import products

    mine = make_product(cooperative)
    theirs = make_product(other_cooperative)
    Product.objects.filter(pk=theirs.pk).update(status="draft")
    missing = theirs.pk + 1000
    products._COOPERATIVE_OF.clear()
    for product_id in (mine.pk, theirs.pk, missing):
        orm = Product.objects.filter(pk=product_id).values_list("cooperative_id", flat=True).first()
        assert products.product_cooperative_id(product_id) == orm
    assert {mine.pk: cooperative.pk, theirs.pk: other_cooperative.pk} == products._COOPERATIVE_OF

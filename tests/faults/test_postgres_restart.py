"""PostgreSQL stopped and restarted under load, on a private cluster: gunicorn (production-like settings, kept
connections with health checks) serves checkouts and pages from threads while the database goes away, first
with a fast shutdown (sessions ended mid-request), then killed as a crash would kill it.

Every answer is a success, a clear 409, or a clean 503 (JSON error with Retry-After for the API, the error
page for pages), never a 500; the site serves again once the database is back; no checkout is half-written,
and a checkout retried with its Idempotency-Key after a 503 is placed exactly once."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.conf import settings
from django.db.models import Sum
from django.test import Client

from catalog.models import HarvestLot
from market.organisations import services as organisation_services
from market.organisations.models import ApiScope, OrganisationKind, Role
from market.payments.models import Payable
from orders.models import Checkout, Order, OrderAllocation, OrderLine
from orders.services.common import PAYABLE_KIND
from tests.catalog.factories import actor_for
from tests.conftest import child_database_url
from tests.factories import OrganisationFactory
from tests.faults.conftest import Answer, MarketServer, PrivatePostgres, bearer, idempotency_key, orm_on, wait_until
from tests.orders.factories import stocked_product

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.long]

SHOPPERS = 4
STOCK = Decimal(1_000_000)
QUANTITY = "100"


@dataclass
class Shopper:
    """One buyer's client: adds a line, checks out with a fresh key, reads a product page; over and over."""

    server: MarketServer
    token: str
    session: str  # the buyer's session cookie: its pages read the session, the user and the menu
    product_id: int
    answers: list[tuple[str, Answer]] = field(default_factory=list)
    placed: dict[str, int] = field(default_factory=dict)  # Idempotency-Key -> checkout id
    pending: str = ""  # a checkout that answered 503: placed or not? The same key is sent until it answers.
    retried: int = 0

    def round(self) -> None:
        if not self.pending:
            added = self.server.request(
                "POST", "/api/v1/cart/lines/", {"product": self.product_id, "quantity": QUANTITY}, bearer(self.token)
            )
            self.answers.append(("api", added))
            self.pending = idempotency_key() if added.status == 201 else ""
        if self.pending:
            self.check_out()
        self.answers.append(("page", self.server.request("GET", f"/products/{self.product_id}/")))
        self.answers.append(("page", self.server.request("GET", "/orders/", headers={"Cookie": self.session})))

    def check_out(self) -> None:
        key = self.pending
        placed = self.server.request("POST", "/api/v1/checkouts/", {}, bearer(self.token, **{"Idempotency-Key": key}))
        self.answers.append(("api", placed))
        if placed.status in (200, 201):
            self.placed[key] = placed.json()["id"]
            self.retried += placed.status == 200  # it had been placed before the 503
        if placed.status != 503:
            self.pending = ""

    def successes(self) -> int:
        return sum(1 for _kind, answer in self.answers if answer.status in (200, 201))


class Load:
    def __init__(self, shoppers: list[Shopper]) -> None:
        self.shoppers = shoppers
        self.stop = threading.Event()
        self.errors: list[BaseException] = []
        self.threads = [threading.Thread(target=self._run, args=(s,), daemon=True) for s in shoppers]

    def _run(self, shopper: Shopper) -> None:
        try:
            while not self.stop.is_set():
                shopper.round()
        except BaseException as error:  # a request that could not even be answered (reset, timeout)
            self.errors.append(error)

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(60)

    def answers(self) -> list[tuple[str, Answer]]:
        return [pair for shopper in self.shoppers for pair in shopper.answers]

    def failures(self, kind: str) -> int:
        return sum(1 for seen, answer in self.answers() if seen == kind and answer.status >= 500)

    def each_succeeds_again(self, after: list[int]) -> bool:
        """Every shopper has had two more successes than it had at `after`."""
        return all(s.successes() >= seen + 2 for s, seen in zip(self.shoppers, after, strict=True))

    def marks(self) -> list[int]:
        return [s.successes() for s in self.shoppers]


def assert_clean(kind: str, answer: Answer) -> None:
    assert answer.status in (200, 201, 409, 503), (kind, answer.status, answer.body[:3000])
    if answer.status != 503:
        return
    assert answer.headers.get("Retry-After"), answer.headers
    if kind == "api":
        assert answer.content_type.startswith("application/json"), answer.body[:500]
        error = answer.json()["error"]
        assert error["code"] == "database_unavailable", error
        assert error["message"]
    else:
        assert answer.content_type.startswith("text/html"), answer.body[:500]
        page = answer.body.decode()
        assert "Market Link cannot reach its database" in page, page  # in English
        assert "Market Link tạm thời không kết nối được cơ sở dữ liệu" in page, page  # and in Vietnamese


def fault(cluster: PrivatePostgres, load: Load, mode: str) -> None:
    """Stop the database under load, let every shopper meet the outage, start it again, and wait until every
    shopper is served again."""
    failed = {kind: load.failures(kind) for kind in ("api", "page")}
    cluster.stop(mode)
    wait_until(
        lambda: all(load.failures(kind) >= seen + SHOPPERS for kind, seen in failed.items()),
        timeout=60,
        what="API and page answers while it is down",
    )
    marks = load.marks()
    cluster.start()
    wait_until(lambda: load.each_succeeds_again(marks), timeout=90, what="every shopper served again")


def test_checkouts_and_pages_through_a_postgres_restart(private_postgres: PrivatePostgres, market_server, cooperative):
    product, lot = stocked_product(cooperative, quantity=str(STOCK), moq="100", order_multiple="100")
    tokens, sessions = [], []
    for index in range(SHOPPERS):
        buyer = OrganisationFactory(kind=OrganisationKind.BUYER, name=f"Công ty Mua {index}")
        _token, secret = organisation_services.api_token_create(
            actor=actor_for(buyer, Role.OWNER), name="ERP", scopes=frozenset({ApiScope.ORDERS_PLACE}), expires_on=None
        )
        tokens.append(secret)
        browser = Client()
        browser.force_login(actor_for(buyer, Role.OWNER).user)
        sessions.append(f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}")
    name = child_database_url().rsplit("/", 1)[1]
    private_postgres.copy_database(child_database_url(), name)
    server = market_server(DATABASE_URL=private_postgres.url(name))
    shoppers = [
        Shopper(server=server, token=token, session=session, product_id=product.pk)
        for token, session in zip(tokens, sessions, strict=True)
    ]

    with Load(shoppers) as load:
        wait_until(lambda: all(s.placed for s in shoppers), timeout=60, what="a first checkout for each")
        fault(private_postgres, load, "fast")
        fault(private_postgres, load, "immediate")
    assert not load.errors, load.errors
    statuses = Counter(answer.status for _kind, answer in load.answers())
    for kind, answer in load.answers():
        assert_clean(kind, answer)
    assert statuses[503] >= 4 * SHOPPERS, statuses

    # A checkout that answered 503 may have been committed just before the database went away: the client
    # cannot tell, so it sends it again with the same key, and gets that checkout or places it now, once.
    for shopper in shoppers:
        if shopper.pending:
            shopper.check_out()
            assert not shopper.pending
    assert server.request("GET", "/healthz").status == 200
    server.stop()

    placed = {key: checkout for shopper in shoppers for key, checkout in shopper.placed.items()}
    with orm_on(private_postgres):
        checkouts = Checkout.objects.exclude(idempotency_key="")
        assert sorted(checkouts.values_list("idempotency_key", flat=True)) == sorted(placed)
        assert dict(checkouts.values_list("idempotency_key", "pk")) == placed
        orders = Order.objects.filter(checkout__in=checkouts)
        assert orders.count() == len(placed)  # one cooperative: one order per checkout
        lines = OrderLine.objects.filter(order__in=orders)
        assert lines.count() == len(placed)
        assert set(lines.values_list("quantity_ordered", flat=True)) == {Decimal(QUANTITY)}
        allocated = OrderAllocation.objects.filter(line__in=lines)
        assert allocated.count() == len(placed)
        assert allocated.aggregate(total=Sum("quantity"))["total"] == Decimal(QUANTITY) * len(placed)
        payables = dict(Payable.objects.filter(kind=PAYABLE_KIND).values_list("object_id", "amount"))
        assert {str(pk): total for pk, total in orders.values_list("pk", "total")} == payables
        lot_now = HarvestLot.objects.get(pk=lot.pk)
        assert lot_now.quantity_available + Decimal(QUANTITY) * len(placed) == STOCK

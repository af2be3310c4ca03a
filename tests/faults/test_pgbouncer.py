"""Market Link behind a real PgBouncer in transaction mode, as docker-compose.yml deploys it (issue #13).

A private PgBouncer (tests/faults/conftest.py) with a small pool stands in front of the test database, so that
server connections are really shared: each transaction of a client may run on another server connection, and
whatever a client leaves on one (a `SET`, a prepared statement, a cursor) is met by the next client to get it.

- gunicorn and a Celery worker connect through it with production's `DATABASE_POOLING=transaction` and kept
  connections, and serve buyers in threads: checkouts through the API, catalogue search and pages (the plain
  reads, whose statements a direct connection prepares), a bank transfer notified by webhook and applied by the worker,
  notifications relayed, a reconciliation run by the worker.
- This process's ORM, pointed at it with the same settings (`pooled`), runs the paths that set something on the
  connection, while other clients of the same pool look at what the server connection holds: each must see
  PostgreSQL's defaults, and the path must keep what it set to its own transaction.

Where a test must act between two statements of a path it uses Django's `connection.execute_wrapper` (an
observer: it runs the statement unchanged, then lets the other client look)."""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.db import connection, connections
from django.test import override_settings

from catalog.models import HarvestLot
from catalog.selectors.products import certificates_in_force_for, product_public_get
from market.core.errors import Busy
from market.organisations import services as organisation_services
from market.organisations.models import ApiScope, Organisation, OrganisationKind, Role
from market.payments.models import (
    Discrepancy,
    DiscrepancyKind,
    Payable,
    PayableStatus,
    Payment,
    PaymentState,
    Provider,
    RunStatus,
)
from market.payments.services.reconciliation import reconciliation_run
from orders.models import Checkout, Order
from orders.services import order_confirm
from orders.services.common import PAYABLE_KIND
from tests.catalog.factories import actor_for
from tests.conftest import child_database_url
from tests.factories import OrganisationFactory
from tests.faults.conftest import (
    SERVER_SETTINGS,
    Answer,
    MarketServer,
    PrivatePgBouncer,
    bearer,
    idempotency_key,
    orm_on,
    wait_until,
)
from tests.faults.test_webhook_receiver_down import notify_bank_transfer, ordered_payable, reconcile_through_celery
from tests.orders.factories import only_order, place, stocked_product

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def database_name() -> str:
    return child_database_url().rsplit("/", 1)[1]


@contextlib.contextmanager
def pooled(bouncer: PrivatePgBouncer) -> Iterator[None]:
    """This process's ORM through `bouncer`, configured as market/settings.py configures it for
    DATABASE_POOLING=transaction: no server-side cursors, no startup `options` (the timeouts are the server's),
    parameters bound on the client (nothing prepared)."""
    direct_only = {"options", "server_side_binding", "prepare_threshold"}
    options = {k: v for k, v in connections["default"].settings_dict["OPTIONS"].items() if k not in direct_only}
    with (
        orm_on(bouncer, OPTIONS=options, DISABLE_SERVER_SIDE_CURSORS=True),
        override_settings(DATABASE_POOLING="transaction"),
    ):
        yield


def server_setting(client: psycopg.Connection, name: str) -> str:
    """What the server connection the pool hands `client` now holds for `name`."""
    row = client.execute("SELECT current_setting(%s)", [name]).fetchone()
    assert row is not None
    return str(row[0])


def server_default(name: str) -> str:
    """PostgreSQL's own default for `name` (read on a direct connection that has set nothing)."""
    with psycopg.connect(child_database_url().replace("postgres://", "postgresql://", 1), autocommit=True) as direct:
        return server_setting(direct, name)


@contextlib.contextmanager
def after_statement(matches: Callable[[str], bool], then: Callable[[], None]) -> Iterator[list[str]]:
    """Run `then` once, right after the first statement of this process's ORM for which `matches(sql)`; yields
    the statements seen (to assert the trigger was met)."""
    seen: list[str] = []

    def observe(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        result = execute(sql, params, many, context)
        seen.append(sql)
        if len([s for s in seen if matches(s)]) == 1 and matches(sql):
            then()
        return result

    with connection.execute_wrapper(observe):
        yield seen


# --- what a path sets stays in its transaction ---------------------------------------------------
def test_reconciliation_keeps_its_work_mem_and_its_cursors_to_its_own_transaction(
    private_pgbouncer, buyer, cooperative
):
    """The comparison raises work_mem for its joins and streams their rows through a server-side cursor. Right
    after its first streamed statement, another client of the pool (two server connections) opens a transaction:
    it must find PostgreSQL's default work_mem, not the reconciliation's, and the reconciliation must go on
    reading its cursor and with its work_mem, whatever server connection that client took."""
    bouncer = private_pgbouncer(pool_size=2)
    # A card payment Stripe has no record of: the first streamed comparison lists it.
    _order, payable = ordered_payable(buyer, cooperative)
    unknown = Payment.objects.create(
        payable=payable, provider=Provider.STRIPE, amount=payable.amount, provider_reference="pi_only_here"
    )
    default = server_default("work_mem")
    other = bouncer.connect(database_name())
    seen_by_other: list[str] = []
    seen_by_run: list[str] = []

    def other_client_takes_a_server_connection() -> None:
        other.execute("BEGIN")
        seen_by_other.append(server_setting(other, "work_mem"))
        # What the reconciliation's own next statement runs with (the cursor's work is still to come).
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('work_mem')")
            seen_by_run.append(cursor.fetchone()[0])

    with (
        pooled(bouncer),
        after_statement(lambda sql: "LEFT JOIN" in sql, other_client_takes_a_server_connection) as seen,
    ):
        run = reconciliation_run(sweep=False, grace=timedelta(0))
    other.execute("COMMIT")
    other.close()

    assert any("LEFT JOIN" in sql for sql in seen)
    assert seen_by_other == [default] != [settings.PAYMENTS_RECONCILE_WORK_MEM]
    assert seen_by_run == [settings.PAYMENTS_RECONCILE_WORK_MEM]
    assert (run.status, run.error) == (RunStatus.COMPLETED, "")
    [missing] = Discrepancy.objects.filter(run=run)
    assert (missing.kind, missing.payment_id) == (DiscrepancyKind.MISSING_AT_PROVIDER, unknown.pk)


def test_a_lock_wait_bounded_by_a_path_is_its_transactions_alone(private_pgbouncer, settings, buyer, cooperative):
    """A cooperative confirms an order another transaction holds: the wait ends after LOCK_TIMEOUT_SECONDS
    (`Busy`); then it confirms a free one (committed). The next client of that server connection waits for locks
    as PostgreSQL's default says: the bounded wait was the confirmations' own."""
    settings.LOCK_TIMEOUT_SECONDS = 0.3
    product, lot = stocked_product(cooperative)
    held, free = (only_order(place(actor_for(buyer, Role.OWNER), [((product, lot), "100")])) for _ in range(2))
    bouncer = private_pgbouncer(pool_size=2)
    holder, after = bouncer.connect(database_name()), bouncer.connect(database_name())
    holder.execute("BEGIN")
    holder.execute("SELECT id FROM orders_order WHERE id = %s FOR UPDATE", [held.pk])
    with pooled(bouncer):
        with pytest.raises(Busy):
            order_confirm(actor=actor_for(cooperative, Role.OWNER), order_id=held.pk)
        confirmed = order_confirm(actor=actor_for(cooperative, Role.OWNER), order_id=free.pk)
    # The holder keeps one server connection to the end; both confirmations ran on the other, `after`'s now.
    assert server_setting(after, "lock_timeout") == server_default("lock_timeout")
    assert server_setting(after, "statement_timeout") == server_default("statement_timeout")
    holder.execute("ROLLBACK")
    holder.close()
    after.close()
    assert Order.objects.get(pk=held.pk).status == held.status
    assert Order.objects.get(pk=free.pk).status == confirmed.status != free.status


def test_the_plain_catalogue_reads_prepare_nothing_behind_the_pooler(private_pgbouncer, cooperative):
    """Statements are prepared on a direct connection only (settings.DATABASES): behind the pooler the product and
    certificate reads leave no prepared statement (nor Django's session time zone) on the single server connection
    for the next client to meet — and, configured as a direct connection, the same reads would leave one."""
    product, _lot = stocked_product(cooperative)
    bouncer = private_pgbouncer(pool_size=1)
    other = bouncer.connect(database_name())

    def prepared() -> int:
        row = other.execute("SELECT count(*) FROM pg_prepared_statements").fetchone()
        assert row is not None
        return int(row[0])

    with pooled(bouncer):
        for _ in range(2):
            read = product_public_get(product_id=product.pk)
            certificates_in_force_for(product=read)
        assert read.pk == product.pk
        assert prepared() == 0
        # Django set the time zone for its session when it connected: PgBouncer keeps it to that client.
        assert server_setting(other, "TimeZone") == server_default("TimeZone")
    # The guard's witness: a direct connection's binding (its startup `options` aside, which PgBouncer refuses).
    binding = {k: v for k, v in connections["default"].settings_dict["OPTIONS"].items() if k != "options"}
    with orm_on(bouncer, OPTIONS=binding, DISABLE_SERVER_SIDE_CURSORS=True):
        for _ in range(binding["prepare_threshold"] + 1):
            certificates_in_force_for(product=product_public_get(product_id=product.pk))
        assert prepared() >= 1
    other.close()


# --- the real site through it ----------------------------------------------------------------------
SHOPPERS = 4
ROUNDS = 3
QUANTITY = "100"


@dataclass
class Shopper:
    """One buyer's client: a cart line and a checkout through the API, then the catalogue as people and
    programs read it (search, product, facets, pages, the lot's trace page)."""

    server: MarketServer
    token: str
    product_id: int
    trace: str
    answers: list[tuple[str, Answer]] = field(default_factory=list)
    placed: list[int] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)  # a request that got no answer at all

    def shop(self) -> None:
        try:
            self.rounds()
        except BaseException as error:
            self.errors.append(error)

    def rounds(self) -> None:
        for _ in range(ROUNDS):
            self.ask("POST", "/api/v1/cart/lines/", {"product": self.product_id, "quantity": QUANTITY})
            placed = self.ask("POST", "/api/v1/checkouts/", {}, **{"Idempotency-Key": idempotency_key()})
            if placed.status == 201:
                self.placed.append(placed.json()["id"])
            for path in (
                "/api/v1/products/?search=gao+st25",
                f"/api/v1/products/{self.product_id}/",
                "/api/v1/products/facets/?search=gao",
                "/catalogue/?search=gao+st25",
                f"/products/{self.product_id}/",
                self.trace,
            ):
                self.ask("GET", path)

    def ask(self, method: str, path: str, body: Any = None, **headers: str) -> Answer:
        answer = self.server.request(method, path, body, bearer(self.token, **headers))
        self.answers.append((f"{method} {path}", answer))
        return answer


@pytest.mark.worker
def test_checkouts_payments_catalogue_and_tasks_through_pgbouncer(
    private_pgbouncer, market_server, relay_worker, smtp_server, localstripe_process, cooperative
):
    product, lot = stocked_product(cooperative, quantity="1000000", moq="100", order_multiple="100")
    buyers = [OrganisationFactory(kind=OrganisationKind.BUYER, name=f"Công ty Mua {n}") for n in range(SHOPPERS)]
    tokens = [token_for(buyer, {ApiScope.ORDERS_PLACE, ApiScope.CATALOGUE_READ}) for buyer in buyers]
    bouncer = private_pgbouncer(pool_size=2)
    pooling = {"DATABASE_URL": bouncer.url(database_name()), "DATABASE_POOLING": "transaction",
               "STRIPE_API_BASE": localstripe_process.url, "STRIPE_MAX_NETWORK_RETRIES": "0"}  # fmt: skip
    # The worker with the server's production-like settings too (kept connections: CONN_MAX_AGE), started while
    # gunicorn starts.
    with ThreadPoolExecutor(1) as starting:
        worker = starting.submit(relay_worker, concurrency=2, DJANGO_SETTINGS_MODULE=SERVER_SETTINGS, **pooling)
        server = market_server(**pooling)
        worker.result()
    trace = f"/trace/{HarvestLot.objects.get(pk=lot.pk).public_id}/"
    shoppers = [Shopper(server, token, product.pk, trace) for token in tokens]

    threads = [threading.Thread(target=shopper.shop) for shopper in shoppers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    # Every process keeps its client connection (gunicorn's two workers, the Celery worker's): more of them
    # than the pool's two server connections, which they took in turns.
    wait_until(lambda: len(clients_of(bouncer)) > 2, timeout=30, what="more clients than server connections")
    assert len(bouncer.admin("SHOW SERVERS")) <= 2

    assert not [error for shopper in shoppers for error in shopper.errors]
    answers = [pair for shopper in shoppers for pair in shopper.answers]
    statuses = Counter(answer.status for _, answer in answers)
    assert set(statuses) == {200, 201}, [(what, a.status, a.body[:500]) for what, a in answers if a.status > 201]
    placed = [pk for shopper in shoppers for pk in shopper.placed]
    assert len(placed) == SHOPPERS * ROUNDS
    orders = Order.objects.filter(checkout__in=placed)
    assert orders.count() == len(placed)
    sold = Decimal(QUANTITY) * len(placed)
    assert HarvestLot.objects.get(pk=lot.pk).quantity_available == Decimal(1_000_000) - sold

    # The bank tells of a transfer for one order: stored by gunicorn, matched and applied by the worker.
    order = orders.first()
    assert order is not None
    payable = Payable.objects.get(kind=PAYABLE_KIND, object_id=str(order.pk))
    notified = notify_bank_transfer(server, bank_notification(payable))
    assert notified.status == 200, notified.body[:2000]
    wait_until(lambda: Payable.objects.get(pk=payable.pk).status == PayableStatus.PAID, timeout=60, what="the transfer")
    assert Payment.objects.get(payable=payable).state == PaymentState.SUCCEEDED
    # Reconciliation as beat sends it (a sweep of Stripe's events, then the comparison), run by the worker.
    run = reconcile_through_celery()
    assert (run.status, run.error) == (RunStatus.COMPLETED, ""), run.error
    # The outbox relay (beat, every half second) delivered the order mails through the pool too.
    wait_until(lambda: smtp_server.messages, timeout=60, what="a notification e-mail")

    for process_output in (server.output(), bouncer.output()):
        assert "Traceback" not in process_output, process_output[-4000:]
        assert "unsupported startup parameter" not in process_output
    assert Checkout.objects.count() == len(placed)


def clients_of(bouncer: PrivatePgBouncer) -> list[dict[str, Any]]:
    """The client connections PgBouncer holds to the test database (its admin console's aside)."""
    return [client for client in bouncer.admin("SHOW CLIENTS") if client["database"] == database_name()]


def token_for(organisation: Organisation, scopes: set[ApiScope]) -> str:
    _token, secret = organisation_services.api_token_create(
        actor=actor_for(organisation, Role.OWNER), name="ERP", scopes=frozenset(scopes), expires_on=None
    )
    return secret


def bank_notification(payable: Payable) -> dict[str, Any]:
    """What the bank's notification service sends for a transfer paying `payable` in full."""
    return {"error": 0, "data": {
        "id": 7_001_002, "reference": "FT26339000901", "description": f"{payable.reference} thanh toan don hang",
        "amount": payable.amount, "transactionDateTime": "2026-12-05 10:02:11",
        "accountNumber": payable.account_number or "7700201099999", "bankName": "Agribank",
        "counterAccountName": "CONG TY MUA HANG",
    }}  # fmt: skip

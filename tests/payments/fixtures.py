"""Payments fixtures, registered for the whole suite in tests/conftest.py: localstripe on 127.0.0.1 (a free
port), recorded Stripe objects for what localstripe lacks, signed events, and invoices of the test app's
payable kind ("test.invoice", tests/payables)."""

from __future__ import annotations

import json
import os
import time
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import stripe
from aiohttp import web
from django.conf import settings

from market.organisations.models import Organisation, OrganisationKind, Role, User
from market.payments import services
from market.payments.localstripe import LocalStripeThread, application
from market.payments.models import Payable
from tests.factories import OrganisationFactory, member
from tests.payables.models import TestInvoice

# Objects localstripe does not have (disputes) or cannot be in (a failed refund), served at their Stripe
# paths as recorded payloads: {("GET", "/v1/disputes/du_1"): {...}}.
RECORDED: dict[tuple[str, str], dict[str, Any]] = {}
# Every write request localstripe received: (path, Idempotency-Key header).
WRITES: list[tuple[str, str | None]] = []


@web.middleware
async def _recorded(request: web.Request, handler: Any) -> web.StreamResponse:
    if request.method == "POST" and request.path.startswith("/v1/"):
        WRITES.append((request.path, request.headers.get("Idempotency-Key")))
    payload = RECORDED.get((request.method, request.path))
    if payload is not None:
        return web.json_response(payload)
    return await handler(request)


@pytest.fixture(scope="session")
def localstripe_server() -> Iterator[LocalStripeThread]:
    app = application()
    app.middlewares.append(_recorded)
    server = LocalStripeThread(app=app).start()
    previous = settings.STRIPE_API_BASE
    settings.STRIPE_API_BASE = server.url
    os.environ["STRIPE_API_BASE"] = server.url  # worker processes started by tests inherit it
    yield server
    settings.STRIPE_API_BASE = previous
    server.stop()


@pytest.fixture
def localstripe(localstripe_server: LocalStripeThread, settings: Any) -> Iterator[LocalStripeThread]:
    """localstripe emptied for this test, with no webhook endpoints and no recorded objects.

    The address is set again for each test: when the session server starts inside a test that overrides
    settings (pytest-django's `settings`), what it set is undone with that test's overrides, and every later
    test would call the default port, where nothing listens."""
    settings.STRIPE_API_BASE = localstripe_server.url
    _flush(localstripe_server)
    WRITES.clear()
    yield localstripe_server
    RECORDED.clear()
    WRITES.clear()
    _flush(localstripe_server)


def _flush(server: LocalStripeThread) -> None:
    from localstripe.webhooks import _webhooks

    _webhooks.clear()
    request = urllib.request.Request(f"{server.url}/_config/data", method="DELETE")  # noqa: S310
    urllib.request.urlopen(request, timeout=10).close()  # noqa: S310


@pytest.fixture
def recorded() -> dict[tuple[str, str], dict[str, Any]]:
    return RECORDED


def card_token(server: LocalStripeThread, number: str = "4242424242424242") -> str:
    """What Stripe.js' createToken returns for a card typed into the card element."""
    body = f"card[number]={number}&card[exp_month]=12&card[exp_year]=2030&card[cvc]=123&key=pk_test_localstripe"
    request = urllib.request.Request(  # noqa: S310
        f"{server.url}/v1/tokens",
        data=body.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())["id"]


def sign_stripe(
    payload: dict[str, Any] | bytes, secret: str | None = None, timestamp: int | None = None
) -> tuple[bytes, str]:
    """Body and Stripe-Signature header, signed like Stripe signs (HMAC-SHA256 over 't.body')."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = stripe.WebhookSignature._compute_signature(
        f"{timestamp}.{body.decode()}", secret or settings.STRIPE_WEBHOOK_SECRET
    )
    return body, f"t={timestamp},v1={signature}"


@pytest.fixture
def payee() -> Organisation:
    return OrganisationFactory(
        kind=OrganisationKind.COOPERATIVE,
        name="HTX Lúa gạo Thử nghiệm",
        bank_bin="970405",
        bank_account_number="7700201099999",
        bank_account_holder="HTX LUA GAO THU NGHIEM",
    )


@pytest.fixture
def payer() -> Organisation:
    return OrganisationFactory(kind=OrganisationKind.BUYER, name="Công ty Thực phẩm Thử nghiệm")


@pytest.fixture
def payer_user(payer: Organisation) -> User:
    return member(payer, Role.STAFF)


@pytest.fixture
def make_invoice(payer: Organisation, payee: Organisation) -> Callable[..., Payable]:
    """make_invoice(amount) -> the Payable of a new test invoice, opened through payable_open."""
    counter = iter(range(1, 10_000))

    def make(
        amount: int = 1_500_000, *, payer_org: Organisation | None = None, payee_org: Organisation | None = None
    ) -> Payable:
        invoice = TestInvoice.objects.create(
            number=f"HD{next(counter):04d}-{time.monotonic_ns() % 100000}",
            payer=payer_org or payer,
            payee=payee_org or payee,
            amount=amount,
        )
        return services.payable_open(kind="test.invoice", object_id=invoice.pk)

    return make


def invoice_of(payable: Payable) -> TestInvoice:
    return TestInvoice.objects.get(pk=payable.object_id)

"""Money is never taken or given back twice: a refund retried with its Idempotency-Key is one refund at
Stripe, and two card attempts started at the same instant (two tabs) cannot both be charged."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from market.core.errors import Conflict
from market.organisations.actors import resolve_actor
from market.organisations.models import Role
from market.payments import services
from market.payments.models import PayableStatus, Payment, PaymentState, Refund, RefundState
from tests.factories import member
from tests.payments.fixtures import WRITES, card_token


@pytest.mark.django_db
def test_a_refund_retried_with_its_idempotency_key_refunds_once(api, localstripe, make_invoice, payer_user, alliance):
    payable = make_invoice(1_500_000)
    payment, _ = services.card_payment_start(
        actor=resolve_actor(payer_user), payable_id=payable.pk, token_id=card_token(localstripe)
    )
    client = api(member(alliance, Role.MANAGER))
    url = f"/api/v1/payments/payments/{payment.pk}/refunds/"
    body = {"amount": 500_000, "reason": "Thiếu 1 bao"}
    first = client.post(url, body, HTTP_IDEMPOTENCY_KEY="refund-tab-1")
    again = client.post(url, body, HTTP_IDEMPOTENCY_KEY="refund-tab-1")  # the client timed out and retried
    assert first.status_code == 201
    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert Refund.objects.count() == 1
    assert [path for path, _key in WRITES if path == "/v1/refunds"] == ["/v1/refunds"]
    payment.refresh_from_db()
    assert payment.amount_refunded == 500_000
    # Another key is another refund.
    assert client.post(url, body, HTTP_IDEMPOTENCY_KEY="refund-tab-2").status_code == 201
    assert Refund.objects.filter(state=RefundState.SUCCEEDED).count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_tabs_paying_by_card_at_the_same_instant_are_charged_once(localstripe, make_invoice, payer_user):
    payable = make_invoice(1_500_000)
    tokens = [card_token(localstripe), card_token(localstripe)]
    actor = resolve_actor(payer_user)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def pay(token: str) -> None:
        try:
            start.wait()
            payment, _secret = services.card_payment_start(actor=actor, payable_id=payable.pk, token_id=token)
            outcomes.append(payment.state)
        except Conflict:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=pay, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", PaymentState.SUCCEEDED]
    assert Payment.objects.filter(payable=payable, state=PaymentState.SUCCEEDED).count() == 1
    payable.refresh_from_db()
    assert payable.status == PayableStatus.PAID
    assert payable.amount_paid == 1_500_000

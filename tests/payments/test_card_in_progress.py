"""While another card attempt of a payable may still be charged (another tab opened it and Stripe has not answered
yet, or Stripe is processing it), no card payment is offered: the payable policy says so, so the pay page shows no
card control but the reason, the API leaves `pay_by_card` out of `allowed_actions` and refuses it with the same
words, and the card service refuses it. An attempt waiting for 3-D Secure does not count: a new one cancels it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from html import escape

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from market.core.errors import Conflict
from market.organisations.actors import resolve_actor
from market.organisations.models import User
from market.payments import services
from market.payments.models import EventSource, Payable, Payment, PaymentState, Provider, ProviderStatus
from market.payments.models.payments import ATTEMPT_IN_FLIGHT
from market.payments.policy import PayableAction, attempt_in_progress_message, payable_actions
from tests.matrix import shown_actions
from tests.payments.fixtures import card_token

pytestmark = pytest.mark.django_db
API = "/api/v1/payments"


def opened_in_another_tab(payable: Payable) -> Payment:
    """Another tab's attempt, opened under the payable's lock and not yet answered by Stripe."""
    return Payment.objects.create(payable=payable, provider=Provider.STRIPE, amount=payable.outstanding)


def processing_at_stripe(payable: Payable) -> Payment:
    return Payment.objects.create(
        payable=payable, provider=Provider.STRIPE, amount=payable.outstanding, provider_reference="pi_processing",
        provider_status=ProviderStatus.PROCESSING,
    )  # fmt: skip


IN_PROGRESS: list[Callable[[Payable], Payment]] = [opened_in_another_tab, processing_at_stripe]


def pay_page(user: User, payable: Payable, query: str = "") -> str:
    client = Client()
    client.force_login(user)
    page = client.get(reverse("frontend:pay", args=[payable.reference]) + query)
    assert page.status_code == 200
    return page.content.decode()


@pytest.mark.parametrize("attempt", IN_PROGRESS)
def test_the_page_and_the_api_offer_no_card_payment_and_give_the_services_reason(
    attempt, api, localstripe, make_invoice, payer_user
):
    payable = make_invoice(1_500_000)
    attempt(payable)
    client = api(payer_user)

    refused = client.post(f"{API}/payables/{payable.reference}/card-payments/", {"token": card_token(localstripe)})
    allowed = client.get(f"{API}/payables/{payable.reference}/").json()["allowed_actions"]
    html = pay_page(payer_user, payable, "?method=card")

    assert refused.status_code == 409
    reason = refused.json()["error"]["message"]
    with translation.override("vi"):
        assert reason == attempt_in_progress_message()
    assert escape(reason) in html
    assert PayableAction.PAY_BY_CARD not in allowed
    assert PayableAction.PAY_BY_TRANSFER in allowed
    assert shown_actions(html) == {PayableAction.PAY_BY_TRANSFER.value}
    assert Payment.objects.filter(payable=payable).count() == 1  # nothing new, nothing sent to Stripe


@pytest.mark.parametrize("attempt", IN_PROGRESS)
def test_the_card_service_refuses_with_the_policys_reason(attempt, localstripe, make_invoice, payer_user):
    payable = make_invoice(1_500_000)
    attempt(payable)
    with pytest.raises(Conflict) as refused:
        services.card_payment_start(
            actor=resolve_actor(payer_user), payable_id=payable.pk, token_id=card_token(localstripe)
        )
    assert refused.value.message == attempt_in_progress_message()


def test_an_attempt_waiting_for_3ds_does_not_hold_back_a_new_card(make_invoice, payer_user):
    """The page offers to pay again with another card: the new attempt cancels the waiting one at Stripe first."""
    payable = make_invoice(1_500_000)
    Payment.objects.create(
        payable=payable, provider=Provider.STRIPE, amount=payable.outstanding, provider_reference="pi_3ds",
        provider_status=ProviderStatus.REQUIRES_ACTION,
    )  # fmt: skip
    assert PayableAction.PAY_BY_CARD in payable_actions(actor=resolve_actor(payer_user), payable=payable)


def test_an_attempt_whose_process_died_before_reaching_stripe_no_longer_holds_back_a_card(
    localstripe, make_invoice, payer_user
):
    payable = make_invoice(1_500_000)
    died = opened_in_another_tab(payable)
    Payment.objects.filter(pk=died.pk).update(created_at=timezone.now() - ATTEMPT_IN_FLIGHT - timedelta(seconds=1))

    assert 'data-action="pay_by_card"' in pay_page(payer_user, payable, "?method=card")
    payment, _secret = services.card_payment_start(
        actor=resolve_actor(payer_user), payable_id=payable.pk, token_id=card_token(localstripe)
    )
    assert payment.pk != died.pk


def test_the_notice_polls_until_the_other_attempt_is_answered_then_reloads_the_page(make_invoice, payer_user):
    payable = make_invoice(1_500_000)
    attempt = opened_in_another_tab(payable)
    client = Client()
    client.force_login(payer_user)
    url = reverse("frontend:pay", args=[payable.reference])

    polled = client.get(url, HTTP_HX_REQUEST="true")
    assert 'id="card-in-progress"' in polled.content.decode()
    declined = {"failure_code": "card_declined"}
    services.payment_transition(
        payment_id=attempt.pk, to_state=PaymentState.FAILED, source=EventSource.API, fields=declined
    )
    answered = client.get(url, HTTP_HX_REQUEST="true")
    assert answered.headers.get("HX-Refresh") == "true"

"""Money-moving staff forms act once however often they are sent: each is rendered with a one-time key that
its service claims (`market.core.once`); a resent form answers with what the first submission did."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from market.core.errors import Conflict
from market.core.models import OneTimeKey
from market.core.once import once
from market.organisations.actors import resolve_actor
from market.organisations.models import Role
from market.payments import services
from market.payments.models import Refund, RefundState, Settlement, SettlementState
from market.payments.policy import PAYMENT_POLICY, SETTLEMENT_POLICY, PaymentAction, SettlementAction
from tests.factories import member
from tests.forms import ONCE_KEY
from tests.payments.fixtures import WRITES, card_token
from tests.payments.test_settlements import card_payment


def rendered_keys(response) -> list[str]:
    return ONCE_KEY.findall(response.content.decode())


def stripe_refunds() -> list[str]:
    return [path for path, _key in WRITES if path == "/v1/refunds"]


@pytest.fixture
def card_paid(localstripe, make_invoice, payer_user):
    payment, _ = services.card_payment_start(
        actor=resolve_actor(payer_user), payable_id=make_invoice(1_500_000).pk, token_id=card_token(localstripe)
    )
    return payment


@pytest.mark.django_db
def test_the_refund_form_sent_twice_refunds_once_and_says_so(client, card_paid, alliance):
    client.force_login(member(alliance, Role.MANAGER))
    page = client.get(reverse("frontend:staff-payment", args=[card_paid.pk]))
    (key,) = rendered_keys(page)
    assert rendered_keys(client.get(reverse("frontend:staff-payment", args=[card_paid.pk]))) != [key]
    url = reverse("frontend:staff-payment-refund", args=[card_paid.pk])
    form = {"amount": "500000", "reason": "Thiếu 1 bao", "once_key": key}
    first = client.post(url, form, follow=True)
    assert "Refund sent" in first.content.decode() or "Đã gửi" in first.content.decode()
    again = client.post(url, form, follow=True)  # the browser sent it again after a timeout
    assert again.status_code == 200
    text = again.content.decode()
    assert "already made" in text or "đã được thực hiện" in text
    assert Refund.objects.filter(payment=card_paid).count() == 1
    assert Refund.objects.get().state == RefundState.SUCCEEDED
    assert stripe_refunds() == ["/v1/refunds"]
    card_paid.refresh_from_db()
    assert card_paid.amount_refunded == 500_000
    # The page shown after the refund carries a new key: a second refund is a new decision.
    (fresh,) = rendered_keys(again)
    assert client.post(url, {**form, "once_key": fresh}).status_code == 302
    assert Refund.objects.filter(payment=card_paid).count() == 2


@pytest.mark.django_db
def test_a_refund_form_without_its_key_is_refused_with_a_reason(client, card_paid, alliance):
    client.force_login(member(alliance, Role.MANAGER))
    url = reverse("frontend:staff-payment-refund", args=[card_paid.pk])
    for key in ["", "short", "x" * 101, "<script>alert(1)</script>xxxxxxxx"]:
        response = client.post(url, {"amount": "500000", "reason": "Thiếu 1 bao", "once_key": key})
        assert response.status_code == 400
        assert "reload the page" in response.content.decode() or "tải lại trang" in response.content.decode()
    assert not Refund.objects.exists()
    assert stripe_refunds() == []


@pytest.mark.django_db
def test_a_refused_refund_leaves_its_key_free_for_the_corrected_form(client, card_paid, alliance):
    client.force_login(member(alliance, Role.MANAGER))
    url = reverse("frontend:staff-payment-refund", args=[card_paid.pk])
    key = "k" * 32
    assert client.post(url, {"amount": "9000000", "reason": "Quá", "once_key": key}).status_code == 400
    assert client.post(url, {"amount": "900000", "reason": "Đúng", "once_key": key}).status_code == 302
    assert Refund.objects.get().amount == 900_000


@pytest.mark.django_db
def test_a_refund_sent_after_a_colleague_refunded_it_all_says_why(client, card_paid, alliance):
    # Two staff on the same payment: the second form, sent once the first refunded everything, was refused inside
    # the refund form, which the page no longer shows: a 400 without a word.
    staff = member(alliance, Role.MANAGER)
    services.refund_create(
        actor=resolve_actor(staff), payment_id=card_paid.pk, amount=1_500_000, reason="Hủy đơn", client_key="k" * 32
    )
    client.force_login(staff)
    response = client.post(
        reverse("frontend:staff-payment-refund", args=[card_paid.pk]),
        {"amount": "500.000", "reason": "Thiếu 1 bao", "once_key": "m" * 32},
    )
    assert response.status_code == 400
    told = [str(m) for m in response.context["messages"]]
    card_paid.refresh_from_db()
    assert told == [PAYMENT_POLICY.state_refusal(PaymentAction.REFUND, card_paid)], "told why, once"
    assert all(text in response.content.decode() for text in told)
    assert Refund.objects.filter(payment=card_paid).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_threads_sending_the_same_refund_key_refund_once(localstripe, make_invoice, payer_user, alliance):
    payment, _ = services.card_payment_start(
        actor=resolve_actor(payer_user), payable_id=make_invoice(1_500_000).pk, token_id=card_token(localstripe)
    )
    staff = resolve_actor(member(alliance, Role.MANAGER))
    start = threading.Barrier(2)
    outcomes: list[tuple[int, bool]] = []

    def send() -> None:
        try:
            start.wait()
            done = services.refund_create(
                actor=staff,
                payment_id=payment.pk,
                amount=400_000,
                reason="Hai lần bấm",
                client_key="same-form-key-0001",
            )
            outcomes.append((done.value.pk, done.replayed))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 2
    assert {pk for pk, _replayed in outcomes} == {Refund.objects.get().pk}
    assert sorted(replayed for _pk, replayed in outcomes) == [False, True]
    assert stripe_refunds() == ["/v1/refunds"]
    payment.refresh_from_db()
    assert payment.amount_refunded == 400_000


@pytest.mark.django_db
def test_a_retry_while_the_first_refund_waits_for_stripe_does_not_send_it_again(card_paid, alliance):
    staff = resolve_actor(member(alliance, Role.MANAGER))
    # The first request claimed its refund and was still waiting for Stripe when the retry came.
    waiting = Refund.objects.create(payment=card_paid, amount=300_000, reason="Trả lại", client_key="k" * 20)
    again = services.refund_create(
        actor=staff, payment_id=card_paid.pk, amount=300_000, reason="Trả lại", client_key="k" * 20
    )
    assert (again.value.pk, again.replayed, again.value.state) == (waiting.pk, True, RefundState.PENDING)
    assert stripe_refunds() == []
    # Long after every call of the first request has ended, the retry sends it, under the same Stripe key.
    Refund.objects.filter(pk=waiting.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    sent = services.refund_create(
        actor=staff, payment_id=card_paid.pk, amount=300_000, reason="Trả lại", client_key="k" * 20
    )
    assert (sent.value.pk, sent.replayed, sent.value.state) == (waiting.pk, True, RefundState.SUCCEEDED)
    assert [key for path, key in WRITES if path == "/v1/refunds"] == [f"ml-refund-{waiting.pk}"]


def _settlement_to_pay(make_invoice, payee, alliance) -> tuple[Any, Any, Any]:
    """(a manager of the alliance, a settlement run over the last 30 days, its settlement of `payee`'s card payment)."""
    card_payment(make_invoice(1_000_000), 1_000_000)
    manager = member(alliance, Role.MANAGER)
    yesterday = timezone.localdate() - timedelta(days=1)
    run = services.settlement_run_create(
        actor=resolve_actor(manager), period_start=yesterday - timedelta(days=30), period_end=yesterday
    )
    return manager, run, run.settlements.get(payee=payee)


@pytest.mark.django_db
def test_the_payout_form_sent_twice_records_one_payout_and_says_so(client, make_invoice, payee, alliance):
    manager, run, settlement = _settlement_to_pay(make_invoice, payee, alliance)
    client.force_login(manager)
    (key,) = rendered_keys(client.get(reverse("frontend:staff-settlement-run", args=[run.pk])))
    url = reverse("frontend:staff-settlement-mark-paid", args=[run.pk, settlement.pk])
    form = {f"s{settlement.pk}-bank_reference": "FT26330000001", "once_key": key}
    assert client.post(url, form).status_code == 302
    again = client.post(url, form, follow=True)  # pressed twice
    text = again.content.decode()
    assert again.status_code == 200
    assert "already recorded" in text or "đã được ghi" in text
    settlement.refresh_from_db()
    assert (settlement.state, settlement.paid_reference) == (SettlementState.PAID, "FT26330000001")
    assert OneTimeKey.objects.get(key=key).target_id == settlement.pk
    # Another form (another key) for a paid settlement is still refused: paid once.
    other = client.post(url, {**form, "once_key": "n" * 32, f"s{settlement.pk}-bank_reference": "FT2"})
    assert other.status_code == 400
    assert Settlement.objects.get(pk=settlement.pk).paid_reference == "FT26330000001"


@pytest.mark.django_db
def test_a_payout_a_colleague_recorded_meanwhile_says_why(client, make_invoice, payee, alliance):
    # Two staff on the same run: the second payout form (its own key) was refused inside a form the page no
    # longer shows for a paid settlement, so the answer was a 400 without a word.
    manager, run, settlement = _settlement_to_pay(make_invoice, payee, alliance)
    services.settlement_mark_paid(
        actor=resolve_actor(manager), settlement_id=settlement.pk, bank_reference="FT1", once_key="c" * 32
    )
    client.force_login(member(alliance, Role.MANAGER))
    url = reverse("frontend:staff-settlement-mark-paid", args=[run.pk, settlement.pk])
    response = client.post(url, {f"s{settlement.pk}-bank_reference": "FT2", "once_key": "d" * 32})
    assert response.status_code == 400
    settlement.refresh_from_db()
    told = [str(m) for m in response.context["messages"]]
    assert told == [SETTLEMENT_POLICY.state_refusal(SettlementAction.MARK_PAID, settlement)]
    assert all(text in response.content.decode() for text in told)
    assert settlement.paid_reference == "FT1"


@pytest.mark.django_db
def test_a_key_sent_by_another_person_is_refused(card_paid, alliance):
    first = resolve_actor(member(alliance, Role.MANAGER))
    second = resolve_actor(member(alliance, Role.MANAGER))

    def make() -> Refund:
        return Refund.objects.create(payment=card_paid, amount=1, reason="x")

    assert not once(action="test", key="shared" * 4, actor=first, model=Refund, make=make).replayed
    assert once(action="test", key="shared" * 4, actor=first, model=Refund, make=make).replayed
    with pytest.raises(Conflict):
        once(action="test", key="shared" * 4, actor=second, model=Refund, make=make)
    assert Refund.objects.count() == 1

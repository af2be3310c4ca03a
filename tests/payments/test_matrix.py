"""Generated role × state matrices for payments: a page shows a control exactly when the service accepts the
action (payables, card payments, statements, transfers in review, discrepancies, settlements)."""

from __future__ import annotations

from collections.abc import Callable
from itertools import product

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from market.organisations.actors import resolve_actor
from market.organisations.models import Organisation, OrganisationKind, Role, User
from market.payments import services
from market.payments.models import (
    BankTransaction,
    Discrepancy,
    DiscrepancyKind,
    DiscrepancyStatus,
    EventSource,
    Payable,
    Payment,
    PaymentState,
    Provider,
    ReconciliationRun,
    RunTrigger,
    Settlement,
    SettlementRun,
    SettlementState,
    StatementImport,
    TransactionSource,
)
from market.payments.policy import (
    PayableAction,
    discrepancy_actions,
    payable_actions,
    payment_actions,
    settlement_actions,
    statement_actions,
    transfer_actions,
)
from tests.factories import OrganisationFactory, member
from tests.matrix import accepted, shown_actions, shown_actions_in
from tests.payments.fixtures import card_token

pytestmark = pytest.mark.django_db

ACCOUNT = "7700201099999"


def html(user: User, path: str) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(path)
    assert response.status_code in (200, 403, 404), (path, response.status_code)
    return response.content.decode() if response.status_code == 200 else ""


def transfer(amount: int, note: str, ref: str) -> BankTransaction:
    tx, _created = services.bank_transaction_record(
        account_number=ACCOUNT, bank_reference=ref, booked_at=timezone.now(), amount=amount, description=note,
        source=TransactionSource.STATEMENT,
    )  # fmt: skip
    return tx


# --- payables --------------------------------------------------------------------------------------
# card_in_progress: another tab's card attempt is opened and Stripe has not answered it yet (it may be charged).
PAYABLE_STATES = ["unpaid", "partially_paid", "paid", "cancelled", "card_in_progress"]
PEOPLE = ["payer_staff", "payer_owner", "payee_owner", "payee_manager", "payee_staff", "alliance_staff", "outsider"]


def payable_in(state: str, make_invoice: Callable[..., Payable], staff: User) -> Payable:
    payable = make_invoice(1_500_000)
    if state == "partially_paid":
        tx = transfer(500_000, payable.reference, "FTPART")
        services.bank_transaction_apply(actor=resolve_actor(staff), transaction_id=tx.pk, note="Trả trước một phần")
    if state == "paid":
        transfer(1_500_000, payable.reference, "FTFULL")
    if state == "cancelled":
        services.payable_cancel(kind=payable.kind, object_id=payable.object_id)
    if state == "card_in_progress":
        Payment.objects.create(payable=payable, provider=Provider.STRIPE, amount=payable.outstanding)
    payable.refresh_from_db()
    return payable


def person(who: str, payer: Organisation, payee: Organisation, alliance: Organisation) -> User:
    org, role = {
        "payer_staff": (payer, Role.STAFF),
        "payer_owner": (payer, Role.OWNER),
        "payee_owner": (payee, Role.OWNER),
        "payee_manager": (payee, Role.MANAGER),
        "payee_staff": (payee, Role.STAFF),
        "alliance_staff": (alliance, Role.STAFF),
        "outsider": (OrganisationFactory(kind=OrganisationKind.BUYER), Role.OWNER),
    }[who]
    return member(org, role)


@pytest.mark.parametrize(("state", "who"), list(product(PAYABLE_STATES, PEOPLE)))
def test_payable_matrix(state, who, make_invoice, payer, payee, alliance, localstripe):
    staff = member(alliance, Role.MANAGER)
    payable = payable_in(state, make_invoice, staff)
    user = person(who, payer, payee, alliance)
    actor = resolve_actor(user)
    client = Client()
    client.force_login(user)
    shown = shown_actions(html(user, reverse("frontend:pay", args=[payable.reference])))
    shown |= shown_actions(html(user, reverse("frontend:pay", args=[payable.reference]) + "?method=card"))
    assert shown == {action.value for action in payable_actions(actor=actor, payable=payable)}, (state, who)
    presses: dict[PayableAction, Callable[[], object]] = {
        PayableAction.PAY_BY_CARD: lambda: services.card_payment_start(
            actor=actor, payable_id=payable.pk, token_id=card_token(localstripe)
        ),
        PayableAction.RECORD_TRANSFER: lambda: services.transfer_report(
            actor=actor,
            payable_id=payable.pk,
            amount=payable.outstanding or 1,
            received_on=timezone.localdate(),
            bank_reference=f"REC-{payable.pk}",
            statement_line=payable.reference,
        ),
    }
    for action, press in presses.items():
        assert accepted(press) == (action.value in shown), (state, who, action)
    # Paying by transfer happens at the bank: what the page offers is its QR code.
    qr = client.get(reverse("frontend:pay-qr", args=[payable.reference]))
    assert (qr.status_code == 200) == (PayableAction.PAY_BY_TRANSFER.value in shown), (state, who)


# --- the back office -------------------------------------------------------------------------------
OFFICE = [("alliance", Role.STAFF), ("alliance", Role.MANAGER), ("payee", Role.OWNER)]


def office_user(kind: str, role: str, payee: Organisation, alliance: Organisation) -> User:
    return member(alliance if kind == "alliance" else payee, role)


@pytest.mark.parametrize(("state", "viewer"), list(product(["preview", "applied", "discarded"], OFFICE)))
def test_statement_matrix(state, viewer, make_invoice, payee, alliance):
    manager = resolve_actor(member(alliance, Role.MANAGER))
    payable = make_invoice(1_500_000)
    content = f"transaction_id,booked_at,amount,description\nST1,20/11/2026 09:15,1500000,{payable.reference}\n"
    statement = services.statement_upload(
        actor=manager, file_name="sk.csv", content=content.encode(), bank_format="auto", account_number=ACCOUNT
    )
    if state == "applied":
        services.statement_apply(actor=manager, statement_id=statement.pk)
    if state == "discarded":
        services.statement_discard(actor=manager, statement_id=statement.pk)
    statement = StatementImport.objects.get(pk=statement.pk)
    user = office_user(*viewer, payee, alliance)
    actor = resolve_actor(user)
    shown = shown_actions(html(user, reverse("frontend:staff-statement", args=[statement.pk])))
    assert shown == {action.value for action in statement_actions(actor=actor, statement=statement)}
    assert accepted(lambda: services.statement_apply(actor=actor, statement_id=statement.pk)) == ("apply" in shown)
    assert accepted(lambda: services.statement_discard(actor=actor, statement_id=statement.pk)) == ("discard" in shown)


TRANSFER_STATES = ["unmatched", "reported_exact", "reported_partial", "matched", "dismissed"]


@pytest.mark.parametrize(("state", "viewer"), list(product(TRANSFER_STATES, OFFICE)))
def test_transfer_matrix(state, viewer, make_invoice, payee, alliance):
    manager = resolve_actor(member(alliance, Role.MANAGER))
    payable = make_invoice(1_500_000)
    if state.startswith("reported"):
        amount = 1_500_000 if state == "reported_exact" else 700_000
        tx = services.transfer_report(
            actor=resolve_actor(member(payee, Role.OWNER)), payable_id=payable.pk, amount=amount,
            received_on=timezone.localdate(), bank_reference="REC1", statement_line=payable.reference,
        )  # fmt: skip
    else:
        tx = transfer(1_500_000, payable.reference if state == "matched" else "khong ghi ma", "FT1")
    if state == "dismissed":
        services.bank_transaction_dismiss(actor=manager, transaction_id=tx.pk, note="Chuyển nhầm")
    tx = BankTransaction.objects.get(pk=tx.pk)
    user = office_user(*viewer, payee, alliance)
    actor = resolve_actor(user)
    shown = shown_actions(html(user, reverse("frontend:staff-queue-item", args=[tx.pk])))
    assert shown == {action.value for action in transfer_actions(actor=actor, transfer=tx)}, (state, viewer)
    apply = lambda: services.bank_transaction_apply(  # noqa: E731
        actor=actor, transaction_id=tx.pk, note="Đã đối chiếu", reference=payable.reference
    )
    dismiss = lambda: services.bank_transaction_dismiss(actor=actor, transaction_id=tx.pk, note="Không phải của ta")  # noqa: E731
    assert accepted(apply) == ("apply" in shown), (state, viewer)
    assert accepted(dismiss) == ("dismiss" in shown), (state, viewer)


@pytest.mark.parametrize(("status", "viewer"), list(product(DiscrepancyStatus.values, OFFICE)))
def test_discrepancy_matrix(status, viewer, payee, alliance):
    run = ReconciliationRun.objects.create(trigger=RunTrigger.STAFF)
    discrepancy = Discrepancy.objects.create(
        run=run, key=f"k-{status}", kind=DiscrepancyKind.STALE_PENDING, provider="stripe", cause="Thẻ chưa tới Stripe",
        status=status, resolution_note="" if status == DiscrepancyStatus.OPEN else "Đã gọi khách",
    )  # fmt: skip
    user = office_user(*viewer, payee, alliance)
    actor = resolve_actor(user)
    page = html(user, reverse("frontend:staff-reconciliation-run", args=[run.pk]) + f"?status={status}")
    shown = shown_actions_in(page, f"discrepancy-{discrepancy.pk}")
    assert shown == {action.value for action in discrepancy_actions(actor=actor, discrepancy=discrepancy)}
    press = lambda: services.discrepancy_resolve(actor=actor, discrepancy_id=discrepancy.pk, note="Đã xem")  # noqa: E731
    assert accepted(press) == ("resolve" in shown)


@pytest.mark.parametrize(("state", "viewer"), list(product(SettlementState.values, OFFICE)))
def test_settlement_matrix(state, viewer, payee, alliance):
    run = SettlementRun.objects.create(period_start=timezone.localdate(), period_end=timezone.localdate())
    paid = state == SettlementState.PAID
    settlement = Settlement.objects.create(
        run=run, payee=payee, gross=1_000_000, commission=25_000, net=975_000, state=state, transfer_note="ML QT1",
        paid_at=timezone.now() if paid else None, paid_reference="FT99" if paid else "",
    )  # fmt: skip
    user = office_user(*viewer, payee, alliance)
    actor = resolve_actor(user)
    shown = shown_actions_in(
        html(user, reverse("frontend:staff-settlement-run", args=[run.pk])), f"settlement-{settlement.pk}"
    )
    assert shown == {action.value for action in settlement_actions(actor=actor, settlement=settlement)}
    press = lambda: services.settlement_mark_paid(actor=actor, settlement_id=settlement.pk, bank_reference="FT100")  # noqa: E731
    assert accepted(press) == ("mark_paid" in shown), (state, viewer)


@pytest.mark.parametrize(("kind", "viewer"), list(product(["card_paid", "card_failed", "bank_paid"], OFFICE)))
def test_refund_matrix(kind, viewer, make_invoice, payee, alliance, localstripe):
    payable = make_invoice(1_500_000)
    provider = Provider.BANK_TRANSFER if kind == "bank_paid" else Provider.STRIPE
    payment = Payment.objects.create(
        payable=payable, provider=provider, amount=1_500_000, provider_reference=f"pi_matrix_{kind}"
    )
    target = PaymentState.FAILED if kind == "card_failed" else PaymentState.SUCCEEDED
    services.payment_transition(payment_id=payment.pk, to_state=target, source=EventSource.SYSTEM)
    payment.refresh_from_db()
    user = office_user(*viewer, payee, alliance)
    actor = resolve_actor(user)
    shown = shown_actions(html(user, reverse("frontend:staff-payment", args=[payment.pk])))
    assert shown == {action.value for action in payment_actions(actor=actor, payment=payment)}, (kind, viewer)
    press = lambda: services.refund_create(actor=actor, payment_id=payment.pk, amount=100_000, reason="Trả lại")  # noqa: E731
    assert accepted(press) == ("refund" in shown), (kind, viewer)

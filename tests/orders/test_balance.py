"""A weighed delivery below what was paid (paid 15.000.000 ₫, invoiced 14.790.000 ₫): before, nobody was told
and reconciliation found nothing. Now both sides are told, the order page shows the balance to the buyer, the
cooperative and alliance staff, and it is settled through payments — refunded the way it was paid or kept as
credit — while reconciliation lists it until then."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from market.core.errors import Conflict, PermissionDenied
from market.notifications.models import Channel, Notification
from market.organisations.models import Role
from market.payments import services as payments
from market.payments.models import Discrepancy, DiscrepancyKind, Payable, PayableStatus, Refund, RefundState
from market.payments.services import reconciliation_run
from orders import services
from orders.models import Invoice, InvoiceKind, Order
from orders.policy import OrderAction
from tests.catalog.factories import actor_for, make_lot, make_product
from tests.factories import member
from tests.matrix import shown_actions
from tests.orders.factories import only_order, place
from tests.payments.fixtures import card_token

pytestmark = pytest.mark.django_db
D = Decimal
A = OrderAction


@pytest.fixture
def paddy(cooperative):
    """Fresh paddy sold by its producer: 30.000 ₫/kg, not subject to VAT (KCT)."""
    product = make_product(
        cooperative, name="Lúa tươi OM18", tiers=[("100", 30000)], vat_category="khong-chiu-thue", moq="100"
    )
    make_lot(product, code="LUA-01", quantity="5000")
    return product


@pytest.fixture
def order(buying, paddy, cooperative):
    cooperative.bank_bin, cooperative.bank_account_number = "970405", "7700201012345"
    cooperative.save()
    return only_order(place(buying, [(paddy, "500")]))


def pay_by_transfer(order: Order) -> None:
    payable = Payable.objects.get(object_id=str(order.pk))
    payments.bank_transaction_record(
        account_number=payable.account_number,
        bank_reference=f"FT-{order.pk}",
        booked_at=timezone.now(),
        amount=payable.amount,
        description=f"{payable.reference} thanh toan",
        counterparty="CONG TY MUA HANG",
        source="statement",
    )


def deliver_light(order: Order, selling) -> None:
    """Ship 500 kg; 493 kg arrive (1,4 % lighter, within the 2 % tolerance)."""
    line = order.lines.get()
    services.order_confirm(actor=selling, order_id=order.pk)
    services.shipment_create(actor=selling, order_id=order.pk, quantities={line.pk: D(500)})
    services.order_deliver(actor=selling, order_id=order.pk, quantities={line.pk: D(493)})


def overpaid_discrepancies() -> list[Discrepancy]:
    reconciliation_run(sweep=False, grace=timedelta(0))
    return list(Discrepancy.objects.filter(kind=DiscrepancyKind.OVERPAID))


def test_a_lighter_delivery_than_paid_is_told_shown_and_reconciled(
    client, order, selling, buyer, cooperative, alliance
):
    pay_by_transfer(order)
    assert order.total == 15_000_000
    deliver_light(order, selling)
    order.refresh_from_db()
    assert (order.total, Invoice.objects.get(order=order).total) == (14_790_000, 14_790_000)

    # Both sides are told, through the outbox.
    told = Notification.objects.filter(kind="orders.balance_due", channel=Channel.IN_APP)
    assert sorted(told.values_list("organisation_id", flat=True)) == sorted([buyer.pk, cooperative.pk])
    assert told.first().context["balance_vnd"] == 210_000

    # The buyer, the cooperative and alliance staff see the balance on the order page.
    for organisation in (buyer, cooperative, alliance):
        client.force_login(member(organisation, Role.STAFF))
        page = client.get(reverse("frontend:order-detail", args=[order.pk])).content.decode()
        assert "210.000" in page, organisation
        assert 'class="over-paid"' in page

    # Reconciliation lists the unsettled over-payment.
    [found] = overpaid_discrepancies()
    assert (found.expected, found.actual) == ("14790000", "15000000")


def test_the_cooperative_records_the_transfer_it_sent_back(order, selling, buyer, cooperative):
    pay_by_transfer(order)
    deliver_light(order, selling)
    staff = actor_for(cooperative, Role.STAFF)
    with pytest.raises(PermissionDenied):  # money leaving the cooperative: its owner or manager
        services.order_balance_refund(actor=staff, order_id=order.pk, bank_reference="FT26112233")

    amount = services.order_balance_refund(
        actor=selling, order_id=order.pk, bank_reference="FT26112233", note="Hoàn 7 kg thiếu"
    )
    assert amount == 210_000
    payable = Payable.objects.get(object_id=str(order.pk))
    assert (payable.amount_refunded, payable.overpaid, payable.status) == (210_000, 0, PayableStatus.PARTIALLY_REFUNDED)
    refund = Refund.objects.get()
    assert (refund.state, refund.provider_reference, refund.amount) == (
        RefundState.SUCCEEDED,
        "bank:FT26112233",
        210_000,
    )
    # The invoice already follows the delivery: giving back what was never owed corrects no invoice.
    assert not Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE).exists()
    assert Notification.objects.filter(kind="payments.refunded", organisation=buyer).exists()
    assert order.events.filter(action="balance_refunded").exists()
    assert overpaid_discrepancies() == []
    with pytest.raises(Conflict):  # settled once
        services.order_balance_refund(actor=selling, order_id=order.pk, bank_reference="FT26112299")


def test_or_keeps_it_as_credit_for_the_next_order(order, selling, buyer):
    pay_by_transfer(order)
    deliver_light(order, selling)
    assert services.order_balance_credit(actor=selling, order_id=order.pk, note="Trừ vào đơn sau") == 210_000
    payable = Payable.objects.get(object_id=str(order.pk))
    assert (payable.amount_credited, payable.overpaid, payable.outstanding) == (210_000, 0, 0)
    told = Notification.objects.get(kind="orders.balance_credited", channel=Channel.IN_APP)
    assert (told.organisation_id, told.context["balance_vnd"]) == (buyer.pk, 210_000)
    assert overpaid_discrepancies() == []
    with pytest.raises(Conflict):
        services.order_balance_credit(actor=selling, order_id=order.pk)


def test_a_card_payment_is_refunded_through_stripe_by_alliance_managers(
    localstripe, order, selling, buying, alliance, cooperative
):
    payable = Payable.objects.get(object_id=str(order.pk))
    payments.card_payment_start(actor=buying, payable_id=payable.pk, token_id=card_token(localstripe))
    deliver_light(order, selling)
    from orders.selectors import order_balance, payable_for

    balance = order_balance(order=order, payable=payable_for(order))
    # The card money is with the platform: the cooperative cannot send it back, alliance managers can.
    from orders.policy import order_actions

    assert A.REFUND_BALANCE not in order_actions(actor=selling, balance=balance)
    assert A.CREDIT_BALANCE in order_actions(actor=selling, balance=balance)
    manager = actor_for(alliance, Role.MANAGER)
    assert A.REFUND_BALANCE in order_actions(actor=manager, balance=balance)
    with pytest.raises(Conflict):
        services.order_balance_refund(actor=selling, order_id=order.pk, bank_reference="FT1")

    assert services.order_balance_refund(actor=manager, order_id=order.pk, note="Giao thiếu 7 kg") == 210_000
    refund = Refund.objects.get()
    assert (refund.state, refund.amount) == (RefundState.SUCCEEDED, 210_000)
    assert refund.provider_reference.startswith("re_")
    payable.refresh_from_db()
    assert (payable.amount_refunded, payable.overpaid) == (210_000, 0)
    assert not Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE).exists()
    assert overpaid_discrepancies() == []


def test_the_order_page_offers_settling_to_whom_may_settle(client, order, selling, cooperative, alliance, buyer):
    pay_by_transfer(order)
    deliver_light(order, selling)
    pages = {}
    for name, organisation, role in [
        ("coop_owner", cooperative, Role.OWNER),
        ("coop_staff", cooperative, Role.STAFF),
        ("buyer", buyer, Role.OWNER),
        ("alliance_manager", alliance, Role.MANAGER),
    ]:
        client.force_login(member(organisation, role))
        pages[name] = shown_actions(client.get(reverse("frontend:order-detail", args=[order.pk])).content)
    assert {"refund_balance", "credit_balance"} <= pages["coop_owner"]
    assert not {"refund_balance", "credit_balance"} & (pages["coop_staff"] | pages["buyer"] | pages["alliance_manager"])

    # Recorded from the page: the transfer reference is required, and what was typed stays after a refusal.
    client.force_login(member(cooperative, Role.OWNER))
    url = reverse("frontend:order-action", args=[order.pk, "refund_balance"])
    refused = client.post(url, {"refund-bank_reference": "", "refund-note": "Hoàn tiền thiếu cân"})
    assert refused.status_code == 400
    assert "Hoàn tiền thiếu cân" in refused.content.decode()
    done = client.post(url, {"refund-bank_reference": "FT26110001", "refund-note": "Hoàn tiền thiếu cân"})
    assert done.status_code == 302
    assert Refund.objects.get().provider_reference == "bank:FT26110001"

"""The generated role × state matrices of orders (tests/matrix.py): for every aggregate — order, cart and
checkout, request for quotation, quote — in every state, as anonymous, another organisation, each role of
each side and alliance staff, a page shows a control (`data-action`) exactly when the policy lists the
action, and pressing it through its service is accepted exactly then.

Each press runs in a savepoint that is rolled back, so every action meets the same state."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from market.core.errors import ApplicationError
from market.organisations.models import OrganisationKind, Role
from market.organisations.permissions import Actor
from market.payments import services as payments
from market.payments.models import Payable
from market.payments.policy import PAYABLE_POLICY, PayableAction
from orders import services
from orders.commands import CheckoutDetails
from orders.models import CartLine, Order, Quote, Rfq, RfqStatus
from orders.policy import (
    CheckoutAction,
    OrderAction,
    QuoteAction,
    RfqAction,
    checkout_actions,
    order_actions,
    quote_actions,
    rfq_actions,
)
from orders.selectors import cart_view, order_balance, payable_for
from tests.catalog.factories import actor_for
from tests.factories import OrganisationFactory
from tests.matrix import shown_actions
from tests.orders.factories import DETAILS, only_order, place, rfq_request, stocked_product

pytestmark = pytest.mark.django_db
D = Decimal
A = OrderAction

ROLES = [Role.OWNER, Role.MANAGER, Role.STAFF]


@pytest.fixture
def people(buyer, cooperative, alliance) -> dict[str, Actor]:
    """Everyone who may look at an order: each role of both sides, strangers and alliance staff."""
    cast = {"anonymous": Actor.anonymous()}
    for role in ROLES:
        cast[f"buyer_{role}"] = actor_for(buyer, role)
        cast[f"coop_{role}"] = actor_for(cooperative, role)
    cast["alliance_staff"] = actor_for(alliance, Role.STAFF)
    cast["alliance_manager"] = actor_for(alliance, Role.MANAGER)
    cast["other_buyer"] = actor_for(OrganisationFactory(kind=OrganisationKind.BUYER, name="Công ty khác"), Role.OWNER)
    cast["other_coop"] = actor_for(OrganisationFactory(kind=OrganisationKind.COOPERATIVE, name="HTX khác"), Role.OWNER)
    return cast


def page_actions(actor: Actor, url: str) -> set[str]:
    """The actions the page at `url` offers `actor` (none when it is refused or sends them to log in)."""
    client = Client()
    if actor.user is not None:
        client.force_login(actor.user)
    response = client.get(url)
    return shown_actions(response.content) if response.status_code == 200 else set()


@contextmanager
def rolled_back() -> Iterator[None]:
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def accepted(press: Callable[[], Any]) -> bool:
    """Whether the service accepts the press; the change is rolled back either way."""
    try:
        with rolled_back():
            press()
    except ApplicationError:
        return False
    return True


def check_matrix(people: dict[str, Actor], url: str, policy: Callable[[Actor], set[str]], presses: dict[str, Any]):
    for name, actor in people.items():
        allowed = policy(actor)
        assert page_actions(actor, url) == allowed, (name, "page")
        for action, press in presses.items():
            assert accepted(lambda press=press, actor=actor: press(actor)) is (action in allowed), (name, action)


# --- orders --------------------------------------------------------------------------------------
def pay_by_transfer(order: Order) -> None:
    payable = Payable.objects.get(object_id=str(order.pk))
    payments.bank_transaction_record(
        account_number=payable.account_number or "0",
        bank_reference=f"FT-{order.pk}",
        booked_at=timezone.now(),
        amount=payable.amount,
        description=f"{payable.reference} thanh toan",
        counterparty="CONG TY MUA HANG",
        source="statement",
    )


def bring(order: Order, state: str, selling: Actor, buying: Actor) -> None:
    line = order.lines.get()
    if state == "cancelled":
        services.order_cancel(actor=buying, order_id=order.pk)
        return
    if state.startswith("placed"):
        if state == "placed_paid":
            pay_by_transfer(order)
        return
    if state == "changes_proposed":
        services.order_confirm(actor=selling, order_id=order.pk, quantities={line.pk: D(500)})
        return
    if state == "delivered_over_paid":
        pay_by_transfer(order)
    services.order_confirm(actor=selling, order_id=order.pk)
    if state == "confirmed":
        return
    shipped = D(500) if state == "partly_shipped" else D(1000)
    services.shipment_create(actor=selling, order_id=order.pk, quantities={line.pk: shipped})
    if state in ("partly_shipped", "shipped"):
        return
    delivered = D(986) if state == "delivered_over_paid" else D(1000)
    services.order_deliver(actor=selling, order_id=order.pk, quantities={line.pk: delivered})
    if state == "completed":
        services.order_complete(actor=buying, order_id=order.pk)


def order_presses(order: Order) -> dict[str, Callable[[Actor], Any]]:
    line = order.lines.get()
    left = line.quantity_confirmed - line.quantity_shipped
    return {
        A.CONFIRM: lambda actor: services.order_confirm(actor=actor, order_id=order.pk),
        A.ACCEPT_CHANGES: lambda actor: services.order_accept_changes(actor=actor, order_id=order.pk),
        A.SHIP: lambda actor: services.shipment_create(
            actor=actor, order_id=order.pk, quantities={line.pk: left or D(1)}
        ),
        A.DELIVER: lambda actor: services.order_deliver(actor=actor, order_id=order.pk),
        A.COMPLETE: lambda actor: services.order_complete(actor=actor, order_id=order.pk),
        A.CANCEL: lambda actor: services.order_cancel(actor=actor, order_id=order.pk, reason="Hết hàng do mưa"),
        A.PAY: lambda actor: PAYABLE_POLICY.authorize(
            actor=actor, obj=Payable.objects.get(object_id=str(order.pk)), action=PayableAction.PAY_BY_TRANSFER
        ),
        A.REORDER: lambda actor: services.reorder_to_cart(actor=actor, order_id=order.pk),
        A.REFUND_BALANCE: lambda actor: services.order_balance_refund(
            actor=actor, order_id=order.pk, bank_reference="FT-HOAN-1"
        ),
        A.CREDIT_BALANCE: lambda actor: services.order_balance_credit(actor=actor, order_id=order.pk),
    }


ORDER_STATES = [
    "placed",
    "placed_paid",
    "changes_proposed",
    "confirmed",
    "partly_shipped",
    "shipped",
    "delivered",
    "delivered_over_paid",
    "completed",
    "cancelled",
]


@pytest.mark.parametrize("state", ORDER_STATES)
def test_order_matrix(people, rice, state):
    buying, selling = people[f"buyer_{Role.OWNER}"], people[f"coop_{Role.OWNER}"]
    order = only_order(place(buying, [(rice[0], "1000")]))
    bring(order, state, selling, buying)
    order = Order.objects.get(pk=order.pk)

    def policy(actor: Actor) -> set[str]:
        balance = order_balance(order=Order.objects.get(pk=order.pk), payable=payable_for(order))
        return {str(action) for action in order_actions(actor=actor, balance=balance)}

    check_matrix(people, reverse("frontend:order-detail", args=[order.pk]), policy, order_presses(order))


def test_the_order_page_shows_cancel_only_to_whom_the_service_lets_cancel(client, people, rice):
    """Drift found: every member of the cooperative saw Cancel; the service needs an owner or a manager."""
    buying = people[f"buyer_{Role.OWNER}"]
    order = only_order(place(buying, [(rice[0], "1000")]))
    url = reverse("frontend:order-detail", args=[order.pk])
    assert "cancel" not in page_actions(people[f"coop_{Role.STAFF}"], url)
    assert "cancel" in page_actions(people[f"coop_{Role.MANAGER}"], url)
    assert "cancel" in page_actions(people[f"buyer_{Role.STAFF}"], url)
    assert not accepted(
        lambda: services.order_cancel(actor=people[f"coop_{Role.STAFF}"], order_id=order.pk, reason="Hết hàng")
    )


def test_pay_is_offered_exactly_when_the_payable_policy_says_so(people, rice, buyer):
    """Drift found: "can pay" was decided in the service, the view and the template, three ways."""
    from market.payments.policy import payable_actions

    buying = people[f"buyer_{Role.OWNER}"]
    order = only_order(place(buying, [(rice[0], "1000")]))
    url = reverse("frontend:order-detail", args=[order.pk])
    payable = Payable.objects.get(object_id=str(order.pk))
    for name, actor in people.items():
        assert ("pay" in page_actions(actor, url)) is bool(payable_actions(actor=actor, payable=payable)), name
    pay_by_transfer(order)
    assert all("pay" not in page_actions(actor, url) for actor in people.values())


# --- cart and checkout ---------------------------------------------------------------------------
@pytest.mark.parametrize("state", ["empty", "ready", "a_line_to_correct", "unverified_buyer"])
def test_checkout_matrix(people, rice, buyer, state):
    buying = people[f"buyer_{Role.OWNER}"]
    if state != "empty":
        services.cart_line_set(actor=buying, product_id=rice[0].pk, quantity=D(150))
    if state == "a_line_to_correct":
        type(rice[0]).objects.filter(pk=rice[0].pk).update(moq=D(200))
    if state == "unverified_buyer":
        type(buyer).objects.filter(pk=buyer.pk).update(verification_status="pending")
        for key in [k for k in people if k.startswith("buyer_")]:
            people[key] = actor_for(type(buyer).objects.get(pk=buyer.pk), people[key].role or Role.OWNER)
    line_id = CartLine.objects.values_list("pk", flat=True).first() or 0

    def policy(actor: Actor) -> set[str]:
        return {str(action) for action in checkout_actions(actor=actor, cart=cart_view(actor=actor).state)}

    presses = {
        CheckoutAction.UPDATE_LINE: lambda actor: services.cart_line_update(
            actor=actor, line_id=line_id, quantity=D(200)
        ),
        CheckoutAction.REMOVE_LINE: lambda actor: services.cart_line_remove(actor=actor, line_id=line_id),
        CheckoutAction.PLACE: lambda actor: services.checkout_place(actor=actor, details=CheckoutDetails(**DETAILS)),
    }
    for name, actor in people.items():
        allowed = policy(actor)
        shown = page_actions(actor, reverse("frontend:cart")) | page_actions(actor, reverse("frontend:checkout"))
        assert shown == allowed, (name, state)
        if name in ("other_buyer",):
            continue  # another buyer's own (empty) cart: its line ids are not this cart's
        for action, press in presses.items():
            assert accepted(lambda press=press, actor=actor: press(actor)) is (action in allowed), (name, action)


# --- requests for quotation and quotes -----------------------------------------------------------
RFQ_STATES = ["open", "open_quoted", "quote_withdrawn", "quote_expired", "closing_passed", "closed", "awarded"]


def bring_rfq(state: str, buying: Actor, selling: Actor, rice: Any, other: Actor) -> Rfq:
    rfq = services.rfq_create(actor=buying, request=rfq_request(rice[0]))
    if state == "open":
        return rfq
    # Another cooperative's quote stays open in every state but the closed ones.
    other_rice, _lot = stocked_product(other.organisation, code="KHAC-Q")
    services.quote_submit(actor=other, rfq_id=rfq.pk, product_id=other_rice.pk, quantity=D(1000), unit_price=28000)
    quote = services.quote_submit(
        actor=selling, rfq_id=rfq.pk, product_id=rice[0].pk, quantity=D(1000), unit_price=29000
    )
    if state == "quote_withdrawn":
        services.quote_withdraw(actor=selling, quote_id=quote.pk)
    elif state == "quote_expired":
        Quote.objects.filter(pk=quote.pk).update(valid_until=timezone.now() - timedelta(hours=1))
    elif state == "closing_passed":
        Rfq.objects.filter(pk=rfq.pk).update(closes_at=timezone.now() - timedelta(hours=1))
    elif state == "closed":
        services.rfq_close(actor=buying, rfq_id=rfq.pk)
    elif state == "awarded":
        services.quote_accept(actor=buying, quote_id=quote.pk)
    return Rfq.objects.get(pk=rfq.pk)


@pytest.mark.parametrize("state", RFQ_STATES)
def test_rfq_and_quote_matrix(people, rice, state):
    buying, selling, other = people[f"buyer_{Role.OWNER}"], people[f"coop_{Role.OWNER}"], people["other_coop"]
    rfq = bring_rfq(state, buying, selling, rice, other)
    assert (rfq.status == RfqStatus.OPEN) is (state not in ("closed", "awarded"))
    quotes = list(Quote.objects.filter(rfq=rfq).select_related("rfq").order_by("pk"))

    def policy(actor: Actor) -> set[str]:
        from orders.selectors import quotes_for, rfq_list_for

        fresh = Rfq.objects.get(pk=rfq.pk)
        actions = {str(action) for action in rfq_actions(actor=actor, rfq=fresh)}
        if rfq_list_for(actor=actor).filter(pk=rfq.pk).exists():
            for quote in quotes_for(actor=actor, rfq=fresh):
                actions |= {str(action) for action in quote_actions(actor=actor, quote=quote)}
        return actions

    for name, actor in people.items():
        allowed = policy(actor)
        assert page_actions(actor, reverse("frontend:rfq", args=[rfq.pk])) == allowed, (name, state)
        may_quote = accepted(
            lambda actor=actor: services.quote_submit(
                actor=actor, rfq_id=rfq.pk, product_id=rice[0].pk, quantity=D(1000), unit_price=28500
            )
        )
        # Only the cooperative owning the product can quote it; others are refused for the product.
        if actor.organisation_id == rice[0].cooperative_id:
            assert may_quote is (RfqAction.QUOTE in allowed), (name, "quote")
        assert accepted(lambda actor=actor: services.rfq_close(actor=actor, rfq_id=rfq.pk)) is (
            RfqAction.CLOSE in allowed
        ), (name, "close")
        for quote in quotes:
            mine = {
                str(a) for a in quote_actions(actor=actor, quote=Quote.objects.select_related("rfq").get(pk=quote.pk))
            }
            for action, press in (
                (QuoteAction.ACCEPT, lambda q=quote, actor=actor: services.quote_accept(actor=actor, quote_id=q.pk)),
                (
                    QuoteAction.WITHDRAW,
                    lambda q=quote, actor=actor: services.quote_withdraw(actor=actor, quote_id=q.pk),
                ),
            ):
                assert accepted(press) is (action in mine), (name, action, quote.status)


def test_cooperative_staff_see_open_requests_but_no_quote_form(people, rice):
    """Quoting needs an owner or a manager: staff members could see the form and then be refused."""
    rfq = services.rfq_create(actor=people[f"buyer_{Role.OWNER}"], request=rfq_request(rice[0]))
    url = reverse("frontend:rfq", args=[rfq.pk])
    assert page_actions(people[f"coop_{Role.STAFF}"], url) == set()
    assert page_actions(people[f"coop_{Role.MANAGER}"], url) == {"quote"}

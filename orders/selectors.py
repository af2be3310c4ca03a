"""Every read of orders, scoped to the caller: a buyer sees its own orders, a cooperative the orders placed
with it, alliance staff all of them. A foreign id answers exactly like a missing one (NotFound)."""

from __future__ import annotations

import functools
import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, NotRequired, TypedDict

from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DecimalField,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.expressions import BaseExpression
from django.db.models.functions import Coalesce, JSONObject, TruncDate, TruncMonth
from django.utils import timezone

from catalog.models import Product
from catalog.selectors import price_for_quantity
from market.core.errors import ApplicationError, NotFound
from market.organisations.models import Organisation
from market.organisations.permissions import Actor
from market.organisations.selectors import json_value
from market.payments.models import Payable, Payment, PaymentState, Provider
from orders.cart_rows import cart_lines
from orders.inputs import Inbox
from orders.models import (
    Cart,
    CartLine,
    Invoice,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    PaymentStatus,
    Quote,
    QuoteStatus,
    Rfq,
    RfqStatus,
    Shipment,
    ShipmentLine,
)
from orders.permissions import ORDERS_VIEW_ALL
from orders.policy import Balance, CartState
from orders.totals import TaxedAmount, line_amount, totals_of

S = OrderStatus


# --- cart ----------------------------------------------------------------------------------------
@dataclass
class CartRow:
    line: CartLine
    unit_price: int | None
    amount: int | None
    vat_rate: Decimal
    vat_exempt: bool
    problem: str = ""


@dataclass
class CartGroup:
    cooperative: Any
    rows: list[CartRow]
    subtotal: int
    vat_total: int
    total: int


@dataclass
class CartView:
    groups: list[CartGroup]

    @property
    def total(self) -> int:
        return sum(group.total for group in self.groups)

    @property
    def state(self) -> CartState:
        """What the checkout policy decides on."""
        rows = [row for group in self.groups for row in group.rows]
        return CartState(line_count=len(rows), problem_count=sum(1 for row in rows if row.problem))

    def problems(self) -> dict[str, list[str]]:
        return {
            f"lines.{row.line.pk}": [f"{row.line.product.name}: {row.problem}"]
            for group in self.groups
            for row in group.rows
            if row.problem
        }


def _message(error: ApplicationError) -> str:
    return "; ".join(m for msgs in error.fields.values() for m in msgs) or error.message


def cart_view(*, actor: Actor) -> CartView:
    """The acting buyer's cart, grouped by cooperative with each line priced at today's tier, in one query
    (`cart_lines`). A line that can no longer be ordered as it is keeps its place with the reason."""
    if actor.organisation_id is None or not actor.is_buyer:
        return CartView(groups=[])
    return cart_view_of(cart_lines(buyer_id=actor.organisation_id))


def cart_view_of(lines: list[CartLine]) -> CartView:
    """Cart lines (as `cart_lines` reads them, by cooperative) grouped and priced."""
    groups: dict[int, CartGroup] = {}
    for line in lines:
        product = line.product
        vat = product.vat_category
        rate = vat.rate_percent if vat.subject_to_vat else Decimal(0)
        row = CartRow(line=line, unit_price=None, amount=None, vat_rate=rate, vat_exempt=not vat.subject_to_vat)
        try:
            quote = price_for_quantity(product=product, quantity=line.quantity)
            row.unit_price, row.amount = int(quote.unit_price.amount), int(quote.total.amount)
            totals_of([TaxedAmount(row.unit_price, line.quantity, rate, exempt=row.vat_exempt)])
        except ApplicationError as error:
            row.problem = _message(error)
        group = groups.setdefault(product.cooperative_id, CartGroup(product.cooperative, [], 0, 0, 0))
        group.rows.append(row)
    for group in groups.values():
        priced = [r for r in group.rows if r.unit_price is not None and not r.problem]
        try:
            totals = totals_of(
                TaxedAmount(r.unit_price or 0, r.line.quantity, r.vat_rate, r.vat_exempt) for r in priced
            )
        except ApplicationError as error:
            for row in priced:
                row.problem = _message(error)
            continue
        group.subtotal, group.vat_total, group.total = totals.subtotal, totals.vat_total, totals.total
    return CartView(groups=list(groups.values()))


def product_unit(*, product_id: int | None) -> str | None:
    """The sales unit of a product, for reading a quantity typed for it ("1,5 tấn" on a kg product)."""
    if product_id is None:
        return None
    return Product.objects.filter(pk=product_id).values_list("unit", flat=True).first()


def cart_exists(*, actor: Actor) -> bool:
    return Cart.objects.filter(buyer_id=actor.organisation_id, lines__isnull=False).exists()


# --- orders --------------------------------------------------------------------------------------
def inbox_q(view: str) -> Q:
    """Which orders an inbox tab (orders.inputs.Inbox) holds: the list and the dashboards' counts read the
    same condition. Any other value (the "all" tab) selects everything."""
    if view == Inbox.NEW:
        return Q(status__in=[S.PLACED, S.CHANGES_PROPOSED])
    if view == Inbox.TO_SHIP:
        return Q(status__in=[S.CONFIRMED, S.PARTLY_SHIPPED])
    if view == Inbox.OVERDUE:
        return Q(status__in=[S.CONFIRMED, S.PARTLY_SHIPPED], ship_by__lt=timezone.localdate()) | Q(
            status=S.PLACED, created_at__lt=timezone.now() - timedelta(days=2)
        )
    if view == Inbox.OPEN:
        return ~Q(status__in=[S.COMPLETED, S.CANCELLED])
    return Q()


def order_list_for(
    *,
    actor: Actor,
    status: str | None = None,
    view: str | None = None,
    search: str | None = None,
    cooperative_id: int | None = None,
    buyer_id: int | None = None,
    placed_from: date | None = None,
    placed_to: date | None = None,
) -> QuerySet[Order]:
    """Orders the actor may read. `view` narrows a cooperative's inbox: new, to_ship, overdue."""
    if actor.can(ORDERS_VIEW_ALL):
        queryset = Order.objects.all()
    elif actor.organisation_id is not None and actor.is_buyer:
        queryset = Order.objects.filter(buyer_id=actor.organisation_id)
    elif actor.organisation_id is not None and actor.is_seller:
        queryset = Order.objects.filter(cooperative_id=actor.organisation_id)
    else:
        return Order.objects.none()
    if status:
        queryset = queryset.filter(status=status)
    if view:
        queryset = queryset.filter(inbox_q(view))
    if search:
        queryset = queryset.filter(
            Q(number__icontains=search.strip()) | Q(checkout__po_number__icontains=search.strip())
        )
    if cooperative_id:
        queryset = queryset.filter(cooperative_id=cooperative_id)
    if buyer_id:
        queryset = queryset.filter(buyer_id=buyer_id)
    if placed_from:
        queryset = queryset.filter(created_at__date__gte=placed_from)
    if placed_to:
        queryset = queryset.filter(created_at__date__lte=placed_to)
    return queryset.select_related("buyer", "cooperative", "checkout")


def orders_filtered(*, actor: Actor, fields: Mapping[str, Any]) -> QuerySet[Order]:
    """The orders a list filter selects (orders.inputs.OrderFilterInput's values), for the API and the pages."""
    view = fields.get("view")
    return order_list_for(
        actor=actor,
        status=fields.get("status"),
        view=None if view in (None, "all") else view,
        search=fields.get("search") or None,
        cooperative_id=fields.get("cooperative"),
        buyer_id=fields.get("buyer"),
        placed_from=fields.get("placed_from"),
        placed_to=fields.get("placed_to"),
    )


def order_line_units(*, actor: Actor, order_id: int) -> dict[int, str]:
    """{line id: unit} of an order the actor may read (empty otherwise), to read quantities typed for it."""
    lines = OrderLine.objects.filter(order__in=order_list_for(actor=actor), order_id=order_id)
    return dict(lines.values_list("pk", "unit"))


def cart_line_unit(*, actor: Actor, line_id: int) -> str | None:
    return (
        CartLine.objects.filter(cart__buyer_id=actor.organisation_id, pk=line_id)
        .values_list("product__unit", flat=True)
        .first()
    )


def with_order_details(queryset: QuerySet[Order]) -> QuerySet[Order]:
    """What the order's detail (OrderOut) reads, in a fixed number of queries."""
    return queryset.prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.order_by("position", "id")),
        Prefetch(
            "events",
            queryset=OrderEvent.objects.select_related("actor_user", "actor_organisation").order_by("created_at", "id"),
        ),
        Prefetch(
            "shipments",
            queryset=Shipment.objects.prefetch_related(
                Prefetch("lines", queryset=ShipmentLine.objects.select_related("line"))
            ).order_by("number"),
        ),
        Prefetch("invoices", queryset=Invoice.objects.order_by("issued_at", "id")),
    )


def order_get_for(*, actor: Actor, order_id: int) -> Order:
    order = with_order_details(order_list_for(actor=actor)).filter(pk=order_id).first()
    if order is None:
        raise NotFound()
    return order


def checkout_get_for(*, actor: Actor, checkout_id: int) -> Any:
    from orders.models import Checkout

    checkout = Checkout.objects.filter(pk=checkout_id, buyer_id=actor.organisation_id).first()
    if checkout is None:
        raise NotFound()
    return checkout


def checkout_orders(*, checkout: Any) -> list[Order]:
    return list(checkout.orders.select_related("cooperative").order_by("cooperative_id"))


def shipment_list_for(*, actor: Actor, order_id: int | None = None) -> QuerySet[Shipment]:
    orders = order_list_for(actor=actor)
    queryset = Shipment.objects.filter(order__in=orders)
    if order_id:
        queryset = queryset.filter(order_id=order_id)
    return queryset.select_related("order").prefetch_related(
        Prefetch("lines", queryset=ShipmentLine.objects.order_by("id"))
    )


def invoice_list_for(*, actor: Actor, order_id: int | None = None) -> QuerySet[Invoice]:
    orders = order_list_for(actor=actor)
    queryset = Invoice.objects.filter(order__in=orders)
    if order_id:
        queryset = queryset.filter(order_id=order_id)
    return queryset.select_related("order")


def invoices_filtered(*, actor: Actor, fields: Mapping[str, Any]) -> QuerySet[Invoice]:
    """The invoices a list filter selects (orders.inputs.InvoiceFilterInput's values)."""
    queryset = invoice_list_for(actor=actor, order_id=fields.get("order"))
    if fields.get("issued_from"):
        queryset = queryset.filter(issued_at__date__gte=fields["issued_from"])
    if fields.get("issued_to"):
        queryset = queryset.filter(issued_at__date__lte=fields["issued_to"])
    return queryset


def invoice_get_for(*, actor: Actor, invoice_id: int) -> Invoice:
    invoice = invoice_list_for(actor=actor).filter(pk=invoice_id).first()
    if invoice is None:
        raise NotFound()
    return invoice


def payable_for(order: Order) -> Payable | None:
    from orders.services.common import PAYABLE_KIND

    return Payable.objects.filter(kind=PAYABLE_KIND, object_id=str(order.pk)).first()


REFUNDABLE_STATES = (PaymentState.SUCCEEDED, PaymentState.PARTIALLY_REFUNDED)


def order_balance(*, order: Order, payable: Payable | None) -> Balance:
    """What the buyer paid against what the order costs now, and how a balance owed back could go back."""
    from market.payments.services.balances import unsettled_overpayment

    if payable is None:
        return Balance(order=order, payable=None)
    over_paid = unsettled_overpayment(payable) if payable.overpaid > 0 else 0
    if over_paid <= 0:
        return Balance(order=order, payable=payable)
    left = {
        row["provider"]: int(row["left"] or 0)
        for row in Payment.objects.filter(payable=payable, state__in=REFUNDABLE_STATES)
        .values("provider")
        .annotate(left=Sum(F("amount") - F("amount_refunded")))
    }
    return Balance(
        order=order,
        payable=payable,
        over_paid=over_paid,
        refundable_by_card=left.get(Provider.STRIPE, 0),
        refundable_by_transfer=left.get(Provider.BANK_TRANSFER, 0),
    )


# --- sales summary -------------------------------------------------------------------------------
SOLD = [S.CONFIRMED, S.PARTLY_SHIPPED, S.SHIPPED, S.DELIVERED, S.COMPLETED]


def sales_summary(*, actor: Actor, since: date | None = None) -> dict[str, list[dict[str, Any]]]:
    """The cooperative's sales (confirmed orders onwards, before VAT) by product, by buyer and by month."""
    orders = order_list_for(actor=actor).filter(status__in=SOLD)
    if since:
        orders = orders.filter(created_at__date__gte=since)
    months = (
        orders.annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(total=Sum("subtotal"), orders=Count("id"))
        .order_by("month")
    )
    buyers = (
        orders.values("buyer_id", "buyer__name")
        .annotate(total=Sum("subtotal"), orders=Count("id"))
        .order_by("-total")[:20]
    )
    lines = OrderLine.objects.filter(order__in=orders)
    products = (
        lines.values("product_id", "product_name", "unit")
        .annotate(orders=Count("order", distinct=True), quantity=Sum("quantity_confirmed"))
        .order_by("-quantity")[:20]
    )
    by_month: list[dict[str, Any]] = [dict(row) for row in months]
    by_buyer: list[dict[str, Any]] = [dict(row) for row in buyers]
    by_product: list[dict[str, Any]] = [dict(row) for row in products]
    amounts: dict[int, int] = {}
    for line in lines.only("product_id", "unit_price", "quantity_confirmed", "quantity_delivered"):
        amounts[line.product_id] = amounts.get(line.product_id, 0) + line_amount(line.unit_price, line.billed_quantity)
    for row in by_product:
        row["total"] = amounts.get(row["product_id"], 0)
    by_product.sort(key=lambda r: -r["total"])
    return {"by_month": by_month, "by_buyer": by_buyer, "by_product": by_product}


# --- dashboards ----------------------------------------------------------------------------------
# Money that changed hands: orders delivered (or completed), and orders paid before delivery.
EARNED = (
    Q(status__in=[S.DELIVERED, S.COMPLETED])
    | Q(payment_status__in=[PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED])
) & ~Q(status=S.CANCELLED)


@dataclass(frozen=True)
class MonthTotal:
    month: date  # the first day of the month
    total: int


@dataclass(frozen=True)
class Share:
    """One row of a "top five": who or what, and how much (before VAT)."""

    label: str
    total: int


@dataclass(frozen=True)
class SellerWork:
    to_confirm: int
    to_ship: int
    overdue: int
    rfqs_to_answer: int


@dataclass(frozen=True)
class BuyerWork:
    open_orders: int
    being_prepared: int
    on_the_way: int


def month_starts(*, months: int, today: date | None = None) -> list[date]:
    """The first days of the last `months` months, the current one last."""
    day = (today or timezone.localdate()).replace(day=1)
    starts = [day]
    while len(starts) < months:
        day = (day - timedelta(days=1)).replace(day=1)
        starts.append(day)
    return starts[::-1]


def earned_by_month(*, actor: Actor, months: int = 12) -> list[MonthTotal]:
    """Before VAT, the orders the actor may read (a cooperative: its sales; staff: the marketplace's GMV)
    that were delivered or paid, in the month they were delivered (placed, if paid before delivery);
    every month shown, empty ones at zero. One query."""
    starts = month_starts(months=months)
    first = timezone.make_aware(datetime.combine(starts[0], time.min))
    rows = (
        order_list_for(actor=actor)
        .filter(EARNED)
        .annotate(month=TruncMonth(Coalesce("delivered_at", "created_at")))
        .filter(month__gte=first)
        .values("month")
        .annotate(total=Sum("subtotal"))
        .order_by()
    )
    totals = {timezone.localtime(row["month"]).date(): int(row["total"] or 0) for row in rows}
    return [MonthTotal(month, totals.get(month, 0)) for month in starts]


def seller_work(*, actor: Actor) -> SellerWork:
    """What waits for the cooperative: new orders to confirm, confirmed ones to ship (and how many of those
    are past their ship-by date or unanswered too long), and open requests for quotation it has not quoted
    on. Two queries."""
    counts = order_list_for(actor=actor).aggregate(
        to_confirm=Count("id", filter=inbox_q(Inbox.NEW)),
        to_ship=Count("id", filter=inbox_q(Inbox.TO_SHIP)),
        overdue=Count("id", filter=inbox_q(Inbox.OVERDUE)),
    )
    rfqs = (
        rfq_list_for(actor=actor, status=RfqStatus.OPEN)
        .filter(closes_at__gte=timezone.now())
        .exclude(quotes__cooperative_id=actor.organisation_id)
        .count()
    )
    return SellerWork(rfqs_to_answer=rfqs, **counts)


def buyer_work(*, actor: Actor) -> BuyerWork:
    """The buyer's open orders, those the cooperatives are preparing and those on the way. One query."""
    counts = order_list_for(actor=actor).aggregate(
        open_orders=Count("id", filter=inbox_q(Inbox.OPEN)),
        being_prepared=Count("id", filter=inbox_q(Inbox.TO_SHIP)),
        on_the_way=Count("id", filter=Q(status=S.SHIPPED)),
    )
    return BuyerWork(**counts)


def spend_by_cooperative(*, actor: Actor, since: date, limit: int = 5) -> list[Share]:
    """The buyer's biggest suppliers since `since`: delivered or paid orders, before VAT. One query."""
    rows = (
        order_list_for(actor=actor, placed_from=since)
        .filter(EARNED)
        .values("cooperative_id", "cooperative__name")
        .annotate(total=Sum("subtotal"))
        .order_by("-total", "cooperative__name")[:limit]
    )
    return [Share(row["cooperative__name"], int(row["total"] or 0)) for row in rows]


def spend_by_product(*, actor: Actor, since: date, limit: int = 5) -> list[Share]:
    """The products the buyer spent most on since `since` (delivered or paid orders; a line counts at its
    delivered quantity once known, else its confirmed one, like the invoice). One query."""
    billed = ExpressionWrapper(
        F("unit_price") * Coalesce("quantity_delivered", "quantity_confirmed"),
        output_field=DecimalField(max_digits=32, decimal_places=3),
    )
    rows = (
        OrderLine.objects.filter(order__in=order_list_for(actor=actor, placed_from=since).filter(EARNED))
        .values("product_id")
        .annotate(name=Max("product_name"), total=Sum(billed))
        .order_by("-total", "name")[:limit]
    )
    return [Share(row["name"], int(row["total"] or 0)) for row in rows]


def order_counts(*, actor: Actor, since: date) -> dict[str, int]:
    """The orders the actor may read (staff: the marketplace's) placed since `since`, and those still open.
    One query."""
    return order_list_for(actor=actor).aggregate(
        placed=Count("id", filter=Q(created_at__date__gte=since)), open=Count("id", filter=inbox_q(Inbox.OPEN))
    )


# --- quotations ----------------------------------------------------------------------------------
def rfq_list_for(*, actor: Actor, status: str | None = None) -> QuerySet[Rfq]:
    """A buyer's own requests; for a cooperative, the open ones it may quote on; staff: all."""
    if actor.can(ORDERS_VIEW_ALL):
        queryset = Rfq.objects.all()
    elif actor.organisation_id is not None and actor.is_buyer:
        queryset = Rfq.objects.filter(buyer_id=actor.organisation_id)
    elif actor.organisation_id is not None and actor.is_seller:
        queryset = Rfq.objects.filter(
            Q(status=RfqStatus.OPEN, closes_at__gte=timezone.now()) | Q(quotes__cooperative_id=actor.organisation_id)
        ).distinct()
    else:
        return Rfq.objects.none()
    if status:
        queryset = queryset.filter(status=status)
    return queryset.select_related("buyer", "product", "category").annotate(
        quote_count=Count("quotes", filter=Q(quotes__status=QuoteStatus.SUBMITTED), distinct=True)
    )


def rfq_get_for(*, actor: Actor, rfq_id: int) -> Rfq:
    rfq = rfq_list_for(actor=actor).filter(pk=rfq_id).first()
    if rfq is None:
        raise NotFound()
    return rfq


def quotes_for(*, actor: Actor, rfq: Rfq) -> list[Quote]:
    """The buyer (and staff) see every quote; a cooperative only its own."""
    queryset = Quote.objects.filter(rfq=rfq).select_related("cooperative", "product")
    if not (actor.can(ORDERS_VIEW_ALL) or rfq.buyer_id == actor.organisation_id):
        queryset = queryset.filter(cooperative_id=actor.organisation_id)
    return list(queryset.order_by("unit_price", "id"))


# --- a cooperative's public record (its storefront) -----------------------------------------------
RECORD_DAYS = 365
# Below this many orders (or quotes) a median or a rate says more about luck than about the cooperative:
# the storefront says "not enough data" instead.
RECORD_MIN_SAMPLES = 5


class _Median(Aggregate):
    """PostgreSQL's percentile_cont(0.5): an ordered-set aggregate Django does not ship. A FILTER clause is
    appended after WITHIN GROUP, which is where PostgreSQL expects it."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"


@dataclass(frozen=True)
class SellerRecord:
    """How a cooperative answered and delivered over the last 12 months, for anyone to read. A figure is
    None when it rests on fewer than RECORD_MIN_SAMPLES orders or quotes."""

    orders_answered: int
    order_response: timedelta | None  # median, order placed → confirmed
    rfqs_answered: int
    quote_response: timedelta | None  # median, request received → quote sent
    deliveries_due: int  # orders with a ship-by date that were delivered, or are past it undelivered
    deliveries_on_time: int
    on_time_rate: float | None  # deliveries_on_time / deliveries_due

    @property
    def on_time_percent(self) -> int | None:
        return None if self.on_time_rate is None else round(self.on_time_rate * 100)


class _Seconds(Func):
    """EXTRACT(EPOCH FROM an interval): a duration as a number, which JSON can carry."""

    template = "EXTRACT(EPOCH FROM %(expressions)s)"
    output_field = FloatField()


def _median_of(duration: ExpressionWrapper, condition: Q) -> dict[str, Any]:
    """The median in seconds, in the same aggregate, on PostgreSQL; SQLite (the zero-setup default) has no
    percentile: `_median_duration` takes it in Python there."""
    if connection.vendor != "postgresql":
        return {}
    return {"median": _Seconds(_Median(duration, filter=condition, output_field=DurationField()))}


class _Figures(TypedDict):
    """One aggregate of `_record_parts` as read back from its JSON object (`seller_record_values`)."""

    answered: int
    median: NotRequired[float | None]  # seconds, on PostgreSQL only (`_median_of`)


class _OrderFigures(_Figures):
    due: int
    on_time: int


def _seconds(figures: _Figures) -> timedelta | None:
    seconds = figures.get("median")
    return None if seconds is None else timedelta(seconds=float(seconds))


def _median_duration(queryset: QuerySet[Any], duration: ExpressionWrapper, condition: Q) -> timedelta | None:
    values = sorted(queryset.filter(condition).annotate(d=duration).values_list("d", flat=True))
    return statistics.median(values) if values else None


def _medians(
    cooperative_id: int, now: datetime, counted: _Figures, quoted: _Figures
) -> tuple[timedelta | None, timedelta | None]:
    """(order response, quote response): read with the figures on PostgreSQL (`_median_of`), taken in Python
    elsewhere."""
    if connection.vendor == "postgresql":
        return _seconds(counted), _seconds(quoted)
    parts = _record_parts(cooperative_id, now)
    return (
        _median_duration(parts.orders, parts.order_wait, parts.answered),
        _median_duration(parts.quotes, parts.quote_wait, Q()),
    )


@dataclass(frozen=True)
class _RecordParts:
    orders: QuerySet[Order]
    order_wait: ExpressionWrapper
    answered: Q
    order_figures: dict[str, Any]
    quotes: QuerySet[Quote]
    quote_wait: ExpressionWrapper
    quote_figures: dict[str, Any]


def _record_parts(cooperative: int | OuterRef, moment: datetime) -> _RecordParts:
    """The orders and quotes a record counts (of `cooperative`: an id, or OuterRef("pk") in a subquery) and
    the figures over them: one aggregate over each."""
    since = moment - timedelta(days=RECORD_DAYS)
    today = timezone.localdate(moment)
    orders = Order.objects.filter(cooperative_id=cooperative, created_at__gte=since).annotate(
        delivered_on=TruncDate(Coalesce("delivered_at", "completed_at"))
    )
    answered = Q(confirmed_at__isnull=False)
    order_wait = ExpressionWrapper(F("confirmed_at") - F("created_at"), output_field=DurationField())
    # Due: a ship-by date, not cancelled, and either delivered or past the date (late by now, delivered or not).
    due = Q(ship_by__isnull=False) & ~Q(status=S.CANCELLED) & (Q(delivered_on__isnull=False) | Q(ship_by__lt=today))
    quotes = Quote.objects.filter(cooperative_id=cooperative, created_at__gte=since)
    quote_wait = ExpressionWrapper(F("created_at") - F("rfq__created_at"), output_field=DurationField())
    return _RecordParts(
        orders=orders,
        order_wait=order_wait,
        answered=answered,
        order_figures={
            "answered": Count("id", filter=answered),
            "due": Count("id", filter=due),
            "on_time": Count("id", filter=due & Q(delivered_on__lte=F("ship_by"))),
            **_median_of(order_wait, answered),
        },
        quotes=quotes,
        quote_wait=quote_wait,
        quote_figures={"answered": Count("rfq_id", distinct=True), **_median_of(quote_wait, Q())},
    )


def seller_record_values(*, now: datetime) -> dict[str, BaseExpression]:
    """The record as two values to read with the cooperative's own row (its storefront reads it so, in one
    query): the figures of its orders and of its quotes, each one aggregate, as a JSON object. On PostgreSQL the
    same subqueries in plain SQL (`_record_statements`): the ORM spent ~5 ms of CPU per storefront building and
    compiling them; tests/frontend/test_storefront.py compares the two."""
    if connection.vendor != "postgresql":
        return _seller_record_expressions(now=now)
    since = now - timedelta(days=RECORD_DAYS)
    today = timezone.localdate(now)
    zone = timezone.get_current_timezone_name()
    due = (OrderStatus.CANCELLED.value, zone, today)
    order_sql, quote_sql = _record_statements()
    # Statements written from the models' names; every value is a parameter.
    return {
        "order_figures": json_value(order_sql, [*due, *due, zone, since]),
        "quote_figures": json_value(quote_sql, [since]),
    }


@functools.cache
def _record_statements() -> tuple[str, str]:
    """`_seller_record_expressions`' two subqueries as PostgreSQL runs them, written once per process, over the
    cooperative row of the query they are read in. Parameters of the orders': (cancelled, the time zone, today)
    twice (due; on time), the time zone, the start of the record; of the quotes': the start of the record."""
    cooperative = f'"{Organisation._meta.db_table}"."id"'
    delivered_on = "(COALESCE(o.delivered_at, o.completed_at) AT TIME ZONE %s)::date"
    due = f"o.ship_by IS NOT NULL AND NOT (o.status = %s) AND ({delivered_on} IS NOT NULL OR o.ship_by < %s)"
    orders = f"""
        SELECT JSONB_BUILD_OBJECT(
                   'answered', COUNT(o.id) FILTER (WHERE o.confirmed_at IS NOT NULL),
                   'due', COUNT(o.id) FILTER (WHERE {due}),
                   'on_time', COUNT(o.id) FILTER (WHERE {due} AND {delivered_on} <= o.ship_by),
                   'median', EXTRACT(EPOCH FROM PERCENTILE_CONT(0.5) WITHIN GROUP (
                                 ORDER BY o.confirmed_at - o.created_at) FILTER (WHERE o.confirmed_at IS NOT NULL)))
          FROM {Order._meta.db_table} o
         WHERE o.cooperative_id = {cooperative} AND o.created_at >= %s
         GROUP BY o.cooperative_id
    """  # noqa: S608 (table and column names from the models; every value is a parameter)
    quotes = f"""
        SELECT JSONB_BUILD_OBJECT(
                   'answered', COUNT(DISTINCT q.rfq_id),
                   'median', EXTRACT(EPOCH FROM PERCENTILE_CONT(0.5) WITHIN GROUP (
                                 ORDER BY q.created_at - r.created_at)))
          FROM {Quote._meta.db_table} q JOIN {Rfq._meta.db_table} r ON r.id = q.rfq_id
         WHERE q.cooperative_id = {cooperative} AND q.created_at >= %s
         GROUP BY q.cooperative_id
    """  # noqa: S608 (table and column names from the models; every value is a parameter)
    return orders, quotes


def _seller_record_expressions(*, now: datetime) -> dict[str, BaseExpression]:
    """`seller_record_values` through the ORM: on any database (SQLite: without the medians)."""
    parts = _record_parts(OuterRef("pk"), now)

    def figures(queryset: QuerySet[Any], named: dict[str, Any]) -> Subquery:
        grouped = queryset.order_by().values("cooperative_id").annotate(figures=JSONObject(**named))
        return Subquery(grouped.values("figures"))

    return {
        "order_figures": figures(parts.orders, parts.order_figures),
        "quote_figures": figures(parts.quotes, parts.quote_figures),
    }


def seller_record_of(cooperative: Organisation, *, now: datetime) -> SellerRecord:
    """The record from the values read with the cooperative (`seller_record_values`, at the same `now`)."""
    counted: _OrderFigures = getattr(cooperative, "order_figures", None) or _OrderFigures(answered=0, due=0, on_time=0)
    quoted: _Figures = getattr(cooperative, "quote_figures", None) or _Figures(answered=0)

    def enough(samples: int) -> bool:
        return samples >= RECORD_MIN_SAMPLES

    order_median, quote_median = _medians(cooperative.pk, now, counted, quoted)
    return SellerRecord(
        orders_answered=counted["answered"],
        order_response=order_median if enough(counted["answered"]) else None,
        rfqs_answered=quoted["answered"],
        quote_response=quote_median if enough(quoted["answered"]) else None,
        deliveries_due=counted["due"],
        deliveries_on_time=counted["on_time"],
        on_time_rate=counted["on_time"] / counted["due"] if enough(counted["due"]) else None,
    )


def seller_record(*, cooperative_id: int, now: datetime | None = None) -> SellerRecord:
    """The public record of a cooperative from its orders and quotes of the last RECORD_DAYS days: median
    response times and the share of deliveries made by the ship-by date. Aggregated in the database, in one
    query whatever the number of orders (each aggregate on the cooperative's own index)."""
    moment = now or timezone.now()
    cooperative = Organisation.objects.filter(pk=cooperative_id).annotate(**seller_record_values(now=moment)).get()
    return seller_record_of(cooperative, now=moment)

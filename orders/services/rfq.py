"""Requests for quotation and quotes. An accepted quote becomes an order through the same placement
service as a cart (`place_items`), at the quoted unit price, taking stock the same way, delivered in the
request's window and province unless the buyer gives others.

A quote is in the quoted product's own sales unit (as the order will be): a request for "2 tấn" answered
with a product sold by the kg is quoted as 2.000 kg at a price per kg. It must be a quantity a buyer may
order (minimum, order multiple) that is in stock, so accepting it does not fail on what was known."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from catalog import pricing
from catalog.models import Category, Product, ProductStatus
from catalog.selectors import (
    category_descendant_ids,
    price_for_quantity,
    product_for_order,
    product_stock_available,
)
from market.core.errors import ApplicationError, Conflict, NotFound, ValidationFailed
from market.core.parsing import format_date
from market.core.quantity import UNIT_SYMBOLS, is_mass_unit
from market.core.services import audit_record
from market.integrations.registry import emit_event
from market.notifications.services import notify
from market.organisations import geo
from market.organisations.models import Organisation, VerificationStatus
from market.organisations.permissions import Actor
from market.organisations.storefront import storefront_changed
from market.payments.services import placed_again_on_reference_collision
from orders import webhooks
from orders.commands import CheckoutDetails, RfqRequest
from orders.models import Checkout, Order, OrderSource, Quote, QuoteStatus, Rfq, RfqStatus
from orders.permissions import RFQ_CREATE
from orders.policy import QUOTE_POLICY, RFQ_POLICY, QuoteAction, RfqAction
from orders.services.placement import Item, place_items, request_hash, resolve_details
from orders.totals import TaxedAmount, totals_of

# How long a request takes quotes, and a quote stays valid, when nobody says.
DEFAULT_OPEN_DAYS = 7


@transaction.atomic
def rfq_create(*, actor: Actor, request: RfqRequest) -> Rfq:
    """A buyer asks for quotations; the cooperatives that could answer (the product's own, or every verified
    one selling in the category) hear of it."""
    actor.require(RFQ_CREATE)
    errors: dict[str, list[str]] = {}
    product = category = None
    if request.product_id is not None:
        product = Product.objects.filter(pk=request.product_id, status=ProductStatus.PUBLISHED).first()
        if product is None:
            errors["product"] = [_("Choose a product from the catalogue.")]
    if request.category_id is not None:
        category = Category.objects.filter(pk=request.category_id).first()
        if category is None:
            errors["category"] = [_("Choose a category.")]
    if product is None and category is None and not errors:
        errors["category"] = [_("Choose a product or a category.")]
    elif (
        product is not None and category is not None and product.category_id not in category_descendant_ids(category.pk)
    ):
        # The request is stored under the category given: rice asked under seafood would be matched as seafood.
        errors["category"] = [
            _("%(product)s is not in this category: choose its own category or leave it empty.")
            % {"product": product.name}
        ]
    unit = request.unit or (product.unit if product is not None else None)
    if unit is None:
        errors["unit"] = [_("Choose a unit.")]
    elif product is not None and not counted_alike(product.unit, unit):
        # Only the product's cooperative is asked, and it can quote only in a unit its product converts to.
        errors["unit"] = [
            _("%(product)s is sold in %(unit)s: ask for it in that unit (or another unit of mass).")
            % {"product": product.name, "unit": UNIT_SYMBOLS.get(product.unit, product.unit)}
        ]
    if request.delivery_to < request.delivery_from:
        errors["delivery_to"] = [_("The delivery window must end on or after its first day.")]
    if request.delivery_from < timezone.localdate():
        errors["delivery_from"] = [_("The delivery window cannot start in the past.")]
    if geo.province(request.delivery_province_code) is None:
        errors["delivery_province_code"] = [_("Choose a province.")]
    # Quotes for a window that is over could not be delivered: they are taken until its last day at the latest.
    last_day = end_of_day(request.delivery_to)
    closes_at = request.closes_at or min(timezone.now() + timedelta(days=DEFAULT_OPEN_DAYS), last_day)
    if closes_at <= timezone.now():
        errors["closes_at"] = [_("Give the cooperatives some time to answer: a moment in the future.")]
    elif closes_at > last_day and "delivery_to" not in errors:
        errors["closes_at"] = [
            _("Take quotes until the last delivery day (%(day)s) at the latest.")
            % {"day": format_date(request.delivery_to)}
        ]
    if errors:
        raise ValidationFailed(fields=errors)
    assert unit is not None
    assert actor.organisation is not None
    rfq = Rfq.objects.create(
        buyer=actor.organisation,
        created_by=actor.user,
        title=request.title,
        product=product,
        category=category or (product.category if product else None),
        quantity=request.quantity,
        unit=unit,
        delivery_from=request.delivery_from,
        delivery_to=request.delivery_to,
        delivery_province_code=request.delivery_province_code,
        target_unit_price=request.target_unit_price,
        note=request.note,
        closes_at=closes_at,
    )
    audit_record(actor=actor, action="rfq.created", target=rfq)
    asked = _cooperatives_to_ask(rfq)
    notify(
        kind="orders.rfq_received",
        recipients=asked,
        context={
            "rfq_id": rfq.pk,
            "title": rfq.title,
            **_quantity_context(rfq.quantity, rfq.unit),
            "buyer_name": rfq.buyer.name,
            "deliver_by": rfq.delivery_to.isoformat(),
            "closes_at": rfq.closes_at.isoformat(),
        },
        object_ref=rfq,
    )
    emit_event(type=webhooks.RFQ_RECEIVED, obj=rfq, organisations=asked)
    return rfq


def _quantity_context(quantity: Decimal, unit: str) -> dict[str, str]:
    """A quotation message's quantity: the number and its unit's symbol, which its templates write in the
    recipient's language (`quantity_in`), and the Vietnamese text its Zalo template takes (`so_luong`: Zalo
    messages are Vietnamese). Written in the sender's language, a buyer working in English told a Vietnamese
    cooperative "2,000.5 kg"."""
    with translation.override("vi"):
        text = pricing.fmt_quantity(quantity, unit)
    return {"quantity": text, "quantity_value": f"{quantity.normalize():f}", "unit": UNIT_SYMBOLS.get(unit, unit)}


def _cooperatives_to_ask(rfq: Rfq, limit: int = 200) -> list[Organisation]:
    if rfq.product is not None:
        return [rfq.product.cooperative]
    sellers = (
        Product.objects.filter(category=rfq.category, status=ProductStatus.PUBLISHED)
        .values_list("cooperative_id", flat=True)
        .distinct()
    )
    return list(
        Organisation.objects.filter(pk__in=sellers, verification_status=VerificationStatus.VERIFIED).order_by("pk")[
            :limit
        ]
    )


def _lock_rfq(actor: Actor, rfq_id: int, *, own: bool) -> Rfq:
    """The request locked: the buyer's own (`own`), or one a cooperative may answer. A request the actor
    may not see answers like a missing one."""
    rfq = Rfq.objects.select_for_update().filter(pk=rfq_id).first()
    if rfq is None or (rfq.buyer_id == actor.organisation_id) is not own:
        raise NotFound()
    return rfq


@transaction.atomic
def rfq_close(*, actor: Actor, rfq_id: int) -> Rfq:
    rfq = _lock_rfq(actor, rfq_id, own=True)
    RFQ_POLICY.authorize(actor=actor, obj=rfq, action=RfqAction.CLOSE)
    rfq.status = RfqStatus.CLOSED
    rfq.save(update_fields=["status", "updated_at"])
    Quote.objects.filter(rfq=rfq, status=QuoteStatus.SUBMITTED).update(status=QuoteStatus.DECLINED)
    audit_record(actor=actor, action="rfq.closed", target=rfq)
    return rfq


def end_of_day(day: date) -> datetime:
    """The last minute of `day` where the cooperative is (the site's time zone), aware."""
    return timezone.make_aware(datetime.combine(day, time(23, 59)), timezone.get_current_timezone())


def counted_alike(unit: str, requested: str) -> bool:
    """Whether a quantity in `unit` can answer one asked in `requested` (same unit, or both by mass)."""
    return unit == requested or (is_mass_unit(unit) and is_mass_unit(requested))


def quote_quantity_in_request_unit(quote_unit: str, rfq: Rfq) -> bool:
    """Whether a product sold in `quote_unit` can answer the request (same unit, or both by mass)."""
    return counted_alike(quote_unit, rfq.unit)


@transaction.atomic
def quote_submit(
    *,
    actor: Actor,
    rfq_id: int,
    product_id: int,
    quantity: Decimal,
    unit_price: int,
    valid_until: date | None = None,
    note: str = "",
) -> Quote:
    """A cooperative offers one of its published products for an open request (one open quote each), in the
    product's unit, valid until the end of `valid_until` (a week when not given)."""
    rfq = _lock_rfq(actor, rfq_id, own=False)
    if Quote.objects.filter(rfq=rfq, cooperative_id=actor.organisation_id, status=QuoteStatus.SUBMITTED).exists():
        raise Conflict(_("You already have an open quote here; withdraw it to send another."), code="quote_exists")
    RFQ_POLICY.authorize(actor=actor, obj=rfq, action=RfqAction.QUOTE)
    product = _quotable_product(actor, product_id)
    _check_quote(rfq=rfq, product=product, quantity=quantity, unit_price=unit_price)
    expires = end_of_day(valid_until) if valid_until else timezone.now() + timedelta(days=DEFAULT_OPEN_DAYS)
    if expires <= timezone.now():
        raise ValidationFailed(fields={"valid_until": [_("A quote must be valid for some time from now.")]})
    assert actor.organisation is not None
    quote = Quote.objects.create(
        rfq=rfq,
        cooperative=actor.organisation,
        created_by=actor.user,
        product=product,
        unit=product.unit,
        quantity=quantity,
        unit_price=unit_price,
        valid_until=expires,
        note=note,
    )
    audit_record(actor=actor, action="quote.submitted", target=quote, data={"rfq": rfq.pk, "unit_price": unit_price})
    storefront_changed([quote.cooperative_id])  # its record: how fast it quotes
    notify(
        kind="orders.quote_received",
        recipients=[rfq.buyer],
        context={
            "rfq_id": rfq.pk,
            "title": rfq.title,
            **_quantity_context(quote.quantity, quote.unit),
            "cooperative_name": quote.cooperative.name,
            "unit_price": quote.unit_price,
            "valid_until": quote.valid_until.isoformat(),
        },
        object_ref=quote,
    )
    emit_event(type=webhooks.QUOTE_RECEIVED, obj=quote, organisations=[rfq.buyer])
    return quote


def _quotable_product(actor: Actor, product_id: int) -> Product:
    product = Product.objects.filter(pk=product_id, cooperative_id=actor.organisation_id).first()
    if product is None:
        raise ValidationFailed(fields={"product": [_("Choose one of your published products.")]})
    try:
        return product_for_order(product_id=product.pk)
    except NotFound:
        raise ValidationFailed(fields={"product": [_("Publish the product before quoting it.")]}) from None


def _check_quote(*, rfq: Rfq, product: Product, quantity: Decimal, unit_price: int) -> None:
    """The quantity in the product's unit, orderable (minimum, multiple), in stock, and worth at most the
    bound on an order; the product answers the request's unit."""
    if not quote_quantity_in_request_unit(product.unit, rfq):
        raise ValidationFailed(
            fields={
                "product": [
                    _("The request is counted in %(unit)s; quote a product sold in %(unit)s.")
                    % {"unit": UNIT_SYMBOLS.get(rfq.unit, rfq.unit)}
                ]
            }
        )
    try:
        price_for_quantity(product=product, quantity=quantity)
    except ApplicationError as error:
        raise ValidationFailed(fields={"quantity": error.fields.get("quantity") or [error.message]}) from None
    available = product_stock_available(product=product)
    if quantity > available:
        raise ValidationFailed(
            fields={
                "quantity": [
                    _("Only %(available)s of %(product)s is in stock: quote what you can deliver.")
                    % {"available": pricing.fmt_quantity(available, product.unit), "product": product.name}
                ]
            }
        )
    vat = product.vat_category
    totals_of([TaxedAmount(unit_price, quantity, vat.rate_percent, not vat.subject_to_vat)])


@transaction.atomic
def quote_withdraw(*, actor: Actor, quote_id: int) -> Quote:
    quote = Quote.objects.select_for_update().select_related("rfq").filter(pk=quote_id).first()
    if quote is None or quote.cooperative_id != actor.organisation_id:
        raise NotFound()
    QUOTE_POLICY.authorize(actor=actor, obj=quote, action=QuoteAction.WITHDRAW)
    quote.status = QuoteStatus.WITHDRAWN
    quote.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action="quote.withdrawn", target=quote)
    return quote


@placed_again_on_reference_collision
def quote_accept(*, actor: Actor, quote_id: int, details: CheckoutDetails | None = None) -> Order:
    """The buyer accepts a valid quote: it becomes an order at the quoted price (stock taken as for a cart),
    delivered in the request's window and province unless `details` say otherwise; the request is awarded
    and the other quotes are declined."""
    found = Quote.objects.select_related("rfq").filter(pk=quote_id).first()
    if found is None or found.rfq.buyer_id != actor.organisation_id:
        raise NotFound()
    rfq = Rfq.objects.select_for_update().get(pk=found.rfq_id)
    quote = Quote.objects.select_for_update().select_related("rfq").get(pk=quote_id)
    try:
        QUOTE_POLICY.authorize(actor=actor, obj=quote, action=QuoteAction.ACCEPT)
    except Conflict as error:
        if quote.status == QuoteStatus.SUBMITTED and quote.valid_until < timezone.now():
            raise Conflict(_("This quote expired; ask the cooperative for a new one."), code="quote_expired") from None
        raise Conflict(error.message, code="illegal_transition") from None
    details = _with_request_delivery(details or CheckoutDetails(), rfq)
    checkout = Checkout.objects.create(
        buyer_id=actor.organisation_id,
        placed_by=actor.user,
        request_hash=request_hash(details),
        **resolve_details(actor=actor, details=details),
    )
    orders = place_items(
        actor=actor,
        checkout=checkout,
        items=[Item(product_id=quote.product_id, quantity=quote.quantity, unit_price=quote.unit_price)],
        source=OrderSource.QUOTE,
    )
    quote.status = QuoteStatus.ACCEPTED
    quote.order = orders[0]
    quote.save(update_fields=["status", "order", "updated_at"])
    Quote.objects.filter(rfq=rfq, status=QuoteStatus.SUBMITTED).exclude(pk=quote.pk).update(status=QuoteStatus.DECLINED)
    rfq.status = RfqStatus.AWARDED
    rfq.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action="quote.accepted", target=quote, data={"order": orders[0].pk})
    emit_event(type=webhooks.QUOTE_ACCEPTED, obj=quote, organisations=[quote.cooperative])
    return orders[0]


def _with_request_delivery(details: CheckoutDetails, rfq: Rfq) -> CheckoutDetails:
    """The request's delivery window (what is left of it) and province, where the buyer gave none."""
    from dataclasses import replace

    if details.delivery_from is None and details.delivery_to is None:
        today = timezone.localdate()
        start = max(rfq.delivery_from, today)
        details = replace(
            details, delivery_from=start, delivery_to=rfq.delivery_to if rfq.delivery_to >= start else None
        )
    if details.delivery_province_code is None:
        details = replace(details, delivery_province_code=rfq.delivery_province_code)
    return details

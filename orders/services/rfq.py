"""Requests for quotation and quotes. An accepted quote becomes an order through the same placement
service as a cart (`place_items`), at the quoted unit price, taking stock the same way."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from catalog import pricing
from catalog.models import Category, Product, ProductStatus
from catalog.selectors import product_for_order
from market.core.errors import Conflict, NotFound, ValidationFailed
from market.core.money import parse_vnd
from market.core.quantity import UNIT_SYMBOLS, Unit
from market.core.services import audit_record
from market.core.text import nfc
from market.notifications.services import notify
from market.organisations import geo
from market.organisations.models import Organisation, VerificationStatus
from market.organisations.permissions import Actor
from orders.models import Checkout, Order, OrderSource, Quote, QuoteStatus, Rfq, RfqStatus
from orders.permissions import ORDERS_PLACE, QUOTE_SUBMIT, RFQ_CREATE
from orders.services.placement import Item, clean_details, place_items, request_hash

MAX_PRICE = pricing.MAX_UNIT_PRICE


def _price(value: Any, field: str, errors: dict[str, list[str]], *, required: bool) -> int | None:
    if value in (None, ""):
        if required:
            errors[field] = [_("Enter a unit price in đồng.")]
        return None
    try:
        price = parse_vnd(str(value))
    except ValueError:
        price = 0
    if not 0 < price <= MAX_PRICE:
        errors[field] = [_("A unit price must be a whole number of đồng above zero.")]
        return None
    return price


@transaction.atomic
@transaction.atomic
def rfq_create(*, actor: Actor, data: Mapping[str, Any]) -> Rfq:
    """A buyer asks for quotations; the cooperatives that could answer (the product's own, or every verified
    one selling in the category) hear of it."""
    actor.require(RFQ_CREATE)
    errors: dict[str, list[str]] = {}
    title = nfc(str(data.get("title") or ""))
    if len(title) < 3:
        errors["title"] = [_("Say what you need, e.g. “Gạo ST25, 20 tấn”.")]
    product = category = None
    if data.get("product"):
        product = Product.objects.filter(pk=data["product"]).first()
        if product is None:
            errors["product"] = [_("Choose a product from the catalogue.")]
    if data.get("category"):
        category = Category.objects.filter(pk=data["category"]).first()
        if category is None:
            errors["category"] = [_("Choose a category.")]
    if product is None and category is None and not errors.get("product"):
        errors["category"] = [_("Choose a product or a category.")]
    quantity = pricing.as_quantity(data.get("quantity"))
    if not quantity:
        errors["quantity"] = [_("Enter a quantity above zero.")]
    unit = str(data.get("unit") or (product.unit if product else ""))
    if unit not in Unit.values:
        errors["unit"] = [_("Choose a unit.")]
    start = parse_date(str(data.get("delivery_from") or ""))
    end = parse_date(str(data.get("delivery_to") or ""))
    if start is None:
        errors["delivery_from"] = [_("Enter a date as YYYY-MM-DD.")]
    if end is None:
        errors["delivery_to"] = [_("Enter a date as YYYY-MM-DD.")]
    if start and end and end < start:
        errors["delivery_to"] = [_("The delivery window must end on or after its first day.")]
    province = data.get("delivery_province_code")
    if not str(province or "").isdigit() or geo.province(int(province)) is None:
        errors["delivery_province_code"] = [_("Choose a province.")]
    target = _price(data.get("target_unit_price"), "target_unit_price", errors, required=False)
    closes_at = parse_datetime(str(data.get("closes_at") or "")) if data.get("closes_at") else None
    if closes_at is None:
        closes_at = timezone.now() + timedelta(days=7)
    if errors:
        raise ValidationFailed(fields=errors)
    rfq = Rfq.objects.create(
        buyer_id=actor.organisation_id,
        created_by=actor.user,
        title=title[:200],
        product=product,
        category=category or (product.category if product else None),
        quantity=quantity,
        unit=unit,
        delivery_from=start,
        delivery_to=end,
        delivery_province_code=int(province),
        target_unit_price=target,
        note=nfc(str(data.get("note") or ""))[:2000],
        closes_at=closes_at,
    )
    audit_record(actor=actor, action="rfq.created", target=rfq)
    notify(
        kind="orders.rfq_received",
        recipients=_cooperatives_to_ask(rfq),
        context={
            "rfq_id": rfq.pk,
            "title": rfq.title,
            "quantity": pricing.fmt_quantity(rfq.quantity, rfq.unit),
            "buyer_name": rfq.buyer.name,
            "deliver_by": rfq.delivery_to.isoformat(),
            "closes_at": rfq.closes_at.isoformat(),
        },
        object_ref=rfq,
    )
    return rfq


def _cooperatives_to_ask(rfq: Rfq, limit: int = 200) -> list[Organisation]:
    if rfq.product_id is not None:
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


def _own_rfq(actor: Actor, rfq_id: int) -> Rfq:
    rfq = Rfq.objects.select_for_update().filter(pk=rfq_id, buyer_id=actor.organisation_id).first()
    if rfq is None:
        raise NotFound()
    actor.require(RFQ_CREATE)
    return rfq


@transaction.atomic
def rfq_close(*, actor: Actor, rfq_id: int) -> Rfq:
    rfq = _own_rfq(actor, rfq_id)
    if rfq.status != RfqStatus.OPEN:
        raise Conflict(_("This request is no longer open."), code="illegal_transition")
    rfq.status = RfqStatus.CLOSED
    rfq.save(update_fields=["status", "updated_at"])
    Quote.objects.filter(rfq=rfq, status=QuoteStatus.SUBMITTED).update(status=QuoteStatus.DECLINED)
    audit_record(actor=actor, action="rfq.closed", target=rfq)
    return rfq


@transaction.atomic
def quote_submit(*, actor: Actor, rfq_id: int, data: Mapping[str, Any]) -> Quote:
    """A cooperative offers one of its published products for an open request (one open quote each)."""
    actor.require(QUOTE_SUBMIT)
    rfq = Rfq.objects.select_for_update().filter(pk=rfq_id).first()
    if rfq is None or rfq.buyer_id == actor.organisation_id:
        raise NotFound()
    if rfq.status != RfqStatus.OPEN or rfq.closes_at < timezone.now():
        raise Conflict(_("This request no longer takes quotes."), code="rfq_closed")
    errors: dict[str, list[str]] = {}
    product = Product.objects.filter(pk=data.get("product") or 0, cooperative_id=actor.organisation_id).first()
    if product is None:
        errors["product"] = [_("Choose one of your published products.")]
    else:
        try:
            product_for_order(product_id=product.pk)
        except NotFound:
            errors["product"] = [_("Publish the product before quoting it.")]
    quantity = pricing.as_quantity(data.get("quantity"))
    if not quantity:
        errors["quantity"] = [_("Enter a quantity above zero.")]
    unit_price = _price(data.get("unit_price"), "unit_price", errors, required=True)
    valid_until = parse_datetime(str(data.get("valid_until") or "")) if data.get("valid_until") else None
    if valid_until is None:
        day = parse_date(str(data.get("valid_until") or ""))
        valid_until = (
            timezone.make_aware(timezone.datetime(day.year, day.month, day.day, 23, 59))
            if day
            else timezone.now() + timedelta(days=7)
        )
    if valid_until <= timezone.now():
        errors["valid_until"] = [_("A quote must be valid for some time from now.")]
    if errors:
        raise ValidationFailed(fields=errors)
    if Quote.objects.filter(rfq=rfq, cooperative_id=actor.organisation_id, status=QuoteStatus.SUBMITTED).exists():
        raise Conflict(_("You already have an open quote here; withdraw it to send another."), code="quote_exists")
    quote = Quote.objects.create(
        rfq=rfq,
        cooperative_id=actor.organisation_id,
        created_by=actor.user,
        product=product,
        quantity=quantity,
        unit_price=unit_price,
        valid_until=valid_until,
        note=nfc(str(data.get("note") or ""))[:1000],
    )
    audit_record(actor=actor, action="quote.submitted", target=quote, data={"rfq": rfq.pk, "unit_price": unit_price})
    notify(
        kind="orders.quote_received",
        recipients=[rfq.buyer],
        context={
            "rfq_id": rfq.pk,
            "title": rfq.title,
            "quantity": pricing.fmt_quantity(quote.quantity, rfq.unit),
            "cooperative_name": quote.cooperative.name,
            "unit_price": quote.unit_price,
            "unit": UNIT_SYMBOLS.get(rfq.unit, rfq.unit),
            "valid_until": quote.valid_until.isoformat(),
        },
        object_ref=quote,
    )
    return quote


@transaction.atomic
def quote_withdraw(*, actor: Actor, quote_id: int) -> Quote:
    quote = Quote.objects.select_for_update().filter(pk=quote_id, cooperative_id=actor.organisation_id).first()
    if quote is None:
        raise NotFound()
    actor.require(QUOTE_SUBMIT)
    if quote.status != QuoteStatus.SUBMITTED:
        raise Conflict(_("Only an open quote can be withdrawn."), code="illegal_transition")
    quote.status = QuoteStatus.WITHDRAWN
    quote.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action="quote.withdrawn", target=quote)
    return quote


@transaction.atomic
def quote_accept(*, actor: Actor, quote_id: int, data: Mapping[str, Any] | None = None) -> Order:
    """The buyer accepts a valid quote: it becomes an order at the quoted price (stock taken as for a cart),
    the request is awarded and the other quotes are declined."""
    quote = Quote.objects.select_for_update().select_related("rfq").filter(pk=quote_id).first()
    if quote is None or quote.rfq.buyer_id != actor.organisation_id:
        raise NotFound()
    actor.require(ORDERS_PLACE)
    rfq = Rfq.objects.select_for_update().get(pk=quote.rfq_id)
    if quote.status != QuoteStatus.SUBMITTED or rfq.status != RfqStatus.OPEN:
        raise Conflict(_("This quote can no longer be accepted."), code="illegal_transition")
    if quote.valid_until < timezone.now():
        raise Conflict(_("This quote expired; ask the cooperative for a new one."), code="quote_expired")
    payload = dict(data or {})
    details = clean_details(actor=actor, data=payload)
    checkout = Checkout.objects.create(
        buyer_id=actor.organisation_id, placed_by=actor.user, request_hash=request_hash(payload), **details
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
    return orders[0]

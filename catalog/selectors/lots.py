"""Reads of harvest lots: a cooperative's own lots, lots in stock (what orders sell from), the public
trace page and the GS1 Digital Link resolver."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from itertools import accumulate

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.models import F, Q, QuerySet, Sum
from django.utils import timezone

from catalog import gs1
from catalog.models import Category, Certificate, HarvestLot, LotStatus, Product, TraceDirection, TraceEvent
from catalog.permissions import CATALOG_VIEW_ALL
from catalog.policy import sees_forward_detail
from catalog.selectors.browse import Badge, badges_for, lots_for_sale
from market.core import rows
from market.core.errors import NotFound
from market.organisations import geo
from market.organisations.models import Organisation
from market.organisations.permissions import Actor

PUBLIC_STATUSES = (LotStatus.PUBLISHED, LotStatus.WITHDRAWN)


def lot_list_for(*, actor: Actor, product_id: int | None = None, status: str | None = None) -> QuerySet[HarvestLot]:
    """The actor's cooperative's lots (alliance staff: all)."""
    if actor.can(CATALOG_VIEW_ALL):
        queryset = HarvestLot.objects.all()
    elif actor.is_seller:
        queryset = HarvestLot.objects.filter(product__cooperative_id=actor.organisation_id)
    else:
        return HarvestLot.objects.none()
    if product_id:
        queryset = queryset.filter(product_id=product_id)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.select_related("product", "product__cooperative")


# A published lot is running low once what is left is at most this share of what was harvested.
LOW_STOCK_SHARE = Decimal("0.2")


def lots_running_low(*, actor: Actor, on: date | None = None) -> QuerySet[HarvestLot]:
    """The cooperative's published, unexpired lots with something left but no more than LOW_STOCK_SHARE of
    their harvest: time to record the next lot. Least left (as a share) first."""
    day = on or timezone.localdate()
    return (
        lot_list_for(actor=actor, status=LotStatus.PUBLISHED)
        .filter(quantity_available__gt=0, quantity_available__lte=F("quantity_produced") * LOW_STOCK_SHARE)
        .filter(Q(expiry_date__isnull=True) | Q(expiry_date__gte=day))
        .order_by("quantity_available", "id")
    )


def lot_get_for(*, actor: Actor, lot_id: int) -> HarvestLot:
    lot = lot_list_for(actor=actor).prefetch_related("certificates").filter(pk=lot_id).first()
    if lot is None:
        raise NotFound()
    return lot


def lots_in_stock(*, product: Product, on: date | None = None) -> list[HarvestLot]:
    """Published, unexpired lots with stock, first to expire first (the order to sell them in)."""
    day = on or timezone.localdate()
    # Plain SQL with the conditions of `browse.for_sale`: the product page and the detail API read it on every
    # request, and the ORM took 0.9 ms of CPU to build what PostgreSQL answers in 0.03 ms (a RawQuerySet still
    # worked out its columns and the model's init order on every call: read with a cursor into instances).
    with connection.cursor() as cursor:
        cursor.execute(_lots_in_stock_statement(), [product.pk, LotStatus.PUBLISHED.value, day])
        lots = [rows.instance(HarvestLot, row) for row in cursor.fetchall()]
    for lot in lots:
        lot.product = product  # what it was read for: no query when its trace link reads the GTIN
    return lots


@functools.cache
def _lots_in_stock_statement() -> str:
    return (
        f"SELECT {rows.select_list(HarvestLot, 'l')} FROM {HarvestLot._meta.db_table} l"  # noqa: S608 (names from the model)
        f" WHERE {in_stock_condition('%s')} ORDER BY {IN_STOCK_ORDER}"
    )


# The order lots in stock are sold in: first to expire first.
IN_STOCK_ORDER = "l.expiry_date, l.harvest_date, l.id"


def in_stock_condition(product: str) -> str:
    """`lots_in_stock`'s condition on lots `l` of `product` (a placeholder or a column of an enclosing
    statement), then two parameters: the published status and the day."""
    return (
        f"l.product_id = {product} AND l.status = %s AND l.quantity_available > 0"
        " AND (l.expiry_date IS NULL OR l.expiry_date >= %s)"
    )


def product_stock_available(*, product: Product, on: date | None = None) -> Decimal:
    """Everything sellable now, in the product's unit."""
    day = on or timezone.localdate()
    total = lots_for_sale(on=day).filter(product=product).aggregate(total=Sum("quantity_available"))["total"]
    return total or Decimal(0)


def stock_of(lots: list[HarvestLot]) -> Decimal:
    """What `lots_in_stock` lots hold together: the product page's stock without a second query."""
    return sum((lot.quantity_available for lot in lots), Decimal(0))


def lot_events_for(*, actor: Actor, lot_id: int | None = None) -> QuerySet[TraceEvent]:
    """The events of the actor's lots, one lot's with `lot_id`. Events are append-only (a mistake is fixed by a
    correction event), so an event changes only when it is made: its `created_at` is what sync reads as
    `updated_at`."""
    lots = lot_list_for(actor=actor)
    if lot_id is not None:
        lots = lots.filter(pk=lot_id)
    events = TraceEvent.objects.filter(lot__in=lots.values("pk")).select_related("corrects")
    return events.annotate(updated_at=F("created_at"))


def lot_certificates(*, lot: HarvestLot) -> list[Certificate]:
    """The lot's certificates by kind, the longest valid first (what its trace shows)."""
    if connection.vendor != "postgresql":
        return list(lot.certificates.order_by("kind", "-valid_to", "id"))
    # Plain SQL read into instances (market.core.rows): the ORM took ~0.7 ms of CPU to build it per trace.
    with connection.cursor() as cursor:
        cursor.execute(_lot_certificates_statement(), [lot.pk])
        return rows.instances(Certificate, cursor.fetchall())


@functools.cache
def _lot_certificates_statement() -> str:
    link = HarvestLot.certificates.through._meta.db_table
    field = HarvestLot._meta.get_field("certificates")
    return (
        f"SELECT {rows.select_list(Certificate, 'c')} FROM {link} lc"  # noqa: S608 (names from the models)
        f" JOIN {Certificate._meta.db_table} c ON c.id = lc.{field.m2m_reverse_name()}"
        f" WHERE lc.{field.m2m_column_name()} = %s ORDER BY c.kind, c.valid_to DESC, c.id"
    )


def lot_trace_events(*, lot: HarvestLot) -> list[TraceEvent]:
    """The lot's events, oldest first, each with its `corrections` (by id) prefetched. A correction is an
    event of the same lot (services.trace_event_add), so they are found among the events read."""
    if connection.vendor == "postgresql":
        # Plain SQL read into instances (market.core.rows): the ORM and its prefetch cost ~1 ms of CPU.
        with connection.cursor() as cursor:
            cursor.execute(_lot_events_statement(), [lot.pk])
            events = rows.instances(TraceEvent, cursor.fetchall())
    else:
        events = list(lot.events.order_by("occurred_at", "id"))
    return with_corrections(events, lot)


def with_corrections(events: list[TraceEvent], lot: HarvestLot) -> list[TraceEvent]:
    """The lot's `events` (all of them), each with its lot and its `corrections` (by id) prefetched."""
    corrections: dict[int, list[TraceEvent]] = {}
    for event in sorted(events, key=lambda e: e.pk):
        event.lot = lot
        if event.corrects_id is not None:
            corrections.setdefault(event.corrects_id, []).append(event)
    for event in events:
        rows.prefetched(event, "corrections", corrections.get(event.pk, []))
    return events


@functools.cache
def _lot_events_statement() -> str:
    return (
        f"SELECT {rows.select_list(TraceEvent, 'e')} FROM {TraceEvent._meta.db_table} e"  # noqa: S608 (names from the models)
        " WHERE e.lot_id = %s ORDER BY e.occurred_at, e.id"
    )


def lot_events(*, lot: HarvestLot) -> list[TraceEvent]:
    return list(lot.events.select_related("corrects").order_by("occurred_at", "id"))


def _public_lots() -> QuerySet[HarvestLot]:
    return HarvestLot.objects.filter(status__in=PUBLIC_STATUSES).select_related(
        "product", "product__cooperative", "product__category"
    )


def lot_public_get(*, public_id: str) -> HarvestLot:
    """A published (or withdrawn) lot by its public id: what the internal QR path opens."""
    if connection.vendor == "postgresql":
        return _lot_public_get_sql(public_id)
    lot = _public_lots().filter(public_id=public_id).first()
    if lot is None:
        raise NotFound()
    return lot


def _lot_public_get_sql(public_id: str) -> HarvestLot:
    """`_public_lots()` of one lot in one plain statement: the lot, its product, cooperative and category. The
    trace API and page read it on every request and the ORM spent ~0.8 ms of CPU building the query;
    tests/catalog/test_trace_reads.py compares the two reads."""
    with connection.cursor() as cursor:
        cursor.execute(_lot_public_statement(), [public_id, [status.value for status in PUBLIC_STATUSES]])
        row = cursor.fetchone()
    if row is None:
        raise NotFound()
    lot_end, product_end, cooperative_end = accumulate(
        rows.width(model) for model in (HarvestLot, Product, Organisation)
    )
    lot = rows.instance(HarvestLot, row[:lot_end])
    lot.product = rows.instance(Product, row[lot_end:product_end])
    lot.product.cooperative = rows.instance(Organisation, row[product_end:cooperative_end])
    lot.product.category = rows.instance(Category, row[cooperative_end:])
    return lot


@functools.cache
def _lot_public_statement() -> str:
    return (
        f"SELECT {rows.select_list(HarvestLot, 'l')}, {rows.select_list(Product, 'p')},"  # noqa: S608 (names from the models)
        f" {rows.select_list(Organisation, 'o')}, {rows.select_list(Category, 'c')}"
        f" FROM {HarvestLot._meta.db_table} l JOIN {Product._meta.db_table} p ON p.id = l.product_id"
        f" JOIN {Organisation._meta.db_table} o ON o.id = p.cooperative_id"
        f" JOIN {Category._meta.db_table} c ON c.id = p.category_id"
        " WHERE l.public_id = %s AND l.status = ANY(%s)"
    )


def lot_by_digital_link(*, gtin14: str, lot_code: str) -> HarvestLot:
    """The lot a GS1 Digital Link (/01/{gtin}/10/{lot}) names."""
    try:
        gtin14 = gs1.normalise_gtin(gtin14)
    except Exception:
        raise NotFound() from None
    lot = _public_lots().filter(product__gtin=gtin14, code=lot_code.upper()).first()
    if lot is None:
        raise NotFound()
    return lot


def lot_qr_url(lot: HarvestLot) -> str:
    """What the lot's QR code holds: the GS1 Digital Link when the product has a GTIN, else our path."""
    return qr_url(gtin=lot.product.gtin, code=lot.code, expiry_date=lot.expiry_date, public_id=lot.public_id)


def qr_url(*, gtin: str, code: str, expiry_date: date | None, public_id: str) -> str:
    """`lot_qr_url` of a lot known by these values (a row read without its model)."""
    if gtin:
        return gs1.digital_link(settings.SITE_URL, gtin, code, expiry_date)
    return f"{settings.SITE_URL}/trace/{public_id}/"


@dataclass
class CertificateView:
    certificate: Certificate
    in_force_now: bool
    in_force_at_harvest: bool


@dataclass(frozen=True)
class ForwardStep:
    """One step forward as the reader may see it: when and to which province a shipment left, and the full
    event (buyer's name, order number, quantity) only for who may see it (`catalog.policy`)."""

    shipped_at: datetime
    province: str
    event: TraceEvent | None


@dataclass
class TraceView:
    """Everything the public trace page and trace API show for one lot."""

    lot: HarvestLot
    product: Product
    qr_url: str
    badges: list[Badge]
    certificates: list[CertificateView]
    back: list[TraceEvent] = field(default_factory=list)
    internal: list[TraceEvent] = field(default_factory=list)
    forward: list[ForwardStep] = field(default_factory=list)
    expired: bool = False
    withdrawn: bool = False


def _shipment_buyers(lot: HarvestLot, events: list[TraceEvent]) -> dict[str, tuple[int, int | None]]:
    """{order number: (buyer id, delivery province code)} of the lot's cooperative's orders the shipment
    events name. Read through the app registry: orders builds on the catalogue, not the other way round."""
    numbers = {event.party_reference for event in events if event.party_reference}
    if not numbers:
        return {}
    order_model = apps.get_model("orders", "Order")
    rows = order_model.objects.filter(number__in=numbers, cooperative_id=lot.product.cooperative_id).values_list(
        "number", "buyer_id", "checkout__delivery_province_code", "buyer__province_code"
    )
    return {number: (buyer_id, delivery or home) for number, buyer_id, delivery, home in rows if number}


def _forward_steps(
    actor: Actor, lot: HarvestLot, events: list[TraceEvent], buyers: dict[str, tuple[int, int | None]]
) -> list[ForwardStep]:
    steps = []
    for event in events:
        buyer_id, province_code = buyers.get(event.party_reference, (None, None))
        province = geo.province(province_code)
        steps.append(
            ForwardStep(
                shipped_at=event.occurred_at,
                province=province.name if province else "",
                event=event if sees_forward_detail(actor=actor, lot=lot, buyer_id=buyer_id) else None,
            )
        )
    return steps


def trace_view(*, lot: HarvestLot, actor: Actor, on: date | None = None) -> TraceView:
    """The lot's trace as `actor` may read it (anyone with the lot's link may read the page)."""
    day = on or timezone.localdate()
    product = lot.product
    certificates = [
        CertificateView(
            certificate=c, in_force_now=c.is_in_force(day), in_force_at_harvest=c.is_in_force(lot.harvest_date)
        )
        for c in lot_certificates(lot=lot)
    ]
    events = lot_trace_events(lot=lot)
    forward = [event for event in events if event.direction == TraceDirection.FORWARD]
    return trace_view_of(
        lot=lot,
        certificates=certificates,
        badges=badges_for([product], on=day).get(product.pk, []),
        events=events,
        buyers=_shipment_buyers(lot, forward),
        actor=actor,
        on=day,
    )


def trace_view_of(
    *,
    lot: HarvestLot,
    certificates: list[CertificateView],
    badges: list[Badge],
    events: list[TraceEvent],
    buyers: dict[str, tuple[int, int | None]],
    actor: Actor,
    on: date,
) -> TraceView:
    """`trace_view` of what was read of the lot (with its product and cooperative): its certificates, its
    product's badges on `on`, its events (`lot_trace_events`) and the buyers of the shipments they name
    (`_shipment_buyers`)."""
    view = TraceView(
        lot=lot,
        product=lot.product,
        qr_url=lot_qr_url(lot),
        badges=badges,
        certificates=certificates,
        expired=lot.is_expired(on),
        withdrawn=lot.status == LotStatus.WITHDRAWN,
    )
    forward: list[TraceEvent] = []
    for event in events:
        {
            TraceDirection.BACK: view.back,
            TraceDirection.INTERNAL: view.internal,
            TraceDirection.FORWARD: forward,
        }[TraceDirection(event.direction)].append(event)
    view.forward = _forward_steps(actor, lot, forward, buyers)
    return view

"""Writes to harvest lots: create and edit drafts, publish (then immutable), withdraw, traceability events,
and the stock API that orders use (lock, take, return)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog import gs1, pricing
from catalog.cache import Watched, catalog_changed, digital_link_ident, object_changed
from catalog.commands import LotDetails
from catalog.models import (
    Certificate,
    CertificateScope,
    HarvestLot,
    LotStatus,
    Product,
    TraceEvent,
    TraceEventKind,
)
from catalog.policy import LOT_POLICY, PRODUCT_POLICY, LotAction, ProductAction
from catalog.selectors.browse import for_sale
from catalog.services.common import hide_from_strangers, raise_if
from market.core.errors import Conflict, NotFound, ValidationFailed
from market.core.parsing import format_decimal
from market.core.quantity import WHOLE_UNITS, Unit
from market.core.services import AuditEntry, audit_record, audit_records
from market.organisations import validators
from market.organisations.permissions import Actor
from market.organisations.storefront import storefront_changed

PUBLIC_ID_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i: read aloud over the phone


def new_public_id() -> str:
    return "".join(secrets.choice(PUBLIC_ID_ALPHABET) for _ in range(10))


def _apply(lot: HarvestLot, details: LotDetails) -> list[str]:
    """Set the details (the product's origin where none is given); return the columns that changed."""
    product = lot.product
    values: dict[str, Any] = {f.name: getattr(details, f.name) for f in fields(details)}
    if values["origin_province_code"] is None:
        values["origin_province_code"] = product.origin_province_code
        values["origin_commune_code"] = values["origin_commune_code"] or product.origin_commune_code
    if values["plot"] is None:
        values["plot"] = product.origin_note
    changed = []
    for name, value in values.items():
        if getattr(lot, name, None) != value:
            setattr(lot, name, value)
            changed.append(name)
    return changed


def _errors(lot: HarvestLot) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not gs1.LOT_CODE_PATTERN.match(lot.code) or lot.code != lot.code.upper():
        errors["code"] = [_("A lot code has 1 to 20 letters, digits, dots, dashes or underscores, e.g. ST25-2026-03.")]
    if lot.harvest_date > timezone.localdate() + timedelta(days=1):
        errors["harvest_date"] = [_("The harvest date cannot be in the future.")]
    if lot.expiry_date and lot.expiry_date < lot.harvest_date:
        errors["expiry_date"] = [_("The expiry date cannot be before the harvest date.")]
    if lot.quantity_produced <= 0:
        errors["quantity_produced"] = [_("Enter the quantity harvested or produced, above zero.")]
    elif lot.product.unit in WHOLE_UNITS and lot.quantity_produced != lot.quantity_produced.to_integral_value():
        errors["quantity_produced"] = [_("This unit is counted in whole pieces: use a whole number.")]
    try:
        validators.validate_province_code(lot.origin_province_code)
    except ValidationError as error:
        errors["origin_province_code"] = error.messages
    else:
        try:
            validators.validate_commune(lot.origin_province_code, lot.origin_commune_code)
        except ValidationError as error:
            errors["origin_commune_code"] = error.messages
    if HarvestLot.objects.filter(product_id=lot.product_id, code=lot.code).exclude(pk=lot.pk).exists():
        errors["code"] = [_("This product already has a lot with this code.")]
    return errors


def _certificates_for(lot: HarvestLot, certificate_ids: Iterable[int]) -> list[Certificate]:
    ids = sorted(set(certificate_ids))
    certificates = list(
        Certificate.objects.filter(pk__in=ids, cooperative_id=lot.product.cooperative_id).prefetch_related("products")
    )
    if len(certificates) != len(ids):
        raise ValidationFailed(fields={"certificates": [_("Choose certificates of your own cooperative.")]})
    for certificate in certificates:
        covers = certificate.scope == CertificateScope.COOPERATIVE or any(
            p.pk == lot.product_id for p in certificate.products.all()
        )
        if not covers:
            raise ValidationFailed(
                fields={
                    "certificates": [
                        _("Certificate %(number)s does not cover this product.") % {"number": certificate.number}
                    ]
                }
            )
    return certificates


def _save_lot(lot: HarvestLot, fields: list[str] | None = None) -> None:
    try:
        with transaction.atomic():
            lot.save(update_fields=fields) if fields else lot.save()
    except IntegrityError as error:
        if "lot_code_unique_per_product" in str(error):
            raise ValidationFailed(fields={"code": [_("This product already has a lot with this code.")]}) from None
        raise


@transaction.atomic
def lot_create(
    *, actor: Actor, product_id: int, details: LotDetails, certificate_ids: Iterable[int] = ()
) -> HarvestLot:
    """A draft lot of the actor's product; its available quantity starts at the quantity produced."""
    product = Product.objects.select_for_update(of=("self",)).select_related("cooperative").filter(pk=product_id)
    found = product.first()
    if found is None:
        raise NotFound()
    hide_from_strangers(actor, found.cooperative_id)
    PRODUCT_POLICY.authorize(actor=actor, obj=found, action=ProductAction.ADD_LOT)
    lot = HarvestLot(product=found, status=LotStatus.DRAFT, public_id=new_public_id())
    _apply(lot, details)
    errors = _errors(lot)
    certificates: list[Certificate] = []
    try:
        certificates = _certificates_for(lot, certificate_ids)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    raise_if(errors)
    lot.quantity_available = lot.quantity_produced
    _save_lot(lot)
    lot.certificates.set(certificates)
    audit_record(actor=actor, action="lot.created", target=lot, data={"product": found.pk, "code": lot.code})
    return lot


def _locked(actor: Actor, lot_id: int) -> HarvestLot:
    """The lot, its row locked; NotFound for another organisation."""
    lot = HarvestLot.objects.select_for_update(of=("self",)).select_related("product").filter(pk=lot_id).first()
    if lot is None:
        raise NotFound()
    hide_from_strangers(actor, lot.product.cooperative_id)
    return lot


@transaction.atomic
def lot_update(
    *, actor: Actor, lot_id: int, details: LotDetails, certificate_ids: Iterable[int] | None = None
) -> HarvestLot:
    """Edit a draft lot. A published lot is immutable: record a correction event instead."""
    lot = _locked(actor, lot_id)
    try:
        LOT_POLICY.authorize(actor=actor, obj=lot, action=LotAction.EDIT)
    except Conflict as error:
        raise Conflict(error.message, code="lot_immutable") from None
    changed = _apply(lot, details)
    errors = _errors(lot)
    certificates = None
    if certificate_ids is not None:
        try:
            certificates = _certificates_for(lot, certificate_ids)
        except ValidationFailed as exc:
            errors.update(exc.fields)
    raise_if(errors)
    if "quantity_produced" in changed:
        lot.quantity_available = lot.quantity_produced
        changed.append("quantity_available")
    if changed:
        _save_lot(lot, [*changed, "updated_at"])
    if certificates is not None:
        lot.certificates.set(certificates)
    audit_record(actor=actor, action="lot.updated", target=lot, data={"fields": sorted(changed)})
    return lot


@transaction.atomic
def lot_publish(*, actor: Actor, lot_id: int) -> HarvestLot:
    """Make the lot's trace page public and its record immutable; its stock becomes sellable."""
    lot = _locked(actor, lot_id)
    try:
        LOT_POLICY.authorize(actor=actor, obj=lot, action=LotAction.PUBLISH)
    except Conflict:
        if lot.is_editable and lot.product.is_draft:
            raise Conflict(_("Publish the product before its lots: the trace page shows it.")) from None
        raise
    for certificate in lot.certificates.all():
        if not certificate.is_in_force(lot.harvest_date):
            raise ValidationFailed(
                fields={
                    "certificates": [
                        _(
                            "Certificate %(number)s was not verified or not valid on the harvest date; "
                            "remove it or have it verified first."
                        )
                        % {"number": certificate.number}
                    ]
                }
            )
    lot.status = LotStatus.PUBLISHED
    lot.published_at = timezone.now()
    lot.save(update_fields=["status", "published_at", "updated_at"])
    audit_record(actor=actor, action="lot.published", target=lot)
    catalog_changed()
    storefront_changed([lot.product.cooperative_id])  # its product may be in stock now
    return lot


@transaction.atomic
def lot_withdraw(*, actor: Actor, lot_id: int, reason: str) -> HarvestLot:
    """Recall a published lot: no longer sold; its trace page stays up and says why."""
    lot = _locked(actor, lot_id)
    LOT_POLICY.authorize(actor=actor, obj=lot, action=LotAction.WITHDRAW)
    if len(reason) < 5:
        raise ValidationFailed(fields={"reason": [_("Say why, for the buyers who scan the label.")]})
    lot.status = LotStatus.WITHDRAWN
    lot.save(update_fields=["status", "updated_at"])
    trace_event_record(
        lot=lot,
        kind=TraceEventKind.NOTE,
        occurred_at=timezone.now(),
        description=_("Lot withdrawn: %(reason)s") % {"reason": reason},
        recorded_by=actor.user,
    )
    audit_record(actor=actor, action="lot.withdrawn", target=lot, data={"reason": reason})
    catalog_changed()
    storefront_changed([lot.product.cooperative_id])
    return lot


# --- traceability events -------------------------------------------------------------------------
def trace_page_keys(lot: HarvestLot) -> list[str]:
    """The names of a lot's trace page(s) for its version: its public id and, with a GTIN, its Digital Link."""
    keys = [lot.public_id]
    if lot.product.gtin:
        keys.append(digital_link_ident(lot.product.gtin, lot.code))
    return keys


def trace_event_record(
    *,
    lot: HarvestLot,
    kind: TraceEventKind | str,
    occurred_at: datetime,
    description: str,
    party: str = "",
    party_reference: str = "",
    quantity: Decimal | None = None,
    unit: str = "",
    location: str = "",
    document_reference: str = "",
    corrects_id: int | None = None,
    recorded_by: Any = None,
) -> TraceEvent:
    """Append an event without a permission check: for services that already checked (orders record their
    shipments here). A quantity without a unit is in the product's unit."""
    errors: dict[str, list[str]] = {}
    if kind not in TraceEventKind.values:
        errors["kind"] = [_("Choose what kind of event this is.")]
    if timezone.is_naive(occurred_at):
        occurred_at = timezone.make_aware(occurred_at)
    if occurred_at > timezone.now() + timedelta(hours=1):
        errors["occurred_at"] = [_("An event cannot be in the future.")]
    if not description.strip():
        errors["description"] = [_("Say what happened.")]
    texts = {"description": description, "party": party, "party_reference": party_reference, "location": location,
             "document_reference": document_reference}  # fmt: skip
    for name, text in texts.items():
        column = TraceEvent._meta.get_field(name)
        limit = column.max_length if isinstance(column, models.CharField) and column.max_length else len(text)
        if len(text) > limit:
            errors.setdefault(name, []).append(_("Write at most %(n)s characters.") % {"n": format_decimal(limit)})
    if quantity is not None and quantity <= 0:
        errors["quantity"] = [_("Enter a quantity above zero.")]
    if unit and unit not in Unit.values:
        errors["unit"] = [_("Choose a unit from the list.")]
    corrects = None
    if corrects_id is not None:
        corrects = TraceEvent.objects.filter(pk=corrects_id, lot_id=lot.pk).first()
        if corrects is None:
            errors["corrects"] = [_("Choose an event of this lot.")]
    if kind == TraceEventKind.CORRECTION and corrects_id is None:
        errors["corrects"] = [_("Choose the event this corrects.")]
    if kind != TraceEventKind.CORRECTION and corrects_id is not None:
        errors["kind"] = [_("Only a correction refers to another event.")]
    raise_if(errors)
    event = TraceEvent(
        lot=lot,
        kind=kind,
        occurred_at=occurred_at,
        description=description,
        party=party,
        party_reference=party_reference,
        quantity=quantity,
        unit=(unit or lot.product.unit) if quantity is not None else "",
        location=location,
        document_reference=document_reference,
        corrects=corrects,
        recorded_by=recorded_by if getattr(recorded_by, "pk", None) else None,
    )
    event.save()
    object_changed(Watched.LOT, trace_page_keys(lot))
    return event


@transaction.atomic
def trace_event_add(
    *,
    actor: Actor,
    lot_id: int,
    kind: TraceEventKind,
    occurred_at: datetime,
    description: str,
    party: str = "",
    party_reference: str = "",
    quantity: Decimal | None = None,
    unit: str = "",
    location: str = "",
    document_reference: str = "",
    corrects_id: int | None = None,
) -> TraceEvent:
    """Events are only ever appended, on drafts and published lots alike."""
    lot = _locked(actor, lot_id)
    LOT_POLICY.authorize(actor=actor, obj=lot, action=LotAction.ADD_EVENT)
    event = trace_event_record(
        lot=lot,
        kind=kind,
        occurred_at=occurred_at,
        description=description,
        party=party,
        party_reference=party_reference,
        quantity=quantity,
        unit=unit,
        location=location,
        document_reference=document_reference,
        corrects_id=corrects_id,
        recorded_by=actor.user,
    )
    audit_record(actor=actor, action="lot.event_added", target=lot, data={"event": event.pk, "kind": event.kind})
    return event


# --- stock (the API orders use) ------------------------------------------------------------------
def lots_lock(*, lot_ids: Iterable[int]) -> dict[int, HarvestLot]:
    """Lock lots for update in id order, so that two transactions taking the same lots never deadlock.
    Call inside a transaction, as late as possible."""
    ids = sorted({int(i) for i in lot_ids})
    lots = HarvestLot.objects.select_for_update(of=("self",)).select_related("product").filter(pk__in=ids)
    found = {lot.pk: lot for lot in lots.order_by("pk")}
    if len(found) != len(ids):
        raise NotFound()
    return found


def lots_lock_for_order(*, lot_ids: Iterable[int], product_ids: Iterable[int]) -> dict[int, HarvestLot]:
    """Lock, in id order and in one query, the lots a checkout may take stock from: the lots its lines chose
    and every lot its products sell from today. NotFound when a chosen lot does not exist. The caller checks
    each lot again (a row changed while we waited for its lock is read as it is now). The lots come without
    their products: the checkout has them already."""
    chosen = {int(i) for i in lot_ids}
    selling = Q(product_id__in={int(i) for i in product_ids}) & for_sale(on=timezone.localdate())
    lots = HarvestLot.objects.select_for_update().filter(Q(pk__in=chosen) | selling)
    found = {lot.pk: lot for lot in lots.order_by("pk")}
    if not chosen <= found.keys():
        raise NotFound()
    return found


def _stock_quantity(quantity: Decimal) -> Decimal:
    number = pricing.as_quantity(quantity)
    if not number:
        raise ValidationFailed(fields={"quantity": [_("Enter a quantity above zero.")]})
    return number


def lot_stock_take(
    *, lot: HarvestLot, quantity: Decimal, actor: Actor | None = None, reference: str = ""
) -> HarvestLot:
    """Take `quantity` (in the product's unit) from a published, unexpired lot, or raise Conflict.

    Locks the row; the CHECK (quantity_available >= 0) is the last line of defence."""
    quantity = _stock_quantity(quantity)
    with transaction.atomic():
        lot = lots_lock(lot_ids=[lot.pk])[lot.pk]
        if lot.status != LotStatus.PUBLISHED:
            raise Conflict(_("Lot %(code)s is not on sale.") % {"code": lot.code}, code="lot_not_on_sale")
        if lot.is_expired():
            raise Conflict(_("Lot %(code)s has expired.") % {"code": lot.code}, code="lot_expired")
        if lot.quantity_available < quantity:
            raise Conflict(
                _("Only %(available)s left in lot %(code)s.")
                % {"available": pricing.fmt_quantity(lot.quantity_available, lot.product.unit), "code": lot.code},
                code="insufficient_stock",
            )
        lots_stock_take_locked(takes=[StockTake(lot=lot, quantity=quantity, reference=reference)], actor=actor)
    return lot


@dataclass(frozen=True)
class StockTake:
    """Stock taken from one locked lot, and the order number (or other reference) it went to."""

    lot: HarvestLot
    quantity: Decimal
    reference: str = ""


def lots_stock_take_locked(*, takes: Sequence[StockTake], actor: Actor | None = None) -> None:
    """Take stock from lots this transaction has already locked and checked (on sale, holding enough):
    one UPDATE and one audit INSERT for a whole checkout, however many lots. A lot may appear in several
    takes (two lines sharing it); each take is audited with what it left, and the lot objects are updated
    in place (their rows are locked, so the in-memory figure is the row's)."""
    if not takes:
        return
    totals: dict[int, Decimal] = {}
    entries: list[AuditEntry] = []
    for take in takes:
        quantity = _stock_quantity(take.quantity)
        totals[take.lot.pk] = totals.get(take.lot.pk, Decimal(0)) + quantity
        take.lot.quantity_available -= quantity
        left = str(take.lot.quantity_available)
        entries.append(
            ("lot.stock_taken", take.lot, {"quantity": str(quantity), "reference": take.reference, "left": left})
        )
    taken = Case(
        *(When(pk=lot_id, then=Value(quantity)) for lot_id, quantity in totals.items()),
        output_field=HarvestLot._meta.get_field("quantity_available"),
    )
    HarvestLot.objects.filter(pk__in=totals).update(quantity_available=F("quantity_available") - taken)
    audit_records(actor=actor, entries=entries)
    object_changed(Watched.PRODUCT, (take.lot.product_id for take in takes))  # the product pages' stock
    emptied = [take.lot.pk for take in takes if take.lot.quantity_available == 0]
    if emptied:
        catalog_changed()
        # A product may be out of stock now: its storefront's card says so (rare enough for a query).
        storefront_changed(HarvestLot.objects.filter(pk__in=emptied).values_list("product__cooperative_id", flat=True))


def lot_stock_return(
    *, lot: HarvestLot, quantity: Decimal, actor: Actor | None = None, reference: str = ""
) -> HarvestLot:
    """Put back what an order had taken (cancelled or short-shipped); never above what was produced."""
    quantity = _stock_quantity(quantity)
    with transaction.atomic():
        lot = lots_lock(lot_ids=[lot.pk])[lot.pk]
        if lot.quantity_available + quantity > lot.quantity_produced:
            raise Conflict(_("That would put more back than the lot ever held."), code="stock_above_produced")
        was_empty = lot.quantity_available == 0
        HarvestLot.objects.filter(pk=lot.pk).update(quantity_available=F("quantity_available") + quantity)
        lot.refresh_from_db(fields=["quantity_available"])
        object_changed(Watched.PRODUCT, [lot.product_id])
        audit_record(
            actor=actor,
            action="lot.stock_returned",
            target=lot,
            data={"quantity": str(quantity), "reference": reference, "left": str(lot.quantity_available)},
        )
        if was_empty:
            catalog_changed()
            storefront_changed(HarvestLot.objects.filter(pk=lot.pk).values_list("product__cooperative_id", flat=True))
    return lot


@transaction.atomic
def lot_stock_adjust(*, actor: Actor, lot_id: int, quantity_available: Decimal, reason: str) -> HarvestLot:
    """The cooperative counted its stock (spoilage, a recount): set what is available now."""
    lot = _locked(actor, lot_id)
    LOT_POLICY.authorize(actor=actor, obj=lot, action=LotAction.COUNT_STOCK)
    errors: dict[str, list[str]] = {}
    if quantity_available > lot.quantity_produced:
        errors["quantity_available"] = [_("More than the lot ever held; correct the quantity produced instead.")]
    elif lot.product.unit in WHOLE_UNITS and quantity_available != quantity_available.to_integral_value():
        errors["quantity_available"] = [_("This unit is counted in whole pieces: use a whole number.")]
    if len(reason) < 3:
        errors["reason"] = [_("Say why the stock changed.")]
    raise_if(errors)
    previous = lot.quantity_available
    lot.quantity_available = quantity_available
    lot.save(update_fields=["quantity_available", "updated_at"])
    audit_record(
        actor=actor,
        action="lot.stock_adjusted",
        target=lot,
        data={"from": str(previous), "to": str(quantity_available), "reason": reason},
    )
    catalog_changed()
    storefront_changed([lot.product.cooperative_id])
    return lot

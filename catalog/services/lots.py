"""Writes to harvest lots: create and edit drafts, publish (then immutable), withdraw, traceability events,
and the stock API that orders use (lock, take, return)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from catalog import gs1, pricing
from catalog.cache import catalog_changed
from catalog.models import (
    Certificate,
    CertificateScope,
    HarvestLot,
    LotStatus,
    Product,
    ProductStatus,
    TraceEvent,
    TraceEventKind,
)
from catalog.permissions import LOTS_MANAGE, LOTS_PUBLISH
from catalog.services.common import raise_if, require_own
from market.core.errors import Conflict, NotFound, ValidationFailed
from market.core.quantity import Unit
from market.core.services import audit_record
from market.core.text import nfc
from market.organisations import validators
from market.organisations.permissions import Actor

LOT_FIELDS = (
    "code",
    "quantity_produced",
    "harvest_date",
    "expiry_date",
    "origin_province_code",
    "origin_commune_code",
    "plot",
    "note",
)
EVENT_FIELDS = (
    "kind",
    "occurred_at",
    "description",
    "party",
    "party_reference",
    "quantity",
    "unit",
    "location",
    "document_reference",
    "corrects",
)
LOT_TRANSITIONS: dict[str, frozenset[str]] = {
    LotStatus.DRAFT: frozenset({LotStatus.PUBLISHED}),
    LotStatus.PUBLISHED: frozenset({LotStatus.WITHDRAWN}),
    LotStatus.WITHDRAWN: frozenset(),
}
PUBLIC_ID_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i: read aloud over the phone


def new_public_id() -> str:
    import secrets

    return "".join(secrets.choice(PUBLIC_ID_ALPHABET) for _ in range(10))


def _as_date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    parsed = parse_date(str(value))
    if parsed is None:
        raise ValueError(value)
    return parsed


def _apply_lot_fields(lot: HarvestLot, data: Mapping[str, Any]) -> tuple[list[str], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    changed: list[str] = []
    for field, raw in data.items():
        if field not in LOT_FIELDS:
            continue
        value = raw
        try:
            if field == "code":
                value = nfc(str(value or "")).upper()
                gs1.validate_lot_code(value)
            elif field == "quantity_produced":
                value = pricing.as_quantity(value)
                if not value:
                    raise ValidationError(_("Enter the quantity harvested or produced, above zero."))
            elif field in ("harvest_date", "expiry_date"):
                value = _as_date(value)
            elif field == "origin_province_code":
                value = int(value)
                validators.validate_province_code(value)
            elif field == "origin_commune_code":
                value = int(value) if value not in (None, "") else None
            elif field in ("plot", "note"):
                value = nfc(str(value or ""))
        except ValidationError as exc:
            errors[field] = exc.messages
            continue
        except (TypeError, ValueError):
            errors[field] = [_("This value is not valid.")]
            continue
        if getattr(lot, field) != value:
            setattr(lot, field, value)
            changed.append(field)
    if lot.harvest_date is None and "harvest_date" not in errors:
        errors["harvest_date"] = [_("Enter the harvest or production date.")]
    elif lot.harvest_date and lot.harvest_date > timezone.localdate() + timedelta(days=1):
        errors["harvest_date"] = [_("The harvest date cannot be in the future.")]
    if lot.expiry_date and lot.harvest_date and lot.expiry_date < lot.harvest_date:
        errors["expiry_date"] = [_("The expiry date cannot be before the harvest date.")]
    if not lot.code and "code" not in errors:
        errors["code"] = [_("Enter the lot code printed on the packages.")]
    if lot.quantity_produced is None and "quantity_produced" not in errors:
        errors["quantity_produced"] = [_("Enter the quantity harvested or produced, above zero.")]
    elif (
        lot.quantity_produced is not None
        and lot.product.unit in pricing.WHOLE_UNITS
        and lot.quantity_produced != lot.quantity_produced.to_integral_value()
    ):
        errors["quantity_produced"] = [_("This unit is counted in whole pieces: use a whole number.")]
    for name, limit in (("plot", 200), ("note", 500)):
        if len(getattr(lot, name) or "") > limit:
            errors[name] = [_("At most %(n)s characters.") % {"n": limit}]
    if "origin_province_code" not in errors and "origin_commune_code" not in errors:
        try:
            validators.validate_commune(lot.origin_province_code, lot.origin_commune_code)
        except ValidationError as exc:
            for messages in exc.message_dict.values():
                errors.setdefault("origin_commune_code", []).extend(messages)
    if (
        lot.code
        and "code" not in errors
        and HarvestLot.objects.filter(product_id=lot.product_id, code=lot.code).exclude(pk=lot.pk).exists()
    ):
        errors["code"] = [_("This product already has a lot with this code.")]
    return changed, errors


def _certificates_for(lot: HarvestLot, certificate_ids: Iterable[int]) -> list[Certificate]:
    ids = sorted({int(i) for i in certificate_ids})
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
    *, actor: Actor, product: Product, data: Mapping[str, Any], certificate_ids: Iterable[int] = ()
) -> HarvestLot:
    """A draft lot; its available quantity starts at the quantity produced."""
    require_own(actor, product.cooperative_id)
    actor.require(LOTS_MANAGE)
    lot = HarvestLot(
        product=product,
        status=LotStatus.DRAFT,
        origin_province_code=product.origin_province_code,
        origin_commune_code=product.origin_commune_code,
        plot=product.origin_note,
        public_id=new_public_id(),
    )
    lot.quantity_produced = None  # type: ignore[assignment]
    if "origin_province_code" in data and "origin_commune_code" not in data:
        lot.origin_commune_code = None
    _changed, errors = _apply_lot_fields(lot, data)
    certificates: list[Certificate] = []
    try:
        certificates = _certificates_for(lot, certificate_ids)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    raise_if(errors)
    lot.quantity_available = lot.quantity_produced
    _save_lot(lot)
    lot.certificates.set(certificates)
    audit_record(actor=actor, action="lot.created", target=lot, data={"product": product.pk, "code": lot.code})
    return lot


def _locked(lot: HarvestLot) -> HarvestLot:
    return HarvestLot.objects.select_for_update(of=("self",)).select_related("product").get(pk=lot.pk)


@transaction.atomic
def lot_update(
    *, actor: Actor, lot: HarvestLot, data: Mapping[str, Any], certificate_ids: Iterable[int] | None = None
) -> HarvestLot:
    """Edit a draft lot. A published lot is immutable: record a correction event instead."""
    require_own(actor, lot.product.cooperative_id)
    actor.require(LOTS_MANAGE)
    lot = _locked(lot)
    if lot.status != LotStatus.DRAFT:
        raise Conflict(
            _("A published lot cannot be changed. Record a correction event instead; buyers see both."),
            code="lot_immutable",
        )
    changed, errors = _apply_lot_fields(lot, data)
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
def lot_publish(*, actor: Actor, lot: HarvestLot) -> HarvestLot:
    """Make the lot's trace page public and its record immutable; its stock becomes sellable."""
    require_own(actor, lot.product.cooperative_id)
    actor.require(LOTS_PUBLISH)
    lot = _locked(lot)
    if LotStatus.PUBLISHED not in LOT_TRANSITIONS[lot.status]:
        raise Conflict(_("This lot is already published or withdrawn."))
    if lot.product.status == ProductStatus.DRAFT:
        raise Conflict(_("Publish the product before its lots: the trace page shows it."))
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
    return lot


@transaction.atomic
def lot_withdraw(*, actor: Actor, lot: HarvestLot, reason: str) -> HarvestLot:
    """Recall a published lot: no longer sold; its trace page stays up and says why."""
    require_own(actor, lot.product.cooperative_id)
    actor.require(LOTS_PUBLISH)
    reason = nfc(reason or "")
    if len(reason) < 5:
        raise ValidationFailed(fields={"reason": [_("Say why, for the buyers who scan the label.")]})
    lot = _locked(lot)
    if LotStatus.WITHDRAWN not in LOT_TRANSITIONS[lot.status]:
        raise Conflict(_("Only a published lot can be withdrawn."))
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
    return lot


# --- traceability events -------------------------------------------------------------------------
def _event_from(lot: HarvestLot, data: Mapping[str, Any]) -> TraceEvent:
    errors: dict[str, list[str]] = {}
    event = TraceEvent(lot=lot)
    kind = data.get("kind")
    if kind not in TraceEventKind.values:
        errors["kind"] = [_("Choose what kind of event this is.")]
    else:
        event.kind = kind
    occurred = data.get("occurred_at")
    if isinstance(occurred, str):
        occurred = parse_datetime(occurred) or (
            datetime.combine(parse_date(occurred), datetime.min.time()) if parse_date(occurred) else None
        )
    elif isinstance(occurred, date) and not isinstance(occurred, datetime):
        occurred = datetime.combine(occurred, datetime.min.time())
    if not isinstance(occurred, datetime):
        errors["occurred_at"] = [_("Enter when it happened.")]
    else:
        if timezone.is_naive(occurred):
            occurred = timezone.make_aware(occurred)
        if occurred > timezone.now() + timedelta(hours=1):
            errors["occurred_at"] = [_("An event cannot be in the future.")]
        event.occurred_at = occurred
    event.description = nfc(str(data.get("description") or ""))
    if not event.description:
        errors["description"] = [_("Say what happened.")]
    elif len(event.description) > 1000:
        errors["description"] = [_("At most %(n)s characters.") % {"n": 1000}]
    for name, limit in (("party", 200), ("party_reference", 60), ("location", 200), ("document_reference", 100)):
        value = nfc(str(data.get(name) or ""))
        if len(value) > limit:
            errors[name] = [_("At most %(n)s characters.") % {"n": limit}]
        setattr(event, name, value)
    quantity = data.get("quantity")
    if quantity not in (None, ""):
        number = pricing.as_quantity(quantity)
        if not number:
            errors["quantity"] = [_("Enter a number above zero with at most 3 decimals, e.g. 25 or 0.5.")]
        event.quantity = number
        unit = data.get("unit") or lot.product.unit
        if unit not in Unit.values:
            errors["unit"] = [_("Choose a unit from the list.")]
        event.unit = unit
    corrects = data.get("corrects")
    if corrects not in (None, ""):
        corrected_id = corrects.pk if isinstance(corrects, TraceEvent) else corrects
        target = TraceEvent.objects.filter(pk=corrected_id, lot_id=lot.pk).first()
        if target is None:
            errors["corrects"] = [_("Choose an event of this lot.")]
        event.corrects = target
    if event.kind == TraceEventKind.CORRECTION and event.corrects is None and "corrects" not in errors:
        errors["corrects"] = [_("Choose the event this corrects.")]
    if event.kind and event.kind != TraceEventKind.CORRECTION and event.corrects is not None:
        errors["kind"] = [_("Only a correction refers to another event.")]
    raise_if(errors)
    return event


def trace_event_record(*, lot: HarvestLot, recorded_by: Any = None, **data: Any) -> TraceEvent:
    """Append an event without a permission check: for services that already checked (orders record
    their shipments here)."""
    event = _event_from(lot, data)
    event.recorded_by = recorded_by if getattr(recorded_by, "pk", None) else None
    event.save()
    return event


@transaction.atomic
def trace_event_add(*, actor: Actor, lot: HarvestLot, data: Mapping[str, Any]) -> TraceEvent:
    """Events are only ever appended, on drafts and published lots alike."""
    require_own(actor, lot.product.cooperative_id)
    actor.require(LOTS_MANAGE)
    lot = _locked(lot)
    event = trace_event_record(lot=lot, recorded_by=actor.user, **{k: v for k, v in data.items() if k in EVENT_FIELDS})
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


def _stock_quantity(quantity: Any) -> Decimal:
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
        HarvestLot.objects.filter(pk=lot.pk).update(quantity_available=F("quantity_available") - quantity)
        lot.refresh_from_db(fields=["quantity_available"])
        audit_record(
            actor=actor,
            action="lot.stock_taken",
            target=lot,
            data={"quantity": str(quantity), "reference": reference, "left": str(lot.quantity_available)},
        )
        if lot.quantity_available == 0:
            catalog_changed()
    return lot


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
        audit_record(
            actor=actor,
            action="lot.stock_returned",
            target=lot,
            data={"quantity": str(quantity), "reference": reference, "left": str(lot.quantity_available)},
        )
        if was_empty:
            catalog_changed()
    return lot


@transaction.atomic
def lot_stock_adjust(*, actor: Actor, lot: HarvestLot, quantity_available: Any, reason: str) -> HarvestLot:
    """The cooperative counted its stock (spoilage, a recount): set what is available now."""
    require_own(actor, lot.product.cooperative_id)
    actor.require(LOTS_MANAGE)
    reason = nfc(reason or "")
    errors: dict[str, list[str]] = {}
    number = pricing.as_quantity(quantity_available)
    lot = _locked(lot)
    if number is None:
        errors["quantity_available"] = [_("Enter a number with at most 3 decimals, zero or more.")]
    elif number > lot.quantity_produced:
        errors["quantity_available"] = [_("More than the lot ever held; correct the quantity produced instead.")]
    if len(reason) < 3:
        errors["reason"] = [_("Say why the stock changed.")]
    raise_if(errors)
    assert number is not None
    previous = lot.quantity_available
    lot.quantity_available = number
    lot.save(update_fields=["quantity_available", "updated_at"])
    audit_record(
        actor=actor,
        action="lot.stock_adjusted",
        target=lot,
        data={"from": str(previous), "to": str(number), "reason": reason},
    )
    catalog_changed()
    return lot

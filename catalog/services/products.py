"""Writes to products: create and update (with their price tiers), publish and delist, photos."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog import gs1, pricing, uploads
from catalog.cache import catalog_changed
from catalog.models import (
    Category,
    PriceTier,
    Product,
    ProductImage,
    ProductStatus,
    VatCategory,
)
from catalog.permissions import PRODUCTS_MANAGE, PRODUCTS_PUBLISH
from catalog.services.common import merge_errors, raise_if, require_own
from market.core.errors import Conflict, ValidationFailed
from market.core.quantity import Unit
from market.core.services import audit_record
from market.core.text import nfc
from market.organisations import validators
from market.organisations.models import Organisation
from market.organisations.permissions import Actor

PRODUCT_FIELDS = (
    "category",
    "sku",
    "name_vi",
    "name_en",
    "description_vi",
    "description_en",
    "unit",
    "moq",
    "order_multiple",
    "gtin",
    "vat_category",
    "packaging",
    "net_content",
    "ingredients",
    "storage_instructions",
    "usage_instructions",
    "shelf_life_days",
    "origin_province_code",
    "origin_commune_code",
    "origin_note",
)
TEXT_FIELDS = (
    "sku",
    "name_vi",
    "name_en",
    "description_vi",
    "description_en",
    "packaging",
    "net_content",
    "ingredients",
    "storage_instructions",
    "usage_instructions",
    "origin_note",
)
MAX_IMAGES = 8

# Status moves: a draft is published once; a published product may be delisted and listed again.
PRODUCT_TRANSITIONS: dict[str, frozenset[str]] = {
    ProductStatus.DRAFT: frozenset({ProductStatus.PUBLISHED}),
    ProductStatus.PUBLISHED: frozenset({ProductStatus.DELISTED}),
    ProductStatus.DELISTED: frozenset({ProductStatus.PUBLISHED}),
}


# --- reference lookups ---------------------------------------------------------------------------
def resolve_category(value: Any) -> Category | None:
    if isinstance(value, Category):
        return value
    if value in (None, ""):
        return None
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        return Category.objects.filter(pk=int(value)).first()
    return Category.objects.filter(slug=str(value).strip()).first()


def resolve_vat_category(value: Any) -> VatCategory | None:
    if isinstance(value, VatCategory):
        return value
    if value in (None, ""):
        return None
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        return VatCategory.objects.filter(pk=int(value)).first()
    return VatCategory.objects.filter(code=str(value).strip()).first()


def search_document(product: Product, cooperative: Organisation | None = None) -> str:
    """Everything a buyer might type to find the product, in one NFC text (folded by the database)."""
    cooperative = cooperative or product.cooperative
    category = product.category
    parts = [
        product.name_vi,
        product.name_en,
        product.sku,
        product.gtin.lstrip("0"),
        cooperative.name,
        category.name_vi,
        category.name_en,
    ]
    if category.parent_id:
        parent = category.parent
        parts += [parent.name_vi, parent.name_en]
    parts += [product.origin_note, product.origin_commune_name, product.origin_province_name]
    parts += [product.description_vi[:600], product.description_en[:600]]
    return nfc(" · ".join(part for part in parts if part))


def refresh_search_text(*, cooperative_id: int) -> int:
    """Rebuild the search text of a cooperative's products (its name is part of it)."""
    products = Product.objects.filter(cooperative_id=cooperative_id).select_related("cooperative", "category__parent")
    changed = []
    for product in products:
        text = search_document(product)
        if text != product.search_text:
            product.search_text = text
            changed.append(product)
    Product.objects.bulk_update(changed, ["search_text"], batch_size=500)
    if changed:
        catalog_changed()
    return len(changed)


# --- validation ----------------------------------------------------------------------------------
def _apply_fields(product: Product, data: Mapping[str, Any]) -> tuple[list[str], dict[str, list[str]]]:
    """Normalise and set the given fields; return what changed and every field error."""
    errors: dict[str, list[str]] = {}
    changed: list[str] = []

    def put(name: str, value: Any) -> None:
        if getattr(product, name) != value:
            setattr(product, name, value)
            changed.append(name)

    for field, raw in data.items():
        if field not in PRODUCT_FIELDS:
            continue
        value = raw
        if field in TEXT_FIELDS:
            value = nfc(str(value or ""))
        if field == "category":
            category = resolve_category(value)
            if category is None:
                errors["category"] = [_("Choose a category from the list.")]
                continue
            if getattr(product, "category_id", None) != category.pk:
                product.category = category
                changed.append("category")
            continue
        if field == "vat_category":
            vat = resolve_vat_category(value)
            if vat is None:
                errors["vat_category"] = [_("Choose a VAT category from the list.")]
                continue
            if getattr(product, "vat_category_id", None) != vat.pk:
                product.vat_category = vat
                changed.append("vat_category")
            continue
        if field == "unit":
            if value not in Unit.values:
                errors["unit"] = [_("Choose a unit from the list.")]
                continue
        elif field in ("moq", "order_multiple"):
            number = pricing.as_quantity(value)
            if number is None or number == 0:
                errors[field] = [_("Enter a number above zero with at most 3 decimals, e.g. 25 or 0.5.")]
                continue
            value = number
        elif field == "gtin":
            if value:
                try:
                    value = gs1.normalise_gtin(value)
                except ValidationError as exc:
                    errors["gtin"] = exc.messages
                    continue
        elif field == "shelf_life_days":
            if value in (None, ""):
                value = None
            else:
                try:
                    value = int(value)
                except (TypeError, ValueError):
                    errors[field] = [_("Enter a whole number of days.")]
                    continue
                if value <= 0 or value > 3650:
                    errors[field] = [_("Enter a whole number of days.")]
                    continue
        elif field == "origin_province_code":
            try:
                value = int(value)
                validators.validate_province_code(value)
            except (TypeError, ValueError, ValidationError):
                errors[field] = [_("Unknown province.")]
                continue
        elif field == "origin_commune_code":
            if value in (None, ""):
                value = None
            else:
                try:
                    value = int(value)
                except (TypeError, ValueError):
                    errors[field] = [_("Unknown commune.")]
                    continue
        put(field, value)

    if not errors.get("origin_province_code") and not errors.get("origin_commune_code"):
        try:
            validators.validate_commune(product.origin_province_code, product.origin_commune_code)
        except ValidationError as exc:
            for messages in exc.message_dict.values():
                errors.setdefault("origin_commune_code", []).extend(messages)

    for name, max_length in (
        ("name_vi", 200),
        ("name_en", 200),
        ("sku", 40),
        ("packaging", 200),
        ("net_content", 60),
        ("ingredients", 500),
        ("storage_instructions", 300),
        ("usage_instructions", 300),
        ("origin_note", 200),
        ("description_vi", 4000),
        ("description_en", 4000),
    ):
        if len(getattr(product, name) or "") > max_length:
            errors.setdefault(name, []).append(_("At most %(n)s characters.") % {"n": max_length})
    if not product.name_vi:
        errors.setdefault("name_vi", []).append(_("Give the product a Vietnamese name."))
    if not getattr(product, "category_id", None) and "category" not in errors:
        errors["category"] = [_("Choose a category from the list.")]
    if not getattr(product, "vat_category_id", None) and "vat_category" not in errors:
        errors["vat_category"] = [_("Choose a VAT category from the list.")]
    if not product.unit and "unit" not in errors:
        errors["unit"] = [_("Choose a unit from the list.")]
    if product.moq is None and "moq" not in errors:
        errors["moq"] = [_("Enter the minimum order quantity.")]
    if not any(name in errors for name in ("unit", "moq", "order_multiple")) and product.moq is not None:
        if product.order_multiple is None:
            product.order_multiple = Decimal(1) if product.moq == product.moq.to_integral_value() else product.moq
            changed.append("order_multiple")
        merge_errors(
            errors,
            pricing.product_quantity_errors(unit=product.unit, moq=product.moq, order_multiple=product.order_multiple),
        )
    if product.sku and "sku" not in errors:
        taken = Product.objects.filter(cooperative_id=product.cooperative_id, sku=product.sku).exclude(pk=product.pk)
        if taken.exists():
            errors["sku"] = [_("Another of your products already uses this code.")]
    if (
        product.gtin
        and "gtin" not in errors
        and Product.objects.filter(gtin=product.gtin).exclude(pk=product.pk).exists()
    ):
        errors["gtin"] = [_("Another product already has this GTIN; each trade item has its own.")]
    return changed, errors


def tier_specs(tiers: Iterable[Any]) -> list[pricing.TierSpec]:
    """Tiers given as TierSpec, PriceTier or {'min_quantity', 'unit_price'} -> TierSpec (or ValidationFailed)."""
    specs: list[pricing.TierSpec] = []
    problems: list[str] = []
    for tier in tiers:
        if isinstance(tier, pricing.TierSpec):
            specs.append(tier)
            continue
        if isinstance(tier, PriceTier):
            specs.append(pricing.TierSpec(tier.min_quantity, tier.unit_price))
            continue
        quantity = pricing.as_quantity(tier.get("min_quantity"))
        price = tier.get("unit_price")
        if isinstance(price, Decimal) and price == price.to_integral_value():
            price = int(price)
        elif isinstance(price, str) and price.strip().isdigit():
            price = int(price.strip())
        if quantity is None:
            problems.append(_("A tier's quantity must be a number with at most 3 decimals."))
            continue
        if not isinstance(price, int) or isinstance(price, bool):
            problems.append(_("A unit price must be a whole number of đồng above zero."))
            continue
        specs.append(pricing.TierSpec(quantity, price))
    if problems:
        raise ValidationFailed(fields={"price_tiers": sorted(set(problems))})
    return specs


def _write_tiers(product: Product, specs: Sequence[pricing.TierSpec]) -> None:
    product.price_tiers.all().delete()
    PriceTier.objects.bulk_create(
        [PriceTier(product=product, min_quantity=t.min_quantity, unit_price=t.unit_price) for t in specs]
    )
    product.price_from = min(t.unit_price for t in specs)
    product.price_at_moq = pricing.tier_for(specs, product.moq).unit_price  # type: ignore[union-attr]


def _save(product: Product, *, fields: list[str] | None) -> None:
    try:
        with transaction.atomic():
            if fields is None:
                product.save()
            else:
                product.save(update_fields=fields)
    except IntegrityError as error:
        text = str(error)
        if "product_gtin_unique" in text:
            raise ValidationFailed(
                fields={"gtin": [_("Another product already has this GTIN; each trade item has its own.")]}
            ) from None
        if "product_sku_unique" in text:
            raise ValidationFailed(fields={"sku": [_("Another of your products already uses this code.")]}) from None
        raise


# --- create and update ---------------------------------------------------------------------------
@transaction.atomic
def product_create(*, actor: Actor, data: Mapping[str, Any], tiers: Iterable[Any] | None = None) -> Product:
    """A draft product of the actor's cooperative, with its price tiers when given."""
    actor.require(PRODUCTS_MANAGE)
    cooperative = actor.organisation
    assert cooperative is not None
    product = Product(
        cooperative=cooperative,
        status=ProductStatus.DRAFT,
        origin_province_code=cooperative.province_code,
        origin_commune_code=cooperative.commune_code,
    )
    if "origin_province_code" in data and "origin_commune_code" not in data:
        product.origin_commune_code = None
    product.moq = None  # type: ignore[assignment]
    product.order_multiple = None  # type: ignore[assignment]
    _changed, errors = _apply_fields(product, data)
    specs: list[pricing.TierSpec] | None = None
    tiers = list(tiers) if tiers is not None else []
    if tiers:  # a draft may start without prices; publishing needs them
        try:
            specs = tier_specs(tiers)
            if not any(name in errors for name in ("moq", "order_multiple", "unit")):
                specs = pricing.validate_tiers(
                    specs, moq=product.moq, order_multiple=product.order_multiple, unit=product.unit
                )
        except ValidationFailed as exc:
            merge_errors(errors, exc.fields)
    raise_if(errors)
    product.search_text = search_document(product, cooperative)
    _save(product, fields=None)
    if specs:
        _write_tiers(product, specs)
        product.save(update_fields=["price_from", "price_at_moq"])
    audit_record(actor=actor, action="product.created", target=product, data={"tiers": len(specs or [])})
    return product


@transaction.atomic
def product_update(
    *, actor: Actor, product: Product, data: Mapping[str, Any], tiers: Iterable[Any] | None = None
) -> Product:
    """Change a product's details and, when given, replace its price tiers; both are checked together
    (a new minimum order must still be covered by the tiers)."""
    require_own(actor, product.cooperative_id)
    actor.require(PRODUCTS_MANAGE)
    product = (
        Product.objects.select_for_update(of=("self",))
        .select_related("cooperative", "category__parent")
        .get(pk=product.pk)
    )
    changed, errors = _apply_fields(product, data)
    quantity_rules_ok = not any(name in errors for name in ("moq", "order_multiple", "unit"))
    specs: list[pricing.TierSpec] | None = None
    try:
        if tiers is not None:
            specs = tier_specs(tiers)
        elif quantity_rules_ok and {"moq", "order_multiple", "unit"} & set(changed):
            specs = tier_specs(product.price_tiers.all())
            if not specs:
                specs = None
        if specs is not None and quantity_rules_ok:
            specs = pricing.validate_tiers(
                specs, moq=product.moq, order_multiple=product.order_multiple, unit=product.unit
            )
    except ValidationFailed as exc:
        if tiers is None:
            errors.setdefault("moq", []).append(
                _("The price tiers no longer fit the new minimum order or multiple; change them together.")
            )
        merge_errors(errors, exc.fields)
    raise_if(errors)
    if tiers is not None and specs is not None:
        _write_tiers(product, specs)
        changed += ["price_from", "price_at_moq"]
    elif specs is not None and "moq" in changed:
        product.price_at_moq = pricing.tier_for(specs, product.moq).unit_price  # type: ignore[union-attr]
        changed.append("price_at_moq")
    if not changed:
        return product
    product.search_text = search_document(product)
    _save(product, fields=sorted({*changed, "search_text", "updated_at"}))
    audit_record(
        actor=actor,
        action="product.updated",
        target=product,
        data={"fields": sorted(set(changed)), "tiers_replaced": tiers is not None},
    )
    if product.status == ProductStatus.PUBLISHED:
        catalog_changed()
    return product


@transaction.atomic
def product_price_tiers_set(*, actor: Actor, product: Product, tiers: Iterable[Any]) -> list[PriceTier]:
    """Replace all price tiers of a product at once (tiers are only valid as a set)."""
    product = product_update(actor=actor, product=product, data={}, tiers=tiers)
    return list(product.price_tiers.order_by("min_quantity"))


# --- status --------------------------------------------------------------------------------------
def _move(*, actor: Actor, product: Product, to: str) -> Product:
    product = Product.objects.select_for_update().get(pk=product.pk)
    current = product.status
    if to not in PRODUCT_TRANSITIONS[current]:
        raise Conflict(
            _("A product that is %(current)s cannot become %(target)s.")
            % {"current": ProductStatus(current).label.lower(), "target": ProductStatus(to).label.lower()}
        )
    product.status = to
    fields = ["status", "updated_at"]
    if to == ProductStatus.PUBLISHED:
        product.published_at = timezone.now()
        fields.append("published_at")
    product.save(update_fields=fields)
    audit_record(actor=actor, action=f"product.{to}", target=product, data={"from": current})
    catalog_changed()
    return product


@transaction.atomic
def product_publish(*, actor: Actor, product: Product) -> Product:
    """Show the product to buyers. Only a verified cooperative publishes, and only with prices."""
    require_own(actor, product.cooperative_id)
    actor.require(PRODUCTS_PUBLISH)
    if not product.price_tiers.exists():
        raise ValidationFailed(
            _("Add the price (from the minimum order, per unit) before publishing."),
            fields={"price_tiers": [_("Add at least one price tier.")]},
        )
    return _move(actor=actor, product=product, to=ProductStatus.PUBLISHED)


@transaction.atomic
def product_delist(*, actor: Actor, product: Product) -> Product:
    """Take the product out of the catalogue; its lots' trace pages keep working."""
    require_own(actor, product.cooperative_id)
    actor.require(PRODUCTS_PUBLISH)
    return _move(actor=actor, product=product, to=ProductStatus.DELISTED)


# --- photos --------------------------------------------------------------------------------------
def _refresh_cover(product: Product) -> None:
    first = product.images.order_by("position", "id").first()
    cover = first.thumbnail.name if first else ""
    if product.cover_thumbnail != cover:
        product.cover_thumbnail = cover
        product.save(update_fields=["cover_thumbnail"])


@transaction.atomic
def product_image_add(*, actor: Actor, product: Product, upload: IO[bytes], alt_text: str = "") -> ProductImage:
    """Check the photo (type, size, pixels) before storing anything, then store it with a thumbnail."""
    require_own(actor, product.cooperative_id)
    actor.require(PRODUCTS_MANAGE)
    product = Product.objects.select_for_update().get(pk=product.pk)
    count = product.images.count()
    if count >= MAX_IMAGES:
        raise ValidationFailed(fields={"image": [_("At most %(n)s photos per product.") % {"n": MAX_IMAGES}]})
    processed = uploads.process_product_image(upload)
    image = ProductImage(
        product=product,
        width=processed.width,
        height=processed.height,
        alt_text=nfc(alt_text or "")[:200],
        position=count,
    )
    image.image.save(processed.image.name, processed.image, save=False)
    image.thumbnail.save(processed.thumbnail.name, processed.thumbnail, save=False)
    # Files are written before the row: if saving the row fails, remove them again.
    stored = [image.image.name, image.thumbnail.name]
    try:
        image.save()
        _refresh_cover(product)
    except Exception:
        for name in stored:
            image.image.storage.delete(name)
        raise
    audit_record(actor=actor, action="product.image_added", target=product, data={"image": image.pk})
    if product.status == ProductStatus.PUBLISHED:
        catalog_changed()
    return image


@transaction.atomic
def product_image_remove(*, actor: Actor, image: ProductImage) -> None:
    product = image.product
    require_own(actor, product.cooperative_id)
    actor.require(PRODUCTS_MANAGE)
    names = [image.image.name, image.thumbnail.name]
    storage = image.image.storage
    image_id = image.pk
    image.delete()
    for position, other in enumerate(product.images.order_by("position", "id")):
        if other.position != position:
            other.position = position
            other.save(update_fields=["position"])
    _refresh_cover(product)
    audit_record(actor=actor, action="product.image_removed", target=product, data={"image": image_id})
    transaction.on_commit(lambda: [storage.delete(name) for name in names])
    if product.status == ProductStatus.PUBLISHED:
        catalog_changed()

"""Writes to products: create and update (with their price tiers), publish and delist, photos.

Commands arrive typed (`catalog.commands.ProductDetails`, `pricing.TierSpec`): the schemas in
`catalog.inputs` read what people and programs send. What needs the database (the category exists, the SKU is
free, the tiers cover the minimum order) is checked here, every problem at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog import pricing, uploads
from catalog.cache import Watched, catalog_changed, object_changed
from catalog.commands import ProductDetails
from catalog.models import Category, PriceTier, Product, ProductImage, ProductStatus, VatCategory
from catalog.permissions import PRODUCTS_MANAGE
from catalog.policy import PRODUCT_POLICY, PRODUCT_TRANSITIONS, ProductAction, has_price, may_become
from catalog.services.common import hide_from_strangers, merge_errors, raise_if
from catalog.services.search_rows import search_rows_sync
from market.core.errors import ApplicationError, Conflict, NotFound, ValidationFailed
from market.core.parsing import format_decimal
from market.core.quantity import price_per_base_unit
from market.core.services import audit_record
from market.core.text import nfc
from market.organisations import validators
from market.organisations.models import Organisation
from market.organisations.permissions import Actor
from market.organisations.storefront import storefront_changed

MAX_IMAGES = 8
QUANTITY_RULES = frozenset({"unit", "moq", "order_multiple"})


# --- search ------------------------------------------------------------------------------------
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
    parent = category.parent
    if parent is not None:
        parts += [parent.name_vi, parent.name_en]
    parts += [product.origin_note, product.origin_commune_name, product.origin_province_name]
    # The start of the descriptions is enough to find a product by, and keeps the trigram index small.
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
        search_rows_sync(cooperative_id=cooperative_id)
        catalog_changed()
    return len(changed)


# --- validation ----------------------------------------------------------------------------------
def _apply(product: Product, details: ProductDetails, cooperative: Organisation) -> list[str]:
    """Set the details on the product; return the names of the columns that changed."""
    values: dict[str, Any] = {f.name: getattr(details, f.name) for f in fields(details)}
    if values["origin_province_code"] is None:
        values["origin_province_code"] = cooperative.province_code
        values["origin_commune_code"] = values["origin_commune_code"] or cooperative.commune_code
    if values["order_multiple"] is None:
        moq = values["moq"]
        values["order_multiple"] = Decimal(1) if moq == moq.to_integral_value() else moq
    changed = []
    for name, value in values.items():
        if getattr(product, name, None) != value:
            setattr(product, name, value)
            changed.append(name.removesuffix("_id") if name.endswith("category_id") else name)
    return changed


def _errors(product: Product) -> dict[str, list[str]]:
    """What is wrong with the product's details, every field at once."""
    errors: dict[str, list[str]] = {}
    if not product.name_vi:
        errors["name_vi"] = [_("Give the product a Vietnamese name.")]
    if not Category.objects.filter(pk=product.category_id).exists():
        errors["category"] = [_("Choose a category from the list.")]
    if not VatCategory.objects.filter(pk=product.vat_category_id).exists():
        errors["vat_category"] = [_("Choose a VAT category from the list.")]
    try:
        validators.validate_province_code(product.origin_province_code)
    except ValidationError as error:
        errors["origin_province_code"] = error.messages
    else:
        try:
            validators.validate_commune(product.origin_province_code, product.origin_commune_code)
        except ValidationError as error:
            errors["origin_commune_code"] = error.messages
    merge_errors(
        errors,
        pricing.product_quantity_errors(unit=product.unit, moq=product.moq, order_multiple=product.order_multiple),
    )
    if product.sku:
        taken = Product.objects.filter(cooperative_id=product.cooperative_id, sku=product.sku).exclude(pk=product.pk)
        if taken.exists():
            errors["sku"] = [_("Another of your products already uses this code.")]
    if product.gtin and Product.objects.filter(gtin=product.gtin).exclude(pk=product.pk).exists():
        errors["gtin"] = [_("Another product already has this GTIN; each trade item has its own.")]
    return errors


def _checked_tiers(product: Product, tiers: Sequence[pricing.TierSpec]) -> list[pricing.TierSpec]:
    return pricing.validate_tiers(tiers, moq=product.moq, order_multiple=product.order_multiple, unit=product.unit)


def _write_tiers(product: Product, specs: Sequence[pricing.TierSpec]) -> None:
    product.price_tiers.all().delete()
    PriceTier.objects.bulk_create(
        [PriceTier(product=product, min_quantity=t.min_quantity, unit_price=t.unit_price) for t in specs]
    )
    product.price_from = min(t.unit_price for t in specs)
    _set_price_at_moq(product, specs)


def _set_price_at_moq(product: Product, specs: Sequence[pricing.TierSpec]) -> None:
    tier = pricing.tier_for(sorted(specs, key=lambda t: t.min_quantity), product.moq)
    product.price_at_moq = tier.unit_price if tier else None


def _set_base_price(product: Product) -> None:
    """The lowest price per kg (litre, piece), kept in step with the lowest price and the unit."""
    price = product.price_from
    product.price_per_base_unit = price_per_base_unit(price, product.unit) if price is not None else None


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


def _changed(product: Product) -> None:
    """After a write to the product: its own pages (a draft's are its cooperative's) and, once it is
    published, the catalogue's."""
    object_changed(Watched.PRODUCT, [product.pk])
    if product.status == ProductStatus.PUBLISHED:
        catalog_changed()
        storefront_changed([product.cooperative_id])  # its cards and photos


def _locked(actor: Actor, product_id: int) -> Product:
    """The product, its row locked; NotFound for another organisation (it cannot tell it from a missing one)."""
    product = (
        Product.objects.select_for_update(of=("self",))
        .select_related("cooperative", "category__parent")
        .filter(pk=product_id)
        .first()
    )
    if product is None:
        raise NotFound()
    hide_from_strangers(actor, product.cooperative_id)
    return product


def _validated(
    product: Product,
    *,
    changed: list[str],
    tiers: Sequence[pricing.TierSpec] | None,
    current: list[pricing.TierSpec],
) -> tuple[list[pricing.TierSpec] | None, bool]:
    """(the tiers in force after the change, whether they replace the current ones), or ValidationFailed
    with every problem of the details and the tiers at once."""
    errors = _errors(product)
    replacing = tiers is not None and (bool(tiers) or bool(current))
    specs: list[pricing.TierSpec] | None = None
    if not QUANTITY_RULES & set(errors):
        try:
            if replacing:
                specs = _checked_tiers(product, tiers or [])
            elif current and QUANTITY_RULES & set(changed):
                specs = _checked_tiers(product, current)
        except ValidationFailed as exc:
            if not replacing:
                errors.setdefault("moq", []).append(
                    _("The price tiers no longer fit the new minimum order or multiple; change them together.")
                )
            merge_errors(errors, exc.fields)
    raise_if(errors)
    return specs, replacing


def _current_tiers(product: Product) -> list[pricing.TierSpec]:
    if product.pk is None:
        return []
    return [pricing.TierSpec(t.min_quantity, t.unit_price) for t in product.price_tiers.order_by("min_quantity")]


def product_check(
    *, actor: Actor, details: ProductDetails, tiers: Sequence[pricing.TierSpec] | None, product: Product | None = None
) -> dict[str, list[str]]:
    """What creating (or updating `product`) with these details would refuse, without writing anything:
    the spreadsheet import's dry run."""
    cooperative = actor.organisation
    assert cooperative is not None
    probe = Product(cooperative=cooperative, status=ProductStatus.DRAFT) if product is None else product
    changed = _apply(probe, details, cooperative)
    try:
        _validated(probe, changed=changed, tiers=tiers, current=_current_tiers(probe))
    except ValidationFailed as error:
        return error.fields
    return {}


# --- create and update ---------------------------------------------------------------------------
@transaction.atomic
def product_create(
    *, actor: Actor, details: ProductDetails, tiers: Sequence[pricing.TierSpec] | None = None
) -> Product:
    """A draft product of the actor's cooperative, with its price tiers when given (a draft may start
    without prices; publishing needs them)."""
    actor.require(PRODUCTS_MANAGE)
    cooperative = actor.organisation
    assert cooperative is not None
    product = Product(cooperative=cooperative, status=ProductStatus.DRAFT)
    changed = _apply(product, details, cooperative)
    specs, _replacing = _validated(product, changed=changed, tiers=tiers, current=[])
    product.search_text = search_document(product, cooperative)
    _save(product, fields=None)
    if specs:
        _write_tiers(product, specs)
        _set_base_price(product)
        product.save(update_fields=["price_from", "price_at_moq", "price_per_base_unit"])
    audit_record(actor=actor, action="product.created", target=product, data={"tiers": len(specs or [])})
    return product


@transaction.atomic
def product_update(
    *, actor: Actor, product_id: int, details: ProductDetails, tiers: Sequence[pricing.TierSpec] | None = None
) -> Product:
    """Change a product's details and, when `tiers` is given, replace its price tiers; both are checked
    together (a new minimum order must still be covered by the tiers). An empty `tiers` removes no price:
    a product that has prices keeps at least one."""
    product = _locked(actor, product_id)
    PRODUCT_POLICY.authorize(actor=actor, obj=product, action=ProductAction.EDIT)
    changed = _apply(product, details, product.cooperative)
    current = _current_tiers(product)
    specs, replacing = _validated(product, changed=changed, tiers=tiers, current=current)
    if replacing and specs is not None and specs != current:
        _write_tiers(product, specs)
        changed += ["price_from", "price_at_moq"]
    elif specs is not None and "moq" in changed:
        _set_price_at_moq(product, specs)
        changed.append("price_at_moq")
    if not changed:
        return product
    _set_base_price(product)
    product.search_text = search_document(product)
    _save(product, fields=sorted({*changed, "search_text", "price_per_base_unit", "updated_at"}))
    search_rows_sync(product_ids=[product.pk])
    audit_record(actor=actor, action="product.updated", target=product, data={"fields": sorted(set(changed))})
    _changed(product)
    return product


@transaction.atomic
def product_price_tiers_set(*, actor: Actor, product_id: int, tiers: Sequence[pricing.TierSpec]) -> list[PriceTier]:
    """Replace all price tiers of a product at once (tiers are only valid as a set)."""
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        raise NotFound()
    hide_from_strangers(actor, product.cooperative_id)
    product = product_update(actor=actor, product_id=product_id, details=ProductDetails.of(product), tiers=tiers)
    return list(product.price_tiers.order_by("min_quantity"))


# --- status --------------------------------------------------------------------------------------
def _move(*, actor: Actor, product: Product, to: str) -> Product:
    current = product.status
    product.status = to
    fields = ["status", "updated_at"]
    if to == ProductStatus.PUBLISHED:
        product.published_at = timezone.now()
        fields.append("published_at")
    product.save(update_fields=fields)
    search_rows_sync(product_ids=[product.pk])
    audit_record(actor=actor, action=f"product.{to}", target=product, data={"from": current})
    catalog_changed()
    storefront_changed([product.cooperative_id])
    return product


@transaction.atomic
def product_publish(*, actor: Actor, product_id: int) -> Product:
    """Show the product to buyers. Only a verified cooperative's owner or manager publishes, and only a
    product with prices."""
    product = _locked(actor, product_id)
    try:
        PRODUCT_POLICY.authorize(actor=actor, obj=product, action=ProductAction.PUBLISH)
    except Conflict:
        if may_become(product.status, ProductStatus.PUBLISHED, PRODUCT_TRANSITIONS) and not has_price(product):
            raise ValidationFailed(
                _("Add the price (from the minimum order, per unit) before publishing."),
                fields={"price_tiers": [_("Add at least one price tier.")]},
            ) from None
        raise
    return _move(actor=actor, product=product, to=ProductStatus.PUBLISHED)


@transaction.atomic
def product_delist(*, actor: Actor, product_id: int) -> Product:
    """Take the product out of the catalogue; its lots' trace pages keep working."""
    product = _locked(actor, product_id)
    PRODUCT_POLICY.authorize(actor=actor, obj=product, action=ProductAction.DELIST)
    return _move(actor=actor, product=product, to=ProductStatus.DELISTED)


@dataclass
class BulkPublished:
    published: list[Product] = field(default_factory=list)
    # (the product's name or id, why it stayed as it was)
    refused: list[tuple[str, str]] = field(default_factory=list)


def product_publish_many(*, actor: Actor, product_ids: Sequence[int]) -> BulkPublished:
    """Publish several products (the product list's bulk action, or an import's new drafts). Each one is
    published on its own: one without a price stays a draft and is named with the reason."""
    result = BulkPublished()
    # Names of the actor's own products only: another cooperative's stays a number, as if missing.
    own = Product.objects.filter(pk__in=product_ids, cooperative_id=actor.organisation_id)
    names = dict(own.values_list("pk", "name_vi"))
    for product_id in sorted(set(product_ids)):
        try:
            result.published.append(product_publish(actor=actor, product_id=product_id))
        except ApplicationError as error:
            reason = " ".join(m for ms in error.fields.values() for m in ms) or error.message
            result.refused.append((names.get(product_id, str(product_id)), reason))
    return result


# --- photos --------------------------------------------------------------------------------------
def _refresh_cover(product: Product) -> None:
    """After its images changed: the cover, and the product's updated_at, which incremental sync reads (an
    image added or removed changes the product as the API shows it)."""
    first = product.images.order_by("position", "id").first()
    product.cover_thumbnail = (first.thumbnail.name or "") if first else ""
    product.save(update_fields=["cover_thumbnail", "updated_at"])


@transaction.atomic
def product_image_add(*, actor: Actor, product_id: int, upload: IO[bytes], alt_text: str = "") -> ProductImage:
    """Check the photo (type, size, pixels) before storing anything, then store it with a thumbnail."""
    product = _locked(actor, product_id)
    PRODUCT_POLICY.authorize(actor=actor, obj=product, action=ProductAction.EDIT)
    count = product.images.count()
    if count >= MAX_IMAGES:
        raise ValidationFailed(
            fields={"image": [_("At most %(n)s photos per product.") % {"n": format_decimal(MAX_IMAGES)}]}
        )
    processed = uploads.process_product_image(upload)
    image = ProductImage(
        product=product,
        width=processed.width,
        height=processed.height,
        alt_text=alt_text,
        position=count,
    )
    image.image.save(processed.image.name or "photo.jpg", processed.image, save=False)
    image.thumbnail.save(processed.thumbnail.name or "thumbnail.jpg", processed.thumbnail, save=False)
    # Files are written before the row: if saving the row fails, remove them again.
    stored = [name for name in (image.image.name, image.thumbnail.name) if name]
    try:
        image.save()
        _refresh_cover(product)
    except Exception:
        for name in stored:
            image.image.storage.delete(name)
        raise
    audit_record(actor=actor, action="product.image_added", target=product, data={"image": image.pk})
    _changed(product)
    return image


@transaction.atomic
def product_image_remove(*, actor: Actor, product_id: int, image_id: int) -> None:
    product = _locked(actor, product_id)
    PRODUCT_POLICY.authorize(actor=actor, obj=product, action=ProductAction.EDIT)
    image = product.images.filter(pk=image_id).first()
    if image is None:
        raise NotFound()
    names = [name for name in (image.image.name, image.thumbnail.name) if name]
    storage = image.image.storage
    image_id = image.pk
    image.delete()
    for position, other in enumerate(product.images.order_by("position", "id")):
        if other.position != position:
            other.position = position
            other.save(update_fields=["position"])
    _refresh_cover(product)
    audit_record(actor=actor, action="product.image_removed", target=product, data={"image": image_id})

    def delete_files() -> None:
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete_files)
    _changed(product)

"""The catalogue: categories, products with price tiers and images, harvest lots with their traceability
events, certificates, VAT categories and import batches.

Columns derived from other rows (a product's `price_from`, `cover_thumbnail`, `search_text`) are written
only by the services in the same transaction as the rows they come from.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.files.storage import Storage
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from catalog.search import Fold
from market.core.fields import quantity_field, vnd_field
from market.core.models import TimeStampedModel, TimeStampedQuerySet
from market.core.money import Money
from market.core.quantity import UNIT_SYMBOLS, Unit, base_unit
from market.core.storage import private_storage as core_private_storage
from market.organisations import geo


def localised(obj: models.Model, field: str) -> str:
    """The English text when English is active and filled in, the Vietnamese otherwise."""
    if (get_language() or "vi").startswith("en"):
        value = getattr(obj, f"{field}_en", "")
        if value:
            return value
    return getattr(obj, f"{field}_vi")


# --- reference data ------------------------------------------------------------------------------
class Category(models.Model):
    """A node of the category tree (gạo, thủy sản, trái cây, …) with Vietnamese and English names."""

    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name_vi", "id"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name_vi

    @property
    def name(self) -> str:
        return localised(self, "name")


class VatCategory(models.Model):
    """A VAT treatment and its rate, kept as data because the rates change by law (Law 48/2024)."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=160)
    name_en = models.CharField(_("name (English)"), max_length=160)
    subject_to_vat = models.BooleanField(_("subject to VAT"), default=True)
    rate_percent = models.DecimalField(_("rate (%)"), max_digits=5, decimal_places=2, default=Decimal(0))
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("VAT category")
        verbose_name_plural = _("VAT categories")
        constraints = [
            models.CheckConstraint(
                condition=Q(rate_percent__gte=0, rate_percent__lte=100), name="vat_category_rate_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name_vi

    @property
    def name(self) -> str:
        return localised(self, "name")


# --- products ------------------------------------------------------------------------------------
class ProductStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    DELISTED = "delisted", _("Delisted")


class Product(TimeStampedModel):
    cooperative = models.ForeignKey(
        "organisations.Organisation", verbose_name=_("cooperative"), on_delete=models.PROTECT, related_name="products"
    )
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="+")
    sku = models.CharField(
        _("product code (SKU)"), max_length=40, blank=True, help_text=_("Your own code; import uses it to update rows.")
    )
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    description_vi = models.TextField(_("description (Vietnamese)"), max_length=4000, blank=True)
    description_en = models.TextField(_("description (English)"), max_length=4000, blank=True)
    unit = models.CharField(_("sales unit"), max_length=8, choices=Unit.choices)
    moq = quantity_field(_("minimum order quantity"))
    order_multiple = quantity_field(_("order multiple"))
    gtin = models.CharField(_("GTIN"), max_length=14, blank=True, help_text=_("Stored as GTIN-14."))
    vat_category = models.ForeignKey(
        VatCategory, verbose_name=_("VAT category"), on_delete=models.PROTECT, related_name="+"
    )
    # What the package and its label say.
    packaging = models.CharField(_("packaging"), max_length=200, blank=True)
    net_content = models.CharField(_("net content"), max_length=60, blank=True)
    ingredients = models.CharField(_("ingredients"), max_length=500, blank=True)
    storage_instructions = models.CharField(_("storage"), max_length=300, blank=True)
    usage_instructions = models.CharField(_("how to use"), max_length=300, blank=True)
    shelf_life_days = models.PositiveIntegerField(_("shelf life (days)"), null=True, blank=True)
    origin_province_code = models.PositiveSmallIntegerField(_("province of origin"))
    origin_commune_code = models.PositiveIntegerField(_("commune of origin"), null=True, blank=True)
    origin_note = models.CharField(_("origin details"), max_length=200, blank=True)

    status = models.CharField(_("status"), max_length=12, choices=ProductStatus.choices, default=ProductStatus.DRAFT)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    # Derived, written by the services only.
    price_from = vnd_field(_("lowest unit price"), null=True, blank=True)
    price_at_moq = vnd_field(_("unit price at the minimum order"), null=True, blank=True)
    # The lowest unit price per kg (per litre, per piece: see quantity.base_unit): what the catalogue sorts and
    # filters by, so that 15.700.000 ₫/tấn is compared with 29.000 ₫/kg as 15.700 ₫/kg.
    price_per_base_unit = vnd_field(_("lowest price per base unit"), null=True, blank=True)
    cover_thumbnail = models.CharField(max_length=255, blank=True)
    search_text = models.TextField(blank=True)
    # Folded by the database (market_fold = lower(unaccent()) on PostgreSQL, Python's fold() on SQLite) and
    # stored, so that search reads them instead of folding every candidate row again.
    search_folded = models.GeneratedField(
        expression=Fold("search_text"), output_field=models.TextField(), db_persist=True
    )
    name_folded = models.GeneratedField(expression=Fold("name_vi"), output_field=models.TextField(), db_persist=True)

    # Not columns: set on the products of a catalogue page (catalog.selectors.browse), read by its cards.
    tier_list: list[tuple[Decimal, int]]
    in_stock: bool
    certified: list[tuple[str, int | None]]  # (kind, OCOP stars) of each certificate in force covering it

    class Meta:
        ordering = ["-id"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "sku"], condition=~Q(sku=""), name="product_sku_unique"),
            models.UniqueConstraint(fields=["gtin"], condition=~Q(gtin=""), name="product_gtin_unique"),
            models.CheckConstraint(condition=Q(status__in=ProductStatus.values), name="product_status_valid"),
            models.CheckConstraint(condition=Q(unit__in=Unit.values), name="product_unit_valid"),
            models.CheckConstraint(condition=Q(moq__gt=0), name="product_moq_positive"),
            models.CheckConstraint(condition=Q(order_multiple__gt=0), name="product_order_multiple_positive"),
            # A published product always has a price for every quantity from its minimum order.
            models.CheckConstraint(
                condition=~Q(status=ProductStatus.PUBLISHED) | Q(price_from__isnull=False, published_at__isnull=False),
                name="product_published_has_price",
            ),
        ]
        indexes = [
            models.Index(
                fields=["-published_at", "-id"],
                condition=Q(status=ProductStatus.PUBLISHED),
                name="product_newest_idx",
            ),
            models.Index(
                fields=["price_per_base_unit", "id"],
                condition=Q(status=ProductStatus.PUBLISHED),
                name="product_base_price_idx",
            ),
            models.Index(
                fields=["category", "-published_at", "-id"],
                condition=Q(status=ProductStatus.PUBLISHED),
                name="product_category_idx",
            ),
            # A category's products by price (catalog.selectors.page_sql reads each category of a filter in its own
            # range): prices follow the category (rice is cheap, crabs are dear), so the price index, read in order
            # until 25 products of a category turned up, read 40,000 of 100,000 products for "honey, cheapest first".
            models.Index(
                fields=["category", "price_per_base_unit", "id"],
                condition=Q(status=ProductStatus.PUBLISHED),
                name="product_category_price_idx",
            ),
            # A category and a province, newest first (the catalogue's and the API's filters): read in that order, a
            # page's rows are the only ones read, whatever the pair. Without it the plan PostgreSQL keeps for the
            # statement (catalog.selectors.page_sql) had to guess how many products a pair holds, and whether to walk
            # product_newest_idx or sort the pair's products was right only for some pairs: it planned the list anew
            # on every request.
            models.Index(
                fields=["category", "origin_province_code", "-published_at", "-id"],
                condition=Q(status=ProductStatus.PUBLISHED),
                name="product_category_province_idx",
            ),
            # A buyer's largest minimum order (`moq_max`): few products pass a small one, and without an index the
            # page walked the products in its order testing each (at 100,000 products `moq_max=1`, which none pass,
            # 68 ms of PostgreSQL newest first). By price, each minimum order is read from its range in price order
            # (catalog.selectors.page_sql): the products with a small one are the dear ones (honey, crafts), and the
            # price index read in order read ~66,000 products for `moq_max=5` cheapest first (131 ms).
            models.Index(
                fields=["moq", "price_per_base_unit", "id"],
                condition=Q(status=ProductStatus.PUBLISHED),
                name="product_moq_idx",
            ),
            models.Index(fields=["origin_province_code"], name="product_province_idx"),
            models.Index(fields=["cooperative", "status"], name="product_cooperative_idx"),
            # A cooperative's storefront lists its published products by name a page at a time
            # (catalog.selectors.storefront): read in that order, the page's rows are the only ones read, where
            # product_cooperative_idx fetched every published row of the cooperative to sort them.
            models.Index(
                fields=["cooperative", "name_vi", "id"],
                condition=Q(status=ProductStatus.PUBLISHED),
                name="product_storefront_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.name_vi

    @property
    def name(self) -> str:
        return localised(self, "name")

    @property
    def description(self) -> str:
        return localised(self, "description")

    @property
    def unit_symbol(self) -> str:
        return UNIT_SYMBOLS.get(self.unit, self.unit)

    @property
    def base_unit_symbol(self) -> str:
        """What `price_per_base_unit` is per: kg, lít, or the unit itself."""
        base = base_unit(self.unit)
        return UNIT_SYMBOLS.get(base, base)

    @property
    def priced_per_base_unit(self) -> bool:
        """Whether the unit differs from its base (a tấn, a 500 ml bottle), so the price per base says more."""
        return base_unit(self.unit) != self.unit

    @property
    def origin_province_name(self) -> str:
        unit = geo.province(self.origin_province_code)
        return unit.name if unit else ""

    @property
    def origin_commune_name(self) -> str:
        unit = geo.commune(self.origin_commune_code)
        return unit.name if unit else ""

    @property
    def origin_display(self) -> str:
        parts = (self.origin_note, self.origin_commune_name, self.origin_province_name)
        return ", ".join(part for part in parts if part)

    @property
    def is_published(self) -> bool:
        return self.status == ProductStatus.PUBLISHED

    @property
    def is_draft(self) -> bool:
        return self.status == ProductStatus.DRAFT

    @property
    def price_from_money(self) -> Money | None:
        return Money.vnd(self.price_from) if self.price_from is not None else None


# Product ids per partition of the search rows on PostgreSQL: [k, k + 1) * SEARCH_ROW_PARTITION_IDS is partition k.
# Fixed once partitions exist: another width would make partitions that overlap them.
SEARCH_ROW_PARTITION_IDS = 2**18


class SearchRow(models.Model):
    """One row per product the public catalogue shows (published, of a verified cooperative): the columns its
    search filters and ranks on, copied from the product, under the product's own column names and id. Written
    only by catalog.services.search_rows, called by every service that changes them.

    Why: ranking a search's newest matches read the whole products table (866 MB at 1,000,000 products) for
    every match of its words. On PostgreSQL this table is partitioned by ranges of product ids
    (SEARCH_ROW_PARTITION_IDS), each with its own trigram index, so that the newest matches are found by reading
    the newest partitions only (catalog.selectors.page_sql). A plain table on SQLite, where the ORM reads the
    products themselves."""

    product = models.OneToOneField(
        Product, primary_key=True, db_column="id", on_delete=models.CASCADE, related_name="+"
    )
    cooperative_id = models.BigIntegerField()
    category_id = models.BigIntegerField()
    origin_province_code = models.PositiveSmallIntegerField()
    price_per_base_unit = vnd_field(null=True)
    moq = quantity_field()
    name_folded = models.TextField()
    search_folded = models.TextField()

    class Meta:
        indexes = [
            models.Index(fields=["origin_province_code"], name="search_row_province_idx"),
            models.Index(fields=["category_id"], name="search_row_category_idx"),
            models.Index(fields=["cooperative_id"], name="search_row_cooperative_idx"),
        ]

    def __str__(self) -> str:
        return f"search row {self.pk}"


class CardBody(models.Model):
    """A listed product's card body as the public list writes it (catalog.selectors.card_sql.BODY: names, unit,
    minimum order, prices and tiers, cooperative), kept so that a list request does not build it: on PostgreSQL,
    written by catalog.services.search_rows with the search rows, by the same service calls, and rebuilt in the
    background where missing or of another `format` (catalog.tasks.keep_card_bodies). A card without one of the
    current format is built as before: a missing body costs time, never a wrong card."""

    product = models.OneToOneField(
        Product, primary_key=True, db_column="id", on_delete=models.CASCADE, related_name="+"
    )
    body = models.TextField()
    format = models.CharField(max_length=16)

    class Meta:
        # How many bodies are of the current format, counted from the index alone (catalog.tasks.keep_card_bodies).
        indexes = [models.Index(fields=["format", "product"], name="card_body_format_idx")]

    def __str__(self) -> str:
        return f"card body {self.pk}"


class PriceTier(models.Model):
    """From `min_quantity` (in the product's unit) up to the next tier, each unit costs `unit_price`."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="price_tiers")
    min_quantity = quantity_field(_("from quantity"))
    unit_price = vnd_field(_("unit price (VND)"))

    class Meta:
        ordering = ["product", "min_quantity"]
        verbose_name = _("price tier")
        verbose_name_plural = _("price tiers")
        constraints = [
            models.UniqueConstraint(fields=["product", "min_quantity"], name="price_tier_unique_start"),
            models.CheckConstraint(condition=Q(min_quantity__gt=0), name="price_tier_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gt=0), name="price_tier_price_positive"),
        ]

    def __str__(self) -> str:
        return f"≥ {self.min_quantity.normalize():f}: {self.unit_price} ₫"

    @property
    def price(self) -> Money:
        return Money.vnd(self.unit_price)


def _image_path(instance: ProductImage, filename: str) -> str:
    return f"catalog/images/{filename}"


def _thumbnail_path(instance: ProductImage, filename: str) -> str:
    return f"catalog/thumbnails/{filename}"


class ProductImage(models.Model):
    """A photo, re-encoded on upload (metadata such as GPS stripped), with a square thumbnail."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.FileField(_("image"), upload_to=_image_path, max_length=255)
    thumbnail = models.FileField(_("thumbnail"), upload_to=_thumbnail_path, max_length=255)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    alt_text = models.CharField(_("description of the photo"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["product", "position", "id"]
        verbose_name = _("product image")
        verbose_name_plural = _("product images")

    def __str__(self) -> str:
        return self.image.name or ""


# --- certificates --------------------------------------------------------------------------------
class CertificateKind(models.TextChoices):
    VIETGAP = "vietgap", _("VietGAP")
    GLOBALGAP = "globalgap", _("GlobalG.A.P.")
    ORGANIC = "organic", _("Organic (TCVN 11041)")
    OCOP = "ocop", _("OCOP")
    GI = "gi", _("Geographical indication (right to use)")
    FOOD_SAFETY = "food_safety", _("Food-safety facility")
    HACCP = "haccp", _("HACCP / ISO 22000")
    OTHER = "other", _("Other")


class CertificateScope(models.TextChoices):
    COOPERATIVE = "cooperative", _("The whole cooperative")
    PRODUCTS = "products", _("Chosen products")


class CertificateStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting review")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")


def _scan_path(instance: Certificate, filename: str) -> str:
    return f"catalog/certificates/{filename}"


def private_storage() -> Storage:
    """Certificate scans: read only through a view that checks who asks (the migrations name this function)."""
    return core_private_storage()


class CertificateQuerySet(TimeStampedQuerySet["Certificate"]):
    def in_force(self, on: date | None = None) -> CertificateQuerySet:
        """Verified and valid on `on` (today in Vietnam by default): what may show as a badge or count.

        Computed from the dates at query time, so a certificate stops counting the day after it expires
        without any job running.
        """
        day = on or timezone.localdate()
        return self.filter(status=CertificateStatus.VERIFIED, valid_from__lte=day).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day)
        )


class Certificate(TimeStampedModel):
    cooperative = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("cooperative"),
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=CertificateKind.choices)
    number = models.CharField(_("certificate number"), max_length=80)
    issuer = models.CharField(_("issued by"), max_length=200)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid until"), null=True, blank=True)
    ocop_stars = models.PositiveSmallIntegerField(_("OCOP stars"), null=True, blank=True)
    scope = models.CharField(_("covers"), max_length=12, choices=CertificateScope.choices)
    products = models.ManyToManyField(Product, verbose_name=_("products"), blank=True, related_name="certificates")
    scan = models.FileField(_("scan"), upload_to=_scan_path, storage=private_storage, max_length=255, blank=True)
    scan_content_type = models.CharField(max_length=40, blank=True)

    status = models.CharField(
        _("review"), max_length=10, choices=CertificateStatus.choices, default=CertificateStatus.PENDING
    )
    review_note = models.CharField(_("reason"), max_length=500, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The expiry date the 30-day warning was last sent for: renewing (a new valid_to) re-arms it.
    expiry_warning_sent_for = models.DateField(null=True, blank=True)

    objects = CertificateQuerySet.as_manager()  # type: ignore[misc]  # the base's manager, with in_force()

    class Meta:
        ordering = ["-valid_to", "-id"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=CertificateKind.values), name="certificate_kind_valid"),
            models.CheckConstraint(condition=Q(scope__in=CertificateScope.values), name="certificate_scope_valid"),
            models.CheckConstraint(condition=Q(status__in=CertificateStatus.values), name="certificate_status_valid"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="certificate_dates_ordered",
            ),
            models.CheckConstraint(
                condition=(Q(kind=CertificateKind.OCOP) & Q(ocop_stars__gte=3, ocop_stars__lte=5))
                | (~Q(kind=CertificateKind.OCOP) & Q(ocop_stars__isnull=True)),
                name="certificate_ocop_stars",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "kind", "valid_to"], name="certificate_in_force_idx"),
            models.Index(fields=["cooperative", "status"], name="certificate_cooperative_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    @property
    def is_verified(self) -> bool:
        return self.status == CertificateStatus.VERIFIED

    @property
    def covers_whole_cooperative(self) -> bool:
        return self.scope == CertificateScope.COOPERATIVE

    def is_in_force(self, on: date | None = None) -> bool:
        day = on or timezone.localdate()
        return (
            self.status == CertificateStatus.VERIFIED
            and self.valid_from <= day
            and (self.valid_to is None or self.valid_to >= day)
        )

    @property
    def badge_label(self) -> str:
        # The kind's label as get_kind_display() gives it, without its hashing of the field's choices on every call
        # (~25 µs of CPU: the product page writes one badge per certificate in force).
        return badge_text(self.kind, self.ocop_stars, str(_KIND_LABELS.get(self.kind, self.kind)))


_KIND_LABELS = dict(CertificateKind.choices)  # lazy: translated when written


def badge_text(kind: str, ocop_stars: int | None, kind_label: str) -> str:
    """A certificate's badge: "OCOP 4★" for an OCOP rating, else its kind's label (`kind_label`)."""
    return f"OCOP {ocop_stars}★" if kind == CertificateKind.OCOP and ocop_stars else kind_label


# --- harvest lots and traceability ---------------------------------------------------------------
class LotStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class HarvestLot(TimeStampedModel):
    """A harvest or production lot. Once published its record never changes (corrections are events);
    only `quantity_available` moves, through the stock services."""

    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="lots")
    code = models.CharField(_("lot code"), max_length=20)
    public_id = models.CharField(max_length=16, unique=True, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=LotStatus.choices, default=LotStatus.DRAFT)
    quantity_produced = quantity_field(_("quantity harvested / produced"))
    quantity_available = quantity_field(_("quantity available"))
    harvest_date = models.DateField(_("harvest / production date"))
    expiry_date = models.DateField(_("best before / expiry"), null=True, blank=True)
    origin_province_code = models.PositiveSmallIntegerField(_("province of origin"))
    origin_commune_code = models.PositiveIntegerField(_("commune of origin"), null=True, blank=True)
    plot = models.CharField(_("plot / raw-material area"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    certificates = models.ManyToManyField(
        Certificate, verbose_name=_("certificates in force"), blank=True, related_name="lots"
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        ordering = ["-harvest_date", "-id"]
        verbose_name = _("harvest lot")
        verbose_name_plural = _("harvest lots")
        constraints = [
            models.UniqueConstraint(fields=["product", "code"], name="lot_code_unique_per_product"),
            models.CheckConstraint(condition=Q(quantity_available__gte=0), name="lot_quantity_available_not_negative"),
            models.CheckConstraint(condition=Q(quantity_produced__gt=0), name="lot_quantity_produced_positive"),
            models.CheckConstraint(condition=Q(status__in=LotStatus.values), name="lot_status_valid"),
            models.CheckConstraint(
                condition=Q(expiry_date__isnull=True) | Q(expiry_date__gte=models.F("harvest_date")),
                name="lot_expiry_after_harvest",
            ),
        ]
        indexes = [
            models.Index(
                fields=["product", "expiry_date"],
                condition=Q(status=LotStatus.PUBLISHED, quantity_available__gt=0),
                name="lot_in_stock_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} · {self.code}"

    @property
    def is_published(self) -> bool:
        return self.status == LotStatus.PUBLISHED

    @property
    def is_editable(self) -> bool:
        return self.status == LotStatus.DRAFT

    @property
    def has_public_page(self) -> bool:
        """Published or withdrawn: its trace page and QR code are public (a recall is shown there)."""
        return self.status in (LotStatus.PUBLISHED, LotStatus.WITHDRAWN)

    @property
    def is_withdrawn(self) -> bool:
        return self.status == LotStatus.WITHDRAWN

    def is_expired(self, on: date | None = None) -> bool:
        return self.expiry_date is not None and self.expiry_date < (on or timezone.localdate())

    @property
    def origin_province_name(self) -> str:
        unit = geo.province(self.origin_province_code)
        return unit.name if unit else ""

    @property
    def origin_commune_name(self) -> str:
        unit = geo.commune(self.origin_commune_code)
        return unit.name if unit else ""

    @property
    def origin_display(self) -> str:
        parts = (self.plot, self.origin_commune_name, self.origin_province_name)
        return ", ".join(part for part in parts if part)


class TraceEventKind(models.TextChoices):
    INPUT = "input", _("Input used (seed, feed, fertiliser, packaging)")
    SUPPLY = "supply", _("Raw material from a member household")
    HARVEST = "harvest", _("Harvest")
    PROCESSING = "processing", _("Processing")
    PACKING = "packing", _("Packing")
    QUALITY_CHECK = "quality_check", _("Quality check")
    SHIPMENT = "shipment", _("Shipment")
    CORRECTION = "correction", _("Correction")
    NOTE = "note", _("Note")


class TraceDirection(models.TextChoices):
    BACK = "back", _("One step back")
    INTERNAL = "internal", _("At the cooperative")
    FORWARD = "forward", _("One step forward")


EVENT_DIRECTIONS: dict[str, str] = {
    TraceEventKind.INPUT: TraceDirection.BACK,
    TraceEventKind.SUPPLY: TraceDirection.BACK,
    TraceEventKind.SHIPMENT: TraceDirection.FORWARD,
}


class TraceEvent(models.Model):
    """One traceability event of a lot: one step back (inputs, member households), what the cooperative
    did, or one step forward (shipments). Append-only: a mistake is fixed by a correction event."""

    lot = models.ForeignKey(HarvestLot, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=16, choices=TraceEventKind.choices)
    occurred_at = models.DateTimeField(_("when"))
    description = models.CharField(_("what happened"), max_length=1000)
    party = models.CharField(
        _("who"), max_length=200, blank=True, help_text=_("Member household, supplier or consignee.")
    )
    party_reference = models.CharField(_("their reference"), max_length=60, blank=True)
    quantity = quantity_field(_("quantity"), null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices, blank=True)
    location = models.CharField(_("where"), max_length=200, blank=True)
    document_reference = models.CharField(_("document"), max_length=100, blank=True)
    corrects = models.ForeignKey(
        "self", verbose_name=_("corrects"), null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        # Sync reads an append-only event's created_at as its updated_at (GET /lot-events/?updated_since=).
        indexes = [models.Index(fields=["created_at", "id"], name="trace_event_sync_idx")]
        verbose_name = _("traceability event")
        verbose_name_plural = _("traceability events")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=TraceEventKind.values), name="trace_event_kind_valid"),
            models.CheckConstraint(
                condition=Q(quantity__isnull=True) | Q(quantity__gt=0), name="trace_event_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.occurred_at:%Y-%m-%d}"

    @property
    def direction(self) -> str:
        return EVENT_DIRECTIONS.get(self.kind, TraceDirection.INTERNAL)

    def get_direction_display(self) -> str:
        return str(TraceDirection(self.direction).label)


# --- bulk import ---------------------------------------------------------------------------------
class ImportStatus(models.TextChoices):
    PREVIEWED = "previewed", _("Checked, not applied")
    APPLIED = "applied", _("Applied")


FILE_NAME_LENGTH = 255


class ImportBatch(TimeStampedModel):
    """An uploaded spreadsheet of products and price tiers: checked first (dry run), applied all at once."""

    cooperative = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    file_name = models.CharField(max_length=FILE_NAME_LENGTH)
    rows = models.JSONField(default=list)
    # {column: the header it had in the file} (errors name columns as the person wrote them), and the headers
    # no column was read from (the preview says so).
    headers = models.JSONField(default=dict)
    ignored_columns = models.JSONField(default=list)
    default_vat_category = models.ForeignKey(
        VatCategory, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    publish_new = models.BooleanField(default=False)
    published_count = models.PositiveIntegerField(default=0)
    # [[product name, why it stayed a draft], …] when publishing the new products was asked for.
    publish_refused = models.JSONField(default=list)
    row_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.PREVIEWED)
    applied_at = models.DateTimeField(null=True, blank=True)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return self.file_name


from catalog.supply.models import *  # noqa: E402, F403  (supply's models belong to this app)

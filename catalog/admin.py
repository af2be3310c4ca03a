"""The back office: every catalogue model. Status moves and verification go through the services and
pages; here those fields are read-only."""

from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest

from catalog.models import (
    CardBody,
    Category,
    Certificate,
    HarvestLot,
    ImportBatch,
    PriceTier,
    Product,
    ProductImage,
    SearchRow,
    TraceEvent,
    VatCategory,
)
from catalog.services import search_document
from catalog.services.search_rows import search_rows_sync

# The supply side's models (catalog/supply/) have their admin next to them.
from catalog.supply import admin as supply_admin  # noqa: F401
from market.core.admin import ReadOnlyAdmin


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name_vi", "name_en", "slug", "parent", "position"]
    list_filter = ["parent"]
    search_fields = ["name_vi", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}


@admin.register(VatCategory)
class VatCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name_vi", "subject_to_vat", "rate_percent", "position"]


class PriceTierInline(admin.TabularInline):
    model = PriceTier
    extra = 0
    readonly_fields = ["min_quantity", "unit_price"]
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:  # tiers are validated as a set by the service
        return False


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    extra = 0
    fields = ["image", "thumbnail", "width", "height", "alt_text", "position"]
    readonly_fields = ["image", "thumbnail", "width", "height"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name_vi", "cooperative", "category", "unit", "moq", "price_from", "status", "published_at"]
    list_filter = ["status", "category", "unit", "vat_category"]
    search_fields = ["name_vi", "name_en", "sku", "gtin", "cooperative__name"]
    list_select_related = ["cooperative", "category"]
    raw_id_fields = ["cooperative"]
    readonly_fields = ["status", "published_at", "price_from", "price_at_moq", "cover_thumbnail", "search_text"]
    inlines = [PriceTierInline, ProductImageInline]

    def save_model(self, request: HttpRequest, obj: Product, form: ModelForm, change: bool) -> None:
        """An edit here moves what the services' edits move: the search text and the product's search row."""
        obj.search_text = search_document(obj)
        super().save_model(request, obj, form, change)
        search_rows_sync(product_ids=[obj.pk])


@admin.register(PriceTier)
class PriceTierAdmin(admin.ModelAdmin):
    list_display = ["product", "min_quantity", "unit_price"]
    raw_id_fields = ["product"]
    readonly_fields = ["product", "min_quantity", "unit_price"]


@admin.register(ProductImage)
class ProductImageAdmin(admin.ModelAdmin):
    list_display = ["product", "position", "width", "height", "created_at"]
    raw_id_fields = ["product"]


EVENT_COLUMNS = ("kind", "occurred_at", "description", "party", "quantity", "unit", "corrects")


class TraceEventInline(admin.TabularInline):
    model = TraceEvent
    fk_name = "lot"
    extra = 0
    can_delete = False
    fields = EVENT_COLUMNS
    readonly_fields = EVENT_COLUMNS

    def has_add_permission(self, request, obj=None) -> bool:  # append-only, through the service
        return False


@admin.register(HarvestLot)
class HarvestLotAdmin(admin.ModelAdmin):
    list_display = ["code", "product", "status", "harvest_date", "expiry_date", "quantity_available"]
    list_filter = ["status"]
    search_fields = ["code", "public_id", "product__name_vi", "product__gtin"]
    raw_id_fields = ["product"]
    filter_horizontal = ["certificates"]
    readonly_fields = ["public_id", "status", "published_at", "quantity_available"]
    inlines = [TraceEventInline]


@admin.register(TraceEvent)
class TraceEventAdmin(admin.ModelAdmin):
    list_display = ["lot", "kind", "occurred_at", "party", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["lot", "corrects", "recorded_by"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ["number", "kind", "ocop_stars", "cooperative", "valid_from", "valid_to", "status"]
    list_filter = ["status", "kind", "scope"]
    search_fields = ["number", "issuer", "cooperative__name"]
    raw_id_fields = ["cooperative"]
    filter_horizontal = ["products"]
    readonly_fields = ["status", "review_note", "reviewed_at", "reviewed_by", "expiry_warning_sent_for"]


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ["file_name", "cooperative", "row_count", "error_count", "status", "created_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in ImportBatch._meta.fields]


@admin.register(SearchRow)
class SearchRowAdmin(ReadOnlyAdmin):
    """What the public search holds for each listed product: viewable, written only by the services (a product's
    edit, publish or delist, its cooperative's rename or verification)."""

    list_display = ["product", "cooperative_id", "category_id", "origin_province_code", "price_per_base_unit"]
    search_fields = ["name_folded"]
    raw_id_fields = ["product"]


@admin.register(CardBody)
class CardBodyAdmin(ReadOnlyAdmin):
    """The public list's kept card bodies: viewable, written by the same services as the search rows and by the
    beat job (catalog.tasks.keep_card_bodies)."""

    list_display = ["product", "format"]
    list_filter = ["format"]
    raw_id_fields = ["product"]

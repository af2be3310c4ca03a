"""Every read of the catalogue, scoped to the caller: a foreign id answers like a missing one.

For the orders app: `price_for_quantity` (unit price Money + tier + line total), `quantity_validate`
(MOQ and order multiple), `lots_in_stock` / `product_stock_available`, `product_for_order`.
"""

from catalog.selectors.browse import (
    Badge,
    Facets,
    ProductPage,
    ProductQuery,
    badges_for,
    filtered_products,
    product_facets,
    product_page,
    public_products,
)
from catalog.selectors.categories import (
    category_by_key,
    category_descendant_ids,
    category_lookup,
    category_path,
    category_tree,
    vat_categories,
    vat_category_lookup,
)
from catalog.selectors.certificates import (
    certificate_get_for,
    certificate_list_for,
    certificate_review_queue,
    certificates_due_expiry_warning,
    certificates_expiring,
)
from catalog.selectors.exports import ExportType, catalogue_export, import_batch_for
from catalog.selectors.lots import (
    TraceView,
    lot_by_digital_link,
    lot_events,
    lot_get_for,
    lot_list_for,
    lot_public_get,
    lot_qr_url,
    lots_in_stock,
    lots_running_low,
    product_stock_available,
    trace_view,
)
from catalog.selectors.products import (
    certificates_in_force_for,
    price_for_quantity,
    price_tiers_for,
    product_for_order,
    product_get_for,
    product_list_for,
    product_public_get,
    product_visible_get,
    quantity_validate,
)
from catalog.selectors.search import SearchPlan, plan_search

__all__ = [
    "Badge",
    "ExportType",
    "Facets",
    "ProductPage",
    "ProductQuery",
    "SearchPlan",
    "TraceView",
    "badges_for",
    "catalogue_export",
    "category_by_key",
    "category_descendant_ids",
    "category_lookup",
    "category_path",
    "category_tree",
    "certificate_get_for",
    "certificate_list_for",
    "certificate_review_queue",
    "certificates_due_expiry_warning",
    "certificates_expiring",
    "certificates_in_force_for",
    "filtered_products",
    "import_batch_for",
    "lot_by_digital_link",
    "lot_events",
    "lot_get_for",
    "lot_list_for",
    "lot_public_get",
    "lot_qr_url",
    "lots_in_stock",
    "lots_running_low",
    "plan_search",
    "price_for_quantity",
    "price_tiers_for",
    "product_facets",
    "product_for_order",
    "product_get_for",
    "product_list_for",
    "product_page",
    "product_public_get",
    "product_stock_available",
    "product_visible_get",
    "public_products",
    "quantity_validate",
    "trace_view",
    "vat_categories",
    "vat_category_lookup",
]

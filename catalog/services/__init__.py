"""Every write to the catalogue. Keyword-only, typed (`catalog.commands`), one transaction each, authorised
by the policies (`catalog.policy`), audited.

For the orders app: `lots_lock`, `lot_stock_take`, `lot_stock_return` move stock; `trace_event_record`
appends a shipment to a lot's trace. Prices and quantity rules are reads: see `catalog.selectors`.
"""

from catalog.services.certificates import (
    certificate_create,
    certificate_expiry_warn,
    certificate_reject,
    certificate_revoke,
    certificate_submit,
    certificate_update,
    certificate_verify,
    covered_products_moved,
)
from catalog.services.imports import check_rows, import_apply, import_preview
from catalog.services.lots import (
    StockTake,
    lot_create,
    lot_publish,
    lot_stock_adjust,
    lot_stock_return,
    lot_stock_take,
    lot_update,
    lot_withdraw,
    lots_lock,
    lots_lock_for_order,
    lots_stock_take_locked,
    trace_event_add,
    trace_event_record,
)
from catalog.services.products import (
    BulkPublished,
    product_check,
    product_create,
    product_delist,
    product_image_add,
    product_image_remove,
    product_price_tiers_set,
    product_publish,
    product_publish_many,
    product_update,
    refresh_search_text,
    search_document,
)

__all__ = [
    "BulkPublished",
    "StockTake",
    "certificate_create",
    "certificate_expiry_warn",
    "certificate_reject",
    "certificate_revoke",
    "certificate_submit",
    "certificate_update",
    "certificate_verify",
    "check_rows",
    "covered_products_moved",
    "import_apply",
    "import_preview",
    "lot_create",
    "lot_publish",
    "lot_stock_adjust",
    "lot_stock_return",
    "lot_stock_take",
    "lot_update",
    "lot_withdraw",
    "lots_lock",
    "lots_lock_for_order",
    "lots_stock_take_locked",
    "product_check",
    "product_create",
    "product_delist",
    "product_image_add",
    "product_image_remove",
    "product_price_tiers_set",
    "product_publish",
    "product_publish_many",
    "product_update",
    "refresh_search_text",
    "search_document",
    "trace_event_add",
    "trace_event_record",
]

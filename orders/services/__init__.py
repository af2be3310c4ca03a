"""Every write of orders. Keyword-only, one transaction each, capability checked, events with the actor.

Cart: `cart_line_set`, `cart_line_update`, `cart_line_remove`, `cart_clear`, `reorder_to_cart`.
Placement: `checkout_place` (idempotent). Lifecycle: `order_confirm`, `order_accept_changes`,
`shipment_create`, `order_deliver`, `order_complete`, `order_cancel`, `orders_expire_unpaid`.
Balances paid beyond the delivered amount: `order_balance_refund`, `order_balance_credit`.
Invoices: `invoice_issue`, `credit_note_issue`. Quotations: `rfq_create`, `rfq_close`, `quote_submit`,
`quote_withdraw`, `quote_accept`.

Every service takes ids and typed values (Decimals, ints, dates, the dataclasses of orders/commands.py) read
by the input schemas of orders/inputs.py, and asks the policies of orders/policy.py.
"""

from orders.services.balances import order_balance_credit, order_balance_refund
from orders.services.cart import cart_clear, cart_line_remove, cart_line_set, cart_line_update
from orders.services.invoices import credit_note_issue, invoice_issue
from orders.services.lifecycle import (
    order_accept_changes,
    order_cancel,
    order_complete,
    order_confirm,
    order_deliver,
    order_payment_status_set,
    orders_expire_unpaid,
    shipment_create,
)
from orders.services.placement import IdempotencyMismatch, Item, checkout_place
from orders.services.reorder import reorder_to_cart
from orders.services.rfq import quote_accept, quote_submit, quote_withdraw, rfq_close, rfq_create

__all__ = [
    "IdempotencyMismatch",
    "Item",
    "cart_clear",
    "cart_line_remove",
    "cart_line_set",
    "cart_line_update",
    "checkout_place",
    "credit_note_issue",
    "invoice_issue",
    "order_accept_changes",
    "order_balance_credit",
    "order_balance_refund",
    "order_cancel",
    "order_complete",
    "order_confirm",
    "order_deliver",
    "order_payment_status_set",
    "orders_expire_unpaid",
    "quote_accept",
    "quote_submit",
    "quote_withdraw",
    "reorder_to_cart",
    "rfq_close",
    "rfq_create",
    "shipment_create",
]

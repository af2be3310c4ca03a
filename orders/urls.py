from django.urls import path

from orders.api import views as api

app_name = "orders"

urlpatterns = [
    path("cart/", api.CartView.as_view(), name="cart"),
    path("cart/lines/", api.CartLineListView.as_view(), name="cart-lines"),
    path("cart/lines/<int:line_id>/", api.CartLineDetailView.as_view(), name="cart-line"),
    path("checkouts/", api.CheckoutListView.as_view(), name="checkout-list"),
    path("checkouts/<int:checkout_id>/", api.CheckoutDetailView.as_view(), name="checkout-detail"),
    path("orders/", api.OrderListView.as_view(), name="order-list"),
    path("orders/<int:order_id>/", api.OrderDetailView.as_view(), name="order-detail"),
    path("orders/<int:order_id>/confirm/", api.OrderConfirmView.as_view(), name="order-confirm"),
    path("orders/<int:order_id>/accept-changes/", api.OrderAcceptChangesView.as_view(), name="order-accept-changes"),
    path("orders/<int:order_id>/ship/", api.OrderShipView.as_view(), name="order-ship"),
    path("orders/<int:order_id>/deliver/", api.OrderDeliverView.as_view(), name="order-deliver"),
    path("orders/<int:order_id>/complete/", api.OrderCompleteView.as_view(), name="order-complete"),
    path("orders/<int:order_id>/cancel/", api.OrderCancelView.as_view(), name="order-cancel"),
    path("orders/<int:order_id>/reorder/", api.OrderReorderView.as_view(), name="order-reorder"),
    path("orders/<int:order_id>/refund-balance/", api.OrderBalanceRefundView.as_view(), name="order-refund-balance"),
    path("orders/<int:order_id>/credit-balance/", api.OrderBalanceCreditView.as_view(), name="order-credit-balance"),
    path("shipments/", api.ShipmentListView.as_view(), name="shipment-list"),
    path("invoices/", api.InvoiceListView.as_view(), name="invoice-list"),
    path("invoices/export/", api.InvoiceExportView.as_view(), name="invoice-export"),
    path("invoices/<int:invoice_id>/", api.InvoiceDetailView.as_view(), name="invoice-detail"),
    path("invoices/<int:invoice_id>/pdf/", api.InvoicePdfView.as_view(), name="invoice-pdf"),
    path("sales-summary/", api.SalesSummaryView.as_view(), name="sales-summary"),
    path("rfqs/", api.RfqListView.as_view(), name="rfq-list"),
    path("rfqs/<int:rfq_id>/", api.RfqDetailView.as_view(), name="rfq-detail"),
    path("rfqs/<int:rfq_id>/close/", api.RfqCloseView.as_view(), name="rfq-close"),
    path("rfqs/<int:rfq_id>/quotes/", api.QuoteListView.as_view(), name="quote-list"),
    path("quotes/<int:quote_id>/withdraw/", api.QuoteWithdrawView.as_view(), name="quote-withdraw"),
    path("quotes/<int:quote_id>/accept/", api.QuoteAcceptView.as_view(), name="quote-accept"),
]

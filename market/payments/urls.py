from django.urls import path

from market.payments import api

app_name = "payments"

urlpatterns = [
    path("payments/webhooks/stripe/", api.StripeWebhookView.as_view(), name="webhook-stripe"),
    path("payments/webhooks/bank/", api.BankWebhookView.as_view(), name="webhook-bank"),
    path("payments/payables/<str:reference>/", api.PayableDetailView.as_view(), name="payable-detail"),
    path("payments/payables/<str:reference>/card-payments/", api.CardPaymentView.as_view(), name="card-payment"),
    path("payments/payables/<str:reference>/transfers/", api.TransferReportView.as_view(), name="transfer-report"),
    path("payments/payments/", api.PaymentListView.as_view(), name="payment-list"),
    path("payments/payments/<int:payment_id>/", api.PaymentDetailView.as_view(), name="payment-detail"),
    path("payments/payments/<int:payment_id>/refresh/", api.PaymentRefreshView.as_view(), name="payment-refresh"),
    path(
        "payments/payments/<int:payment_id>/finish-authentication/",
        api.FinishAuthenticationView.as_view(),
        name="payment-finish-authentication",
    ),
    path("payments/payments/<int:payment_id>/refunds/", api.RefundCreateView.as_view(), name="payment-refund"),
    path("payments/bank-transactions/", api.BankTransactionListView.as_view(), name="bank-transaction-list"),
    path(
        "payments/bank-transactions/<int:transaction_id>/apply/",
        api.BankTransactionApplyView.as_view(),
        name="bank-transaction-apply",
    ),
    path(
        "payments/bank-transactions/<int:transaction_id>/dismiss/",
        api.BankTransactionDismissView.as_view(),
        name="bank-transaction-dismiss",
    ),
    path("payments/statements/", api.StatementCreateView.as_view(), name="statement-create"),
    path("payments/statements/<int:statement_id>/apply/", api.StatementApplyView.as_view(), name="statement-apply"),
    path(
        "payments/statements/<int:statement_id>/discard/", api.StatementDiscardView.as_view(), name="statement-discard"
    ),
    path("payments/reconciliation-runs/", api.ReconciliationRunListView.as_view(), name="reconciliation-runs"),
    path("payments/discrepancies/", api.DiscrepancyListView.as_view(), name="discrepancy-list"),
    path(
        "payments/discrepancies/<int:discrepancy_id>/resolve/",
        api.DiscrepancyResolveView.as_view(),
        name="discrepancy-resolve",
    ),
    path("payments/settlement-runs/", api.SettlementRunListView.as_view(), name="settlement-runs"),
    path(
        "payments/settlements/<int:settlement_id>/mark-paid/",
        api.SettlementMarkPaidView.as_view(),
        name="settlement-mark-paid",
    ),
]

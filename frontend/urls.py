from django.contrib.auth import views as auth_views
from django.urls import path

from frontend.fairs_urls import urlpatterns as fairs_urlpatterns
from frontend.linkage_urls import urlpatterns as linkage_urlpatterns
from frontend.supply_urls import urlpatterns as supply_urlpatterns
from frontend.views import (
    auth,
    catalog,
    catalog_manage,
    exports,
    guide,
    notifications,
    orders,
    organisations,
    payments,
    pwa,
    site,
    staff,
    staff_catalog,
    storefront,
    webhooks,
)

app_name = "frontend"

urlpatterns = [
    # The public pages first: the most asked, and each pattern tried before the one that matches costs the request
    # (about 100 of them stood before these). No pattern below matches their paths.
    path("catalogue/", catalog.catalogue, name="catalogue"),
    path("products/<int:product_id>/", catalog.product, name="product"),
    path("cooperatives/<int:organisation_id>/", storefront.storefront, name="cooperative"),
    path("trace/<str:public_id>/", catalog.trace, name="trace"),
    path("01/<str:gtin>/10/<str:lot_code>", catalog.digital_link, name="digital-link"),
    path("", organisations.home, name="home"),
    path("robots.txt", site.robots_txt, name="robots"),
    path("favicon.ico", site.favicon, name="favicon"),
    path("design/", guide.design, name="design"),
    path("help/<slug:role>/", guide.how_it_works, name="how-it-works"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("sw.js", pwa.service_worker, name="service-worker"),
    path("offline/", pwa.offline, name="offline"),
    # orders: cart, checkout, buyer and cooperative order pages, quotations
    path("cart/", orders.cart, name="cart"),
    path("checkout/", orders.checkout, name="checkout"),
    path("checkouts/<int:checkout_id>/", orders.checkout_done, name="checkout-done"),
    path("orders/", orders.order_list, name="orders"),
    path("orders/sales/", orders.sales, name="sales"),
    path("orders/<int:order_id>/", orders.order_detail, name="order-detail"),
    path("orders/<int:order_id>/reorder/", orders.order_reorder, name="order-reorder"),
    path("orders/<int:order_id>/<str:action>/", orders.order_action, name="order-action"),
    path("invoices/<int:invoice_id>.pdf", orders.invoice_pdf, name="invoice-pdf"),
    path("quotations/", orders.rfqs, name="rfqs"),
    path("quotations/<int:rfq_id>/", orders.rfq, name="rfq"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("sign-up/", auth.sign_up, name="sign-up"),
    path("password-reset/", auth.password_reset, name="password-reset"),
    path("password-reset/<str:uid>/<str:token>/", auth.password_reset_confirm, name="password-reset-confirm"),
    path("language/", auth.set_language, name="set-language"),
    path("invitations/<str:token>/", auth.invitation, name="invitation"),
    path("account/", organisations.account, name="account"),
    path("dashboard/", organisations.dashboard, name="dashboard"),
    path("no-organisation/", organisations.no_organisation, name="no-organisation"),
    path("organisation/", organisations.organisation, name="organisation"),
    path("organisation/edit/", organisations.organisation_edit, name="organisation-edit"),
    path("organisation/resubmit/", organisations.organisation_resubmit, name="organisation-resubmit"),
    path("organisation/switch/", organisations.switch_organisation, name="organisation-switch"),
    path("organisation/members/", organisations.members, name="organisation-members"),
    path("organisation/members/<int:membership_id>/role/", organisations.member_change_role, name="member-change-role"),
    path("organisation/members/<int:membership_id>/remove/", organisations.member_remove, name="member-remove"),
    path(
        "organisation/invitations/<int:invitation_id>/revoke/",
        organisations.invitation_revoke,
        name="invitation-revoke",
    ),
    path("organisation/tokens/", organisations.tokens, name="organisation-tokens"),
    path("organisation/webhooks/", webhooks.endpoint_list, name="webhooks"),
    path("organisation/webhooks/<int:endpoint_id>/", webhooks.endpoint_detail, name="webhook-detail"),
    path("organisation/webhooks/<int:endpoint_id>/rotate/", webhooks.endpoint_rotate, name="webhook-rotate"),
    path("organisation/webhooks/<int:endpoint_id>/switch/", webhooks.endpoint_switch, name="webhook-switch"),
    path("organisation/webhooks/<int:endpoint_id>/ping/", webhooks.endpoint_ping, name="webhook-ping"),
    path("organisation/webhooks/<int:endpoint_id>/delete/", webhooks.endpoint_delete, name="webhook-delete"),
    path(
        "organisation/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/send-again/",
        webhooks.delivery_send_again,
        name="webhook-send-again",
    ),
    path("organisation/tokens/<int:token_id>/renew/", organisations.token_renew, name="token-renew"),
    path("organisation/tokens/<int:token_id>/rotate/", organisations.token_rotate, name="token-rotate"),
    path("organisation/tokens/<int:token_id>/revoke/", organisations.token_revoke, name="token-revoke"),
    path("geo/communes/", organisations.communes, name="communes"),
    path("staff/verification/", staff.verification_queue, name="staff-verification"),
    path("staff/verification/<int:organisation_id>/", staff.verification_detail, name="staff-verification-detail"),
    path(
        "staff/verification/<int:organisation_id>/verify/", staff.verification_verify, name="staff-verification-verify"
    ),
    path(
        "staff/verification/<int:organisation_id>/reject/", staff.verification_reject, name="staff-verification-reject"
    ),
    # payments: the pay page of any payable, and the alliance's payment back office
    path("exports/", exports.exports, name="exports"),
    path("exports/<int:job_id>/", exports.export_job, name="export-job"),
    path("exports/<int:job_id>/cancel/", exports.export_job_cancel, name="export-job-cancel"),
    path("exports/<int:job_id>/download/", exports.export_job_download, name="export-job-download"),
    path("payments/", payments.payments_mine, name="payments"),
    path("pay/<str:reference>/", payments.pay, name="pay"),
    path("pay/<str:reference>/status/", payments.pay_status, name="pay-status"),
    path("pay/<str:reference>/qr.png", payments.pay_qr, name="pay-qr"),
    path("pay/<str:reference>/card/", payments.pay_card, name="pay-card"),
    path("pay/<str:reference>/card/<int:payment_id>/resume/", payments.pay_card_resume, name="pay-card-resume"),
    path("pay/<str:reference>/card/<int:payment_id>/refresh/", payments.pay_card_refresh, name="pay-card-refresh"),
    path("pay/<str:reference>/transfers/", payments.pay_transfer_report, name="pay-transfer-report"),
    path("transfers/<int:transaction_id>/receipt/", payments.transfer_receipt, name="transfer-receipt"),
    path("staff/payments/", payments.staff_payments, name="staff-payments"),
    path("staff/payments/<int:payment_id>/", payments.staff_payment, name="staff-payment"),
    path("staff/payments/<int:payment_id>/refund/", payments.staff_payment_refund, name="staff-payment-refund"),
    path("staff/payments/statements/", payments.staff_statements, name="staff-statements"),
    path("staff/payments/statements/<int:statement_id>/", payments.staff_statement, name="staff-statement"),
    path(
        "staff/payments/statements/<int:statement_id>/apply/",
        payments.staff_statement_apply,
        name="staff-statement-apply",
    ),
    path(
        "staff/payments/statements/<int:statement_id>/discard/",
        payments.staff_statement_discard,
        name="staff-statement-discard",
    ),
    path("staff/payments/queue/", payments.staff_queue, name="staff-queue"),
    path("staff/payments/queue/<int:transaction_id>/", payments.staff_queue_item, name="staff-queue-item"),
    path("staff/payments/queue/<int:transaction_id>/apply/", payments.staff_queue_apply, name="staff-queue-apply"),
    path(
        "staff/payments/queue/<int:transaction_id>/dismiss/", payments.staff_queue_dismiss, name="staff-queue-dismiss"
    ),
    path("staff/payments/reconciliation/", payments.staff_reconciliation, name="staff-reconciliation"),
    path(
        "staff/payments/reconciliation/<int:run_id>/",
        payments.staff_reconciliation_run,
        name="staff-reconciliation-run",
    ),
    path(
        "staff/payments/reconciliation/<int:run_id>/discrepancies/<int:discrepancy_id>/resolve/",
        payments.staff_discrepancy_resolve,
        name="staff-discrepancy-resolve",
    ),
    path("staff/payments/events/", payments.staff_webhook_events, name="staff-webhook-events"),
    path(
        "staff/payments/events/<int:event_id>/process-again/",
        payments.staff_webhook_event_retry,
        name="staff-webhook-event-retry",
    ),
    path("staff/payments/settlements/", payments.staff_settlements, name="staff-settlements"),
    path("staff/payments/settlements/<int:run_id>/", payments.staff_settlement_run, name="staff-settlement-run"),
    path(
        "staff/payments/settlements/<int:run_id>/<int:settlement_id>/mark-paid/",
        payments.staff_settlement_mark_paid,
        name="staff-settlement-mark-paid",
    ),
    path("notifications/", notifications.inbox, name="notifications"),
    path("notifications/bell/", notifications.bell, name="notification-bell"),
    path("notifications/preferences/", notifications.preferences, name="notification-preferences"),
    path("notifications/<int:notification_id>/open/", notifications.notification_open, name="notification-open"),
    path("staff/notifications/", notifications.delivery_log, name="staff-notifications"),
    path(
        "staff/notifications/<int:notification_id>/",
        notifications.delivery_detail,
        name="staff-notification-detail",
    ),
    path(
        "staff/notifications/<int:notification_id>/resend/",
        notifications.delivery_resend,
        name="staff-notification-resend",
    ),
    path("staff/notifications/templates/", notifications.template_list, name="staff-notification-templates"),
    path(
        "staff/notifications/templates/<str:kind_name>/",
        notifications.template_preview,
        name="staff-notification-template",
    ),
    path(
        "staff/notifications/templates/<str:kind_name>/email/",
        notifications.template_preview_email,
        name="staff-notification-template-email",
    ),
    # catalogue (the cooperative's own)
    path("my/products/", catalog_manage.products, name="my-products"),
    path("my/products/new/", catalog_manage.product_new, name="my-product-new"),
    path("my/products/import/", catalog_manage.catalogue_import, name="my-import"),
    path("my/products/export/", catalog_manage.catalogue_export, name="my-export"),
    path("my/products/<int:product_id>/", catalog_manage.product_detail, name="my-product"),
    path("my/products/<int:product_id>/edit/", catalog_manage.product_edit, name="my-product-edit"),
    path("my/products/<int:product_id>/status/", catalog_manage.product_status, name="my-product-status"),
    path(
        "my/products/<int:product_id>/photos/<int:image_id>/remove/",
        catalog_manage.product_image_remove,
        name="my-product-image-remove",
    ),
    path("my/products/<int:product_id>/lots/new/", catalog_manage.lot_new, name="my-lot-new"),
    path("my/lots/", catalog_manage.lots, name="my-lots"),
    path("my/lots/<int:lot_id>/", catalog_manage.lot_detail, name="my-lot"),
    path("my/lots/<int:lot_id>/edit/", catalog_manage.lot_edit, name="my-lot-edit"),
    path("my/lots/<int:lot_id>/labels/", catalog_manage.lot_labels, name="my-lot-labels"),
    path("my/certificates/", catalog_manage.certificates, name="my-certificates"),
    path("my/certificates/<int:certificate_id>/", catalog_manage.certificate_edit, name="my-certificate"),
    path("staff/certificates/", staff_catalog.certificate_queue, name="staff-certificates"),
    path("staff/certificates/<int:certificate_id>/", staff_catalog.certificate_review, name="staff-certificate"),
]

# trade fairs
urlpatterns += fairs_urlpatterns
# linkage contracts
urlpatterns += linkage_urlpatterns
# supply: raw-material areas, households, intakes, the outlook
urlpatterns += supply_urlpatterns

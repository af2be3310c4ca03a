from django.urls import path

from catalog.api import views as api

app_name = "catalog"

urlpatterns = [
    path("categories/", api.CategoryListView.as_view(), name="category-list"),
    path("vat-categories/", api.VatCategoryListView.as_view(), name="vat-category-list"),
    path("products/", api.ProductListView.as_view(), name="product-list"),
    path("products/facets/", api.ProductFacetsView.as_view(), name="product-facets"),
    path("my-products/", api.MyProductListView.as_view(), name="my-product-list"),
    path("products/<int:product_id>/", api.ProductDetailView.as_view(), name="product-detail"),
    path("products/<int:product_id>/publish/", api.ProductPublishView.as_view(), name="product-publish"),
    path("products/<int:product_id>/delist/", api.ProductDelistView.as_view(), name="product-delist"),
    path("products/<int:product_id>/price-tiers/", api.PriceTierView.as_view(), name="product-price-tiers"),
    path("products/<int:product_id>/price/", api.PriceQuoteView.as_view(), name="product-price"),
    path("products/<int:product_id>/images/", api.ProductImageListView.as_view(), name="product-images"),
    path(
        "products/<int:product_id>/images/<int:image_id>/",
        api.ProductImageDetailView.as_view(),
        name="product-image-detail",
    ),
    path("lots/", api.LotListView.as_view(), name="lot-list"),
    path("lots/<int:lot_id>/", api.LotDetailView.as_view(), name="lot-detail"),
    path("lots/<int:lot_id>/publish/", api.LotPublishView.as_view(), name="lot-publish"),
    path("lots/<int:lot_id>/withdraw/", api.LotWithdrawView.as_view(), name="lot-withdraw"),
    path("lots/<int:lot_id>/events/", api.LotEventListView.as_view(), name="lot-events"),
    path("lot-events/", api.LotEventFeedView.as_view(), name="lot-event-feed"),
    path("certificates/", api.CertificateListView.as_view(), name="certificate-list"),
    path("certificates/<int:certificate_id>/", api.CertificateDetailView.as_view(), name="certificate-detail"),
    path("certificates/<int:certificate_id>/submit/", api.CertificateSubmitView.as_view(), name="certificate-submit"),
    path("certificates/<int:certificate_id>/verify/", api.CertificateVerifyView.as_view(), name="certificate-verify"),
    path("certificates/<int:certificate_id>/reject/", api.CertificateRejectView.as_view(), name="certificate-reject"),
    path("certificates/<int:certificate_id>/revoke/", api.CertificateRevokeView.as_view(), name="certificate-revoke"),
    path("certificates/<int:certificate_id>/scan/", api.CertificateScanView.as_view(), name="certificate-scan"),
    path("trace/<str:public_id>/", api.TraceView.as_view(), name="trace"),
    path("catalogue-imports/", api.ImportListView.as_view(), name="import-list"),
    path("catalogue-imports/<int:import_id>/apply/", api.ImportApplyView.as_view(), name="import-apply"),
    path("catalogue-export/", api.ExportView.as_view(), name="export"),
]

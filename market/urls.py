"""The root URLconf: the one file in market/ that wires every app's URLs."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView

from catalog import views as catalog_views
from market.core.api_docs import SwaggerUiView
from market.core.csp_report import csp_report
from market.core.security import CSP_REPORT_PATH
from market.core.views import healthz, readyz

# No two apps claim the same path (tests/core/test_api_urls.py), so the order is free: Django tries the patterns
# in turn, and the catalogue's public reads, the most frequent requests, come first.
api_v1 = [
    path("", include("catalog.urls")),
    path("", include("market.organisations.urls")),
    path("", include("market.payments.urls")),
    path("", include("market.notifications.urls")),
    path("", include("market.integrations.urls")),
    path("", include("market.exports.urls")),
    path("", include("catalog.supply.urls")),
    path("", include("fairs.urls")),
    path("", include("orders.urls")),
    path("", include("linkage.urls")),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path(CSP_REPORT_PATH.lstrip("/"), csp_report, name="csp-report"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(api_version="v1"), name="schema"),
    path("api/docs/", SwaggerUiView.as_view(url_name="schema"), name="swagger-ui"),
    path("catalog-media/<path:name>", catalog_views.catalog_media, name="catalog-media"),
    path("trace/<str:public_id>/qr.png", catalog_views.lot_qr, name="catalog-lot-qr"),
    path("", include("frontend.urls")),
]

if settings.MARKET_BENCH:
    # Only for `make bench` (never in production: settings refuse MARKET_BENCH there).
    from bench.views import floor, ping

    urlpatterns[:0] = [path("bench/ping", ping, name="bench-ping"), path("bench/floor", floor, name="bench-floor")]

if settings.DEBUG:
    urlpatterns += [path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})]

# A database out of reach while a middleware read it (the session, the user) is a 503, not a 500.
handler404 = "frontend.errors.not_found"
handler500 = "frontend.errors.server_error"

admin.site.site_header = "Market Link"
admin.site.site_title = "Market Link"
admin.site.index_title = "Back office"

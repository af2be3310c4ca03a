from django.contrib import admin

from market.core.admin import URL_FIELDS_AS_HTTPS
from market.integrations.models import WebhookDelivery, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "organisation", "is_active", "failing_since", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["url", "organisation__name"]
    # The secrets never appear in the back office.
    exclude = ["secret_sealed", "previous_secret_sealed"]
    readonly_fields = ["organisation", "created_by", "failing_since", "disabled_at"]
    formfield_overrides = URL_FIELDS_AS_HTTPS


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["id", "event", "endpoint", "status", "attempts", "last_status_code", "created_at"]
    list_filter = ["status"]
    readonly_fields = [field.name for field in WebhookDelivery._meta.fields]

from django.contrib import admin

from market.notifications.models import (
    ChannelPreference,
    DeliveryAttempt,
    Notification,
    NotificationSettings,
    ZaloToken,
)


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    readonly_fields = ["number", "worker", "started_at", "finished_at", "outcome", "error"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only: rows are written by notify() and moved by the relay; staff resend from the delivery log."""

    list_display = ["id", "created_at", "kind", "channel", "status", "recipient_key", "attempts", "sent_at"]
    list_filter = ["status", "channel", "group", "kind"]
    search_fields = ["recipient_user__email", "recipient_address", "object_id", "kind"]
    list_select_related = ["recipient_user"]
    readonly_fields = [f.name for f in Notification._meta.fields]
    inlines = [DeliveryAttemptInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DeliveryAttempt)
class DeliveryAttemptAdmin(admin.ModelAdmin):
    list_display = ["notification", "number", "outcome", "worker", "started_at", "finished_at"]
    list_filter = ["outcome"]
    readonly_fields = [f.name for f in DeliveryAttempt._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ChannelPreference)
class ChannelPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "group", "channel", "enabled", "updated_at"]
    list_filter = ["group", "channel", "enabled"]
    search_fields = ["user__email"]


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(admin.ModelAdmin):
    list_display = ["user", "daily_digest", "updated_at"]
    search_fields = ["user__email"]


@admin.register(ZaloToken)
class ZaloTokenAdmin(admin.ModelAdmin):
    list_display = ["app_id", "expires_at", "updated_at"]
    exclude = ["access_token", "refresh_token"]
    readonly_fields = ["app_id", "expires_at", "updated_at", "seed_hash"]

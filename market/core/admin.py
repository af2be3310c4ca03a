from django.contrib import admin

from market.core.models import AuditEvent, Heartbeat


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "action", "target_type", "target_id", "actor_user", "actor_organisation"]
    list_filter = ["action", "target_type"]
    search_fields = ["target_id", "action", "actor_user__email", "request_id"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]
    list_select_related = ["actor_user", "actor_organisation"]

    def has_add_permission(self, request) -> bool:  # the log is written by services only
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ["name", "last_seen", "hostname"]

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models

from market.core.models import AuditEvent, Deletion, Heartbeat, OneTimeKey

# A website typed without its scheme is read as https, as Django 6 will read it (Django 5.2 warns on every form
# that has not chosen). For each ModelAdmin with a URLField.
URL_FIELDS_AS_HTTPS: dict[type[models.Field[Any, Any]], dict[str, Any]] = {models.URLField: {"assume_scheme": "https"}}


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that change through their services only (money, what the services keep for reads): the back office
    reads them."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


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


@admin.register(Deletion)
class DeletionAdmin(admin.ModelAdmin):
    """The tombstones incremental sync serves at /api/v1/deletions/: written by services, read here."""

    list_display = ["updated_at", "resource", "object_id", "organisation", "scope"]
    list_filter = ["resource", "scope"]
    search_fields = ["object_id", "organisation__name"]
    list_select_related = ["organisation"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OneTimeKey)
class OneTimeKeyAdmin(admin.ModelAdmin):
    """The one-time keys money-moving forms were claimed with (market.core.once): written by services, read
    here to see what a resent form was answered with."""

    list_display = ["created_at", "action", "user", "target_id"]
    list_filter = ["action"]
    search_fields = ["key", "user__email"]
    list_select_related = ["user"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

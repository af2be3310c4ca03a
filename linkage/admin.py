"""The back office for linkage contracts. Staff keep the clause templates every new contract starts with;
contracts, versions, call-offs, deliveries and the rest move only through the services (they hold the
locks, the signatures and the figures), so here they are read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from linkage.models import (
    CallOff,
    ClauseTemplate,
    ContractEvent,
    ContractVersion,
    Delivery,
    Dispute,
    DisputeMessage,
    ForceMajeure,
    GradingRule,
    InputAdvance,
    LinkageContract,
    ReferencePrice,
    ReferenceSeries,
    ScheduleLine,
    VersionClause,
)


@admin.register(ClauseTemplate)
class ClauseTemplateAdmin(admin.ModelAdmin):
    list_display = ["position", "code", "title_vi", "title_en", "active"]
    list_display_links = ["code"]
    list_editable = ["position", "active"]
    search_fields = ["code", "title_vi", "title_en", "body_vi"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable by staff; changed only through the services."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class VersionInline(admin.TabularInline):
    model = ContractVersion
    fields = readonly_fields = (
        "number",
        "status",
        "drafted_by",
        "committed_quantity",
        "price_rule",
        "base_price",
        "in_force_at",
    )
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(LinkageContract)
class LinkageContractAdmin(ReadOnlyAdmin):
    list_display = ["number", "title", "buyer", "cooperative", "season_kind", "season_year", "status",
                    "committed_quantity", "delivered_quantity"]  # fmt: skip
    list_filter = ["status", "season_kind", "season_year"]
    search_fields = ["number", "title", "buyer__name", "cooperative__name"]
    list_select_related = ["buyer", "cooperative"]
    inlines = [VersionInline]


@admin.register(ContractVersion)
class ContractVersionAdmin(ReadOnlyAdmin):
    list_display = ["contract", "number", "status", "drafted_by", "buyer_signed_at", "cooperative_signed_at"]
    list_filter = ["status"]
    list_select_related = ["contract", "drafted_by"]


@admin.register(CallOff)
class CallOffAdmin(ReadOnlyAdmin):
    list_display = ["contract", "number", "due_on", "quantity", "status", "unit_price", "order"]
    list_filter = ["status"]
    search_fields = ["contract__number"]
    list_select_related = ["contract", "order"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["call_off", "received_on", "gross_quantity", "net_quantity", "unit_price", "amount", "short"]
    list_filter = ["short"]
    list_select_related = ["call_off__contract"]


@admin.register(InputAdvance)
class InputAdvanceAdmin(ReadOnlyAdmin):
    list_display = ["contract", "kind", "description", "supplied_on", "value", "acknowledged_at"]
    list_filter = ["kind"]


@admin.register(ForceMajeure)
class ForceMajeureAdmin(ReadOnlyAdmin):
    list_display = ["contract", "kind", "starts_on", "ends_on", "declared_by", "acknowledged_at", "ended_at"]
    list_filter = ["kind"]
    exclude = ["evidence"]  # private: read through the contract page, which checks who asks


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    list_display = ["contract", "subject", "opened_by", "status", "resolved_at"]
    list_filter = ["status"]


@admin.register(ContractEvent)
class ContractEventAdmin(ReadOnlyAdmin):
    list_display = ["contract", "action", "version_number", "actor_organisation", "created_at"]
    list_filter = ["action"]


@admin.register(ReferenceSeries)
class ReferenceSeriesAdmin(ReadOnlyAdmin):
    list_display = ["name", "publisher", "category", "province_code", "unit"]


@admin.register(ReferencePrice)
class ReferencePriceAdmin(ReadOnlyAdmin):
    list_display = ["series", "effective_on", "price", "published_by"]
    list_select_related = ["series"]


@admin.register(VersionClause)
class VersionClauseAdmin(ReadOnlyAdmin):
    list_display = ["version", "position", "title"]
    list_select_related = ["version__contract"]


@admin.register(GradingRule)
class GradingRuleAdmin(ReadOnlyAdmin):
    list_display = ["version", "measure", "threshold", "limit", "effect", "rate"]
    list_select_related = ["version__contract"]


@admin.register(ScheduleLine)
class ScheduleLineAdmin(ReadOnlyAdmin):
    list_display = ["version", "due_on", "quantity"]
    list_select_related = ["version__contract"]


@admin.register(DisputeMessage)
class DisputeMessageAdmin(ReadOnlyAdmin):
    list_display = ["dispute", "organisation", "created_at"]
    list_select_related = ["dispute", "organisation"]

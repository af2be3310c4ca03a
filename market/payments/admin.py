from django.contrib import admin

from market.core.admin import ReadOnlyAdmin
from market.payments.models import (
    BankTransaction,
    CommissionRate,
    Discrepancy,
    Dispute,
    Payable,
    Payment,
    PaymentEvent,
    ProviderRecord,
    ReconciliationRun,
    Refund,
    Settlement,
    SettlementItem,
    SettlementRun,
    StatementImport,
    SweepWatermark,
    WebhookEvent,
)


class PaymentEventInline(admin.TabularInline):
    model = PaymentEvent
    extra = 0
    can_delete = False
    readonly_fields = ("created_at", "from_state", "to_state", "source", "provider_event_id", "actor", "note")
    fields = readonly_fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Payable)
class PayableAdmin(ReadOnlyAdmin):
    list_display = ["reference", "kind", "object_id", "description", "amount", "amount_paid", "status", "payee"]
    list_filter = ["kind", "status"]
    search_fields = ["reference", "object_id", "description"]
    list_select_related = ["payee"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "payable",
        "provider",
        "state",
        "amount",
        "amount_refunded",
        "provider_reference",
        "created_at",
    ]
    list_filter = ["provider", "state"]
    search_fields = ["provider_reference", "payable__reference"]
    list_select_related = ["payable"]
    inlines = [PaymentEventInline]


@admin.register(PaymentEvent)
class PaymentEventAdmin(ReadOnlyAdmin):
    list_display = ["payment", "from_state", "to_state", "source", "provider_event_id", "created_at"]
    list_filter = ["source", "to_state"]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["id", "payment", "amount", "state", "provider_reference", "created_at"]
    list_filter = ["state"]


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    list_display = ["provider_reference", "payment", "amount", "status", "reason", "evidence_due_by"]
    list_filter = ["status"]


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "provider", "type", "source", "status", "attempts", "received_at"]
    list_filter = ["provider", "status", "source"]
    search_fields = ["event_id", "type"]


@admin.register(StatementImport)
class StatementImportAdmin(ReadOnlyAdmin):
    list_display = ["file_name", "account_number", "bank_format", "status", "lines_total", "lines_new", "created_at"]
    exclude = ["content"]


@admin.register(BankTransaction)
class BankTransactionAdmin(ReadOnlyAdmin):
    list_display = ["bank_reference", "account_number", "booked_at", "amount", "status", "reason", "payable"]
    list_filter = ["status", "reason", "source"]
    search_fields = ["bank_reference", "description", "account_number"]


@admin.register(ProviderRecord)
class ProviderRecordAdmin(ReadOnlyAdmin):
    list_display = ["reference", "provider", "amount", "currency", "status", "amount_refunded", "disputed"]
    search_fields = ["reference"]


@admin.register(SweepWatermark)
class SweepWatermarkAdmin(ReadOnlyAdmin):
    list_display = ["name", "value"]


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(ReadOnlyAdmin):
    list_display = ["id", "trigger", "status", "started_at", "payments_checked", "discrepancies_found"]


@admin.register(Discrepancy)
class DiscrepancyAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "reference", "expected", "actual", "status", "created_at"]
    list_filter = ["kind", "status"]


@admin.register(CommissionRate)
class CommissionRateAdmin(admin.ModelAdmin):
    """The commission is data: staff add a new rate from a date (or for one cooperative)."""

    list_display = ["rate_percent", "valid_from", "payee", "note"]
    raw_id_fields = ["payee"]


@admin.register(SettlementRun)
class SettlementRunAdmin(ReadOnlyAdmin):
    list_display = ["id", "period_start", "period_end", "gross", "commission", "net", "created_at"]


@admin.register(Settlement)
class SettlementAdmin(ReadOnlyAdmin):
    list_display = ["id", "run", "payee", "gross", "commission", "net", "state", "paid_reference"]
    list_filter = ["state"]


@admin.register(SettlementItem)
class SettlementItemAdmin(ReadOnlyAdmin):
    list_display = ["id", "settlement", "payment", "refund", "dispute", "amount", "commission"]

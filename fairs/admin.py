"""The back office: every fair model. Status, assignments, subsidies and fees move only through the
services and pages (they hold the locks and the rules); here those fields are read-only."""

from django.contrib import admin

from fairs.models import (
    Application,
    ApplicationEvent,
    ApplicationPreference,
    Badge,
    Booth,
    BoothAssignment,
    BuyerRegistration,
    CheckinDevice,
    CheckinScan,
    Fair,
    Hall,
    Meeting,
    MeetingOutcome,
    MeetingSlot,
    MeetingTable,
    SubsidyLedger,
    SubsidyProgramme,
    Zone,
)


@admin.register(Fair)
class FairAdmin(admin.ModelAdmin):
    list_display = ["name_vi", "venue", "starts_on", "ends_on", "status"]
    list_filter = ["status"]
    search_fields = ["name_vi", "name_en", "venue", "slug"]
    readonly_fields = ["status"]
    raw_id_fields = ["organiser"]


@admin.register(Hall)
class HallAdmin(admin.ModelAdmin):
    list_display = ["name", "fair", "width_m", "depth_m", "position"]
    list_select_related = ["fair"]


@admin.register(Zone)
class ZoneAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "hall", "fair"]
    list_select_related = ["hall", "fair"]


@admin.register(Booth)
class BoothAdmin(admin.ModelAdmin):
    list_display = ["code", "fair", "hall", "zone", "booth_type", "price", "blocked"]
    list_filter = ["booth_type", "blocked", "cold_storage"]
    search_fields = ["code", "fair__name_vi"]
    list_select_related = ["fair", "hall", "zone"]


@admin.register(SubsidyProgramme)
class SubsidyProgrammeAdmin(admin.ModelAdmin):
    list_display = ["name", "year", "budget", "spent", "yearly_cap"]
    readonly_fields = ["spent"]


@admin.register(SubsidyLedger)
class SubsidyLedgerAdmin(admin.ModelAdmin):
    list_display = ["programme", "cooperative", "used", "cap"]
    list_select_related = ["programme", "cooperative"]
    readonly_fields = ["programme", "cooperative", "used", "cap"]


class PreferenceInline(admin.TabularInline):
    model = ApplicationPreference
    extra = 0
    readonly_fields = ["booth", "rank"]
    can_delete = False


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["cooperative", "fair", "status", "booth_type", "fee_status", "amount_due", "created_at"]
    list_filter = ["status", "fee_status", "booth_type"]
    search_fields = ["cooperative__name", "fair__name_vi"]
    list_select_related = ["cooperative", "fair"]
    raw_id_fields = ["cooperative", "submitted_by", "co_exhibitors", "products"]
    readonly_fields = [
        "status",
        "waitlist_position",
        "fee_status",
        "price",
        "subsidy",
        "amount_due",
        "subsidy_programme",
        "payment_due_on",
        "reminder_sent_at",
        "paid_at",
        "decided_at",
        "first_time",
    ]
    inlines = [PreferenceInline]


@admin.register(ApplicationPreference)
class ApplicationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["application", "rank", "booth"]
    raw_id_fields = ["application", "booth"]


@admin.register(ApplicationEvent)
class ApplicationEventAdmin(admin.ModelAdmin):
    list_display = ["application", "action", "from_status", "to_status", "created_at"]
    readonly_fields = ["application", "actor_user", "action", "from_status", "to_status", "note"]


@admin.register(BoothAssignment)
class BoothAssignmentAdmin(admin.ModelAdmin):
    list_display = ["booth", "application", "assigned_at", "released_at"]
    list_select_related = ["booth", "application__cooperative"]
    readonly_fields = ["fair", "booth", "application", "assigned_by", "released_at", "release_reason"]


@admin.register(Badge)
class BadgeAdmin(admin.ModelAdmin):
    list_display = ["code", "fair", "kind", "organisation", "holder_name", "checked_in_at", "revoked_at"]
    list_filter = ["kind"]
    search_fields = ["code", "organisation__name", "holder_name"]
    # Revoking goes through the badges page or the API (fairs.services.badge_revoke), which audits it.
    readonly_fields = [
        "code",
        "checked_in_at",
        "checked_in_by",
        "revoked_at",
        "revoked_by",
        "revoke_reason",
        "reissued_as",
    ]


@admin.register(BuyerRegistration)
class BuyerRegistrationAdmin(admin.ModelAdmin):
    list_display = ["buyer", "fair", "created_at"]
    raw_id_fields = ["buyer", "registered_by"]


@admin.register(MeetingSlot)
class MeetingSlotAdmin(admin.ModelAdmin):
    list_display = ["fair", "starts_at", "ends_at"]


@admin.register(MeetingTable)
class MeetingTableAdmin(admin.ModelAdmin):
    list_display = ["name", "fair"]


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["buyer", "exhibitor", "slot", "table", "status"]
    list_filter = ["status"]
    list_select_related = ["buyer", "exhibitor", "slot", "table"]
    readonly_fields = ["status", "table", "reminder_sent_at"]
    raw_id_fields = ["buyer", "exhibitor", "requested_by"]


@admin.register(MeetingOutcome)
class MeetingOutcomeAdmin(admin.ModelAdmin):
    list_display = ["meeting", "kind", "volume", "unit", "value", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["meeting", "recorded_by", "recorded_for"]


@admin.register(CheckinDevice)
class CheckinDeviceAdmin(admin.ModelAdmin):
    """The phones that check people in at a fair, with what each still holds (offline check-in)."""

    list_display = ["label", "fair", "user", "pending", "last_sync_at", "last_seen_at"]
    list_filter = ["fair"]
    search_fields = ["label", "device_id"]
    list_select_related = ["fair", "user"]
    readonly_fields = ["device_id", "pending", "last_sync_at", "last_seen_at"]


@admin.register(CheckinScan)
class CheckinScanAdmin(admin.ModelAdmin):
    """Every scan a phone sent, and how it was decided (earliest scan wins); written by the sync only."""

    list_display = ["scanned_at", "code", "fair", "device", "outcome", "revised_at"]
    list_filter = ["outcome", "fair"]
    search_fields = ["code", "key"]
    list_select_related = ["fair", "device"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

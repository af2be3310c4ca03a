"""The back office for the supply side: areas, plots, seasons, households and intakes. Consent and lots
built from intakes change through the services and pages; here those fields are read-only."""

from django.contrib import admin

from catalog.supply.models import (
    HouseholdImport,
    Intake,
    MemberHousehold,
    Plot,
    PlotSeason,
    RawMaterialArea,
    Season,
    SeasonPrice,
)


@admin.register(RawMaterialArea)
class RawMaterialAreaAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "cooperative", "category", "crop", "province_code"]
    search_fields = ["code", "name", "cooperative__name", "planting_area_code"]
    raw_id_fields = ["cooperative"]
    filter_horizontal = ["certificates"]


@admin.register(Plot)
class PlotAdmin(admin.ModelAdmin):
    list_display = ["code", "area", "hectares", "commune_code", "household"]
    search_fields = ["code", "area__code", "area__cooperative__name"]
    raw_id_fields = ["area", "household"]


@admin.register(Season)
class SeasonAdmin(admin.ModelAdmin):
    list_display = ["name", "cooperative", "starts_on", "ends_on"]
    search_fields = ["name", "cooperative__name"]
    raw_id_fields = ["cooperative"]


@admin.register(PlotSeason)
class PlotSeasonAdmin(admin.ModelAdmin):
    list_display = ["plot", "season", "crop", "sowing_date", "expected_harvest_date"]
    raw_id_fields = ["plot", "season"]


@admin.register(SeasonPrice)
class SeasonPriceAdmin(admin.ModelAdmin):
    list_display = ["season", "category", "grade"]
    raw_id_fields = ["season"]


@admin.register(MemberHousehold)
class MemberHouseholdAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "cooperative", "kind", "name_public", "name_consent_on"]
    list_filter = ["kind", "name_public"]
    search_fields = ["code", "name", "phone", "cooperative__name"]
    raw_id_fields = ["cooperative"]
    readonly_fields = ["name_public", "name_consent_on"]


@admin.register(Intake)
class IntakeAdmin(admin.ModelAdmin):
    list_display = ["received_on", "household", "plot", "grade", "moisture_percent", "lot"]
    search_fields = ["household__name", "plot__code", "cooperative__name"]
    raw_id_fields = ["cooperative", "household", "plot", "season", "recorded_by"]
    readonly_fields = ["lot"]


@admin.register(HouseholdImport)
class HouseholdImportAdmin(admin.ModelAdmin):
    list_display = ["file_name", "cooperative", "row_count", "error_count", "status", "created_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in HouseholdImport._meta.fields]

"""/api/v1/supply/… (mounted by market/urls.py)."""

from django.urls import path

from catalog.supply.api import views as api

app_name = "supply"

urlpatterns = [
    path("supply/areas/", api.AreaListView.as_view(), name="area-list"),
    path("supply/areas/<int:area_id>/", api.AreaDetailView.as_view(), name="area-detail"),
    path("supply/areas/<int:area_id>/plots/", api.AreaPlotListView.as_view(), name="area-plots"),
    path("supply/areas/<int:area_id>/season-plan/", api.AreaSeasonPlanView.as_view(), name="area-season-plan"),
    path("supply/areas/<int:area_id>/outlines/", api.AreaOutlineImportView.as_view(), name="area-outlines"),
    path("supply/plots/", api.PlotListView.as_view(), name="plot-list"),
    path("supply/plots/<int:plot_id>/", api.PlotDetailView.as_view(), name="plot-detail"),
    path("supply/plots/<int:plot_id>/outline/", api.PlotOutlineView.as_view(), name="plot-outline"),
    path("supply/plots/<int:plot_id>/seasons/", api.PlotSeasonListView.as_view(), name="plot-seasons"),
    path("supply/plot-seasons/<int:plot_season_id>/", api.PlotSeasonDetailView.as_view(), name="plot-season"),
    path("supply/seasons/", api.SeasonListView.as_view(), name="season-list"),
    path("supply/seasons/<int:season_id>/", api.SeasonDetailView.as_view(), name="season-detail"),
    path("supply/seasons/<int:season_id>/prices/", api.SeasonPriceListView.as_view(), name="season-prices"),
    path("supply/season-prices/<int:price_id>/", api.SeasonPriceDetailView.as_view(), name="season-price"),
    path("supply/seasons/<int:season_id>/statement/", api.StatementView.as_view(), name="statement"),
    path(
        "supply/seasons/<int:season_id>/statement.<str:fmt>",
        api.StatementExportView.as_view(),
        name="statement-export",
    ),
    path("supply/households/", api.HouseholdListView.as_view(), name="household-list"),
    path("supply/households/<int:household_id>/", api.HouseholdDetailView.as_view(), name="household-detail"),
    path("supply/households/<int:household_id>/consent/", api.HouseholdConsentView.as_view(), name="household-consent"),
    path("supply/household-imports/", api.HouseholdImportListView.as_view(), name="household-import-list"),
    path(
        "supply/household-imports/<int:import_id>/apply/",
        api.HouseholdImportApplyView.as_view(),
        name="household-import-apply",
    ),
    path("supply/intakes/", api.IntakeListView.as_view(), name="intake-list"),
    path("supply/intakes/sync/", api.IntakeSyncView.as_view(), name="intake-sync"),
    path("supply/intakes/<int:intake_id>/", api.IntakeDetailView.as_view(), name="intake-detail"),
    path("supply/lots/from-intakes/", api.LotFromIntakesView.as_view(), name="lot-from-intakes"),
    path("supply/outlook/", api.OutlookView.as_view(), name="outlook"),
    path("supply/trace/<str:public_id>/origins/", api.LotOriginsView.as_view(), name="lot-origins"),
]

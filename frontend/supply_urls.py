"""The supply pages (mounted by frontend/urls.py)."""

from django.urls import path

from frontend.views import supply

urlpatterns = [
    path("supply/", supply.home, name="supply"),
    path("supply/areas/new/", supply.area_new, name="supply-area-new"),
    path("supply/areas/<int:area_id>/", supply.area_detail, name="supply-area"),
    path("supply/areas/<int:area_id>/edit/", supply.area_edit, name="supply-area-edit"),
    path("supply/areas/<int:area_id>/plan/", supply.area_plan_season, name="supply-area-plan"),
    path("supply/areas/<int:area_id>/outlines/", supply.area_import_outlines, name="supply-area-outlines"),
    path("supply/areas/<int:area_id>/plots/new/", supply.plot_new, name="supply-plot-new"),
    path("supply/plots/<int:plot_id>/", supply.plot_detail, name="supply-plot"),
    path("supply/plots/<int:plot_id>/plan/", supply.plot_plan_season, name="supply-plot-plan"),
    path(
        "supply/plots/<int:plot_id>/seasons/<int:plot_season_id>/remove/",
        supply.plot_season_remove,
        name="supply-plot-season-remove",
    ),
    path("supply/plots/<int:plot_id>/outline/", supply.plot_outline, name="supply-plot-outline"),
    path("supply/seasons/", supply.seasons, name="supply-seasons"),
    path("supply/seasons/<int:season_id>/", supply.season_detail, name="supply-season"),
    path(
        "supply/seasons/<int:season_id>/prices/<int:price_id>/remove/",
        supply.season_price_remove,
        name="supply-season-price-remove",
    ),
    path(
        "supply/seasons/<int:season_id>/statement.csv",
        supply.season_statement_export,
        {"fmt": "csv"},
        name="supply-statement-csv",
    ),
    path(
        "supply/seasons/<int:season_id>/statement.xlsx",
        supply.season_statement_export,
        {"fmt": "xlsx"},
        name="supply-statement-xlsx",
    ),
    path("supply/households/", supply.households, name="supply-households"),
    path("supply/households/new/", supply.household_new, name="supply-household-new"),
    path("supply/households/import/", supply.household_import, name="supply-household-import"),
    path("supply/households/<int:household_id>/", supply.household_detail, name="supply-household"),
    path("supply/households/<int:household_id>/consent/", supply.household_consent, name="supply-household-consent"),
    path("supply/intakes/", supply.intakes, name="supply-intakes"),
    path("supply/intakes/new/", supply.intake_new, name="supply-intake-new"),
    path("supply/intakes/<int:intake_id>/", supply.intake_detail, name="supply-intake"),
    path("supply/intakes/<int:intake_id>/delete/", supply.intake_delete, name="supply-intake-delete"),
    path("supply/demand/", supply.demand, name="supply-demand"),
    path("supply/outlook/", supply.outlook, name="supply-outlook"),
]

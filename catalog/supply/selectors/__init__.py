"""Every read of supply, scoped to the caller: a foreign id answers like a missing one. The supply outlook
(aggregated, for processors and staff), the demand match and a lot's origins (public) are here too."""

from catalog.supply.selectors.lists import (
    area_get_for,
    area_list_for,
    household_get_for,
    household_list_for,
    intake_get_for,
    intake_list_for,
    plot_get_for,
    plot_list_for,
    season_get_for,
    season_list_for,
)
from catalog.supply.selectors.maps import MapView, PlotShape, PublicArea, PublicSupply, area_map, public_supply
from catalog.supply.selectors.outlook import (
    DemandMatch,
    Outlook,
    OutlookRow,
    SupplyProfile,
    demand_match,
    supply_outlook,
    supply_profile_for,
)
from catalog.supply.selectors.statements import (
    PriceBook,
    Statement,
    StatementRow,
    intake_day_totals,
    price_book,
    season_statement,
    statement_sheets,
)
from catalog.supply.selectors.trace import Origin, lot_intakes, lot_origins

__all__ = [
    "DemandMatch",
    "MapView",
    "Origin",
    "Outlook",
    "OutlookRow",
    "PlotShape",
    "PriceBook",
    "PublicArea",
    "PublicSupply",
    "Statement",
    "StatementRow",
    "SupplyProfile",
    "area_get_for",
    "area_list_for",
    "area_map",
    "demand_match",
    "household_get_for",
    "household_list_for",
    "intake_day_totals",
    "intake_get_for",
    "intake_list_for",
    "lot_intakes",
    "lot_origins",
    "plot_get_for",
    "plot_list_for",
    "price_book",
    "public_supply",
    "season_get_for",
    "season_list_for",
    "season_statement",
    "statement_sheets",
    "supply_outlook",
    "supply_profile_for",
]

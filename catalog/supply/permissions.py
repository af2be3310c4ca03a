"""Who may do what with supply: the cooperative keeps its areas, households and intakes; processors and
alliance staff read the aggregated outlook; staff read everything."""

from market.organisations.models import SELLER_KINDS, OrganisationKind
from market.organisations.permissions import ALL_ROLES, MANAGING_ROLES, capability

# Every member of a selling organisation reads its areas, plots, households and intakes …
SUPPLY_VIEW = capability("supply.view", kinds=SELLER_KINDS, roles=ALL_ROLES)
# … and records intakes at the field or the gate, and builds lots from them (like recording lots).
INTAKE_RECORD = capability("supply.intake_record", kinds=SELLER_KINDS, roles=ALL_ROLES)
# Areas, plots, seasons and prices, the member register and its import are the managers' business, and so
# is what each member is owed.
SUPPLY_MANAGE = capability("supply.manage", kinds=SELLER_KINDS, roles=MANAGING_ROLES)
SUPPLY_STATEMENTS = capability("supply.statements", kinds=SELLER_KINDS, roles=MANAGING_ROLES)
# Cooperatives read the buyers' open demand that matches their areas.
DEMAND_BOARD_VIEW = capability("supply.demand_board", kinds=SELLER_KINDS, roles=ALL_ROLES)
# Processors (buyers) and alliance staff read the supply outlook, aggregated by category, province and month.
OUTLOOK_VIEW = capability("supply.outlook", kinds={OrganisationKind.BUYER, OrganisationKind.ALLIANCE})
# Who may open the supply records at all (the selectors then show a cooperative only its own).
SUPPLY_READ = capability("supply.read", kinds=SELLER_KINDS | {OrganisationKind.ALLIANCE}, roles=ALL_ROLES)
# Alliance staff read every cooperative's supply records (support, verification of areas); they change none.
SUPPLY_VIEW_ALL = capability("supply.view_all", kinds={OrganisationKind.ALLIANCE})

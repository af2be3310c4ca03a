"""What processors, cooperatives and alliance staff may do with linkage contracts."""

from market.organisations.models import SELLER_KINDS, OrganisationKind
from market.organisations.permissions import ALL_ROLES, MANAGING_ROLES, capability

PARTY_KINDS = frozenset({OrganisationKind.BUYER, *SELLER_KINDS})

# Every member of either party reads its contracts; alliance staff read all of them.
LINKAGE_VIEW = capability("linkage.view", kinds={*PARTY_KINDS, OrganisationKind.ALLIANCE})
# Owners and managers of a verified party draft, sign, amend, terminate and close contracts, and declare
# force majeure.
LINKAGE_NEGOTIATE = capability("linkage.negotiate", kinds=PARTY_KINDS, roles=MANAGING_ROLES, verified=True)
# The processor's people call off deliveries and weigh and grade them at the gate.
LINKAGE_CALL_OFF = capability("linkage.call_off", kinds={OrganisationKind.BUYER}, roles=MANAGING_ROLES, verified=True)
LINKAGE_INTAKE = capability("linkage.intake", kinds={OrganisationKind.BUYER}, roles=ALL_ROLES, verified=True)
# The processor's managers record input advances; the cooperative's confirm receiving them.
LINKAGE_ADVANCE = capability("linkage.advance", kinds={OrganisationKind.BUYER}, roles=MANAGING_ROLES)
LINKAGE_ACKNOWLEDGE = capability("linkage.acknowledge", kinds=PARTY_KINDS, roles=MANAGING_ROLES)
# Either party's managers, and alliance staff as mediators, write in a dispute.
LINKAGE_DISPUTE = capability("linkage.dispute", kinds={*PARTY_KINDS, OrganisationKind.ALLIANCE}, roles=MANAGING_ROLES)
# Processors' managers publish their own reference prices; alliance staff publish the alliance's.
REFERENCE_PRICE_PUBLISH = capability(
    "linkage.reference_price_publish", kinds={OrganisationKind.BUYER, OrganisationKind.ALLIANCE}, roles=MANAGING_ROLES
)
# The alliance's linkage report.
LINKAGE_REPORT = capability("linkage.report", kinds={OrganisationKind.ALLIANCE})

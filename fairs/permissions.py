"""What alliance staff, cooperatives and buyers may do at fairs."""

from market.organisations.models import SELLER_KINDS, OrganisationKind
from market.organisations.permissions import ALL_ROLES, MANAGING_ROLES, capability

# Alliance staff run fairs: plans, programmes, reviews, assignment, check-in, the report.
FAIRS_MANAGE = capability("fairs.manage", kinds={OrganisationKind.ALLIANCE})
# A cooperative's owner or manager applies for a booth (and withdraws); every member sees the applications.
FAIRS_APPLY = capability("fairs.apply", kinds=SELLER_KINDS, roles=MANAGING_ROLES)
FAIRS_EXHIBIT = capability("fairs.exhibit", kinds=SELLER_KINDS, roles=ALL_ROLES)
# Buyers register for a fair and request meetings.
FAIRS_MEET = capability("fairs.meet", kinds={OrganisationKind.BUYER}, roles=ALL_ROLES)
# Either side of a meeting (the buyer or the exhibiting cooperative) records what came of it.
FAIRS_MATCH = capability("fairs.match", kinds=SELLER_KINDS | {OrganisationKind.BUYER}, roles=ALL_ROLES)
# An exhibitor's or buyer's owner or manager names the people who get badges of their own.
FAIRS_BADGES = capability("fairs.badges", kinds=SELLER_KINDS | {OrganisationKind.BUYER}, roles=MANAGING_ROLES)

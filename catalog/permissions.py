"""What cooperatives, buyers and alliance staff may do with the catalogue."""

from market.organisations.models import SELLER_KINDS, OrganisationKind
from market.organisations.permissions import ALL_ROLES, MANAGING_ROLES, capability

# Any member of a selling organisation prepares products, price tiers, photos and lots …
PRODUCTS_MANAGE = capability("catalog.products_manage", kinds=SELLER_KINDS, roles=ALL_ROLES)
LOTS_MANAGE = capability("catalog.lots_manage", kinds=SELLER_KINDS, roles=ALL_ROLES)
# … but only a verified one puts them in front of buyers (and makes a lot's trace page public).
PRODUCTS_PUBLISH = capability("catalog.products_publish", kinds=SELLER_KINDS, roles=MANAGING_ROLES, verified=True)
LOTS_PUBLISH = capability("catalog.lots_publish", kinds=SELLER_KINDS, roles=ALL_ROLES, verified=True)
# Certificates and bulk imports are the managers' business.
CERTIFICATES_MANAGE = capability("catalog.certificates_manage", kinds=SELLER_KINDS, roles=MANAGING_ROLES)
CATALOG_IMPORT = capability("catalog.import", kinds=SELLER_KINDS, roles=MANAGING_ROLES)
# Alliance staff review certificates and can read every cooperative's catalogue.
CERTIFICATES_VERIFY = capability("catalog.certificates_verify", kinds={OrganisationKind.ALLIANCE})
CATALOG_VIEW_ALL = capability("catalog.view_all", kinds={OrganisationKind.ALLIANCE})
